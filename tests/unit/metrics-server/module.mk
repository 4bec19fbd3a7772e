# Unit tests of ckube-metrics-server: the snapshot and the API answers
# (libmetrics-server.a; no sockets).
$(BUILD)/tests/unit/metrics-server/%.o: CPPFLAGS += -Imetrics-server
$(eval $(call unit_test,tests/unit/metrics-server/test_ms_api.c,$(metrics-server_LIB)))
