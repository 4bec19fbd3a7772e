# Unit tests of ckube-federation-controller-manager's pure parts.
$(BUILD)/tests/unit/federation/%.o: CPPFLAGS += -Ifederation/controller-manager
$(eval $(call unit_test,tests/unit/federation/test_health.c,$(federation/controller-manager_LIB)))
$(eval $(call unit_test,tests/unit/federation/test_plan.c,$(federation/controller-manager_LIB)))
$(eval $(call unit_test,tests/unit/federation/test_dnsrec.c,$(federation/controller-manager_LIB)))
