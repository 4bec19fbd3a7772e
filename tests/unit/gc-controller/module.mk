# Unit tests of ckube-gc-controller: graph.c alone, and the workers
# (attemptToDelete, attemptToOrphan) over tests/lib/fake_api.c.
$(BUILD)/tests/unit/gc-controller/%.o: CPPFLAGS += -Igc-controller
$(eval $(call unit_test,tests/unit/gc-controller/test_graph.c,$(BUILD)/gc-controller/graph.o))
$(eval $(call unit_test,tests/unit/gc-controller/test_gc.c,$(gc-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
