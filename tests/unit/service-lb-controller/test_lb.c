/*
 * test_lb.c: lb_reconcile() against tests/lib/fake_api (writes change the
 * caches): an address for a new LoadBalancer, kept on the next pass, the
 * requested one, a requested one outside the pool or in use, exhaustion
 * and its AllocationFailed event, release on delete or type change, and
 * Services of another class or type left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "fake_api.h"
#include "lb.h"

struct fixture {
	struct fake_api		*fa;
	struct controller	*c;
	struct lb_state		 state;
	bool			 workers;
};

static struct fixture *current;

static int
init(struct controller *c)
{
	char err[128];

	if (lbpool_parse("10.0.0.1-10.0.0.2", &current->state.pool, err,
	    sizeof(err)) < 0)
		return CK_EINVALID;
	current->state.lb_class = "";
	controller_set_data(c, &current->state);
	return 0;
}

static void
fini(struct controller *c)
{
	struct lb_state *s = controller_data(c);

	lbpool_free(s->pool);
	s->pool = NULL;
}

static const struct watch_spec watches[] = {
	{ .resource = "services", .role = WATCH_MAPPED,
	  .map = lb_map_service },
};

static const struct controller_def def = {
	.name = "service-lb-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = init, .fini = fini,
	.reconcile = lb_reconcile,
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	current = f;
	f->fa = fake_api_new();
	fake_api_set_tracking(f->fa, 1);
	fake_api_cache(f->fa, "services");
	f->c = fake_api_controller(f->fa, &def);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

/* Run what reconciles queued (wake_pending) through a worker, to the end. */
static void
drain(struct fixture *f)
{
	if (!f->workers)
		assert_int_equal(controller_start_workers(f->c, 1), 0);
	f->workers = true;
	assert_int_equal(controller_wait_idle(f->c, ck_now_ms() + 10000), 0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	drain(f);
	controller_free(f->c);
	fake_api_free(f->fa);
	free(f);
	return 0;
}

/* A Service in the cache: type, loadBalancerIP and class ("" none), status IP. */
static void
add_svc(struct fixture *f, const char *name, const char *type,
    const char *req, const char *cls, const char *shown)
{
	char buf[1024];
	struct kobj *o;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Service\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\","
	    "\"uid\":\"u-%s\",\"resourceVersion\":\"1\"},\"spec\":{\"type\":"
	    "\"%s\",\"ports\":[{\"port\":80}]%s%s%s%s%s%s},\"status\":{"
	    "\"loadBalancer\":{%s%s%s}}}", name, name, type,
	    req[0] ? ",\"loadBalancerIP\":\"" : "", req, req[0] ? "\"" : "",
	    cls[0] ? ",\"loadBalancerClass\":\"" : "", cls, cls[0] ? "\"" : "",
	    shown[0] ? "\"ingress\":[{\"ip\":\"" : "", shown,
	    shown[0] ? "\"}]" : "");
	o = kobj_parse(buf, strlen(buf));
	assert_non_null(o);
	fake_api_add(f->fa, "services", o);
	kobj_unref(o);
}

/* The status IP of ns/name in the cache ("" none, "gone" no object). */
static const char *
shown(struct fixture *f, const char *name)
{
	static char buf[64];
	char key[64];
	struct kobj *o;
	const cJSON *ip;

	snprintf(key, sizeof(key), "ns/%s", name);
	o = cache_get(fake_api_cache(f->fa, "services"), key);
	if (o == NULL)
		return "gone";
	ip = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(kobj_get(o,
	    "status.loadBalancer.ingress"), 0), "ip");
	snprintf(buf, sizeof(buf), "%s", cJSON_IsString(ip) ?
	    ip->valuestring : "");
	kobj_unref(o);
	return buf;
}

static int
sync_key(struct fixture *f, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "ns/%s", name);
	return lb_reconcile(f->c, key);
}

/* How many events of reason were recorded; the last one's message. */
static size_t
events(struct fixture *f, const char *reason, const char **msg)
{
	const struct fake_action *a;
	size_t i, n = 0;

	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		a = fake_api_action(f->fa, i);
		if (strcmp(a->verb, "event") == 0 &&
		    strcmp(a->reason, reason) == 0) {
			n++;
			if (msg != NULL)
				*msg = a->message;
		}
	}
	return n;
}

static void
test_lb_assigns_and_keeps(void **state)
{
	struct fixture *f = *state;
	const char *msg = NULL;

	add_svc(f, "a", "LoadBalancer", "", "", "");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_string_equal(shown(f, "a"), "10.0.0.1");
	assert_int_equal(fake_api_count(f->fa, "update_status", "services"),
	    1);
	assert_int_equal(events(f, "IPAllocated", &msg), 1);
	assert_string_equal(msg, "Assigned IP [\"10.0.0.1\"]");
	/* Nothing to do on the next pass. */
	fake_api_clear(f->fa);
	assert_int_equal(sync_key(f, "a"), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

static void
test_lb_requested_ip(void **state)
{
	struct fixture *f = *state;
	const char *msg = NULL;

	add_svc(f, "a", "LoadBalancer", "10.0.0.2", "", "");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_string_equal(shown(f, "a"), "10.0.0.2");
	/* In use by a: b gets an event and no address. */
	add_svc(f, "b", "LoadBalancer", "10.0.0.2", "", "");
	assert_int_equal(sync_key(f, "b"), 0);
	assert_string_equal(shown(f, "b"), "");
	assert_int_equal(events(f, "AllocationFailed", &msg), 1);
	assert_non_null(strstr(msg, "already in use by \"ns/a\""));
	/* Outside the pool. */
	add_svc(f, "c", "LoadBalancer", "192.0.2.1", "", "");
	assert_int_equal(sync_key(f, "c"), 0);
	assert_string_equal(shown(f, "c"), "");
	assert_int_equal(events(f, "AllocationFailed", &msg), 2);
	assert_non_null(strstr(msg, "\"192.0.2.1\" is not in the pool"));
	/* A request changed to a free address moves the Service there. */
	add_svc(f, "a", "LoadBalancer", "10.0.0.1", "", "10.0.0.2");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_string_equal(shown(f, "a"), "10.0.0.1");
	add_svc(f, "b", "LoadBalancer", "10.0.0.2", "", "");
	assert_int_equal(sync_key(f, "b"), 0);
	assert_string_equal(shown(f, "b"), "10.0.0.2");
}

static void
test_lb_exhausted_then_released(void **state)
{
	struct fixture *f = *state;
	const char *msg = NULL;

	add_svc(f, "a", "LoadBalancer", "", "", "");
	add_svc(f, "b", "LoadBalancer", "", "", "");
	add_svc(f, "c", "LoadBalancer", "", "", "");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_int_equal(sync_key(f, "b"), 0);
	assert_int_equal(sync_key(f, "c"), 0);
	assert_string_equal(shown(f, "c"), "");
	assert_int_equal(events(f, "AllocationFailed", &msg), 1);
	assert_string_equal(msg, "Failed to allocate IP for \"ns/c\": no "
	    "available IPs");
	assert_int_equal(fake_api_count(f->fa, "update_status", "services"),
	    2);			/* c stays <pending>: nothing written */

	/* a is deleted: its release queues c, which gets the address. */
	kobj_unref(cache_remove(fake_api_cache(f->fa, "services"), "ns/a"));
	assert_int_equal(sync_key(f, "a"), 0);
	drain(f);
	assert_string_equal(shown(f, "c"), "10.0.0.1");
	assert_string_equal(shown(f, "b"), "10.0.0.2");
}

static void
test_lb_type_change_clears_status(void **state)
{
	struct fixture *f = *state;
	struct lb_state *s = controller_data(f->c);
	char ip[LBPOOL_IP_LEN];

	add_svc(f, "a", "LoadBalancer", "", "", "");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_string_equal(shown(f, "a"), "10.0.0.1");
	add_svc(f, "a", "ClusterIP", "", "", "10.0.0.1");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_string_equal(shown(f, "a"), "");
	assert_false(lbpool_lookup(s->pool, "ns/a", ip));
	assert_int_equal(lbpool_free_count(s->pool), 2);
}

static void
test_lb_leaves_others_alone(void **state)
{
	struct fixture *f = *state;

	add_svc(f, "x", "LoadBalancer", "", "example.com/lb", "");
	add_svc(f, "y", "NodePort", "", "", "");
	add_svc(f, "z", "ClusterIP", "", "", "203.0.113.9");
	add_svc(f, "w", "LoadBalancer", "", "example.com/lb", "203.0.113.8");
	assert_int_equal(sync_key(f, "x"), 0);
	assert_int_equal(sync_key(f, "y"), 0);
	assert_int_equal(sync_key(f, "z"), 0);
	assert_int_equal(sync_key(f, "w"), 0);
	assert_int_equal(sync_key(f, "gone"), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
	assert_string_equal(shown(f, "w"), "203.0.113.8");
}

/* An address shown but not held (a relist) is kept when free. */
static void
test_lb_keeps_shown_address(void **state)
{
	struct fixture *f = *state;

	add_svc(f, "a", "LoadBalancer", "", "", "10.0.0.2");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
	add_svc(f, "b", "LoadBalancer", "", "", "10.0.0.2");	/* a copy */
	assert_int_equal(sync_key(f, "b"), 0);
	assert_string_equal(shown(f, "b"), "10.0.0.1");
	/* An address outside the pool (the range changed) is replaced. */
	add_svc(f, "c", "LoadBalancer", "", "", "192.0.2.5");
	assert_int_equal(sync_key(f, "c"), 0);
	assert_string_equal(shown(f, "c"), "");
	assert_int_equal(events(f, "AllocationFailed", NULL), 1);
}

/* A status write that conflicts keeps the address for the retry. */
static void
test_lb_conflict_retries(void **state)
{
	struct fixture *f = *state;

	add_svc(f, "a", "LoadBalancer", "", "", "");
	fake_api_fail(f->fa, "update_status", "services", CK_ECONFLICT, 1);
	assert_int_equal(sync_key(f, "a"), CK_ECONFLICT);
	assert_string_equal(shown(f, "a"), "");
	add_svc(f, "b", "LoadBalancer", "", "", "");
	assert_int_equal(sync_key(f, "b"), 0);
	assert_string_equal(shown(f, "b"), "10.0.0.2");
	assert_int_equal(sync_key(f, "a"), 0);
	assert_string_equal(shown(f, "a"), "10.0.0.1");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_lb_assigns_and_keeps),
		T(test_lb_requested_ip),
		T(test_lb_exhausted_then_released),
		T(test_lb_type_change_clears_status),
		T(test_lb_leaves_others_alone),
		T(test_lb_keeps_shown_address),
		T(test_lb_conflict_retries),
	};

	return cmocka_run_group_tests_name("lb", tests, NULL, NULL);
}
