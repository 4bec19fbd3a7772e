/*
 * crud.c: the object semantics of the REST verbs on one registry row:
 * create (server-set metadata, generateName, validation), get, update and
 * patch (resourceVersion preconditions, generation, the status
 * subresource), pods/binding, and the dispatch by verb. Lists and watch
 * requests are in crud_list.c, deletion in crud_delete.c; storage is
 * store.h, streaming watch.c.
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/codec.h"
#include "ckube/err.h"
#include "ckube/fieldsel.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"
#include "kind_count.h"
#include "ns_cache.h"
#include "patch.h"
#include "convert.h"
#include "admission.h"
#include "rbac.h"
#include "store/store.h"
#include "sa_jwt.h"
#include "validation_kind.h"

#define GENERATE_TRIES	8
#define SERVICE_ALLOC_TRIES	16	/* scans when other apiservers allocate */

enum update_mode {
	UPDATE_MAIN,	 /* PUT/PATCH of the object: status is kept */
	UPDATE_STATUS,	 /* .../status: only status changes */
	UPDATE_FINALIZE, /* namespaces/x/finalize: only spec.finalizers */
	UPDATE_SCALE,	 /* .../scale: spec.replicas, replying a Scale */
};

static bool
is_pod(const struct api_resource *r)
{
	return r->group[0] == '\0' && strcmp(r->resource, "pods") == 0;
}

/* Services get addresses under service_alloc's lock. */
static bool
is_service(const struct api_resource *r)
{
	return r->group[0] == '\0' && strcmp(r->resource, "services") == 0;
}

static bool
has_status_sub(const struct api_resource *r)
{
	return (r->subresources & API_SUB_STATUS) != 0;
}

bool
crud_dry_run(const struct crud *c)
{
	const char *v = api_request_param(c->req, "dryRun");

	return v != NULL && strcmp(v, "All") == 0;
}

void
crud_reply_st(struct crud *c)
{
	status_reply(c->resp, &c->st);
}

int
crud_fail(struct crud *c, int err, const char *fmt, ...)
{
	va_list ap;

	(void)ck_status_set(&c->st, err, "%s", "");
	va_start(ap, fmt);
	vsnprintf(c->st.message, sizeof(c->st.message), fmt, ap);
	va_end(ap);
	return err;
}

int
crud_fail_object(struct crud *c, int err, const char *name)
{
	return status_set_object(&c->st, err, c->res, name);
}

/* Store errors other than the expected ones become 500s. */
int
crud_fail_store(struct crud *c, int err, const char *name)
{
	if (err == CK_ENOTFOUND || err == CK_EEXIST || err == CK_ECONFLICT)
		return crud_fail_object(c, err, name);
	log_error("store %s %s: %s", c->res->qualified, name, ck_strerror(err));
	if (err == CK_ENOSPC)	/* SQLITE_FULL: 507, SQLite's words */
		return crud_fail(c, err, "Internal error occurred: storage: "
		    "database or disk is full");
	if (err == CK_ETOOBIG)	/* etcd's own request limit */
		return crud_fail(c, err, "Request entity too large: %s",
		    store_last_error());
	if (err == CK_EUNAVAIL)	/* etcd unreachable or without a leader */
		return crud_fail(c, err, "%s", store_last_error());
	if (err == CK_ETIMEDOUT)	/* sent; its outcome is unknown */
		return crud_fail(c, err, "%s", store_last_error());
	if (err == CK_EIO && *store_last_error() != '\0')
		return crud_fail(c, CK_EIO, "Internal error occurred: "
		    "storage: %s", store_last_error());
	return crud_fail(c, CK_EIO, "Internal error occurred: storage: %s",
	    ck_strerror(err));
}

const char *
crud_obj_name(const cJSON *obj)
{
	return json_str(json_obj(obj, "metadata"), "name");
}

/* Load and parse one stored object. */
int
crud_load(struct crud *c, const char *ns, const char *name, cJSON **out,
    int64_t *rv)
{
	struct store_item it;
	int rc;

	*out = NULL;
	rc = store_get(c->srv->store, c->res->qualified, ns, name, &it);
	if (rc < 0)
		return crud_fail_store(c, rc, name);
	*out = cJSON_ParseWithLength(it.body, it.body_len);
	*rv = it.rv;
	store_item_fini(&it);
	if (*out == NULL)
		return crud_fail(c, CK_EIO,
		    "Internal error occurred: stored object %s is corrupt",
		    name);
	return 0;
}

int
crud_decode_body(struct crud *c, int want_object, cJSON **out)
{
	*out = NULL;
	if (c->req->body_len == 0)
		return crud_fail(c, CK_EBADREQ, "the request body is empty");
	if (codec_kind_of(c->req->content_type) == CODEC_PROTOBUF)
		return protobuf_decode(c->req->body, c->req->body_len, out,
		    &c->st);
	return codec_decode(c->req->content_type, c->req->body,
	    c->req->body_len, want_object, out, &c->st);
}

/* kind/apiVersion must match the URL's; a missing one is filled in. */
static int
check_type(struct crud *c, cJSON *obj, const char *kind)
{
	const char *k = json_str(obj, "kind"),
		   *av = json_str(obj, "apiVersion");
	char want[192];

	registry_api_version(c->res, want, sizeof(want));
	if (cJSON_GetObjectItemCaseSensitive(obj, "kind") != NULL && k == NULL)
		return crud_fail(c, CK_EBADREQ, "kind must be a string");
	if (k != NULL && k[0] != '\0' && strcmp(k, kind) != 0)
		return crud_fail(c, CK_EBADREQ,
		    "the kind of the object (%s) does not match the "
		    "kind of the request (%s)",
		    k, kind);
	if (av != NULL && av[0] != '\0' && strcmp(av, want) != 0)
		return crud_fail(c, CK_EBADREQ,
		    "the API version in the data (%s) does not match "
		    "the expected API version (%s)",
		    av, want);
	/* kind and apiVersion first, as Kubernetes prints them. */
	json_del(obj, "kind");
	json_del(obj, "apiVersion");
	cJSON_InsertItemInArray(obj, 0, cJSON_CreateString(want));
	cJSON_GetArrayItem(obj, 0)->string = ck_strdup("apiVersion");
	cJSON_InsertItemInArray(obj, 0, cJSON_CreateString(kind));
	cJSON_GetArrayItem(obj, 0)->string = ck_strdup("kind");
	return 0;
}

/* metadata must be an object; the URL namespace wins over an empty one. */
static int
check_meta(struct crud *c, cJSON *obj, const char *ns)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *bns;

	if (meta != NULL && !cJSON_IsObject(meta))
		return crud_fail(c, CK_EBADREQ, "metadata must be an object");
	meta = json_ensure_obj(obj, "metadata");
	if (c->res->namespaced) {
		bns = json_str(meta, "namespace");
		if (bns != NULL && bns[0] != '\0' && strcmp(bns, ns) != 0)
			return crud_fail(c, CK_EBADREQ,
			    "the namespace of the provided object does "
			    "not match the namespace sent on the request");
		json_set_str(meta, "namespace", ns);
	} else
		json_del(meta, "namespace");
	return 0;
}

int64_t
crud_json_int(const cJSON *obj, const char *key, int64_t def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(it) ? (int64_t)it->valuedouble : def;
}

bool
crud_finalizers_empty(const cJSON *meta)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");

	return !cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0;
}

void
crud_now_ts(char *buf, time_t offset_s)
{
	if (rfc3339_format(time(NULL) + offset_s, buf, RFC3339_MAX) < 0)
		buf[0] = '\0';
}

/* The namespace must exist and not be terminating for creates. */
static int
check_namespace(struct crud *c, const char *ns)
{
	struct store_item it;
	enum ns_state state;
	cJSON *o;
	const char *phase;
	int rc;

	state = ns_cache_lookup(c->srv->nsc, ns);
	if (state == NS_UNKNOWN) {
		rc = store_get(c->srv->store, "namespaces", "", ns, &it);
		if (rc < 0 && rc != CK_ENOTFOUND)
			return crud_fail_store(c, rc, ns);
		state = NS_ABSENT;
		if (rc == 0) {
			o = cJSON_ParseWithLength(it.body, it.body_len);
			store_item_fini(&it);
			phase = json_str(json_obj(o, "status"), "phase");
			state = phase != NULL &&
			    strcmp(phase, "Terminating") == 0 ?
			    NS_TERMINATING : NS_ACTIVE;
			cJSON_Delete(o);
			ns_cache_fill(c->srv->nsc, ns, state);
		}
	}
	if (state == NS_ABSENT) {
		(void)ck_status_set(&c->st, CK_ENOTFOUND,
		    "namespaces \"%s\" not found", ns);
		ck_status_set_details(&c->st, ns, "", "namespaces");
		return CK_ENOTFOUND;
	}
	rc = 0;
	if (state == NS_TERMINATING) {
		/* Kubernetes' NamespaceLifecycle admission answers 403 here. */
		rc = ck_status_set(&c->st, CK_EPERM,
		    "unable to create new content in "
		    "namespace %s because it is being terminated",
		    ns);
	}
	return rc;
}

/* ObjectMeta, then the kind's own rules (old: NULL on create). */
static int
validate(struct crud *c, const cJSON *obj, const cJSON *old)
{
	const char *name;
	int rc, rk;

	c->st.ncauses = 0;
	rc = validate_object_meta(obj, c->res->namespaced, c->res->name_rule,
	    &c->st);
	rk = validation_kind(c->res, obj, old, &c->st);
	if (rc == 0 && rk == 0)
		return 0;
	name = crud_obj_name(obj);
	if (name == NULL)
		name = json_str(json_obj(obj, "metadata"), "generateName");
	return status_set_invalid(&c->st, c->res, name ? name : "");
}

/*
 * The core of create: obj (taken) becomes the stored object; *out gets the
 * stored object (yours). Used by POST and at startup.
 */
static int
create_object(struct crud *c, const char *ns, cJSON *obj, bool dry_run,
    cJSON **out)
{
	cJSON *meta, *set, *spec0 = NULL;
	struct service_alloc_guard guard = { 0 };
	const char *gen;
	char name[CK_NAME_MAX + 8], uid[37], ts[RFC3339_MAX], suffix[8];
	int rc, tries, alloc_tries = 0;
	bool locked = false, generated = false;

	*out = NULL;
	if ((rc = check_type(c, obj, c->res->kind)) < 0 ||
	    (rc = data_check_types(c->res, obj, &c->st)) < 0 ||
	    (rc = openapi_check_types(c->res, obj, &c->st)) < 0 ||
	    (rc = check_meta(c, obj, ns)) < 0)
		goto out;
	convert_in(c->res, obj);	/* a 1.3 name: to the stored kind */
	meta = json_obj(obj, "metadata");
	if (c->res->namespaced && (rc = check_namespace(c, ns)) < 0)
		goto out;
	/* Server-owned fields: whatever the client sent is replaced. */
	util_uuid4(uid);
	crud_now_ts(ts, 0);
	json_set_str(meta, "uid", uid);
	json_set_str(meta, "creationTimestamp", ts);
	if (registry_has_generation(c->res))
		json_set_num(meta, "generation", 1);
	else
		json_del(meta, "generation");
	json_del(meta, "resourceVersion");
	json_del(meta, "deletionTimestamp");
	json_del(meta, "deletionGracePeriodSeconds");
	json_del(meta, "managedFields");
	set = cJSON_Duplicate(obj, 1);
	crud_record_manager(c, obj, set);
	cJSON_Delete(set);
	if (c->res->prepare_create != NULL)
		c->res->prepare_create(obj);
	if (strcmp(c->res->qualified, "pods") == 0) {
		/* LimitRanger's defaults, then the QoS class they make. */
		defaults_pod_quantities(json_obj(obj, "spec"));
		if (!kind_count_none(c->srv->kinds, "limitranges"))
			admission_limitrange_default(c->srv->store, ns, obj);
		json_set_str(json_ensure_obj(obj, "status"), "qosClass",
		    defaults_pod_qos(json_obj(obj, "spec")));
	}
	if (strcmp(c->res->resource, "persistentvolumeclaims") == 0)
		admission_default_storage_class(c->srv->store, obj);
	if (strcmp(c->res->resource, "ingresses") == 0)
		admission_default_ingress_class(c->srv->store, obj);
	if (is_pod(c->res))
		admission_default_tolerations(obj);
	if (strcmp(c->res->qualified, "priorityclasses.scheduling.k8s.io") ==
	    0 && (rc = admission_priority_class(c->srv->store, obj,
	    &c->st)) < 0)
		goto out;
	if (strcmp(c->res->qualified, "pods") == 0 &&
	    (rc = admission_pod_priority(c->srv->store, c->srv->pcc, obj,
	    &c->st)) < 0)
		goto out;
	if (is_service(c->res) && !c->srv->federation) {
		service_alloc_lock();
		locked = true;
		spec0 = cJSON_Duplicate(json_obj(obj, "spec"), 1);
		if (!dry_run && (rc = service_alloc_guard_begin(c->srv->store,
		    &guard)) < 0) {
			rc = crud_fail_store(c, rc, crud_obj_name(obj));
			goto out;
		}
assign:
		if ((rc = service_alloc_assign(c->srv->store, obj, NULL,
		    &c->st)) < 0) {
			rc = status_set_invalid(&c->st, c->res,
			    crud_obj_name(obj) ? crud_obj_name(obj) : "");
			goto out;
		}
	}

	gen = json_str(meta, "generateName");
	if (crud_obj_name(obj) != NULL && crud_obj_name(obj)[0] == '\0')
		json_del(meta, "name");
	for (tries = 0;; tries++) {
		if (crud_obj_name(obj) == NULL && gen != NULL &&
		    gen[0] != '\0') {
			util_random_suffix(suffix, 5);
			snprintf(name, sizeof(name), "%.*s%s", 253 - 5, gen,
			    suffix);
			json_set_str(meta, "name", name);
			generated = true;
		}
		if ((rc = validate(c, obj, NULL)) < 0)
			goto out;
		if ((rc = rbac_check_write(c->srv, c->req->user, c->res, ns,
		    obj, &c->st)) < 0)
			goto out;
		if (c->res->namespaced &&
		    !kind_count_none(c->srv->kinds, "limitranges") &&
		    (rc = admission_limitrange_check(
		    c->srv->store, c->res, ns, obj, &c->st)) < 0)
			goto out;
		/* Upstream names a generated pod by its generateName. */
		if (tries == 0 && c->res->namespaced &&
		    (rc = admission_podsecurity(c->srv->store, c->srv->nsc,
		    c->res, ns, generated ? gen : crud_obj_name(obj),
		    obj, NULL, c->resp, &c->st)) < 0)
			goto out;
		if (dry_run) {
			if (c->res->namespaced &&
			    !kind_count_none(c->srv->kinds, "resourcequotas") &&
			    (rc = admission_quota_check(
			    c->srv->store, c->res, ns, obj, &c->st)) < 0)
				goto out;
			break;
		}
		/*
		 * No quota anywhere: nothing to read, charge or race (but an
		 * allocation's guard must ride in the Service's transaction).
		 */
		if (c->res->namespaced && (guard.active ||
		    !kind_count_none(c->srv->kinds, "resourcequotas")))
			rc = admission_quota_create(c->srv->store, c->res, ns,
			    obj, guard.active ? &guard.op : NULL, &c->st);
		else
			rc = store_create(c->srv->store, c->res->qualified,
			    c->res->namespaced ? ns : "", crud_obj_name(obj),
			    obj, NULL);
		if (rc == CK_EAGAIN && guard.active &&
		    ++alloc_tries < SERVICE_ALLOC_TRIES && spec0 != NULL) {
			/* Another apiserver allocated: scan and pick again. */
			cJSON_ReplaceItemInObjectCaseSensitive(obj, "spec",
			    cJSON_Duplicate(spec0, 1));
			service_alloc_guard_fini(&guard);
			if ((rc = service_alloc_guard_begin(c->srv->store,
			    &guard)) < 0) {
				rc = crud_fail_store(c, rc,
				    crud_obj_name(obj));
				goto out;
			}
			goto assign;
		}
		if (rc == CK_EPERM)
			goto out;	/* forbidden by a quota: st is set */
		if (rc == CK_EEXIST && gen != NULL && gen[0] != '\0' &&
		    tries + 1 < GENERATE_TRIES &&
		    json_str(meta, "name") != NULL &&
		    ck_str_has_prefix(crud_obj_name(obj), gen)) {
			json_del(meta, "name");	/* another suffix */
			continue;
		}
		if (rc < 0) {
			rc = crud_fail_store(c, rc, crud_obj_name(obj));
			goto out;
		}
		break;
	}
	log_v(4, "created %s %s/%s", c->res->qualified, ns, crud_obj_name(obj));
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	if (locked)
		service_alloc_unlock();
	service_alloc_guard_fini(&guard);
	cJSON_Delete(spec0);
	cJSON_Delete(obj);
	return rc;
}

static void
do_create(struct crud *c)
{
	cJSON *obj = NULL, *out = NULL;

	if (crud_decode_body(c, 1, &obj) < 0 ||
	    openapi_check_fields(c->res, obj, c->req, c->resp, &c->st) < 0)
		goto err;
	if (create_object(c, c->rt->ns, obj, crud_dry_run(c), &out) < 0)
		goto err;
	api_response_json(c->resp, 201, out);
	cJSON_Delete(out);
	return;
err:
	crud_reply_st(c);
}

int
crud_ensure_object(struct apiserver *srv, const char *group,
    const char *resource, const char *ns, cJSON *obj)
{
	struct crud c;
	struct api_request req;
	struct api_route rt;
	struct store_item it;
	cJSON *out = NULL;
	char name[CK_NAME_MAX];
	int rc;

	/* A copy: obj goes to create_object, which frees it. */
	ck_strlcpy(name, crud_obj_name(obj) ? crud_obj_name(obj) : "",
	    sizeof(name));
	memset(&c, 0, sizeof(c));
	memset(&req, 0, sizeof(req));
	memset(&rt, 0, sizeof(rt));
	c.srv = srv;
	c.req = &req;
	c.rt = &rt;
	c.res = registry_find(group, "v1", resource);
	ck_status_clear(&c.st);
	/* obj is taken by create_object: keep its name for the log. */
	ck_strlcpy(name, crud_obj_name(obj) ? crud_obj_name(obj) : "",
	    sizeof(name));
	rc = store_get(srv->store, c.res->qualified, ns, name, &it);
	if (rc == 0) {
		store_item_fini(&it);
		cJSON_Delete(obj);
		return 0;
	}
	rc = create_object(&c, ns, obj, false, &out);
	cJSON_Delete(out);
	if (rc == CK_EEXIST)
		rc = 0;
	if (rc < 0)
		log_error("%s %s/%s: %s", resource, ns, name, c.st.message);
	else
		log_info("%s %s/%s: created", resource, ns, name);
	return rc;
}

int
crud_ensure_namespace(struct apiserver *srv, const char *name)
{
	cJSON *obj = cJSON_CreateObject();

	json_set_str(json_ensure_obj(obj, "metadata"), "name", name);
	return crud_ensure_object(srv, "", "namespaces", "", obj);
}

static void
do_get(struct crud *c)
{
	struct store_item it;
	cJSON *obj, *t;
	char rv[32];
	int rc;

	rc = store_get(c->srv->store, c->res->qualified, c->rt->ns, c->rt->name,
	    &it);
	if (rc < 0) {
		crud_fail_store(c, rc, c->rt->name);
		crud_reply_st(c);
		return;
	}
	if (!api_request_wants_table(c->req)) {
		api_response_take(c->resp, 200, "application/json", it.body,
		    it.body_len);
		it.body = NULL;
		store_item_fini(&it);
		return;
	}
	obj = cJSON_ParseWithLength(it.body, it.body_len);
	snprintf(rv, sizeof(rv), "%lld", (long long)it.rv);
	store_item_fini(&it);
	if (obj == NULL) {
		status_replyf(c->resp, CK_EIO,
		    "Internal error occurred: corrupt object");
		return;
	}
	t = table_build(c->res, &obj, 1, rv,
	    api_request_param(c->req, "includeObject") &&
		strcmp(api_request_param(c->req, "includeObject"), "Object") ==
		    0,
	    true);
	api_response_json(c->resp, 200, t);
	cJSON_Delete(t);
	cJSON_Delete(obj);
}

/* Selectors of a list or watch request. */
static int64_t
body_rv(const cJSON *obj)
{
	const cJSON *it =
	    cJSON_GetObjectItemCaseSensitive(json_obj(obj, "metadata"),
		"resourceVersion");
	int64_t v;

	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
		return cJSON_IsString(it) ? 0 : -1;
	if (ck_parse_int64(it->valuestring, &v) < 0 || v <= 0)
		return -1;
	return v;
}

static void
copy_member(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(src, key);

	json_del(dst, key);
	if (it != NULL)
		cJSON_AddItemToObject(dst, key, cJSON_Duplicate(it, 1));
}

/* The stored object, or its Scale for .../scale. */
static void
reply_updated(struct crud *c, const cJSON *result, enum update_mode mode)
{
	cJSON *scale;

	if (mode != UPDATE_SCALE) {
		api_response_json(c->resp, 200, result);
		return;
	}
	scale = scale_from_object(result);
	api_response_json(c->resp, 200, scale);
	cJSON_Delete(scale);
}

/*
 * Turn the client's newobj into the object to store, given old (both
 * parsed), and write it. Deletes the object instead when the update removed
 * the last finalizer of an object being deleted. Replies, except when
 * may_retry and a concurrent write moved the object after old was read:
 * then CK_EAGAIN, nothing replied (see UPDATE_TRIES).
 */
static int
commit_update(struct crud *c, cJSON *old, cJSON *newobj, int64_t old_rv,
    enum update_mode mode, bool may_retry)
{
	cJSON *result = NULL, *meta, *ometa, *nspec, *ospec;
	const char *name = c->rt->name, *uid;
	char *last = NULL, rvbuf[32];
	int64_t want_rv, gen;
	struct service_alloc_guard guard = { 0 };
	struct store_op ops[2];
	size_t failed = 0;
	int rc, ret = 0;
	bool locked = false;

	if (check_type(c, newobj, c->res->kind) < 0 ||
	    data_check_types(c->res, newobj, &c->st) < 0 ||
	    openapi_check_types(c->res, newobj, &c->st) < 0 ||
	    check_meta(c, newobj, c->rt->ns) < 0)
		goto err;
	convert_in(c->res, newobj);
	if (crud_obj_name(newobj) != NULL &&
	    strcmp(crud_obj_name(newobj), name) != 0) {
		crud_fail(c, CK_EBADREQ,
		    "the name of the object (%s) does not match the name "
		    "on the URL (%s)",
		    crud_obj_name(newobj), name);
		goto err;
	}
	want_rv = body_rv(newobj);
	if (want_rv < 0) {
		crud_fail(c, CK_EBADREQ,
		    "metadata.resourceVersion: Invalid value: must be a "
		    "decimal string");
		goto err;
	}
	if (want_rv > 0 && want_rv != old_rv) {
		crud_fail_object(c, CK_ECONFLICT, name);
		goto err;
	}
	ometa = json_obj(old, "metadata");
	/* A uid in the body is a precondition, as in Kubernetes. */
	uid = json_str(json_obj(newobj, "metadata"), "uid");
	if (uid != NULL && uid[0] != '\0' && json_str(ometa, "uid") != NULL &&
	    strcmp(uid, json_str(ometa, "uid")) != 0) {
		crud_fail(c, CK_ECONFLICT,
		    "Precondition failed: UID in precondition: %s, UID "
		    "in object meta: %s",
		    uid, json_str(ometa, "uid"));
		ck_status_set_details(&c->st, name, c->res->group,
		    c->res->resource);
		goto err;
	}
	if (mode == UPDATE_STATUS || mode == UPDATE_FINALIZE) {
		result = cJSON_Duplicate(old, 1);
		if (mode == UPDATE_STATUS) {
			copy_member(result, newobj, "status");
			/*
			 * Kubernetes' podStatusStrategy resets only spec,
			 * deletionTimestamp and ownerReferences: labels and
			 * annotations written with a pod's status are kept.
			 */
			if (is_pod(c->res)) {
				copy_member(json_ensure_obj(result, "metadata"),
				    json_obj(newobj, "metadata"), "labels");
				copy_member(json_ensure_obj(result, "metadata"),
				    json_obj(newobj, "metadata"),
				    "annotations");
			}
			defaults_on_status(c->res, result);
		}
		else
			copy_member(json_ensure_obj(result, "spec"),
			    json_obj(newobj, "spec"), "finalizers");
	} else {
		result = cJSON_Duplicate(newobj, 1);
		meta = json_ensure_obj(result, "metadata");
		json_set_str(meta, "name", name);
		/* Immutable and server-owned metadata come from the stored
		 * object. */
		copy_member(meta, ometa, "uid");
		copy_member(meta, ometa, "creationTimestamp");
		copy_member(meta, ometa, "deletionTimestamp");
		copy_member(meta, ometa, "deletionGracePeriodSeconds");
		copy_member(meta, ometa, "generation");
		if (has_status_sub(c->res))
			copy_member(result, old, "status");
		if (strcmp(c->res->resource, "namespaces") == 0)
			copy_member(json_ensure_obj(result, "spec"),
			    json_obj(old, "spec"), "finalizers");
		/* generation counts spec changes only. */
		nspec = cJSON_GetObjectItemCaseSensitive(result, "spec");
		ospec = cJSON_GetObjectItemCaseSensitive(old, "spec");
		gen = crud_json_int(ometa, "generation", 1);
		if (!((nspec == NULL && ospec == NULL) ||
			(nspec != NULL && ospec != NULL &&
			    cJSON_Compare(nspec, ospec, 1))))
			gen++;
		if (registry_has_generation(c->res))
			json_set_num(meta, "generation", (double)gen);
		else
			json_del(meta, "generation");
	}
	meta = json_ensure_obj(result, "metadata");
	json_del(meta, "resourceVersion");
	if (mode == UPDATE_MAIN)
		defaults_on_update(c->res, result, old);
	/* Admission runs on updates of the pod itself too (upstream). */
	if (mode == UPDATE_MAIN && is_pod(c->res))
		admission_default_tolerations(result);
	/* A PUT without managedFields keeps them (as Kubernetes does). */
	if (cJSON_GetObjectItemCaseSensitive(meta, "managedFields") == NULL)
		copy_member(meta, ometa, "managedFields");
	crud_record_update(c, old, result);
	if (mode == UPDATE_MAIN && is_service(c->res) &&
	    !c->srv->federation) {
		service_alloc_lock();
		locked = true;
		c->st.ncauses = 0;
		if (!crud_dry_run(c) && (rc = service_alloc_guard_begin(
		    c->srv->store, &guard)) < 0) {
			crud_fail_store(c, rc, name);
			goto err;
		}
		if (service_alloc_assign(c->srv->store, result, old,
		    &c->st) < 0) {
			status_set_invalid(&c->st, c->res, name);
			goto err;
		}
	}
	if (validate(c, result, old) < 0)
		goto err;
	if (mode == UPDATE_MAIN && rbac_check_write(c->srv, c->req->user,
	    c->res, c->rt->ns, result, &c->st) < 0)
		goto err;
	if (validate_object_meta_update(result, old, &c->st) < 0) {
		status_set_invalid(&c->st, c->res, name);
		goto err;
	}
	if (mode == UPDATE_MAIN && c->res->namespaced &&
	    admission_podsecurity(c->srv->store, c->srv->nsc, c->res, c->rt->ns,
	    name, result, old, c->resp, &c->st) < 0)
		goto err;
	/* Priority's validating admission: one global default, on update too. */
	if (mode == UPDATE_MAIN && strcmp(c->res->qualified,
	    "priorityclasses.scheduling.k8s.io") == 0 &&
	    admission_priority_class(c->srv->store, result, &c->st) < 0)
		goto err;
	if (crud_dry_run(c)) {
		/* Nothing stored: the object keeps its revision (kubectl diff). */
		snprintf(rvbuf, sizeof(rvbuf), "%lld", (long long)old_rv);
		json_set_str(meta, "resourceVersion", rvbuf);
		reply_updated(c, result, mode);
		goto out;
	}
	if (json_str(meta, "deletionTimestamp") != NULL &&
	    crud_finalizers_empty(meta) &&
	    crud_json_int(meta, "deletionGracePeriodSeconds", 0) == 0 &&
	    (strcmp(c->res->resource, "namespaces") != 0 ||
		crud_finalizers_empty(json_obj(result, "spec")))) {
		rc = store_delete(c->srv->store, c->res->qualified, c->rt->ns,
		    name, old_rv, &last, NULL);
		if (rc == CK_ECONFLICT && may_retry) {
			ret = CK_EAGAIN;
			goto out;
		}
		if (rc < 0) {
			crud_fail_store(c, rc, name);
			goto err;
		}
		log_v(4, "deleted %s %s/%s (last finalizer removed)",
		    c->res->qualified, c->rt->ns, name);
		api_response_take(c->resp, 200, "application/json", last,
		    strlen(last));
		goto out;
	}
	if (guard.active && service_alloc_changed(result, old)) {
		/* New addresses: arbitrated with the other apiservers. */
		memset(ops, 0, sizeof(ops));
		ops[0] = (struct store_op){ .type = STORE_OP_UPDATE,
			.resource = c->res->qualified, .ns = c->rt->ns,
			.name = name, .obj = result, .expect_rv = old_rv };
		ops[1] = guard.op;
		rc = store_txn(c->srv->store, ops, 2, &failed);
		free(ops[0].last);
		free(ops[1].last);
		if (rc < 0 && failed == 1)
			rc = CK_ECONFLICT;	/* scan again */
	} else
		rc = store_update(c->srv->store, c->res->qualified, c->rt->ns,
		    name, result, old_rv, NULL);
	if (rc == CK_ECONFLICT && may_retry) {
		ret = CK_EAGAIN;
		goto out;
	}
	if (rc < 0) {
		crud_fail_store(c, rc, name);
		goto err;
	}
	reply_updated(c, result, mode);
	goto out;
err:
	crud_reply_st(c);
out:
	if (locked)
		service_alloc_unlock();
	service_alloc_guard_fini(&guard);
	cJSON_Delete(result);
	return ret;
}

/*
 * GuaranteedUpdate: an update or patch whose write lost the race with
 * another writer (the stored revision moved after the read) reads the
 * object again and reapplies the request, as Kubernetes does; only a
 * request naming a resourceVersion then fails its precondition with 409.
 */
#define UPDATE_TRIES	32

static void
update_retrying(struct crud *c, int (*once)(struct crud *, bool))
{
	int tries;

	for (tries = 1; once(c, tries < UPDATE_TRIES) == CK_EAGAIN; tries++) {
		ck_status_clear(&c->st);
		c->resp->warnings[0] = '\0';
	}
}

static enum update_mode
mode_of(const struct crud *c)
{
	if (strcmp(c->rt->sub, "status") == 0)
		return UPDATE_STATUS;
	if (strcmp(c->rt->sub, "finalize") == 0)
		return UPDATE_FINALIZE;
	if (strcmp(c->rt->sub, "scale") == 0)
		return UPDATE_SCALE;
	return UPDATE_MAIN;
}

static int
do_update_once(struct crud *c, bool may_retry)
{
	cJSON *obj = NULL, *old = NULL, *scale;
	int64_t old_rv;
	int rc = 0;

	if (crud_decode_body(c, 1, &obj) < 0 ||
	    crud_load(c, c->rt->ns, c->rt->name, &old, &old_rv) < 0) {
		crud_reply_st(c);
		goto out;
	}
	if (mode_of(c) == UPDATE_MAIN && openapi_check_fields(c->res, obj,
	    c->req, c->resp, &c->st) < 0) {
		crud_reply_st(c);
		goto out;
	}
	if (mode_of(c) == UPDATE_SCALE) {
		scale = obj;
		obj = NULL;
		rc = scale_to_object(c, old, scale, &obj);
		cJSON_Delete(scale);
		if (rc < 0) {
			crud_reply_st(c);
			goto out;
		}
	}
	rc = commit_update(c, old, obj, old_rv, mode_of(c), may_retry);
out:
	cJSON_Delete(obj);
	cJSON_Delete(old);
	return rc == CK_EAGAIN ? rc : 0;
}

static void
do_update(struct crud *c)
{
	update_retrying(c, do_update_once);
}

static bool
is_type(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return strncmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' ||
	    ct[n] == ' ');
}

static void
reply_unsupported_patch(struct crud *c)
{
	crud_fail(c, CK_ENOTSUP,
	    "the body of the request was in an unknown format - "
	    "accepted media types include: application/json-patch+json, "
	    "application/merge-patch+json, "
	    "application/strategic-merge-patch+json, "
	    "application/apply-patch+yaml");
	c->st.code = 415;
	ck_strlcpy(c->st.reason, "UnsupportedMediaType", sizeof(c->st.reason));
	crud_reply_st(c);
}

/*
 * Server-side apply, as far as kubectl needs it: create the object when it
 * is absent, else merge the applied configuration into the live object with
 * strategic-merge rules. Managed fields and apply conflicts are not tracked.
 */
static void
do_apply_create(struct crud *c, cJSON *applied)
{
	cJSON *obj, *out = NULL;
	const char *name = crud_obj_name(applied);

	if (name != NULL && strcmp(name, c->rt->name) != 0) {
		crud_fail(c, CK_EBADREQ,
		    "the name of the object (%s) does not match the name "
		    "on the URL (%s)",
		    name, c->rt->name);
		crud_reply_st(c);
		return;
	}
	obj = cJSON_Duplicate(applied, 1);
	if (openapi_check_fields(c->res, obj, c->req, c->resp, &c->st) < 0) {
		cJSON_Delete(obj);
		crud_reply_st(c);
		return;
	}
	json_set_str(json_ensure_obj(obj, "metadata"), "name", c->rt->name);
	if (create_object(c, c->rt->ns, obj, crud_dry_run(c), &out) < 0) {
		crud_reply_st(c);
		return;
	}
	api_response_json(c->resp, 201, out);
	cJSON_Delete(out);
}

static int
do_patch_once(struct crud *c, bool may_retry)
{
	cJSON *patch = NULL, *old = NULL, *target = NULL, *scaled;
	const char *ct = c->req->content_type ? c->req->content_type : "";
	enum { P_MERGE, P_JSON, P_STRATEGIC, P_APPLY } kind;
	int64_t old_rv;
	int rc, ret = 0;

	if (is_type(ct, "application/merge-patch+json"))
		kind = P_MERGE;
	else if (is_type(ct, "application/json-patch+json"))
		kind = P_JSON;
	else if (is_type(ct, "application/strategic-merge-patch+json"))
		kind = P_STRATEGIC;
	else if (is_type(ct, "application/apply-patch+yaml"))
		kind = P_APPLY;
	else {
		reply_unsupported_patch(c);
		return 0;
	}
	if (crud_decode_body(c, kind != P_JSON, &patch) < 0)
		goto err;
	rc = crud_load(c, c->rt->ns, c->rt->name, &old, &old_rv);
	if (rc == CK_ENOTFOUND && kind == P_APPLY && c->rt->sub[0] == '\0') {
		do_apply_create(c, patch);
		goto out;
	}
	if (rc < 0)
		goto err;
	if (mode_of(c) == UPDATE_SCALE)
		target = scale_from_object(old);
	else {
		target = cJSON_Duplicate(old, 1);
		convert_out(c->res, target);	/* patched as the client sees it */
	}
	switch (kind) {
	case P_MERGE:
		rc = patch_merge_apply(&target, patch, &c->st);
		break;
	case P_JSON:
		if (!cJSON_IsArray(patch)) {
			crud_fail(c, CK_EBADREQ,
			    "a JSON patch must be an array of operations");
			goto err;
		}
		rc = patch_json_apply(&target, patch, &c->st);
		break;
	default:
		if (kind == P_APPLY && check_type(c, patch, c->res->kind) < 0)
			goto err;
		rc =
		    patch_strategic_apply(&target, patch, c->res->kind, &c->st);
		if (rc == 0 && kind == P_APPLY)
			rc = crud_apply_fields(c, old, target, patch);
		break;
	}
	if (rc < 0)
		goto err;
	if (!cJSON_IsObject(target)) {
		crud_fail(c, CK_EBADREQ,
		    "the patched object is not a JSON object");
		goto err;
	}
	if (mode_of(c) == UPDATE_MAIN && openapi_check_fields(c->res, target,
	    c->req, c->resp, &c->st) < 0)
		goto err;
	if (mode_of(c) == UPDATE_SCALE) {
		scaled = target;
		target = NULL;
		rc = scale_to_object(c, old, scaled, &target);
		cJSON_Delete(scaled);
		if (rc < 0)
			goto err;
	}
	ret = commit_update(c, old, target, old_rv, mode_of(c), may_retry);
	goto out;
err:
	crud_reply_st(c);
out:
	cJSON_Delete(patch);
	cJSON_Delete(old);
	cJSON_Delete(target);
	return ret;
}

static void
do_patch(struct crud *c)
{
	update_retrying(c, do_patch_once);
}

static void
do_scale_get(struct crud *c)
{
	cJSON *obj = NULL, *scale;
	int64_t rv;

	if (crud_load(c, c->rt->ns, c->rt->name, &obj, &rv) < 0) {
		crud_reply_st(c);
		return;
	}
	scale = scale_from_object(obj);
	api_response_json(c->resp, 200, scale);
	cJSON_Delete(scale);
	cJSON_Delete(obj);
}

/*
 * Binding makes the pod PodScheduled=True (Kubernetes' assignPod), over any
 * PodScheduled=False the scheduler wrote while no node fit.
 */
static void
set_scheduled(cJSON *pod)
{
	cJSON *conds, *cd, *item;
	char now[RFC3339_MAX];

	conds = cJSON_GetObjectItemCaseSensitive(json_ensure_obj(pod, "status"),
	    "conditions");
	if (!cJSON_IsArray(conds)) {
		conds = cJSON_CreateArray();
		cJSON_DeleteItemFromObjectCaseSensitive(json_ensure_obj(pod,
		    "status"), "conditions");
		cJSON_AddItemToObject(json_ensure_obj(pod, "status"),
		    "conditions", conds);
	}
	cJSON_ArrayForEach(item, conds) {
		const char *t = json_str(item, "type");

		if (t != NULL && strcmp(t, "PodScheduled") == 0)
			break;
	}
	rfc3339_now(now);
	cd = cJSON_CreateObject();
	cJSON_AddStringToObject(cd, "type", "PodScheduled");
	cJSON_AddStringToObject(cd, "status", "True");
	cJSON_AddNullToObject(cd, "lastProbeTime");
	cJSON_AddStringToObject(cd, "lastTransitionTime", now);
	if (item != NULL)
		cJSON_ReplaceItemViaPointer(conds, item, cd);
	else
		cJSON_AddItemToArray(conds, cd);
}

static void
do_binding(struct crud *c)
{
	cJSON *b = NULL, *pod = NULL, *ok;
	const char *target, *cur;
	int64_t rv;
	int rc;

	if (crud_decode_body(c, 1, &b) < 0)
		goto err;
	target = json_str(json_obj(b, "target"), "name");
	if (target == NULL || target[0] == '\0') {
		crud_fail(c, CK_EINVALID,
		    "Binding \"%s\" is invalid: target.name: Required value",
		    c->rt->name);
		ck_status_add_cause(&c->st, "target.name", "FieldValueRequired",
		    "Required value");
		goto err;
	}
	if (crud_load(c, c->rt->ns, c->rt->name, &pod, &rv) < 0)
		goto err;
	cur = json_str(json_obj(pod, "spec"), "nodeName");
	if (cur != NULL && cur[0] != '\0') {
		crud_fail(c, CK_ECONFLICT,
		    "Operation cannot be fulfilled on pods/binding \"%s\": "
		    "pod %s is already assigned to node \"%s\"",
		    c->rt->name, c->rt->name, cur);
		ck_status_set_details(&c->st, c->rt->name, "", "pods/binding");
		goto err;
	}
	if (json_str(json_obj(pod, "metadata"), "deletionTimestamp") != NULL) {
		crud_fail(c, CK_ECONFLICT,
		    "Operation cannot be fulfilled on pods/binding \"%s\": "
		    "pod %s is being deleted, cannot be assigned to a host",
		    c->rt->name, c->rt->name);
		goto err;
	}
	json_set_str(json_ensure_obj(pod, "spec"), "nodeName", target);
	set_scheduled(pod);
	rc = crud_dry_run(c) ? 0 : store_update(c->srv->store, "pods", c->rt->ns, c->rt->name, pod,
	    rv, NULL);
	if (rc < 0) {
		crud_fail_store(c, rc, c->rt->name);
		goto err;
	}
	log_v(4, "pod %s/%s: bound to %s", c->rt->ns, c->rt->name, target);
	ok = cJSON_CreateObject();
	cJSON_AddStringToObject(ok, "kind", "Status");
	cJSON_AddStringToObject(ok, "apiVersion", "v1");
	cJSON_AddItemToObject(ok, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(ok, "status", "Success");
	cJSON_AddNumberToObject(ok, "code", 201);
	api_response_json(c->resp, 201, ok);
	cJSON_Delete(ok);
	goto out;
err:
	crud_reply_st(c);
out:
	cJSON_Delete(b);
	cJSON_Delete(pod);
}

static void
not_found(struct crud *c)
{
	status_replyf(c->resp, CK_ENOTFOUND,
	    "the server could not find the requested "
	    "resource");
}

static void
method_not_allowed(struct crud *c)
{
	struct ck_status st;

	ck_status_clear(&st);
	(void)ck_status_set(&st, CK_ENOTSUP,
	    "the server does not allow this method on "
	    "the requested resource");
	status_reply(c->resp, &st);
}

/* The registry row lists the verb (discovery tells clients the same). */
static bool
verb_allowed(const struct api_resource *r, enum api_verb verb)
{
	const char *name = route_verb_name(verb);
	const char *const *v;

	for (v = r->verbs; *v != NULL; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

/*
 * pods/attach and portforward (kubectl attach, port-forward): simulated
 * pods run no processes and serve no ports, so this is said plainly
 * instead of a 404 for an unknown path. 400 so kubectl prints the message.
 * (pods/exec is simulated: pod_exec.c.)
 */
static void
not_simulated(struct crud *c, const char *sub)
{
	if (strcmp(sub, "portforward") == 0)
		crud_fail(c, CK_EBADREQ, "ckube does not simulate port-forward: "
		    "simulated pods serve no ports (pods/portforward, "
		    "docs/simulation.md)");
	else
		crud_fail(c, CK_EBADREQ, "ckube does not simulate attach: "
		    "simulated containers have no process to attach to; "
		    "kubectl exec runs simulated commands (pods/%s, "
		    "docs/simulation.md)", sub);
	ck_status_set_details(&c->st, c->rt->name, "", "pods");
	crud_reply_st(c);
}

/* dryRun is All or absent (ValidateDryRun): 422 on a write otherwise. */
static int
check_dry_run(struct crud *c)
{
	static const char *const opts[] = { [API_VERB_CREATE] = "Create",
		[API_VERB_UPDATE] = "Update", [API_VERB_PATCH] = "Patch",
		[API_VERB_DELETE] = "Delete",
		[API_VERB_DELETECOLLECTION] = "Delete" };
	const char *v = api_request_param(c->req, "dryRun");
	char label[64], kind[32];

	if (v == NULL || strcmp(v, "All") == 0 ||
	    (size_t)c->rt->verb >= ARRAY_SIZE(opts) ||
	    opts[c->rt->verb] == NULL)
		return 0;
	ck_status_add_cause(&c->st, "dryRun", "FieldValueNotSupported",
	    "Unsupported value: []string{\"%.64s\"}: supported values: "
	    "\"All\"", v);
	snprintf(kind, sizeof(kind), "%sOptions", opts[c->rt->verb]);
	snprintf(label, sizeof(label), "%s.meta.k8s.io", kind);
	return status_set_invalid_kind(&c->st, label, "meta.k8s.io", kind,
	    "");
}

static void
crud_dispatch(struct apiserver *srv, const struct api_request *req,
    const struct api_route *rt, struct api_response *resp)
{
	struct crud c = { .srv = srv,
		.req = req,
		.rt = rt,
		.res = rt->res,
		.resp = resp };
	const char *sub = rt->sub;
	bool named = rt->name[0] != '\0';

	ck_status_clear(&c.st);
	if (check_dry_run(&c) < 0) {
		crud_reply_st(&c);
		return;
	}
	if (sub[0] == '\0' && !verb_allowed(c.res, rt->verb)) {
		method_not_allowed(&c);
		return;
	}
	if (rt->has_ns && !c.res->namespaced) {
		not_found(&c);
		return;
	}
	if (c.res->namespaced && !rt->has_ns &&
	    (named || rt->verb == API_VERB_CREATE ||
		rt->verb == API_VERB_DELETECOLLECTION)) {
		not_found(&c);
		return;
	}
	if (sub[0] != '\0') {
		if (strcmp(sub, "status") == 0 && has_status_sub(c.res)) {
			if (rt->verb == API_VERB_GET)
				do_get(&c);
			else if (rt->verb == API_VERB_UPDATE)
				do_update(&c);
			else if (rt->verb == API_VERB_PATCH)
				do_patch(&c);
			else
				method_not_allowed(&c);
		} else if (strcmp(sub, "scale") == 0 &&
		    (c.res->subresources & API_SUB_SCALE)) {
			if (rt->verb == API_VERB_GET)
				do_scale_get(&c);
			else if (rt->verb == API_VERB_UPDATE)
				do_update(&c);
			else if (rt->verb == API_VERB_PATCH)
				do_patch(&c);
			else
				method_not_allowed(&c);
		} else if (strcmp(sub, "binding") == 0 &&
		    (c.res->subresources & API_SUB_BINDING)) {
			if (rt->verb == API_VERB_CREATE)
				do_binding(&c);
			else
				method_not_allowed(&c);
		} else if (strcmp(sub, "eviction") == 0 &&
		    (c.res->subresources & API_SUB_EVICTION)) {
			if (rt->verb == API_VERB_CREATE)
				eviction_create(&c);
			else
				method_not_allowed(&c);
		} else if (strcmp(sub, "token") == 0 &&
		    strcmp(c.res->qualified, "serviceaccounts") == 0) {
			sa_token_create(&c);
		} else if (strcmp(sub, "log") == 0 &&
		    strcmp(c.res->qualified, "pods") == 0) {
			crud_pod_log(&c);
		} else if (strcmp(sub, "exec") == 0 &&
		    strcmp(c.res->qualified, "pods") == 0) {
			crud_pod_exec(&c);
		} else if (strcmp(c.res->qualified, "pods") == 0 &&
		    (strcmp(sub, "attach") == 0 ||
		    strcmp(sub, "portforward") == 0)) {
			not_simulated(&c, sub);
		} else if (strcmp(sub, "finalize") == 0 &&
		    (c.res->subresources & API_SUB_FINALIZE)) {
			if (rt->verb == API_VERB_UPDATE)
				do_update(&c);
			else
				method_not_allowed(&c);
		} else
			not_found(&c);
		return;
	}
	switch (rt->verb) {
	case API_VERB_GET:
		do_get(&c);
		break;
	case API_VERB_LIST:
		crud_list(&c);
		break;
	case API_VERB_WATCH:
		crud_watch(&c);
		break;
	case API_VERB_CREATE:
		if (named)
			method_not_allowed(&c);
		else if (strcmp(c.res->group, "authentication.k8s.io") == 0)
			authn_review_create(&c);	/* not stored */
		else if (strcmp(c.res->group, "authorization.k8s.io") == 0)
			review_create(&c);	/* reviews are not stored */
		else
			do_create(&c);
		break;
	case API_VERB_UPDATE:
		if (named)
			do_update(&c);
		else
			method_not_allowed(&c);
		break;
	case API_VERB_PATCH:
		if (named)
			do_patch(&c);
		else
			method_not_allowed(&c);
		break;
	case API_VERB_DELETE:
		crud_delete(&c);
		break;
	case API_VERB_DELETECOLLECTION:
		crud_deletecollection(&c);
		break;
	default:
		method_not_allowed(&c);
		break;
	}
}


void
crud_handle(struct apiserver *srv, const struct api_request *req,
    const struct api_route *rt, struct api_response *resp)
{
	crud_dispatch(srv, req, rt, resp);
	/* A 1.3 name replies in its own kind and version. */
	convert_response(rt->res, resp);
}
