/*
 * main.c: wiring only. The reconcile is in lb.c, the pool in lbpool.c;
 * init parses --lb-ip-range (a bad one stops the daemon with the reason).
 */
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/log.h"

#include "lb.h"

#define LB_RANGE_DEFAULT	"172.18.255.1-172.18.255.254"

static const char *lb_range = LB_RANGE_DEFAULT;
static const char *lb_class = "";

static const struct flag lb_flags[] = {
	{ "lb-ip-range", FLAG_STRING, &lb_range, LB_RANGE_DEFAULT,
	  "Load balancer",
	  "the addresses given to LoadBalancer Services: IPv4 CIDRs "
	  "(172.18.255.0/24, host addresses only) or ranges "
	  "(172.18.255.1-172.18.255.50), comma-separated, at most 65536" },
	{ "lb-class", FLAG_STRING, &lb_class, "", "Load balancer",
	  "serve Services whose spec.loadBalancerClass is this (empty: "
	  "those without a class)" },
};

static const struct watch_spec lb_watches[] = {
	{ .resource = "services", .role = WATCH_MAPPED,
	  .map = lb_map_service },
};

static struct lb_state state;

static int
lb_init(struct controller *c)
{
	char err[256];

	if (lbpool_parse(lb_range, &state.pool, err, sizeof(err)) < 0) {
		log_error("service-lb-controller: bad --lb-ip-range: %s", err);
		return CK_EINVALID;
	}
	state.lb_class = lb_class;
	log_info("service-lb-controller: %zu addresses in %s",
	    lbpool_size(state.pool), lb_range);
	controller_set_data(c, &state);
	return 0;
}

static void
lb_fini(struct controller *c)
{
	(void)c;
	lbpool_free(state.pool);
	state.pool = NULL;
}

static const struct controller_def lb_def = {
	.name		= "service-lb-controller",
	.summary	= "load balancer addresses for Services of type "
			  "LoadBalancer from --lb-ip-range (as MetalLB or k3s's "
			  "servicelb)",
	.watches	= lb_watches,
	.nwatches	= ARRAY_SIZE(lb_watches),
	.flags		= lb_flags,
	.nflags		= ARRAY_SIZE(lb_flags),
	.init		= lb_init,
	.fini		= lb_fini,
	.reconcile	= lb_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&lb_def, argc, argv);
}
