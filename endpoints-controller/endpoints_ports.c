/*
 * endpoints_ports.c: pure port resolution of the endpoints-controller
 * (podutil.FindPort): a Service port's targetPort is a number, a name of
 * one of the pod's container ports, or absent (then the port itself).
 */
#include "endpoints.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"

static int
find_named(const struct kobj *pod, const char *name, const char *proto)
{
	const cJSON *ctrs = kobj_get(pod, "spec.containers"), *ct, *p, *n, *cp;
	const cJSON *pr;

	cJSON_ArrayForEach(ct, ctrs) {
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(ct,
		    "ports")) {
			n = cJSON_GetObjectItemCaseSensitive(p, "name");
			cp = cJSON_GetObjectItemCaseSensitive(p,
			    "containerPort");
			pr = cJSON_GetObjectItemCaseSensitive(p, "protocol");
			if (!cJSON_IsString(n) || !cJSON_IsNumber(cp) ||
			    strcmp(n->valuestring, name) != 0)
				continue;
			if (strcmp(cJSON_IsString(pr) ? pr->valuestring :
			    "TCP", proto) != 0)
				continue;
			return cp->valueint;
		}
	}
	return -1;
}

cJSON *
endpoints_port_for(const cJSON *sp, const struct kobj *pod)
{
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(sp, "targetPort");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(sp, "port");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(sp, "name");
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(sp, "protocol");
	const char *proto = cJSON_IsString(pr) ? pr->valuestring : "TCP";
	cJSON *ep;
	int num;

	if (cJSON_IsString(tp))
		num = find_named(pod, tp->valuestring, proto);
	else if (cJSON_IsNumber(tp) && tp->valueint > 0)
		num = tp->valueint;
	else
		num = cJSON_IsNumber(port) ? port->valueint : -1;
	if (num <= 0)
		return NULL;
	ep = cJSON_CreateObject();
	if (cJSON_IsString(name) && name->valuestring[0] != '\0')
		cJSON_AddStringToObject(ep, "name", name->valuestring);
	cJSON_AddNumberToObject(ep, "port", num);
	cJSON_AddStringToObject(ep, "protocol", proto);
	return ep;
}
