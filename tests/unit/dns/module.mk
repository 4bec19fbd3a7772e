# Unit tests of ckube-dns (libdns.a, linked with ldns): the record table
# and the packet path, without sockets.
$(BUILD)/tests/unit/dns/%.o: CPPFLAGS += -Idns $(LDNS_CFLAGS)
$(eval $(call unit_test,tests/unit/dns/test_dnstable.c,$(dns_LIB) $(BUILD)/tests/lib/fake_api.o))
$(eval $(call unit_test,tests/unit/dns/test_dnsanswer.c,$(dns_LIB)))
$(eval $(call unit_test,tests/unit/dns/test_dnsfed.c,$(dns_LIB)))
$(eval $(call unit_test,tests/unit/dns/test_dnsrecord.c,$(dns_LIB) $(BUILD)/tests/lib/fake_api.o))
$(BUILD)/tests/unit/dns/test_dnstable $(BUILD)/tests/unit/dns/test_dnsanswer $(BUILD)/tests/unit/dns/test_dnsfed $(BUILD)/tests/unit/dns/test_dnsrecord: LDLIBS += $(LDNS_LIBS)
