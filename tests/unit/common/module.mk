# Unit tests of libckube: one cmocka binary per module.
$(eval $(call unit_test,tests/unit/common/test_err.c))
$(eval $(call unit_test,tests/unit/common/test_fieldsel.c))
$(eval $(call unit_test,tests/unit/common/test_flags.c))
$(eval $(call unit_test,tests/unit/common/test_quantity.c))
$(eval $(call unit_test,tests/unit/common/test_rfc3339.c))
$(eval $(call unit_test,tests/unit/common/test_selector.c))
$(eval $(call unit_test,tests/unit/common/test_strbuf.c))
