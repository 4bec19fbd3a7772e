/*
 * store_etcd.c: the store.h interface over etcd v3 (its JSON gateway, see
 * store_etcd_http.c). Objects live at <prefix>/<resource>/<ns>/<name>
 * (cluster-scoped: <prefix>/<resource>/<name>) as Kubernetes keeps them;
 * the value is the object's JSON without resourceVersion, which every read
 * sets to the key's mod_revision (a write: its txn's revision). Lists go in
 * key order ("<ns>/<name>"). The commit hook is fed by one watch of the
 * whole prefix (store_etcd_watch.c), so it sees the writes of every
 * apiserver sharing the etcd; a write returns once the watch delivered its
 * revision to the hook (bounded by ETCD_HOOK_WAIT_MS). The writes of one
 * store_txn share one revision. Writes are not batched (etcd does that).
 */
#include "store_etcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "store_etcd_http.h"

static const struct store_ops etcd_ops;

_Thread_local const struct etcd_store *etcd_hook_running;

static struct etcd_store *
etcd_of(struct store *base)
{
	return (struct etcd_store *)base;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- keys and bodies ---- */

void
etcd_key(const struct etcd_store *s, struct strbuf *sb, const char *resource,
    const char *ns, const char *name)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/%s/", s->prefix, resource);
	if (ns != NULL && *ns != '\0')
		strbuf_addf(sb, "%s/", ns);
	if (name != NULL)
		strbuf_adds(sb, name);
}

int
etcd_key_split(const struct etcd_store *s, const char *key, char **resource,
    char **ns, char **name)
{
	size_t plen = strlen(s->prefix);
	const char *r, *slash, *rest, *slash2;

	*resource = *ns = *name = NULL;
	if (strncmp(key, s->prefix, plen) != 0 || key[plen] != '/')
		return CK_EINVALID;
	r = key + plen + 1;
	if ((slash = strchr(r, '/')) == NULL || slash == r)
		return CK_EINVALID;
	rest = slash + 1;
	slash2 = strchr(rest, '/');
	if (*rest == '\0' || (slash2 != NULL &&
	    (slash2 == rest || slash2[1] == '\0' || strchr(slash2 + 1, '/'))))
		return CK_EINVALID;
	*resource = ck_strndup(r, (size_t)(slash - r));
	if (slash2 == NULL) {
		*ns = ck_strdup("");
		*name = ck_strdup(rest);
	} else {
		*ns = ck_strndup(rest, (size_t)(slash2 - rest));
		*name = ck_strdup(slash2 + 1);
	}
	return 0;
}

char *
etcd_body_with_rv(const char *value, size_t len, int64_t rv, size_t *out_len)
{
	cJSON *obj;
	char *out = NULL;

	obj = cJSON_ParseWithLength(value, len);
	if (obj != NULL && cJSON_IsObject(obj) &&
	    store_obj_set_rv(obj, rv) == 0)
		out = store_json_check(cJSON_PrintUnformatted(obj));
	cJSON_Delete(obj);
	if (out != NULL && out_len != NULL)
		*out_len = strlen(out);
	return out;
}

/* The JSON stored for obj: itself without metadata.resourceVersion. */
static char *
stored_value(cJSON *obj)
{
	cJSON *meta, *rv;
	char *text;

	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	rv = cJSON_IsObject(meta) ? cJSON_DetachItemFromObjectCaseSensitive(
	    meta, "resourceVersion") : NULL;
	text = store_json_check(cJSON_PrintUnformatted(obj));
	if (rv != NULL)
		cJSON_AddItemToObject(meta, "resourceVersion", rv);
	return text;
}

void
etcd_add_prefix_range(cJSON *req, const char *p, size_t len)
{
	char *end = ck_strndup(p, len);

	etcd_json_add_bytes(req, "key", p, len);
	/* the prefix ends in '/': the range ends before '0' ('/' + 1) */
	end[len - 1]++;
	etcd_json_add_bytes(req, "range_end", end, len);
	free(end);
}

/* One "kvs" entry as a store_item. */
static int
kv_item(const struct etcd_store *s, const cJSON *kv, struct store_item *it)
{
	char *key = NULL, *value = NULL, *resource = NULL;
	size_t vlen = 0;
	int rc = CK_EIO;

	memset(it, 0, sizeof(*it));
	key = etcd_json_bytes(kv, "key", NULL);
	value = etcd_json_bytes(kv, "value", &vlen);
	if (key == NULL || value == NULL ||
	    etcd_key_split(s, key, &resource, &it->ns, &it->name) < 0)
		goto bad;
	it->rv = etcd_json_i64(kv, "mod_revision");
	it->body = etcd_body_with_rv(value, vlen, it->rv, &it->body_len);
	if (it->body == NULL)
		goto bad;
	rc = 0;
	goto out;
bad:
	store_set_error("etcd: key %s holds no JSON object", key ? key : "?");
	log_error("store: %s", store_last_error());
	store_item_fini(it);
out:
	free(key);
	free(value);
	free(resource);
	return rc;
}

static int
check_key(const char *resource, const char *name)
{
	if (resource == NULL || *resource == '\0' || name == NULL ||
	    *name == '\0' || strchr(resource, '/') || strchr(name, '/'))
		return CK_EINVALID;
	return 0;
}

/* Post req (consumed) to path. */
static int
post_json(struct etcd_store *s, const char *path, cJSON *req, bool write,
    cJSON **out)
{
	char *body = store_json_check(cJSON_PrintUnformatted(req));
	int rc;

	cJSON_Delete(req);
	rc = etcd_post(s->cl, path, body, write, out);
	free(body);
	return rc;
}

/* etcd's revision now (a count of the prefix key alone: cheap). */
int
etcd_current_revision(struct etcd_store *s, int64_t *rev)
{
	cJSON *req, *resp = NULL;
	int rc;

	req = store_json_check(cJSON_CreateObject());
	etcd_json_add_bytes(req, "key", s->prefix, strlen(s->prefix));
	cJSON_AddBoolToObject(req, "count_only", 1);
	if ((rc = post_json(s, "/v3/kv/range", req, false, &resp)) < 0)
		return rc;
	*rev = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(resp, "header"),
	    "revision");
	cJSON_Delete(resp);
	return 0;
}

/* ---- open, close, state ---- */

int
store_open_etcd(const struct store_etcd_config *cfg, struct store **out,
    struct ck_status *st)
{
	struct etcd_store *s;
	pthread_condattr_t ca;
	const char *prefix;
	size_t len;
	int rc;

	*out = NULL;
	prefix = cfg->prefix != NULL ? cfg->prefix : "/registry";
	len = strlen(prefix);
	while (len > 0 && prefix[len - 1] == '/')
		len--;
	if (len == 0 || prefix[0] != '/')
		return ck_status_set(st, CK_EINVALID, "--etcd-prefix %s: want "
		    "an absolute key prefix like /registry", prefix);
	s = ck_calloc(1, sizeof(*s));
	s->base.ops = &etcd_ops;
	s->prefix = ck_strndup(prefix, len);
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->hmu, NULL);
	if ((rc = etcd_client_new(cfg->servers, cfg->request_timeout_ms,
	    &s->cl, st)) < 0)
		goto fail;
	/* The revision the watch starts after. */
	if ((rc = etcd_current_revision(s, &s->delivered)) < 0) {
		ck_status_set(st, rc, "%s", store_last_error());
		goto fail;
	}
	s->last_event = s->delivered;
	s->watch_on_hook = cfg->watch_on_hook;
	if (!s->watch_on_hook && (rc = etcd_watch_start(s)) < 0) {
		ck_status_set(st, rc, "etcd: cannot start the watch thread");
		goto fail;
	}
	log_v(2, "store: etcd %s prefix %s: at revision %lld", cfg->servers,
	    s->prefix, (long long)s->delivered);
	*out = &s->base;
	return 0;
fail:
	etcd_ops.close(&s->base);
	return rc;
}

static void
etcd_close(struct store *base)
{
	struct etcd_store *s = etcd_of(base);

	etcd_watch_stop(s);
	etcd_client_free(s->cl);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->hmu);
	free(s->prefix);
	free(s);
}

static int
etcd_set_sync(struct store *base, const char *mode)
{
	(void)base;
	/* etcd syncs every commit to its members' disks itself */
	return mode != NULL && strcmp(mode, "normal") == 0 ? 0 : CK_EINVALID;
}

static void
etcd_set_commit_hook(struct store *base, store_commit_fn fn, void *arg)
{
	struct etcd_store *s = etcd_of(base);

	pthread_mutex_lock(&s->mu);
	s->hook = fn;
	s->hook_arg = arg;
	pthread_mutex_unlock(&s->mu);
	/* From the revision at open: every later event reaches fn. */
	if (fn != NULL && s->watch_on_hook && !s->thread_started &&
	    etcd_watch_start(s) < 0)
		log_warn("store: etcd: cannot start the watch thread");
}

static void
note_health(struct etcd_store *s, int rc)
{
	pthread_mutex_lock(&s->hmu);
	if (rc == CK_EUNAVAIL || rc == CK_ETIMEDOUT) {
		s->health_rc = CK_EUNAVAIL;
		snprintf(s->health_msg, sizeof(s->health_msg), "%s",
		    store_last_error());
	} else if (rc == 0 || rc == CK_EEXIST || rc == CK_ECONFLICT ||
	    rc == CK_ENOTFOUND)
		s->health_rc = 0;
	pthread_mutex_unlock(&s->hmu);
}

/* A linearizable read of one key: answered only with a quorum. */
static int
probe(struct etcd_store *s)
{
	cJSON *req, *resp = NULL;
	int rc;

	req = store_json_check(cJSON_CreateObject());
	etcd_json_add_bytes(req, "key", s->prefix, strlen(s->prefix));
	cJSON_AddBoolToObject(req, "count_only", 1);
	rc = post_json(s, "/v3/kv/range", req, false, &resp);
	cJSON_Delete(resp);
	return rc;
}

static int
etcd_write_health(struct store *base, char *msg, size_t len)
{
	struct etcd_store *s = etcd_of(base);
	int64_t now = now_ms();
	int rc;

	pthread_mutex_lock(&s->hmu);
	rc = now - s->probe_ms >= 1000;
	if (rc)
		s->probe_ms = now;
	pthread_mutex_unlock(&s->hmu);
	if (rc)
		note_health(s, probe(s));
	pthread_mutex_lock(&s->hmu);
	rc = s->health_rc;
	if (rc < 0)
		snprintf(msg, len, "%s", s->health_msg);
	pthread_mutex_unlock(&s->hmu);
	return rc;
}

static void
etcd_write_stats(struct store *base, struct store_write_stats *out)
{
	(void)base;
	memset(out, 0, sizeof(*out));
}

/*
 * Every etcd write waits for a round trip and its watch event: "busy", so
 * the HTTP layer runs writes on its write pool, never on an I/O thread
 * whose other connections would wait (up to the request timeout when etcd
 * is down).
 */
static int
etcd_write_busy(struct store *base)
{
	(void)base;
	return 1;
}

static int64_t
etcd_revision(struct store *base)
{
	struct etcd_store *s = etcd_of(base);
	int64_t rv;

	pthread_mutex_lock(&s->mu);
	rv = s->delivered;
	pthread_mutex_unlock(&s->mu);
	return rv;
}

static int64_t
etcd_compacted_revision(struct store *base)
{
	return atomic_load(&etcd_of(base)->compacted);
}

void
etcd_note_compacted(struct etcd_store *s, int64_t c)
{
	int64_t cur = atomic_load(&s->compacted);

	while (c > cur && !atomic_compare_exchange_weak(&s->compacted, &cur, c))
		;
}

/* ---- reads ---- */

static int
etcd_get(struct store *base, const char *resource, const char *ns,
    const char *name, struct store_item *out)
{
	struct etcd_store *s = etcd_of(base);
	struct strbuf key = STRBUF_INIT;
	cJSON *req, *resp = NULL;
	const cJSON *kvs;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_key(resource, name)) < 0)
		return rc;
	etcd_key(s, &key, resource, ns, name);
	req = store_json_check(cJSON_CreateObject());
	etcd_json_add_bytes(req, "key", key.buf, key.len);
	rc = post_json(s, "/v3/kv/range", req, false, &resp);
	note_health(s, rc);
	if (rc < 0)
		goto out;
	kvs = cJSON_GetObjectItemCaseSensitive(resp, "kvs");
	if (cJSON_GetArraySize(kvs) < 1)
		rc = CK_ENOTFOUND;
	else
		rc = kv_item(s, cJSON_GetArrayItem(kvs, 0), out);
out:
	cJSON_Delete(resp);
	strbuf_fini(&key);
	return rc;
}

static int
etcd_list(struct store *base, const char *resource, const char *ns,
    const char *after_ns, const char *after_name, size_t limit,
    struct store_list *out)
{
	struct etcd_store *s = etcd_of(base);
	struct strbuf p = STRBUF_INIT, start = STRBUF_INIT;
	cJSON *req, *resp = NULL, *kv;
	const cJSON *kvs;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (resource == NULL || *resource == '\0')
		return CK_EINVALID;
	etcd_key(s, &p, resource, ns, NULL);
	req = store_json_check(cJSON_CreateObject());
	etcd_add_prefix_range(req, p.buf, p.len);
	if (after_name != NULL) {
		/*
		 * Strictly after the key of (after_ns, after_name), within the
		 * prefix: a cursor before it starts at the prefix, one past it
		 * finds nothing (its end is the prefix's '/' + 1).
		 */
		etcd_key(s, &start, resource, after_ns, after_name);
		strbuf_add(&start, "", 1);
		if (memcmp(start.buf, p.buf, start.len < p.len ? start.len :
		    p.len) > 0 || (start.len > p.len &&
		    memcmp(start.buf, p.buf, p.len) == 0)) {
			cJSON_DeleteItemFromObjectCaseSensitive(req, "key");
			etcd_json_add_bytes(req, "key", start.buf, start.len);
		}
	}
	if (limit > 0)
		etcd_json_add_i64(req, "limit", (int64_t)limit);
	rc = post_json(s, "/v3/kv/range", req, false, &resp);
	note_health(s, rc);
	if (rc < 0)
		goto out;
	out->rv = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(resp,
	    "header"), "revision");
	out->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp,
	    "more"));
	kvs = cJSON_GetObjectItemCaseSensitive(resp, "kvs");
	n = (size_t)cJSON_GetArraySize(kvs);
	out->items = n > 0 ? ck_calloc(n, sizeof(*out->items)) : NULL;
	i = 0;
	cJSON_ArrayForEach(kv, kvs) {
		if ((rc = kv_item(s, kv, &out->items[i])) < 0)
			break;
		out->n = ++i;
	}
	if (rc < 0)
		store_list_fini(out);
out:
	cJSON_Delete(resp);
	strbuf_fini(&p);
	strbuf_fini(&start);
	return rc;
}

static int
etcd_count(struct store *base, const char *resource, const char *ns,
    int64_t *out)
{
	struct etcd_store *s = etcd_of(base);
	struct strbuf p = STRBUF_INIT;
	cJSON *req, *resp = NULL;
	int rc;

	*out = 0;
	if (resource == NULL || *resource == '\0')
		return CK_EINVALID;
	etcd_key(s, &p, resource, ns, NULL);
	req = store_json_check(cJSON_CreateObject());
	etcd_add_prefix_range(req, p.buf, p.len);
	cJSON_AddBoolToObject(req, "count_only", 1);
	rc = post_json(s, "/v3/kv/range", req, false, &resp);
	note_health(s, rc);
	if (rc == 0)
		*out = etcd_json_i64(resp, "count");
	cJSON_Delete(resp);
	strbuf_fini(&p);
	return rc;
}

/* ---- writes ---- */

/* Wait (bounded) until the watch has run the hook of every event <= rv. */
static void
wait_delivered(struct etcd_store *s, int64_t rv)
{
	struct timespec ts;
	int64_t deadline = now_ms() + ETCD_HOOK_WAIT_MS;

	pthread_mutex_lock(&s->mu);
	/* No watch yet: it delivers rv to the hook once it starts. */
	while (s->delivered < rv && !atomic_load(&s->stop) &&
	    !(s->watch_on_hook && s->hook == NULL)) {
		ts.tv_sec = deadline / 1000;
		ts.tv_nsec = (deadline % 1000) * 1000000L;
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0 &&
		    now_ms() >= deadline) {
			log_warn("store: etcd: revision %lld committed, but "
			    "the watch has not delivered it after %d ms "
			    "(delivered %lld)", (long long)rv,
			    ETCD_HOOK_WAIT_MS, (long long)s->delivered);
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
}

static bool
meta_ok(const cJSON *obj)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	return cJSON_IsObject(obj) && (meta == NULL || cJSON_IsObject(meta));
}

static int
check_ops(struct store_op *ops, size_t n, size_t *failed)
{
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++) {
		*failed = i;
		if ((rc = check_key(ops[i].resource, ops[i].name)) < 0)
			return rc;
		if (ops[i].type != STORE_OP_DELETE && !meta_ok(ops[i].obj))
			return CK_EINVALID;
		if (ops[i].ns == NULL)
			ops[i].ns = "";
		if (strchr(ops[i].ns, '/') != NULL)
			return CK_EINVALID;
		for (j = 0; j < i; j++)
			if (strcmp(ops[i].resource, ops[j].resource) == 0 &&
			    strcmp(ops[i].ns, ops[j].ns) == 0 &&
			    strcmp(ops[i].name, ops[j].name) == 0)
				return CK_EINVALID;
	}
	return 0;
}

/* The precondition of op as a txn compare. */
static void
add_compare(cJSON *cmps, const struct store_op *op, const struct strbuf *key)
{
	cJSON *c = store_json_check(cJSON_CreateObject());

	etcd_json_add_bytes(c, "key", key->buf, key->len);
	if (op->type == STORE_OP_CREATE || op->expect_rv == 0) {
		cJSON_AddStringToObject(c, "target", "CREATE");
		cJSON_AddStringToObject(c, "result",
		    op->type == STORE_OP_CREATE ? "EQUAL" : "NOT_EQUAL");
		etcd_json_add_i64(c, "create_revision", 0);
	} else {
		cJSON_AddStringToObject(c, "target", "MOD");
		cJSON_AddStringToObject(c, "result", "EQUAL");
		etcd_json_add_i64(c, "mod_revision", op->expect_rv);
	}
	cJSON_AddItemToArray(cmps, c);
}

static void
add_request(cJSON *succ, cJSON *fail, const struct store_op *op,
    const struct strbuf *key)
{
	cJSON *r, *body;
	char *value;

	r = store_json_check(cJSON_CreateObject());
	if (op->type == STORE_OP_DELETE) {
		body = store_json_check(cJSON_AddObjectToObject(r,
		    "request_delete_range"));
		etcd_json_add_bytes(body, "key", key->buf, key->len);
		cJSON_AddBoolToObject(body, "prev_kv", 1);
	} else {
		body = store_json_check(cJSON_AddObjectToObject(r, "request_put"));
		etcd_json_add_bytes(body, "key", key->buf, key->len);
		value = stored_value(op->obj);
		etcd_json_add_bytes(body, "value", value, strlen(value));
		free(value);
	}
	cJSON_AddItemToArray(succ, r);
	r = store_json_check(cJSON_CreateObject());
	body = store_json_check(cJSON_AddObjectToObject(r, "request_range"));
	etcd_json_add_bytes(body, "key", key->buf, key->len);
	cJSON_AddItemToArray(fail, r);
}

/* Which op failed its precondition, from the failure branch's ranges. */
static int
refusal(const cJSON *resp, const struct store_op *ops, size_t n,
    size_t *failed)
{
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(resp, "responses");
	const cJSON *rr, *kv;
	int64_t mod;
	size_t i;

	for (i = 0; i < n; i++) {
		*failed = i;
		rr = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rs,
		    (int)i), "response_range");
		kv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rr,
		    "kvs"), 0);
		if (ops[i].type == STORE_OP_CREATE) {
			if (kv != NULL)
				return CK_EEXIST;
			continue;
		}
		if (kv == NULL)
			return CK_ENOTFOUND;
		mod = etcd_json_i64(kv, "mod_revision");
		if (ops[i].expect_rv != 0 && mod != ops[i].expect_rv)
			return CK_ECONFLICT;
	}
	/* the objects changed again since the txn: say so as a conflict */
	*failed = 0;
	return CK_ECONFLICT;
}

/* A committed delete's last state (prev_kv) with resourceVersion = rv. */
static char *
deleted_body(const cJSON *resp, size_t i, int64_t rv)
{
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(resp, "responses");
	const cJSON *dr, *kv;
	char *value, *out;
	size_t len = 0;

	dr = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rs, (int)i),
	    "response_delete_range");
	kv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(dr,
	    "prev_kvs"), 0);
	value = etcd_json_bytes(kv, "value", &len);
	out = value != NULL ? etcd_body_with_rv(value, len, rv, NULL) : NULL;
	free(value);
	return out != NULL ? out : ck_strdup("{}");
}

static int
etcd_txn(struct store *base, struct store_op *ops, size_t n, size_t *failed)
{
	struct etcd_store *s = etcd_of(base);
	struct strbuf key = STRBUF_INIT;
	cJSON *req, *cmps, *succ, *fail, *resp = NULL;
	size_t i, dummy;
	int64_t rv;
	int rc;

	if (failed == NULL)
		failed = &dummy;
	*failed = 0;
	if (n == 0 || n > STORE_TXN_MAX)
		return CK_EINVALID;
	for (i = 0; i < n; i++)
		ops[i].last = NULL;
	if ((rc = check_ops(ops, n, failed)) < 0)
		return rc;
	if (etcd_hook_running == s) {
		log_error("store: %s %s/%s: write from inside a commit hook "
		    "refused", ops[0].resource, ops[0].ns, ops[0].name);
		return CK_EINVALID;
	}
	req = store_json_check(cJSON_CreateObject());
	cmps = store_json_check(cJSON_AddArrayToObject(req, "compare"));
	succ = store_json_check(cJSON_AddArrayToObject(req, "success"));
	fail = store_json_check(cJSON_AddArrayToObject(req, "failure"));
	for (i = 0; i < n; i++) {
		etcd_key(s, &key, ops[i].resource, ops[i].ns, ops[i].name);
		add_compare(cmps, &ops[i], &key);
		add_request(succ, fail, &ops[i], &key);
	}
	strbuf_fini(&key);
	rc = post_json(s, "/v3/kv/txn", req, true, &resp);
	note_health(s, rc);
	if (rc < 0)
		goto out;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp,
	    "succeeded"))) {
		rc = refusal(resp, ops, n, failed);
		goto out;
	}
	rv = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(resp, "header"),
	    "revision");
	for (i = 0; i < n; i++) {
		ops[i].rv = rv;
		if (ops[i].type == STORE_OP_DELETE)
			ops[i].last = deleted_body(resp, i, rv);
		else
			(void)store_obj_set_rv(ops[i].obj, rv);
	}
	wait_delivered(s, rv);
out:
	cJSON_Delete(resp);
	return rc;
}

static int
etcd_create(struct store *base, const char *resource, const char *ns,
    const char *name, cJSON *obj, int64_t *rv_out)
{
	struct store_op op = {
		.type = STORE_OP_CREATE, .resource = resource, .ns = ns,
		.name = name, .obj = obj,
	};
	int rc;

	rc = etcd_txn(base, &op, 1, NULL);
	if (rc == 0 && rv_out != NULL)
		*rv_out = op.rv;
	return rc;
}

static int
etcd_update(struct store *base, const char *resource, const char *ns,
    const char *name, cJSON *obj, int64_t expect_rv, int64_t *rv_out)
{
	struct store_op op = {
		.type = STORE_OP_UPDATE, .resource = resource, .ns = ns,
		.name = name, .obj = obj, .expect_rv = expect_rv,
	};
	int rc;

	rc = etcd_txn(base, &op, 1, NULL);
	if (rc == 0 && rv_out != NULL)
		*rv_out = op.rv;
	return rc;
}

static int
etcd_delete(struct store *base, const char *resource, const char *ns,
    const char *name, int64_t expect_rv, char **last_out, int64_t *rv_out)
{
	struct store_op op = {
		.type = STORE_OP_DELETE, .resource = resource, .ns = ns,
		.name = name, .expect_rv = expect_rv,
	};
	int rc;

	if (last_out != NULL)
		*last_out = NULL;
	rc = etcd_txn(base, &op, 1, NULL);
	if (rc == 0 && rv_out != NULL)
		*rv_out = op.rv;
	if (rc == 0 && last_out != NULL)
		*last_out = op.last;
	else
		free(op.last);
	return rc;
}

/*
 * etcd keeps the state at the compaction revision C, so an event at C can
 * still be watched: compacting at upto + 1 removes exactly the events
 * <= upto, as store.h says (at upto itself when that is the newest).
 */
static int
etcd_compact(struct store *base, int64_t upto_rv)
{
	struct etcd_store *s = etcd_of(base);
	cJSON *req, *resp = NULL;
	int64_t c;
	int rc;

	if (upto_rv <= 0 || upto_rv <= atomic_load(&s->compacted))
		return 0;
	c = upto_rv < etcd_revision(base) ? upto_rv + 1 : upto_rv;
	/*
	 * Asked already: at upto itself (the newest), compacted stays upto - 1
	 * and a repeat would only be refused as compacted.
	 */
	if (c <= atomic_load(&s->compact_asked))
		return 0;
	atomic_store(&s->compact_asked, c);
	req = store_json_check(cJSON_CreateObject());
	etcd_json_add_i64(req, "revision", c);
	rc = post_json(s, "/v3/kv/compaction", req, true, &resp);
	cJSON_Delete(resp);
	if (rc == CK_EGONE)	/* a peer apiserver compacted past it */
		rc = 0;
	if (rc == 0)
		etcd_note_compacted(s, c - 1);
	return rc;
}

static const struct store_ops etcd_ops = {
	.name = "etcd3",
	.close = etcd_close,
	.set_sync = etcd_set_sync,
	.set_commit_hook = etcd_set_commit_hook,
	.write_health = etcd_write_health,
	.write_stats = etcd_write_stats,
	.write_busy = etcd_write_busy,
	.revision = etcd_revision,
	.compacted_revision = etcd_compacted_revision,
	.get = etcd_get,
	.list = etcd_list,
	.count = etcd_count,
	.create = etcd_create,
	.update = etcd_update,
	.delete = etcd_delete,
	.txn = etcd_txn,
	.events_since = etcd_events_since,
	.compact = etcd_compact,
};
