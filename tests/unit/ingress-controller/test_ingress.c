/*
 * test_ingress.c: ckube-ingress-controller: the class an Ingress belongs
 * to (field, annotation, default class), and reconcile against fake_api:
 * the class made when missing, our Ingress given its address once, another
 * class's left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "fake_api.h"
#include "ingress.h"

static const struct watch_spec watches[] = {
	{ .resource = INGRESS_RESOURCE, .role = WATCH_PRIMARY },
	{ .resource = INGRESSCLASS_RESOURCE, .role = WATCH_MAPPED,
	  .map = ingress_map_class },
};

static const struct controller_def def = {
	.name = "ingress-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .reconcile = ingress_reconcile,
};

static struct kobj *
parse(const char *s)
{
	struct kobj *o = kobj_parse(s, strlen(s));

	assert_non_null(o);
	return o;
}

static struct kobj *
ing(const char *name, const char *spec_extra, const char *ann)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"networking.k8s.io/v1\","
	    "\"kind\":\"Ingress\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
	    "\"default\",\"resourceVersion\":\"1\",\"annotations\":{%s}},"
	    "\"spec\":{\"defaultBackend\":{\"service\":{\"name\":\"s\","
	    "\"port\":{\"number\":80}}}%s}}", name, ann, spec_extra);
	return parse(buf);
}

static struct kobj *
cls(const char *name, const char *ctl, int def_class)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"networking.k8s.io/v1\","
	    "\"kind\":\"IngressClass\",\"metadata\":{\"name\":\"%s\","
	    "\"resourceVersion\":\"1\",\"annotations\":{%s}},\"spec\":"
	    "{\"controller\":\"%s\"}}", name, def_class ? "\"ingressclass."
	    "kubernetes.io/is-default-class\":\"true\"" : "", ctl);
	return parse(buf);
}

static void
test_class_of(void **state)
{
	struct kobj *classes[2], *i;

	(void)state;
	classes[0] = cls("a", "x", 0);
	classes[1] = cls("b", "y", 1);
	i = ing("f", ",\"ingressClassName\":\"a\"", "");
	assert_string_equal(ingress_class_of(i, classes, 2), "a");
	kobj_unref(i);
	i = ing("n", "", "\"kubernetes.io/ingress.class\":\"z\"");
	assert_string_equal(ingress_class_of(i, classes, 2), "z");
	kobj_unref(i);
	i = ing("d", "", "");
	assert_string_equal(ingress_class_of(i, classes, 2), "b");
	assert_null(ingress_class_of(i, classes, 1));
	kobj_unref(i);
	kobj_unref(classes[0]);
	kobj_unref(classes[1]);
}

static void
test_reconcile(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;
	struct kobj *o;

	(void)state;
	o = ing("mine", ",\"ingressClassName\":\"ckube\"", "");
	fake_api_add(fa, INGRESS_RESOURCE, o);
	kobj_unref(o);
	o = ing("theirs", ",\"ingressClassName\":\"other\"", "");
	fake_api_add(fa, INGRESS_RESOURCE, o);
	kobj_unref(o);
	/* No class yet: it is created, and nothing is ours. */
	assert_int_equal(ingress_reconcile(c, "default/mine"), 0);
	assert_int_equal(fake_api_count(fa, "create", NULL), 1);
	a = fake_api_action(fa, 0);
	assert_string_equal(kobj_name(a->obj), "ckube");
	assert_string_equal(kobj_get_str(a->obj, "spec.controller"),
	    "ckube.io/ingress-controller");
	fake_api_clear(fa);
	o = cls("ckube", "ckube.io/ingress-controller", 0);
	fake_api_add(fa, INGRESSCLASS_RESOURCE, o);
	kobj_unref(o);
	o = cls("other", "someone.else/x", 0);
	fake_api_add(fa, INGRESSCLASS_RESOURCE, o);
	kobj_unref(o);
	assert_int_equal(ingress_reconcile(c, "default/theirs"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	assert_int_equal(ingress_reconcile(c, "default/mine"), 0);
	assert_int_equal(fake_api_count(fa, "update_status", NULL), 1);
	a = fake_api_action(fa, 0);
	assert_string_equal(kobj_get_str(a->obj,
	    "status.loadBalancer.ingress[0].ip"), "127.0.0.1");
	/* In the cache with its address: no second write. */
	o = kobj_copy(a->obj);
	fake_api_clear(fa);
	fake_api_add(fa, INGRESS_RESOURCE, o);
	kobj_unref(o);
	assert_int_equal(ingress_reconcile(c, "default/mine"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	controller_free(c);
	fake_api_free(fa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_of),
		cmocka_unit_test(test_reconcile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
