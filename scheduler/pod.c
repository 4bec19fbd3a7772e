/*
 * pod.c: a pod object parsed once into what the filters and scores read:
 * the effective request (per resource, max(max over init containers, sum
 * over app containers), semantics §1), requests with Kubernetes' defaults
 * for scoring, QoS BestEffort, controller owner, nodeSelector, node
 * affinity (spec.affinity or the 1.3 alpha annotation), tolerations, host
 * ports and required pod (anti-)affinity terms. A malformed part is kept in
 * a form that matches nothing rather than failing the whole pod.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/quantity.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

#include "sched_model.h"

#define AFFINITY_ANNOTATION	"scheduler.alpha.kubernetes.io/affinity"
#define TOLERATIONS_ANNOTATION	"scheduler.alpha.kubernetes.io/tolerations"

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* One container's requests (and whether it sets any cpu/memory value). */
static void
container_res(const cJSON *c, struct sched_res *r, int64_t *nzc, int64_t *nzm,
    bool *any)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(res, "requests");
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(res, "limits");

	/* A limit without a request defaults the request (API defaulting). */
	r->cpu = sched_jstr(req, "cpu") != NULL ? sched_qty(req, "cpu", true) :
	    sched_qty(lim, "cpu", true);
	r->mem = sched_jstr(req, "memory") != NULL ? sched_qty(req, "memory", false) :
	    sched_qty(lim, "memory", false);
	r->eph = sched_jstr(req, "ephemeral-storage") != NULL ?
	    sched_qty(req, "ephemeral-storage", false) :
	    sched_qty(lim, "ephemeral-storage", false);
	*nzc = r->cpu > 0 || sched_jstr(req, "cpu") != NULL || sched_jstr(lim, "cpu") ?
	    r->cpu : SCHED_DEFAULT_CPU_MILLI;
	*nzm = r->mem > 0 || sched_jstr(req, "memory") != NULL ||
	    sched_jstr(lim, "memory") ? r->mem : SCHED_DEFAULT_MEM;
	if (sched_jstr(req, "cpu") || sched_jstr(req, "memory") || sched_jstr(lim, "cpu") ||
	    sched_jstr(lim, "memory"))
		*any = true;
}

static void
pod_resources(struct sched_pod *p, const cJSON *spec, const cJSON *inits)
{
	const cJSON *c;
	struct sched_res r, init = { 0 };
	int64_t nzc, nzm, init_nzc = 0, init_nzm = 0;
	bool any = false;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec,
	    "containers")) {
		container_res(c, &r, &nzc, &nzm, &any);
		p->req.cpu += r.cpu;
		p->req.mem += r.mem;
		p->req.eph += r.eph;
		p->nz_cpu += nzc;
		p->nz_mem += nzm;
	}
	cJSON_ArrayForEach(c, inits) {
		container_res(c, &r, &nzc, &nzm, &any);
		init.cpu = max64(init.cpu, r.cpu);
		init.mem = max64(init.mem, r.mem);
		init.eph = max64(init.eph, r.eph);
		init_nzc = max64(init_nzc, nzc);
		init_nzm = max64(init_nzm, nzm);
	}
	p->req.cpu = max64(p->req.cpu, init.cpu);
	p->req.mem = max64(p->req.mem, init.mem);
	p->req.eph = max64(p->req.eph, init.eph);
	p->req.pods = 1;
	p->nz_cpu = max64(p->nz_cpu, init_nzc);
	p->nz_mem = max64(p->nz_mem, init_nzm);
	p->best_effort = !any;
}

static enum sched_op
parse_op(const char *s)
{
	static const char *const names[] = {
		[OP_IN] = "In", [OP_NOT_IN] = "NotIn", [OP_EXISTS] = "Exists",
		[OP_DOES_NOT_EXIST] = "DoesNotExist", [OP_GT] = "Gt",
		[OP_LT] = "Lt",
	};
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum sched_op)i;
	return OP_BAD;
}

static void
add_reqs(struct sched_term *t, const cJSON *list, bool field)
{
	const cJSON *e, *v;
	struct sched_req *r;

	cJSON_ArrayForEach(e, list) {
		t->reqs = ck_reallocarray(t->reqs, t->nreqs + 1,
		    sizeof(*t->reqs));
		r = &t->reqs[t->nreqs++];
		memset(r, 0, sizeof(*r));
		r->key = ck_strdup(sched_jstr(e, "key") ? sched_jstr(e, "key") : "");
		r->op = parse_op(sched_jstr(e, "operator"));
		r->field = field;
		if (field && strcmp(r->key, "metadata.name") != 0)
			r->op = OP_BAD;
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e,
		    "values")) {
			if (!cJSON_IsString(v))
				continue;
			r->values = ck_reallocarray(r->values, r->nvalues + 1,
			    sizeof(char *));
			r->values[r->nvalues++] = ck_strdup(v->valuestring);
		}
	}
}

static void
parse_term(struct sched_term *t, const cJSON *term)
{
	memset(t, 0, sizeof(*t));
	add_reqs(t, cJSON_GetObjectItemCaseSensitive(term, "matchExpressions"),
	    false);
	add_reqs(t, cJSON_GetObjectItemCaseSensitive(term, "matchFields"),
	    true);
}

static void
term_free(struct sched_term *t)
{
	size_t i, j;

	for (i = 0; i < t->nreqs; i++) {
		free(t->reqs[i].key);
		for (j = 0; j < t->reqs[i].nvalues; j++)
			free(t->reqs[i].values[j]);
		free(t->reqs[i].values);
	}
	free(t->reqs);
}

static void
node_affinity(struct sched_pod *p, const cJSON *na)
{
	const cJSON *req, *e;
	size_t n;

	req = cJSON_GetObjectItemCaseSensitive(na,
	    "requiredDuringSchedulingIgnoredDuringExecution");
	if (cJSON_IsObject(req)) {
		p->has_required = true;
		n = (size_t)cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(req, "nodeSelectorTerms"));
		p->terms = ck_calloc(n ? n : 1, sizeof(*p->terms));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(req,
		    "nodeSelectorTerms"))
			parse_term(&p->terms[p->nterms++], e);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(na,
	    "preferredDuringSchedulingIgnoredDuringExecution")) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(e, "weight");

		p->prefs = ck_reallocarray(p->prefs, p->nprefs + 1,
		    sizeof(*p->prefs));
		p->prefs[p->nprefs].weight = cJSON_IsNumber(w) ?
		    (int64_t)w->valuedouble : 0;
		parse_term(&p->prefs[p->nprefs].term,
		    cJSON_GetObjectItemCaseSensitive(e, "preference"));
		p->nprefs++;
	}
}

static void
pod_terms(struct sched_podterm **out, size_t *nout, const cJSON *list)
{
	const cJSON *e, *v;
	struct sched_podterm *t;
	struct ck_status st;

	cJSON_ArrayForEach(e, list) {
		*out = ck_reallocarray(*out, *nout + 1, sizeof(**out));
		t = &(*out)[(*nout)++];
		memset(t, 0, sizeof(*t));
		/* A bad selector stays NULL and matches nothing. */
		if (selector_from_json(cJSON_GetObjectItemCaseSensitive(e,
		    "labelSelector"), "labelSelector", &t->sel, &st) < 0)
			t->sel = NULL;
		t->topology_key = ck_strdup(sched_jstr(e, "topologyKey") ?
		    sched_jstr(e, "topologyKey") : "");
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e,
		    "namespaces")) {
			if (!cJSON_IsString(v))
				continue;
			t->namespaces = ck_reallocarray(t->namespaces,
			    t->nns + 1, sizeof(char *));
			t->namespaces[t->nns++] = ck_strdup(v->valuestring);
		}
	}
}

static void
podterms_free(struct sched_podterm *t, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		selector_free(t[i].sel);
		free(t[i].topology_key);
		for (j = 0; j < t[i].nns; j++)
			free(t[i].namespaces[j]);
		free(t[i].namespaces);
	}
	free(t);
}

static enum sched_effect
parse_effect(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return EFFECT_ANY;
	if (strcmp(s, "NoSchedule") == 0)
		return EFFECT_NO_SCHEDULE;
	if (strcmp(s, "PreferNoSchedule") == 0)
		return EFFECT_PREFER_NO_SCHEDULE;
	if (strcmp(s, "NoExecute") == 0)
		return EFFECT_NO_EXECUTE;
	return EFFECT_ANY;
}

static void
tolerations(struct sched_pod *p, const cJSON *list)
{
	const cJSON *e;
	struct sched_toleration *t;
	const char *op;

	cJSON_ArrayForEach(e, list) {
		p->tols = ck_reallocarray(p->tols, p->ntols + 1,
		    sizeof(*p->tols));
		t = &p->tols[p->ntols++];
		op = sched_jstr(e, "operator");
		t->exists = op != NULL && strcmp(op, "Exists") == 0;
		t->key = ck_strdup(sched_jstr(e, "key") ? sched_jstr(e, "key") : "");
		t->value = ck_strdup(sched_jstr(e, "value") ? sched_jstr(e, "value") : "");
		t->effect = parse_effect(sched_jstr(e, "effect"));
	}
}

static void
host_ports(struct sched_pod *p, const cJSON *containers)
{
	const cJSON *c, *port, *hp;
	struct sched_port *sp;
	const char *s;

	cJSON_ArrayForEach(c, containers)
		cJSON_ArrayForEach(port, cJSON_GetObjectItemCaseSensitive(c,
		    "ports")) {
			hp = cJSON_GetObjectItemCaseSensitive(port, "hostPort");
			if (!cJSON_IsNumber(hp) || hp->valuedouble <= 0)
				continue;
			p->ports = ck_reallocarray(p->ports, p->nports + 1,
			    sizeof(*p->ports));
			sp = &p->ports[p->nports++];
			sp->port = (int)hp->valuedouble;
			s = sched_jstr(port, "protocol");
			ck_strlcpy(sp->proto, s ? s : "TCP", sizeof(sp->proto));
			s = sched_jstr(port, "hostIP");
			ck_strlcpy(sp->ip, s ? s : "", sizeof(sp->ip));
		}
}

/*
 * The init containers: the field, else the 1.3/1.4 annotation parsed into
 * *owned (the caller deletes it).
 */
static const cJSON *
init_containers(const struct kobj *obj, const cJSON *spec, cJSON **owned)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers");
	const char *a;

	*owned = NULL;
	if (cJSON_GetArraySize(f) > 0)
		return f;
	a = kobj_annotation(obj, "pod.beta.kubernetes.io/init-containers");
	if (a == NULL)
		a = kobj_annotation(obj,
		    "pod.alpha.kubernetes.io/init-containers");
	if (a == NULL)
		return NULL;
	*owned = cJSON_Parse(a);
	return *owned;
}

struct sched_pod *
sched_pod_new(const struct kobj *obj)
{
	struct sched_pod *p = ck_calloc(1, sizeof(*p));
	/* A copy: cJSON kept with the cached pod would stay while p holds it. */
	cJSON *spec = kobj_get_copy(obj, "spec");
	const cJSON *aff, *e;
	cJSON *owned, *ann_aff = NULL, *ann_tol = NULL;
	const cJSON *inits;
	const char *a;

	p->key = ck_strdup(kobj_key(obj));
	p->uid = ck_strdup(kobj_uid(obj));
	p->ns = ck_strdup(kobj_namespace(obj));
	p->rv = ck_strdup(kobj_resource_version(obj));
	p->obj = kobj_ref(obj);
	p->node = -1;
	p->priority = kobj_get_int_or(obj, "spec.priority", 0);
	a = kobj_get_str(obj, "spec.preemptionPolicy");
	p->preempt_never = a != NULL && strcmp(a, "Never") == 0;
	p->terminating = kobj_get_str(obj, "metadata.deletionTimestamp") !=
	    NULL;
	inits = init_containers(obj, spec, &owned);
	pod_resources(p, spec, inits);
	cJSON_Delete(owned);
	if (kobj_controller_ref_str(obj, "uid") != NULL)
		p->owner_uid = ck_strdup(kobj_controller_ref_str(obj, "uid"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(spec,
	    "nodeSelector")) {
		p->sel_keys = ck_reallocarray(p->sel_keys, p->nsel + 1,
		    sizeof(char *));
		p->sel_vals = ck_reallocarray(p->sel_vals, p->nsel + 1,
		    sizeof(char *));
		p->sel_keys[p->nsel] = ck_strdup(e->string);
		p->sel_vals[p->nsel++] = ck_strdup(cJSON_IsString(e) ?
		    e->valuestring : "");
	}
	aff = cJSON_GetObjectItemCaseSensitive(spec, "affinity");
	if (aff == NULL && (a = kobj_annotation(obj, AFFINITY_ANNOTATION)))
		aff = ann_aff = cJSON_Parse(a);
	node_affinity(p, cJSON_GetObjectItemCaseSensitive(aff,
	    "nodeAffinity"));
	pod_terms(&p->aff, &p->naff, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(aff, "podAffinity"),
	    "requiredDuringSchedulingIgnoredDuringExecution"));
	pod_terms(&p->anti, &p->nanti, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(aff, "podAntiAffinity"),
	    "requiredDuringSchedulingIgnoredDuringExecution"));
	e = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	if (e == NULL && (a = kobj_annotation(obj, TOLERATIONS_ANNOTATION)))
		e = ann_tol = cJSON_Parse(a);
	tolerations(p, e);
	host_ports(p, cJSON_GetObjectItemCaseSensitive(spec, "containers"));
	cJSON_Delete(ann_aff);
	cJSON_Delete(ann_tol);
	cJSON_Delete(spec);
	return p;
}

void
sched_pod_free(struct sched_pod *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsel; i++) {
		free(p->sel_keys[i]);
		free(p->sel_vals[i]);
	}
	free(p->sel_keys);
	free(p->sel_vals);
	for (i = 0; i < p->nterms; i++)
		term_free(&p->terms[i]);
	free(p->terms);
	for (i = 0; i < p->nprefs; i++)
		term_free(&p->prefs[i].term);
	free(p->prefs);
	for (i = 0; i < p->ntols; i++) {
		free(p->tols[i].key);
		free(p->tols[i].value);
	}
	free(p->tols);
	free(p->ports);
	podterms_free(p->aff, p->naff);
	podterms_free(p->anti, p->nanti);
	free(p->owner_uid);
	free(p->key);
	free(p->uid);
	free(p->ns);
	free(p->rv);
	kobj_unref(p->obj);
	free(p);
}

const char *
sched_pod_scheduler(const struct kobj *obj)
{
	const char *s = kobj_get_str(obj, "spec.schedulerName");

	/* 1.3 named it with an annotation; the field wins. */
	if (s == NULL || s[0] == '\0')
		s = kobj_annotation(obj, "scheduler.alpha.kubernetes.io/name");
	return s != NULL && s[0] != '\0' ? s : "default-scheduler";
}

bool
sched_pod_terminal(const struct kobj *obj)
{
	const char *ph = kobj_get_str(obj, "status.phase");

	return ph != NULL && (strcmp(ph, "Succeeded") == 0 ||
	    strcmp(ph, "Failed") == 0);
}

bool
sched_tolerates(const struct sched_pod *p, const char *key, const char *value,
    enum sched_effect effect)
{
	const struct sched_toleration *t;
	size_t i;

	for (i = 0; i < p->ntols; i++) {
		t = &p->tols[i];
		if (t->effect != EFFECT_ANY && t->effect != effect)
			continue;
		if (t->key[0] != '\0' && strcmp(t->key, key) != 0)
			continue;
		if (t->key[0] == '\0' && !t->exists)
			continue;
		if (t->exists || strcmp(t->value, value) == 0)
			return true;
	}
	return false;
}
