/*
 * ingress.c: networking.k8s.io/v1 Ingress and IngressClass: defaults (the
 * protobuf form's ingressRuleValue inlined), validation worded as
 * Kubernetes' networking validation, and the 1.3 extensions/v1beta1
 * Ingress converted to and from v1 (serviceName/servicePort <->
 * service.name/port.number|name, backend <-> defaultBackend).
 */
#include "apiserver.h"
#include "validation_kind.h"
#include "validation_meta.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"


#define RULES(o)	cJSON_GetObjectItemCaseSensitive(json_obj(o, "spec"), \
			    "rules")

/* Each rule's paths: fn(path, rule index, path index). */
static void
each_path(cJSON *obj, void (*fn)(cJSON *path, void *arg), void *arg)
{
	cJSON *rule, *path;

	cJSON_ArrayForEach(rule, RULES(obj))
		cJSON_ArrayForEach(path, cJSON_GetObjectItemCaseSensitive(
		    json_obj(rule, "http"), "paths"))
			fn(path, arg);
}

void
defaults_ingress(cJSON *obj)
{
	cJSON *rule, *irv;

	/* Protobuf bodies carry IngressRuleValue as a member: inline it. */
	cJSON_ArrayForEach(rule, RULES(obj)) {
		irv = cJSON_DetachItemFromObjectCaseSensitive(rule,
		    "ingressRuleValue");
		if (irv == NULL)
			continue;
		if (json_obj(irv, "http") != NULL &&
		    json_obj(rule, "http") == NULL)
			cJSON_AddItemToObject(rule, "http",
			    cJSON_DetachItemFromObjectCaseSensitive(irv,
			    "http"));
		cJSON_Delete(irv);
	}
}

/* ---- 1.3 extensions/v1beta1 <-> v1 ---- */

/* v1beta1 {serviceName, servicePort} -> v1 {service: {name, port}}. */
static void
backend_in(cJSON *b)
{
	cJSON *svc, *port;
	const cJSON *sp;

	if (!cJSON_IsObject(b) || json_str(b, "serviceName") == NULL)
		return;
	svc = cJSON_CreateObject();
	cJSON_AddStringToObject(svc, "name", json_str(b, "serviceName"));
	port = cJSON_AddObjectToObject(svc, "port");
	sp = cJSON_GetObjectItemCaseSensitive(b, "servicePort");
	if (cJSON_IsNumber(sp))
		cJSON_AddNumberToObject(port, "number", sp->valuedouble);
	else if (cJSON_IsString(sp))
		cJSON_AddStringToObject(port, "name", sp->valuestring);
	json_del(b, "serviceName");
	json_del(b, "servicePort");
	json_del(b, "service");
	cJSON_AddItemToObject(b, "service", svc);
}

static void
backend_out(cJSON *b)
{
	const cJSON *svc = json_obj(b, "service"), *port, *num;
	const char *name;

	if (svc == NULL)
		return;
	port = json_obj(svc, "port");
	num = cJSON_GetObjectItemCaseSensitive(port, "number");
	name = json_str(port, "name");
	if (json_str(svc, "name") != NULL)
		cJSON_AddStringToObject(b, "serviceName", json_str(svc, "name"));
	if (cJSON_IsNumber(num))
		cJSON_AddNumberToObject(b, "servicePort", num->valuedouble);
	else if (name != NULL)
		cJSON_AddStringToObject(b, "servicePort", name);
	json_del(b, "service");
}

static void
path_in(cJSON *path, void *arg)
{
	(void)arg;
	backend_in(json_obj(path, "backend"));
	/* v1beta1 defaults pathType to ImplementationSpecific. */
	json_default_str(path, "pathType", "ImplementationSpecific");
}

static void
path_out(cJSON *path, void *arg)
{
	(void)arg;
	backend_out(json_obj(path, "backend"));
}

void
convert_ingress_in(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *b;

	if (spec != NULL && (b = cJSON_DetachItemFromObjectCaseSensitive(spec,
	    "backend")) != NULL) {
		backend_in(b);
		json_del(spec, "defaultBackend");
		cJSON_AddItemToObject(spec, "defaultBackend", b);
	}
	each_path(obj, path_in, NULL);
}

void
convert_ingress_out(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *b;

	if (spec != NULL && (b = cJSON_DetachItemFromObjectCaseSensitive(spec,
	    "defaultBackend")) != NULL) {
		backend_out(b);
		cJSON_AddItemToObject(spec, "backend", b);
	}
	each_path(obj, path_out, NULL);
}

/* ---- validation ---- */

static void
validate_backend(const cJSON *b, const char *field, struct ck_status *st)
{
	const cJSON *svc = json_obj(b, "service"), *port, *num;
	char f[192];
	const char *name;
	bool has_name, has_num;

	if (svc != NULL && json_obj(b, "resource") != NULL) {
		vk_invalid_str(st, field, "", "cannot set both resource and "
		    "service backends");
		return;
	}
	if (json_obj(b, "resource") != NULL)
		return;
	if (svc == NULL) {
		vk_invalid_str(st, field, "", "resource or service backend is "
		    "required");
		return;
	}
	snprintf(f, sizeof(f), "%s.service.name", field);
	name = json_str(svc, "name");
	if (name == NULL || name[0] == '\0')
		vk_required(st, f);
	else if (!validate_is_dns1035_label(name))
		vk_invalid_str(st, f, name, "a DNS-1035 label must consist of "
		    "lower case alphanumeric characters or '-', start with an "
		    "alphabetic character, and end with an alphanumeric "
		    "character (e.g. 'my-name',  or 'abc-123', regex used for "
		    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
	port = json_obj(svc, "port");
	num = cJSON_GetObjectItemCaseSensitive(port, "number");
	has_name = json_str(port, "name") != NULL &&
	    json_str(port, "name")[0] != '\0';
	has_num = cJSON_IsNumber(num) && num->valuedouble != 0;
	if (has_name && has_num)
		vk_invalid_str(st, field, "", "cannot set both port name & "
		    "port number");
	else if (has_num && (num->valuedouble < 1 ||
	    num->valuedouble > 65535)) {
		snprintf(f, sizeof(f), "%s.service.port.number", field);
		vk_invalid(st, f, num, "must be between 1 and 65535, "
		    "inclusive");
	} else if (!has_name && !has_num)
		ck_status_add_cause(st, field, "FieldValueRequired",
		    "Required value: port name or number is required");
}

static bool
is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

static void
validate_host(const char *host, const char *field, struct ck_status *st)
{
	if (is_ip(host))
		vk_invalid_str(st, field, host, "must be a DNS name, not an IP "
		    "address");
	if (strchr(host, '*') != NULL) {
		if (strncmp(host, "*.", 2) != 0 ||
		    !validate_is_dns1123_subdomain(host + 2))
			vk_invalid_str(st, field, host, "a wildcard DNS-1123 "
			    "subdomain must start with '*.', followed by a "
			    "valid DNS subdomain, which must consist of lower "
			    "case alphanumeric characters, '-' or '.' and end "
			    "with an alphanumeric character (e.g. "
			    "'*.example.com', regex used for validation is "
			    "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
			    "([-a-z0-9]*[a-z0-9])?)*')");
	} else if (!validate_is_dns1123_subdomain(host))
		vk_invalid_str(st, field, host, validate_subdomain_msg());
}

static void
validate_path(const cJSON *p, const char *field, struct ck_status *st)
{
	static const char *const types[] = { "Exact", "ImplementationSpecific",
	    "Prefix", NULL };
	const char *pt = json_str(p, "pathType");
	const char *path = json_str(p, "path");
	char f[192];

	snprintf(f, sizeof(f), "%s.pathType", field);
	if (pt == NULL || pt[0] == '\0')
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: pathType must be specified");
	else if (strcmp(pt, "Exact") != 0 && strcmp(pt, "Prefix") != 0 &&
	    strcmp(pt, "ImplementationSpecific") != 0)
		vk_not_supported(st, f, pt, types);
	else if (strcmp(pt, "ImplementationSpecific") != 0) {
		snprintf(f, sizeof(f), "%s.path", field);
		if (path == NULL || path[0] != '/')
			vk_invalid_str(st, f, path, "must be an absolute path");
		else if (strstr(path, "//") != NULL)
			vk_invalid_str(st, f, path, "must not contain '//'");
	} else if (path != NULL && path[0] != '\0' && path[0] != '/') {
		snprintf(f, sizeof(f), "%s.path", field);
		vk_invalid_str(st, f, path, "must be an absolute path");
	}
	snprintf(f, sizeof(f), "%s.backend", field);
	validate_backend(json_obj(p, "backend"), f, st);
}

void
validation_ingress(const cJSON *obj, struct ck_status *st)
{
	const cJSON *spec = json_obj(obj, "spec"), *rules, *rule, *p, *tls,
	    *h;
	const char *host, *cls;
	cJSON *null;
	char f[160];
	int i = 0, k;

	rules = cJSON_GetObjectItemCaseSensitive(spec, "rules");
	if (cJSON_GetArraySize(rules) == 0 &&
	    json_obj(spec, "defaultBackend") == NULL)
	{
		null = cJSON_CreateNull();
		vk_invalid(st, "spec", rules != NULL ? rules : null, "either "
		    "`defaultBackend` or `rules` must be specified");
		cJSON_Delete(null);
	}
	if (json_obj(spec, "defaultBackend") != NULL)
		validate_backend(json_obj(spec, "defaultBackend"),
		    "spec.defaultBackend", st);
	cls = json_str(spec, "ingressClassName");
	if (cls != NULL && !validate_is_dns1123_subdomain(cls))
		vk_invalid_str(st, "spec.ingressClassName", cls,
		    validate_subdomain_msg());
	cJSON_ArrayForEach(rule, rules) {
		host = json_str(rule, "host");
		if (host != NULL && host[0] != '\0') {
			snprintf(f, sizeof(f), "spec.rules[%d].host", i);
			validate_host(host, f, st);
		}
		k = 0;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(
		    json_obj(rule, "http"), "paths")) {
			snprintf(f, sizeof(f), "spec.rules[%d].http.paths[%d]",
			    i, k++);
			validate_path(p, f, st);
		}
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(tls, cJSON_GetObjectItemCaseSensitive(spec, "tls")) {
		k = 0;
		cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(tls,
		    "hosts")) {
			snprintf(f, sizeof(f), "spec.tls[%d].hosts[%d]", i,
			    k++);
			if (cJSON_IsString(h))
				validate_host(h->valuestring, f, st);
		}
		i++;
	}
}

void
validation_ingressclass(const cJSON *obj, const cJSON *old,
    struct ck_status *st)
{
	const char *ctl = json_str(json_obj(obj, "spec"), "controller");

	if (ctl == NULL || ctl[0] == '\0')
		vk_required(st, "spec.controller");
	else if (old != NULL)
		vk_immutable(st, "spec.controller", cJSON_GetObjectItemCaseSensitive(
		    json_obj(obj, "spec"), "controller"),
		    cJSON_GetObjectItemCaseSensitive(json_obj(old, "spec"),
		    "controller"));
}
