# make bench: the load generator and the raw-SQLite peer (bench/run.sh drives them).
BENCH_BINS :=
BENCH_BINS += $(BUILD)/bench/ckube-loadgen
BENCH_BINS += $(BUILD)/bench/ckube-sqlite-raw
BENCH_BINS += $(BUILD)/bench/dns_bench
BENCH_BINS += $(BUILD)/bench/ckube-kobj-mem

$(BUILD)/bench/ckube-loadgen: $(BUILD)/bench/loadgen.o $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/bench/sqlite_raw.o: CPPFLAGS += -Iapiserver
$(BUILD)/bench/ckube-sqlite-raw: $(BUILD)/bench/sqlite_raw.o $(BUILD)/apiserver/store/store_sqlite_sql.o $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# ckube-dns's answer path in-process (its library and ldns).
$(BUILD)/bench/dns_bench.o: CPPFLAGS += -Idns $(LDNS_CFLAGS)
$(BUILD)/bench/dns_bench: $(BUILD)/bench/dns_bench.o $(dns_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(LDNS_LIBS)
# What one cached object costs (bench/kobj_mem.c; glibc's counters: run the debug build's).
$(BUILD)/bench/ckube-kobj-mem: $(BUILD)/bench/kobj_mem.o $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ALL_OBJS += $(BUILD)/bench/kobj_mem.o
ALL_OBJS += $(BUILD)/bench/loadgen.o $(BUILD)/bench/sqlite_raw.o $(BUILD)/bench/dns_bench.o
bench-bins: $(BENCH_BINS)
