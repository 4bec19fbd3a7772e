# Unit tests of libckube: one cmocka binary per module.
$(eval $(call unit_test,tests/unit/common/test_bus.c))
$(eval $(call unit_test,tests/unit/common/test_codec.c))
$(eval $(call unit_test,tests/unit/common/test_err.c))
$(eval $(call unit_test,tests/unit/common/test_httpd.c))
$(eval $(call unit_test,tests/unit/common/test_metrics.c))
$(eval $(call unit_test,tests/unit/common/test_strbuf.c))
$(eval $(call unit_test,tests/unit/common/test_yamljson.c))
