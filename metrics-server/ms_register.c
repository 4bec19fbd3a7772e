/*
 * ms_register.c: the objects that make the apiserver's aggregator route
 * /apis/metrics.k8s.io to us, as metrics-server's manifests ship them: a
 * selector-less Service NS/NAME, its Endpoints (our address and port; the
 * endpoints controller leaves selector-less services alone) and the
 * APIService v1beta1.metrics.k8s.io whose spec.service names the Service.
 * Created, or updated in place when they exist (a restart may change port).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "metrics_server.h"

static cJSON *
new_obj(const char *av, const char *kind, const char *ns, const char *name)
{
	cJSON *o = cJSON_CreateObject(), *m, *l;

	cJSON_AddStringToObject(o, "apiVersion", av);
	cJSON_AddStringToObject(o, "kind", kind);
	m = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(m, "name", name);
	if (ns != NULL)
		cJSON_AddStringToObject(m, "namespace", ns);
	l = cJSON_AddObjectToObject(m, "labels");
	cJSON_AddStringToObject(l, "k8s-app", "metrics-server");
	return o;
}

/*
 * Create obj; when it exists, copy field (e.g. "subsets", "spec") into the
 * stored one and update it. obj is freed.
 */
static int
ensure(struct client *cl, const struct client_gvr *gvr, cJSON *obj,
    const char *field)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *ns = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(m, "namespace"));
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(m, "name"));
	struct ck_status st;
	cJSON *cur = NULL;
	int rc;

	rc = client_create(cl, obj, NULL, &st);
	if (rc == CK_EEXIST && field != NULL) {
		rc = client_get(cl, gvr, ns, name, &cur, &st);
		if (rc == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(cur, field);
			cJSON_AddItemToObject(cur, field, cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(obj, field), 1));
			rc = client_update(cl, cur, NULL, &st);
		}
	} else if (rc == CK_EEXIST)
		rc = 0;
	if (rc != 0)
		log_error("registering %s %s: %s", gvr->resource, name,
		    st.message);
	cJSON_Delete(cur);
	cJSON_Delete(obj);
	return rc;
}

int
ms_register(struct client *cl, const char *ns, const char *name,
    const char *host, int port)
{
	static const struct client_gvr svc_gvr = { "", "v1", "services" };
	static const struct client_gvr ep_gvr = { "", "v1", "endpoints" };
	static const struct client_gvr as_gvr = { "apiregistration.k8s.io",
		"v1", "apiservices" };
	cJSON *o, *spec, *ports, *p, *subsets, *s, *addrs, *a, *ref;
	int rc;

	o = new_obj("v1", "Service", ns, name);
	spec = cJSON_AddObjectToObject(o, "spec");
	ports = cJSON_AddArrayToObject(spec, "ports");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", "https");
	cJSON_AddNumberToObject(p, "port", 443);
	cJSON_AddNumberToObject(p, "targetPort", port);
	cJSON_AddStringToObject(p, "protocol", "TCP");
	cJSON_AddItemToArray(ports, p);
	rc = ensure(cl, &svc_gvr, o, NULL);
	if (rc != 0)
		return rc;

	o = new_obj("v1", "Endpoints", ns, name);
	subsets = cJSON_AddArrayToObject(o, "subsets");
	s = cJSON_CreateObject();
	addrs = cJSON_AddArrayToObject(s, "addresses");
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "ip", host);
	cJSON_AddItemToArray(addrs, a);
	ports = cJSON_AddArrayToObject(s, "ports");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", "https");
	cJSON_AddNumberToObject(p, "port", port);
	cJSON_AddStringToObject(p, "protocol", "TCP");
	cJSON_AddItemToArray(ports, p);
	cJSON_AddItemToArray(subsets, s);
	rc = ensure(cl, &ep_gvr, o, "subsets");
	if (rc != 0)
		return rc;

	o = new_obj("apiregistration.k8s.io/v1", "APIService", NULL,
	    "v1beta1.metrics.k8s.io");
	spec = cJSON_AddObjectToObject(o, "spec");
	ref = cJSON_AddObjectToObject(spec, "service");
	cJSON_AddStringToObject(ref, "namespace", ns);
	cJSON_AddStringToObject(ref, "name", name);
	cJSON_AddNumberToObject(ref, "port", 443);
	cJSON_AddStringToObject(spec, "group", "metrics.k8s.io");
	cJSON_AddStringToObject(spec, "version", "v1beta1");
	cJSON_AddBoolToObject(spec, "insecureSkipTLSVerify", 1);
	cJSON_AddNumberToObject(spec, "groupPriorityMinimum", 100);
	cJSON_AddNumberToObject(spec, "versionPriority", 100);
	return ensure(cl, &as_gvr, o, "spec");
}
