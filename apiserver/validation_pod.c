/*
 * validation_pod.c: Pod and PodSpec validation as Kubernetes'
 * ValidatePodSpec (containers, names, images, ports, resources, policies)
 * and ValidatePodUpdate (the spec is immutable but for images,
 * activeDeadlineSeconds and added tolerations).
 */
#include "apiserver.h"
#include "validation_kind.h"
#include "validation_meta.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/quantity.h"

#define QUANTITY_MSG "must match the regex " \
	"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

void
validation_resource_list(const cJSON *list, const char *field,
    struct ck_status *st)
{
	const cJSON *it;
	char f[256];
	int64_t milli;

	cJSON_ArrayForEach(it, list) {
		snprintf(f, sizeof(f), "%s[%s]", field, it->string);
		if (cJSON_IsNumber(it)) {
			if (it->valuedouble < 0)
				vk_invalid(st, f, it,
				    "must be greater than or equal to 0");
			continue;
		}
		if (!cJSON_IsString(it) ||
		    quantity_parse_milli(it->valuestring, &milli, NULL) < 0) {
			vk_invalid(st, f, it, QUANTITY_MSG);
			continue;
		}
		if (milli < 0)
			vk_invalid(st, f, it,
			    "must be greater than or equal to 0");
	}
}

static bool
port_in_range(const cJSON *p)
{
	return cJSON_IsNumber(p) && p->valuedouble >= 1 &&
	    p->valuedouble <= 65535 &&
	    p->valuedouble == (double)(int)p->valuedouble;
}

static void
validate_container(const cJSON *c, const char *f, struct ck_status *st)
{
	const cJSON *ports, *p, *res, *lim, *req, *it;
	const char *name = json_str(c, "name"), *image = json_str(c, "image");
	char g[256], h[320];
	int i = 0, cmp;

	snprintf(g, sizeof(g), "%.200s.name", f);
	if (name == NULL || name[0] == '\0')
		vk_required(st, g);
	else if (!validate_is_dns1123_label(name))
		vk_invalid_str(st, g, name,
		    "a lowercase RFC 1123 label must consist of lower case "
		    "alphanumeric characters or '-', and must start and end "
		    "with an alphanumeric character (e.g. 'my-name',  or "
		    "'123-abc', regex used for validation is "
		    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
	snprintf(g, sizeof(g), "%.200s.image", f);
	if (image == NULL || image[0] == '\0')
		vk_required(st, g);
	ports = cJSON_GetObjectItemCaseSensitive(c, "ports");
	cJSON_ArrayForEach(p, ports) {
		snprintf(g, sizeof(g), "%.200s.ports[%d].containerPort", f, i);
		it = cJSON_GetObjectItemCaseSensitive(p, "containerPort");
		if (it == NULL)
			vk_required(st, g);
		else if (!port_in_range(it))
			vk_invalid(st, g, it,
			    "must be between 1 and 65535, inclusive");
		it = cJSON_GetObjectItemCaseSensitive(p, "hostPort");
		snprintf(g, sizeof(g), "%.200s.ports[%d].hostPort", f, i);
		if (it != NULL && !(cJSON_IsNumber(it) &&
		    it->valuedouble == 0) && !port_in_range(it))
			vk_invalid(st, g, it,
			    "must be between 1 and 65535, inclusive");
		snprintf(g, sizeof(g), "%.200s.ports[%d].protocol", f, i);
		if (json_str(p, "protocol") != NULL &&
		    strcmp(json_str(p, "protocol"), "TCP") != 0 &&
		    strcmp(json_str(p, "protocol"), "UDP") != 0 &&
		    strcmp(json_str(p, "protocol"), "SCTP") != 0)
			vk_not_supported(st, g, json_str(p, "protocol"),
			    (const char *const[]){ "SCTP", "TCP", "UDP",
				NULL });
		i++;
	}
	snprintf(g, sizeof(g), "%.200s.securityContext", f);
	validation_security_context(json_obj(c, "securityContext"), g, st);
	res = json_obj(c, "resources");
	lim = json_obj(res, "limits");
	req = json_obj(res, "requests");
	snprintf(g, sizeof(g), "%.200s.resources.limits", f);
	validation_resource_list(lim, g, st);
	snprintf(g, sizeof(g), "%.200s.resources.requests", f);
	validation_resource_list(req, g, st);
	/* A request above its limit. */
	cJSON_ArrayForEach(it, req) {
		const char *l = json_str(lim, it->string);

		if (l == NULL || !cJSON_IsString(it) ||
		    quantity_compare(it->valuestring, l, &cmp) < 0 || cmp <= 0)
			continue;
		snprintf(h, sizeof(h), "%.200s.resources.requests[%.60s]", f,
		    it->string);
		vk_invalid(st, h, it, "must be less than or equal to "
		    "the limit");
	}
}

static void
validate_containers(const cJSON *spec, const char *key, const char *prefix,
    bool required, struct ck_status *st)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(spec, key), *c,
		    *o;
	char f[256];
	int i = 0, k;

	snprintf(f, sizeof(f), "%s.%s", prefix, key);
	if (required && (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)) {
		vk_required(st, f);
		return;
	}
	cJSON_ArrayForEach(c, arr) {
		snprintf(f, sizeof(f), "%s.%s[%d]", prefix, key, i);
		validate_container(c, f, st);
		/* Names are unique within the list. */
		for (k = 0, o = arr->child; o != c; o = o->next, k++)
			if (json_str(o, "name") != NULL &&
			    json_str(c, "name") != NULL &&
			    strcmp(json_str(o, "name"),
				json_str(c, "name")) == 0) {
				snprintf(f, sizeof(f), "%s.%s[%d].name", prefix,
				    key, i);
				ck_status_add_cause(st, f, "FieldValueDuplicate",
				    "Duplicate value: \"%s\"",
				    json_str(c, "name"));
				break;
			}
		i++;
	}
}

/* Names are unique across init and app containers. */
static void
check_cross_names(const cJSON *spec, const char *prefix, struct ck_status *st)
{
	const cJSON *ic = cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers"), *c, *i;
	char f[256];
	int k = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec,
	    "containers")) {
		cJSON_ArrayForEach(i, ic)
			if (json_str(c, "name") != NULL &&
			    json_str(i, "name") != NULL &&
			    strcmp(json_str(c, "name"),
				json_str(i, "name")) == 0) {
				snprintf(f, sizeof(f), "%s.containers[%d].name",
				    prefix, k);
				ck_status_add_cause(st, f, "FieldValueDuplicate",
				    "Duplicate value: \"%s\"",
				    json_str(c, "name"));
			}
		k++;
	}
}

/* Init containers run to completion: no probes, no lifecycle hooks. */
static void
check_init_fields(const cJSON *spec, const char *prefix, struct ck_status *st)
{
	static const char *const banned[] = { "lifecycle", "livenessProbe",
		"readinessProbe", "startupProbe" };
	const cJSON *c, *v;
	char f[256];
	size_t b;
	int k = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers")) {
		for (b = 0; b < ARRAY_SIZE(banned); b++) {
			v = cJSON_GetObjectItemCaseSensitive(c, banned[b]);
			if (v == NULL || cJSON_IsNull(v))
				continue;
			snprintf(f, sizeof(f), "%s.initContainers[%d].%s",
			    prefix, k, banned[b]);
			vk_invalid(st, f, v,
			    "must not be set for init containers");
		}
		k++;
	}
}

/*
 * A long list as the Invalid value would push the detail past the cause's
 * bounded message: it is summarized instead.
 */
static void
invalid_list(struct ck_status *st, const char *f, const cJSON *list,
    size_t chars, const char *detail)
{
	if (chars < 256) {
		vk_invalid(st, f, list, detail);
		return;
	}
	ck_status_add_cause(st, f, "FieldValueInvalid", "Invalid value: "
	    "[%d entries, %zu characters]: %s", cJSON_GetArraySize(list),
	    chars, detail);
}

/*
 * spec.dnsConfig as validatePodDNSConfig: policy None needs it with a
 * nameserver; at most 3 IP nameservers, 32 subdomain searches within 2048
 * characters, named options.
 */
static void
validate_dns_config(const cJSON *spec, const char *prefix,
    struct ck_status *st)
{
	const cJSON *dc = cJSON_GetObjectItemCaseSensitive(spec, "dnsConfig");
	const cJSON *nss, *srch, *it;
	const char *pol = json_str(spec, "dnsPolicy");
	unsigned char ip[16];
	char f[256], s[256];
	size_t chars = 0, n;
	int i;

	nss = cJSON_GetObjectItemCaseSensitive(dc, "nameservers");
	srch = cJSON_GetObjectItemCaseSensitive(dc, "searches");
	if (pol != NULL && strcmp(pol, "None") == 0) {
		if (!cJSON_IsObject(dc)) {
			snprintf(f, sizeof(f), "%s.dnsConfig", prefix);
			ck_status_add_cause(st, f, "FieldValueRequired",
			    "Required value: must provide `dnsConfig` when "
			    "`dnsPolicy` is None");
			return;
		}
		if (cJSON_GetArraySize(nss) == 0) {
			snprintf(f, sizeof(f), "%s.dnsConfig.nameservers",
			    prefix);
			ck_status_add_cause(st, f, "FieldValueRequired",
			    "Required value: must provide at least one DNS "
			    "nameserver when `dnsPolicy` is None");
			return;
		}
	}
	if (dc == NULL)
		return;
	snprintf(f, sizeof(f), "%s.dnsConfig.nameservers", prefix);
	if (cJSON_GetArraySize(nss) > 3)
		vk_invalid(st, f, nss, "must not have more than 3 nameservers");
	i = 0;
	cJSON_ArrayForEach(it, nss) {
		snprintf(f, sizeof(f), "%s.dnsConfig.nameservers[%d]", prefix,
		    i++);
		if (!cJSON_IsString(it) || (inet_pton(AF_INET, it->valuestring,
		    ip) != 1 && inet_pton(AF_INET6, it->valuestring, ip) != 1))
			vk_invalid(st, f, it, "must be a valid IP address, (e.g. "
			    "10.9.8.7 or 2001:db8::ffff)");
	}
	snprintf(f, sizeof(f), "%s.dnsConfig.searches", prefix);
	cJSON_ArrayForEach(it, srch)
		if (cJSON_IsString(it))
			chars += strlen(it->valuestring) + (chars > 0);
	if (cJSON_GetArraySize(srch) > 32)
		invalid_list(st, f, srch, chars, "must not have more than 32 "
		    "search paths");
	if (chars > 2048)
		invalid_list(st, f, srch, chars, "must not have more than 2048 "
		    "characters (including spaces) in the search list");
	i = 0;
	cJSON_ArrayForEach(it, srch) {
		snprintf(f, sizeof(f), "%s.dnsConfig.searches[%d]", prefix,
		    i++);
		/* A trailing dot is fine. */
		n = cJSON_IsString(it) ? strlen(it->valuestring) : 0;
		if (n > 0 && n < sizeof(s)) {
			memcpy(s, it->valuestring, n + 1);
			if (s[n - 1] == '.')
				s[n - 1] = '\0';
		}
		if (n == 0 || n >= sizeof(s) ||
		    !validate_is_dns1123_subdomain(s))
			vk_invalid(st, f, it, validate_subdomain_msg());
	}
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(dc,
	    "options")) {
		snprintf(f, sizeof(f), "%s.dnsConfig.options[%d]", prefix,
		    i++);
		pol = json_str(it, "name");
		if (pol == NULL || pol[0] == '\0')
			ck_status_add_cause(st, f, "FieldValueRequired",
			    "Required value: must not be empty");
	}
}

void
validation_pod_spec(const cJSON *spec, const char *prefix,
    struct ck_status *st)
{
	static const char *const restart[] = { "Always", "OnFailure", "Never",
		NULL };
	static const char *const dns[] = { "ClusterFirstWithHostNet",
		"ClusterFirst", "Default", "None", NULL };
	const char *v;
	const cJSON *ads;
	char f[256];
	size_t i;
	bool found;

	if (!cJSON_IsObject(spec)) {
		snprintf(f, sizeof(f), "%s.containers", prefix);
		vk_required(st, f);
		return;
	}
	validate_containers(spec, "initContainers", prefix, false, st);
	validate_containers(spec, "containers", prefix, true, st);
	check_cross_names(spec, prefix, st);
	check_init_fields(spec, prefix, st);
	if ((v = json_str(spec, "restartPolicy")) != NULL) {
		for (i = 0, found = false; restart[i] != NULL; i++)
			found |= strcmp(restart[i], v) == 0;
		snprintf(f, sizeof(f), "%s.restartPolicy", prefix);
		if (!found)
			vk_not_supported(st, f, v, restart);
	}
	if ((v = json_str(spec, "dnsPolicy")) != NULL) {
		for (i = 0, found = false; dns[i] != NULL; i++)
			found |= strcmp(dns[i], v) == 0;
		snprintf(f, sizeof(f), "%s.dnsPolicy", prefix);
		if (!found)
			vk_not_supported(st, f, v, dns);
	}
	validate_dns_config(spec, prefix, st);
	snprintf(f, sizeof(f), "%s.securityContext", prefix);
	validation_pod_security_context(json_obj(spec, "securityContext"), f,
	    st);
	ads = cJSON_GetObjectItemCaseSensitive(spec, "activeDeadlineSeconds");
	if (ads != NULL && (!cJSON_IsNumber(ads) || ads->valuedouble < 1)) {
		snprintf(f, sizeof(f), "%s.activeDeadlineSeconds", prefix);
		vk_invalid(st, f, ads, "must be between 1 and 2147483647, "
		    "inclusive");
	}
}

/* spec with the fields a pod update may change removed (a copy). */
static cJSON *
pod_spec_fixed(const cJSON *spec)
{
	static const char *const keys[] = { "containers", "initContainers" };
	cJSON *s = cJSON_Duplicate(spec, 1), *c;
	size_t i;

	if (s == NULL)
		return cJSON_CreateObject();
	json_del(s, "activeDeadlineSeconds");
	json_del(s, "tolerations");
	/* The binding subresource sets nodeName; the update path keeps it. */
	json_del(s, "nodeName");
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(s,
		    keys[i]))
			json_del(c, "image");
	return s;
}

/*
 * An init-containers annotation must be a JSON array and, once defaulted,
 * equal spec.initContainers (which it filled when the field was absent).
 */
static void
check_init_annotations(const cJSON *obj, struct ck_status *st)
{
	static const char *const keys[] = { ANN_INIT_ALPHA, ANN_INIT_BETA };
	const cJSON *ann = json_obj(json_obj(obj, "metadata"), "annotations");
	const cJSON *ic = cJSON_GetObjectItemCaseSensitive(json_obj(obj,
	    "spec"), "initContainers");
	cJSON *tmp, *arr;
	const char *v;
	char f[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = json_str(ann, keys[i]);
		if (v == NULL)
			continue;
		snprintf(f, sizeof(f), "metadata.annotations[%s]", keys[i]);
		arr = cJSON_Parse(v);
		if (!cJSON_IsArray(arr)) {
			cJSON_Delete(arr);
			vk_invalid_str(st, f, v, "must be a JSON array of "
			    "containers");
			continue;
		}
		tmp = cJSON_CreateObject();
		cJSON_AddItemToObject(tmp, "initContainers", arr);
		defaults_pod_spec(tmp);
		if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(tmp,
		    "initContainers"), ic, 1))
			vk_invalid_str(st, f, v, "must match "
			    "spec.initContainers (set one or the other)");
		cJSON_Delete(tmp);
	}
}

void
validation_pod(const cJSON *obj, const cJSON *old, struct ck_status *st)
{
	const cJSON *spec = json_obj(obj, "spec");
	const char *a, *b;
	cJSON *x, *y;

	validation_pod_spec(spec, "spec", st);
	check_init_annotations(obj, st);
	if (old == NULL)
		return;
	x = pod_spec_fixed(spec);
	y = pod_spec_fixed(json_obj(old, "spec"));
	if (!cJSON_Compare(x, y, 1))
		vk_forbidden(st, "spec",
		    "pod updates may not change fields other than "
		    "`spec.containers[*].image`,"
		    "`spec.initContainers[*].image`,"
		    "`spec.activeDeadlineSeconds`,"
		    "`spec.tolerations` (only additions to existing "
		    "tolerations),"
		    "`spec.terminationGracePeriodSeconds` (allow it to be set "
		    "to 1 if it was previously negative)");
	cJSON_Delete(x);
	cJSON_Delete(y);
	/* nodeName may be set once (binding), never changed. */
	a = json_str(json_obj(obj, "spec"), "nodeName");
	b = json_str(json_obj(old, "spec"), "nodeName");
	if (b != NULL && b[0] != '\0' && (a == NULL || strcmp(a, b) != 0))
		vk_forbidden(st, "spec.nodeName", "field is immutable");
}
