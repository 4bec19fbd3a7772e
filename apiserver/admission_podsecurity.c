/*
 * admission_podsecurity.c: Kubernetes' PodSecurity admission plugin. A
 * namespace's pod-security.kubernetes.io/{enforce,warn,audit} labels (with
 * their -version) name a Pod Security Standards level; a pod created there
 * that fails the enforce level is refused (403), one that fails the warn
 * level gets a `would violate PodSecurity` Warning, and the audit level a
 * log line. Workload objects (their pod templates) only get warnings, for
 * the enforce and the warn level, as upstream. Invalid labels: a namespace
 * carrying them is refused (422); if one is stored anyway its pods are held
 * to restricted, as upstream. The checks are in psa_checks.c.
 */
#include "apiserver.h"
#include "admission.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "ns_cache.h"
#include "validation_kind.h"

static const char *const level_names[] = { "privileged", "baseline",
	"restricted" };

static const char *const mode_names[] = { "enforce", "warn", "audit" };

static int
parse_level(const char *s, enum psa_level *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum psa_level)i;
			return 0;
		}
	return -1;
}

/* "latest" or "v1.<minor>" */
static int
check_version(const char *s)
{
	const char *p;

	if (strcmp(s, "latest") == 0)
		return 0;
	if (strncmp(s, "v1.", 3) != 0 || s[3] == '\0' || strlen(s) > 8)
		return -1;
	for (p = s + 3; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return s[3] == '0' && s[4] != '\0' ? -1 : 0;
}

int
psa_policy_from_labels(const cJSON *labels, struct psa_policy *p,
    struct ck_status *st)
{
	char key[96], field[160];
	const char *v;
	struct psa_mode *m;
	int bad = 0;
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < PSA_MODES; i++) {
		m = &p->mode[i];
		m->level = PSA_PRIVILEGED;
		snprintf(m->version, sizeof(m->version), "latest");
		snprintf(key, sizeof(key), PSA_LABEL_PREFIX "%s",
		    mode_names[i]);
		v = json_str(labels, key);
		if (v != NULL && parse_level(v, &m->level) < 0) {
			/* An invalid level is held to the strictest one. */
			m->level = PSA_RESTRICTED;
			bad++;
			snprintf(field, sizeof(field), "metadata.labels[%s]",
			    key);
			if (st != NULL)
				vk_invalid_str(st, field, v, "must be one of "
				    "privileged, baseline, restricted");
		}
		snprintf(key, sizeof(key), PSA_LABEL_PREFIX "%s-version",
		    mode_names[i]);
		v = json_str(labels, key);
		if (v == NULL)
			continue;
		if (check_version(v) < 0) {
			bad++;
			m->level = PSA_RESTRICTED;
			snprintf(field, sizeof(field), "metadata.labels[%s]",
			    key);
			if (st != NULL)
				vk_invalid_str(st, field, v,
				    "must be \"latest\" or \"v1.x\"");
			continue;
		}
		snprintf(m->version, sizeof(m->version), "%s", v);
	}
	return bad;
}

/* The pod template a workload kind carries, NULL for other kinds. */
static const cJSON *
template_of(const struct api_resource *r, const cJSON *obj)
{
	static const char *const kinds[] = { "replicationcontrollers",
		"replicasets", "deployments", "statefulsets", "daemonsets",
		"jobs" };
	size_t i;

	if (strcmp(r->resource, "podtemplates") == 0)
		return json_obj(obj, "template");
	if (strcmp(r->resource, "cronjobs") == 0)
		return json_obj(json_obj(json_obj(json_obj(obj, "spec"),
		    "jobTemplate"), "spec"), "template");
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(r->resource, kinds[i]) == 0)
			return json_obj(json_obj(obj, "spec"), "template");
	return NULL;
}

static bool
is_pods(const struct api_resource *r)
{
	return strcmp(r->qualified, "pods") == 0;
}

/* The namespace's labels (yours, NULL when it has none or is absent). */
static cJSON *
ns_labels(struct store *s, struct ns_cache *nc, const char *ns)
{
	struct store_item it;
	cJSON *o, *labels;

	if (ns_cache_psa_labels(nc, ns, &labels))
		return labels;
	if (store_get(s, "namespaces", "", ns, &it) < 0)
		return NULL;
	o = cJSON_ParseWithLength(it.body, it.body_len);
	store_item_fini(&it);
	labels = cJSON_DetachItemFromObjectCaseSensitive(json_obj(o,
	    "metadata"), "labels");
	cJSON_Delete(o);
	ns_cache_fill_psa(nc, ns, labels);
	return labels;
}

static bool
same_mode(const struct psa_mode *a, const struct psa_mode *b)
{
	return a->level == b->level && strcmp(a->version, b->version) == 0;
}

/* Evaluate meta/spec at m: the violations in out, their number returned. */
static int
eval_mode(const struct psa_mode *m, const cJSON *meta, const cJSON *spec,
    struct strbuf *out)
{
	strbuf_reset(out);
	if (m->level == PSA_PRIVILEGED)
		return 0;
	return psa_evaluate(m->level, meta, spec, out);
}

int
admission_podsecurity(struct store *s, struct ns_cache *nc,
    const struct api_resource *r,
    const char *ns, const char *name, const cJSON *obj, const cJSON *old,
    struct api_response *resp, struct ck_status *st)
{
	struct psa_policy p;
	const struct psa_mode *en, *wa, *au;
	const cJSON *meta, *spec, *tmpl;
	struct strbuf v = STRBUF_INIT, msg = STRBUF_INIT;
	cJSON *labels = NULL;
	bool pod = is_pods(r);
	int rc = 0;

	if (pod) {
		if (old != NULL)
			return 0;	/* a pod's spec is (nearly) immutable */
		meta = json_obj(obj, "metadata");
		spec = json_obj(obj, "spec");
	} else {
		if ((tmpl = template_of(r, obj)) == NULL)
			return 0;
		/* An update that leaves the template alone is not judged. */
		if (old != NULL && cJSON_Compare(tmpl, template_of(r, old), 1))
			return 0;
		meta = json_obj(tmpl, "metadata");
		spec = json_obj(tmpl, "spec");
	}
	if (ns == NULL || ns[0] == '\0' || spec == NULL)
		return 0;
	labels = ns_labels(s, nc, ns);
	(void)psa_policy_from_labels(labels, &p, NULL);
	en = &p.mode[PSA_ENFORCE];
	wa = &p.mode[PSA_WARN];
	au = &p.mode[PSA_AUDIT];
	if (eval_mode(en, meta, spec, &v) > 0) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "%sviolate%s PodSecurity \"%s:%s\": %s",
		    pod ? "" : "would ", pod ? "s" : "",
		    level_names[en->level], en->version, strbuf_str(&v));
		if (pod)
			rc = admission_forbid(st, r, name, strbuf_str(&msg));
		else
			api_response_warn(resp, strbuf_str(&msg));
	}
	if (!same_mode(wa, en) && eval_mode(wa, meta, spec, &v) > 0) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "would violate PodSecurity \"%s:%s\": %s",
		    level_names[wa->level], wa->version, strbuf_str(&v));
		api_response_warn(resp, strbuf_str(&msg));
	}
	if (eval_mode(au, meta, spec, &v) > 0)
		log_info("audit pod-security.kubernetes.io/audit-violations: "
		    "%s \"%s\" in namespace \"%s\" would violate PodSecurity "
		    "\"%s:%s\": %s", r->qualified, name, ns,
		    level_names[au->level], au->version, strbuf_str(&v));
	cJSON_Delete(labels);
	strbuf_fini(&v);
	strbuf_fini(&msg);
	return rc;
}

void
admission_podsecurity_namespace(const cJSON *obj, struct ck_status *st)
{
	struct psa_policy p;

	(void)psa_policy_from_labels(json_obj(json_obj(obj, "metadata"),
	    "labels"), &p, st);
}
