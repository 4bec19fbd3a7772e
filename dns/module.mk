# ckube-dns: libdns.a + main.c. ldns (no .pc file on some systems: -lldns)
# is linked into this daemon only. Keep DNS_SRCS sorted, one file a line.
DNS_SRCS :=
DNS_SRCS += dns/dnsanswer.c
DNS_SRCS += dns/dnsfed.c
DNS_SRCS += dns/dnsrec.c
DNS_SRCS += dns/dnsserver.c
DNS_SRCS += dns/dnssync.c
DNS_SRCS += dns/dnstable.c

$(eval $(call daemon,dns,ckube-dns,$(DNS_SRCS)))
$(BUILD)/dns/%.o: CPPFLAGS += $(LDNS_CFLAGS)
$(BIN)/ckube-dns: LDLIBS += $(LDNS_LIBS)
