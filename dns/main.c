/*
 * main.c: wiring only. ckube-dns is a controller whose reconcile keeps the
 * record table (dnssync.c); init starts the DNS server thread beside it.
 * The server port flags are --dns-*: --port and --bind-address are the
 * health and metrics server's, as in every ckube daemon.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/httpd.h"
#include "ckube/log.h"

#include "dns.h"

static const char *dns_bind = "0.0.0.0";
static int64_t dns_port = 53;
static const char *dns_port_file;
static const char *dns_domain = "cluster.local";
static int64_t dns_ttl = 30;
static const char *dns_upstream;
static const char *dns_federations = "";
static const char *dns_zone_name = "";
static int dns_records;

static const struct flag dns_flags[] = {
	{ "dns-bind-address", FLAG_STRING, &dns_bind, "0.0.0.0", "DNS",
	  "the IP address the DNS server listens on (UDP and TCP)" },
	{ "dns-port", FLAG_INT, &dns_port, "53", "DNS",
	  "the DNS port, UDP and TCP (0: a free one)" },
	{ "dns-port-file", FLAG_STRING, &dns_port_file, NULL, "DNS",
	  "write the bound DNS port to this file" },
	{ "domain", FLAG_STRING, &dns_domain, "cluster.local", "DNS",
	  "the cluster domain served (names outside it are refused or "
	  "forwarded)" },
	{ "ttl", FLAG_INT, &dns_ttl, "30", "DNS",
	  "the TTL of every record, in seconds" },
	{ "upstream", FLAG_STRING, &dns_upstream, NULL, "DNS",
	  "forward names outside the domain to this resolver (IP[:port]); "
	  "unset: REFUSED" },
	{ "federations", FLAG_STRING, &dns_federations, "", "DNS",
	  "federations this cluster belongs to, NAME=DOMAIN[,NAME=DOMAIN...] "
	  "(e.g. myfed=example.com): <svc>.<ns>.<NAME>.svc.<domain> answers "
	  "a CNAME to the local Service when it has ready endpoints, else to "
	  "<svc>.<ns>.<NAME>.svc.<zone>.<region>.<DOMAIN> from the nodes' "
	  "zone and region labels" },
	{ "dnsrecords-source", FLAG_BOOL, &dns_records, "false", "DNS",
	  "authoritative mode: serve the zone --zone-name from the DNSRecord "
	  "objects (federation.ckube.io/v1 dnsrecords) of the API server "
	  "(--kubeconfig: the federation's) instead of Services; on the "
	  "command line" },
	{ "zone-name", FLAG_STRING, &dns_zone_name, "", "DNS",
	  "the zone served in --dnsrecords-source mode (e.g. example.com)" },
};

static const struct watch_spec dns_watches[] = {
	{ .resource = "services", .role = WATCH_PRIMARY },
	{ .resource = "endpoints", .role = WATCH_PRIMARY },
};

static struct dns_state state;
static const char dns_def_summary[] = "cluster DNS: services, headless "
    "services, pets and SRV from the API (the kube-dns schema 1.0.0), "
    "federation names; or a federation zone from DNSRecord objects";

static bool
dns_ready(void *arg)
{
	return controller_watches_synced(arg);
}

static void
dns_fini(struct controller *c)
{
	(void)c;
	dns_server_stop(state.server);
	dnstable_free(state.table);
	dnsfed_free(state.feds);
	state.server = NULL;
	state.table = NULL;
	state.feds = NULL;
}

static int
dns_init(struct controller *c)
{
	struct dns_server_cfg cfg = {
		.bind_address = dns_bind,
		.port = (int)dns_port,
		.upstream = dns_upstream,
	};
	char err[256];
	int rc;

	if (dnsfed_parse(dns_federations, &state.feds, err, sizeof(err)) < 0) {
		log_error("dns: bad --federations: %s", err);
		return CK_EINVALID;
	}
	if (dns_records)
		dns_domain = dns_zone_name;	/* the zone served */
	if (dns_records != (controller_def(c)->reconcile ==
	    dns_reconcile_record)) {
		log_error("dns: --dnsrecords-source must be on the command line");
		dnsfed_free(state.feds);
		state.feds = NULL;
		return CK_EINVALID;
	}
	if (dns_port < 0 || dns_port > 65535 || dns_ttl < 0 ||
	    dns_ttl > INT32_MAX || dns_domain[0] == '\0' ||
	    dns_domain[0] == '.') {
		log_error("dns: --dns-port must be 0..65535, --ttl 0..%d "
		    "and --domain (--zone-name with --dnsrecords-source) a "
		    "name", INT32_MAX);
		dnsfed_free(state.feds);
		state.feds = NULL;
		return CK_EINVALID;
	}
	state.table = dnstable_new(dns_domain);
	cfg.answer.table = state.table;
	cfg.answer.ttl_s = (uint32_t)dns_ttl;
	cfg.answer.ready = dns_ready;
	cfg.answer.ready_arg = c;
	rc = 0;
	if (dns_records)
		rc = dns_watch_records(c);
	else if (dnsfed_count(state.feds) > 0) {
		/* The zone and region come from the nodes' labels. */
		rc = controller_watch_gvr(c, "nodes", &CLIENT_GVR_NODES, NULL);
		cfg.answer.federation = dns_federation_target;
		cfg.answer.federation_arg = c;
	}
	/* controller_data before the server thread answers a query. */
	controller_set_data(c, &state);
	if (rc == 0)
		rc = dns_server_start(&cfg, &state.server);
	if (rc == 0 && dns_port_file != NULL &&
	    httpd_write_port_file(dns_port_file, dns_server_port(state.server)) < 0)
		rc = CK_EIO;
	if (rc < 0) {
		dns_fini(c);		/* fini runs only after a good init */
		return rc;
	}
	return 0;
}

static const struct controller_def dns_def = {
	.name		= "dns",
	.summary	= dns_def_summary,
	.watches	= dns_watches,
	.nwatches	= ARRAY_SIZE(dns_watches),
	.flags		= dns_flags,
	.nflags		= ARRAY_SIZE(dns_flags),
	.init		= dns_init,
	.fini		= dns_fini,
	.reconcile	= dns_reconcile,
};

/* Authoritative mode: no Services, a watch added by init. */
static const struct controller_def dns_records_def = {
	.name		= "dns",
	.summary	= dns_def_summary,
	.flags		= dns_flags,
	.nflags		= ARRAY_SIZE(dns_flags),
	.init		= dns_init,
	.fini		= dns_fini,
	.reconcile	= dns_reconcile_record,
};

/*
 * The watch table is static, so the mode is read from the command line
 * before the flags are parsed; dns_init checks that both agree.
 */
static bool
records_mode(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--dnsrecords-source") == 0 ||
		    strcmp(argv[i], "--dnsrecords-source=true") == 0)
			return true;
	return false;
}

int
main(int argc, char *argv[])
{
	return controller_main(records_mode(argc, argv) ? &dns_records_def :
	    &dns_def, argc, argv);
}
