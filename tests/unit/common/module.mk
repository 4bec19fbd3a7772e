# Unit tests of libckube: one cmocka binary per module.
$(eval $(call unit_test,tests/unit/common/test_clock.c))
$(eval $(call unit_test,tests/unit/common/test_err.c))
$(eval $(call unit_test,tests/unit/common/test_expectations.c))
$(eval $(call unit_test,tests/unit/common/test_ratelimit.c))
$(eval $(call unit_test,tests/unit/common/test_strbuf.c))
$(eval $(call unit_test,tests/unit/common/test_strmap.c))
$(eval $(call unit_test,tests/unit/common/test_workqueue.c))
