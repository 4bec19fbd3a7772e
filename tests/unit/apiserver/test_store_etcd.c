/*
 * Unit tests for apiserver/store/store_etcd*.c against a real etcd (3.4,
 * /usr/bin/etcd) started here on random loopback ports with a temp data
 * dir, killed at the end; every test skips when etcd is not installed.
 * Each test keeps its keys under its own prefix; revisions are etcd's
 * (global), so they are checked relative to the revision at the start.
 * Covered: the store.h contract (preconditions, bodies' resourceVersion,
 * paging in key order, counts, history, compaction and 410, the commit hook
 * fed by the watch, hooks may not write, store_txn on one revision), two
 * stores sharing one etcd (a write of one reaches the other's hook),
 * failover past a dead member, and a killed etcd (503-class errors with
 * etcd named, no hang).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

#include "store/store.h"

#define ETCD_BIN	"/usr/bin/etcd"

static struct {
	bool	 present;
	pid_t	 pid;
	char	 dir[64];
	char	 url[64];
	int	 dead_port;	/* a port nobody listens on */
	int	 seq;
} etcd;

/* A free loopback port (bound, then released). */
static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* etcd answers a range once it has a leader: poll with a deadline. */
static bool
etcd_ready(void)
{
	struct store_etcd_config cfg = { .servers = etcd.url,
		.prefix = "/ready" };
	struct store *s = NULL;
	int64_t deadline = now_ms() + 20000;

	while (now_ms() < deadline) {
		if (store_open_etcd(&cfg, &s, NULL) == 0) {
			store_close(s);
			return true;
		}
		sleep_ms(100);
	}
	return false;
}

static int
group_setup(void **state)
{
	char client[64], peer[64], cluster[96], data[96], log[96];
	int cport, pport, fd;

	(void)state;
	if (access(ETCD_BIN, X_OK) != 0) {
		printf("# etcd is not installed (%s): every test skips\n",
		    ETCD_BIN);
		return 0;
	}
	/* tmpfs when there is one: a busy disk does not slow etcd's fsyncs */
	ck_strlcpy(etcd.dir, "/dev/shm/ckube-etcd-XXXXXX", sizeof(etcd.dir));
	if (mkdtemp(etcd.dir) == NULL) {
		ck_strlcpy(etcd.dir, "/tmp/ckube-etcd-XXXXXX", sizeof(etcd.dir));
		if (mkdtemp(etcd.dir) == NULL)
			return -1;
	}
	cport = free_port();
	pport = free_port();
	etcd.dead_port = free_port();
	if (cport < 0 || pport < 0 || etcd.dead_port < 0)
		return -1;
	snprintf(client, sizeof(client), "http://127.0.0.1:%d", cport);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", pport);
	snprintf(cluster, sizeof(cluster), "t=%s", peer);
	snprintf(data, sizeof(data), "%s/data", etcd.dir);
	snprintf(log, sizeof(log), "%s/etcd.log", etcd.dir);
	ck_strlcpy(etcd.url, client, sizeof(etcd.url));
	etcd.pid = fork();
	if (etcd.pid < 0)
		return -1;
	if (etcd.pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(ETCD_BIN, "etcd", "--name", "t", "--data-dir", data,
		    "--listen-client-urls", client, "--advertise-client-urls",
		    client, "--listen-peer-urls", peer,
		    "--initial-advertise-peer-urls", peer,
		    "--initial-cluster", cluster, (char *)NULL);
		_exit(127);
	}
	if (!etcd_ready()) {
		printf("# etcd did not become ready (see %s)\n", log);
		return -1;
	}
	etcd.present = true;
	return 0;
}

static void
etcd_kill(void)
{
	if (etcd.pid > 0) {
		kill(etcd.pid, SIGKILL);
		waitpid(etcd.pid, NULL, 0);
		etcd.pid = 0;
	}
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	etcd_kill();
	if (etcd.dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", etcd.dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

struct hook_rec {
	int64_t			 rv;
	enum store_event_type	 type;
	char			 resource[64];
	char			 name[64];
	int			 body_rv_ok;
};

struct fx {
	char		 prefix[32];
	struct store	*s;
	int64_t		 base;		/* the revision at the start */
	pthread_mutex_t	 mu;
	struct hook_rec	 hooks[256];
	size_t		 nhooks;
	int		 hook_order_ok;
};

static int
open_at(const char *servers, const char *prefix, struct store **s,
    struct ck_status *st)
{
	struct store_etcd_config cfg = { .servers = servers, .prefix = prefix };

	return store_open_etcd(&cfg, s, st);
}

static int
setup(void **state)
{
	struct fx *f = ck_calloc(1, sizeof(*f));
	struct ck_status st;

	*state = f;
	pthread_mutex_init(&f->mu, NULL);
	f->hook_order_ok = 1;
	if (!etcd.present)
		return 0;
	snprintf(f->prefix, sizeof(f->prefix), "/t%d", ++etcd.seq);
	if (open_at(etcd.url, f->prefix, &f->s, &st) != 0)
		return -1;
	f->base = store_revision(f->s);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return 0;
}

#define NEED_ETCD()	do { if (!etcd.present) skip(); } while (0)

static cJSON *
new_obj(const char *ns, const char *name)
{
	cJSON *o = cJSON_CreateObject(), *meta;

	meta = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	if (ns != NULL && *ns != '\0')
		cJSON_AddStringToObject(meta, "namespace", ns);
	cJSON_AddObjectToObject(o, "spec");
	return o;
}

static int64_t
obj_rv(const cJSON *o)
{
	const cJSON *meta, *v;
	int64_t rv;

	meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	v = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
	if (!cJSON_IsString(v) || ck_parse_int64(v->valuestring, &rv) < 0)
		return -1;
	return rv;
}

static int64_t
body_rv(const char *body)
{
	cJSON *o = cJSON_Parse(body);
	int64_t rv = obj_rv(o);

	cJSON_Delete(o);
	return rv;
}

static int64_t
create(struct store *s, const char *res, const char *ns, const char *name)
{
	cJSON *o = new_obj(ns, name);
	int64_t rv = 0;

	assert_int_equal(store_create(s, res, ns, name, o, &rv), 0);
	assert_int_equal(obj_rv(o), rv);
	cJSON_Delete(o);
	return rv;
}

static void
record_hook(const struct store_event *ev, void *arg)
{
	struct fx *f = arg;
	struct hook_rec *h;

	pthread_mutex_lock(&f->mu);
	if (f->nhooks > 0 && ev->rv < f->hooks[f->nhooks - 1].rv)
		f->hook_order_ok = 0;
	if (f->nhooks < ARRAY_SIZE(f->hooks)) {
		h = &f->hooks[f->nhooks];
		h->rv = ev->rv;
		h->type = ev->type;
		ck_strlcpy(h->resource, ev->resource, sizeof(h->resource));
		ck_strlcpy(h->name, ev->name, sizeof(h->name));
		h->body_rv_ok = body_rv(ev->body) == ev->rv &&
		    strlen(ev->body) == ev->body_len;
	}
	f->nhooks++;
	pthread_mutex_unlock(&f->mu);
}

static size_t
nhooks(struct fx *f)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->nhooks;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static void
test_store_etcd_crud(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o;
	char *last = NULL;
	int64_t rv, rv2;

	NEED_ETCD();
	assert_string_equal(store_backend(f->s), "etcd3");
	rv = create(f->s, "pods", "default", "a");
	assert_true(rv > f->base);
	assert_int_equal(store_revision(f->s), rv);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, rv);
	assert_int_equal(body_rv(it.body), rv);
	assert_string_equal(it.ns, "default");
	assert_string_equal(it.name, "a");
	store_item_fini(&it);
	assert_int_equal(store_get(f->s, "pods", "default", "b", &it),
	    CK_ENOTFOUND);
	assert_int_equal(store_get(f->s, "pods", "other", "a", &it),
	    CK_ENOTFOUND);

	/* Refusals leave obj untouched. */
	o = new_obj("default", "a");
	assert_int_equal(store_create(f->s, "pods", "default", "a", o, NULL),
	    CK_EEXIST);
	assert_int_equal(obj_rv(o), -1);
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, rv + 100,
	    NULL), CK_ECONFLICT);
	assert_int_equal(store_update(f->s, "pods", "default", "zz", o, 0,
	    NULL), CK_ENOTFOUND);
	assert_int_equal(obj_rv(o), -1);
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, rv,
	    &rv2), 0);
	assert_true(rv2 > rv);
	assert_int_equal(obj_rv(o), rv2);
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 0,
	    &rv), 0);
	assert_true(rv > rv2);

	/* Delete: preconditions, then the last state at the deletion rv. */
	assert_int_equal(store_delete(f->s, "pods", "default", "a", rv2, &last,
	    NULL), CK_ECONFLICT);
	assert_null(last);
	assert_int_equal(store_delete(f->s, "pods", "default", "nope", 0, &last,
	    NULL), CK_ENOTFOUND);
	assert_int_equal(store_delete(f->s, "pods", "default", "a", rv, &last,
	    &rv2), 0);
	assert_true(rv2 > rv);
	assert_non_null(last);
	assert_int_equal(body_rv(last), rv2);
	free(last);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it),
	    CK_ENOTFOUND);

	/* Bad keys and bodies. */
	assert_int_equal(store_create(f->s, "pods", "default", "", o, NULL),
	    CK_EINVALID);
	assert_int_equal(store_create(f->s, "pods", "a/b", "x", o, NULL),
	    CK_EINVALID);
	cJSON_Delete(o);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "metadata", 1);
	assert_int_equal(store_create(f->s, "pods", "default", "x", o, NULL),
	    CK_EINVALID);
	cJSON_Delete(o);
	assert_int_equal(store_set_sync(f->s, "normal"), 0);
	assert_int_equal(store_set_sync(f->s, "full"), CK_EINVALID);
}

static void
test_store_etcd_list_paging(void **state)
{
	static const char *const nss[] = { "ns-a", "ns-b", "ns-c" };
	struct fx *f = *state;
	struct store_list l;
	char name[32], prev[96] = "", cur[96], cont_ns[64], cont_name[64];
	const char *after_ns = NULL, *after_name = NULL;
	size_t i, total = 0, pages = 0;
	int64_t count, last = 0;
	int more;

	NEED_ETCD();
	for (i = 0; i < 25; i++) {
		(void)snprintf(name, sizeof(name), "obj-%02zu", (i * 7) % 25);
		last = create(f->s, "configmaps", nss[i % 3], name);
	}
	create(f->s, "secrets", "ns-a", "other");
	create(f->s, "nodes", "", "n1");
	do {
		assert_int_equal(store_list(f->s, "configmaps", NULL, after_ns,
		    after_name, 10, &l), 0);
		assert_true(l.rv > last);
		for (i = 0; i < l.n; i++) {
			(void)snprintf(cur, sizeof(cur), "%s/%s",
			    l.items[i].ns, l.items[i].name);
			assert_true(strcmp(prev, cur) < 0);	/* key order */
			ck_strlcpy(prev, cur, sizeof(prev));
			assert_int_equal(body_rv(l.items[i].body),
			    l.items[i].rv);
		}
		total += l.n;
		pages++;
		assert_int_equal(l.more, pages < 3);
		if (l.n > 0) {
			ck_strlcpy(cont_ns, l.items[l.n - 1].ns,
			    sizeof(cont_ns));
			ck_strlcpy(cont_name, l.items[l.n - 1].name,
			    sizeof(cont_name));
			after_ns = cont_ns;
			after_name = cont_name;
		}
		more = l.more;
		store_list_fini(&l);
	} while (more);
	assert_int_equal(total, 25);
	assert_int_equal(pages, 3);

	assert_int_equal(store_list(f->s, "configmaps", "ns-b", NULL, NULL, 5,
	    &l), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.more, 1);
	for (i = 0; i < l.n; i++)
		assert_string_equal(l.items[i].ns, "ns-b");
	store_list_fini(&l);
	/* A cursor in an earlier namespace covers all of ns; a later one none. */
	create(f->s, "configmaps", "ns-a1", "between");
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", "ns-a", "zzz",
	    0, &l), 0);
	assert_int_equal(l.n, 8);
	for (i = 0; i < l.n; i++)
		assert_string_equal(l.items[i].ns, "ns-b");
	store_list_fini(&l);
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", "ns-c", "", 0,
	    &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.more, 0);
	store_list_fini(&l);
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", "ns-b",
	    "obj-99", 0, &l), 0);
	assert_int_equal(l.n, 0);
	store_list_fini(&l);
	assert_int_equal(store_list(f->s, "nodes", NULL, NULL, NULL, 0, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].ns, "");
	assert_string_equal(l.items[0].name, "n1");
	store_list_fini(&l);

	assert_int_equal(store_count(f->s, "configmaps", "", &count), 0);
	assert_int_equal(count, 26);
	assert_int_equal(store_count(f->s, "configmaps", "ns-a", &count), 0);
	assert_int_equal(count, 9);
	assert_int_equal(store_count(f->s, "configmaps", "ns-z", &count), 0);
	assert_int_equal(count, 0);
	/* "pods" is no prefix of "podsx": resources do not mix */
	create(f->s, "podsx", "ns-a", "p");
	assert_int_equal(store_count(f->s, "pods", NULL, &count), 0);
	assert_int_equal(count, 0);
}

static void
test_store_etcd_events_compact(void **state)
{
	struct fx *f = *state;
	struct store_event *evs = NULL;
	int64_t rv[6];
	cJSON *o;
	size_t n, i;

	NEED_ETCD();
	for (i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "p%zu", i);
		rv[i] = create(f->s, "pods", "default", name);
	}
	rv[3] = create(f->s, "services", "default", "svc");
	o = new_obj("default", "p0");
	assert_int_equal(store_update(f->s, "pods", "default", "p0", o, 0,
	    &rv[4]), 0);
	assert_int_equal(store_delete(f->s, "pods", "default", "p1", 0, NULL,
	    &rv[5]), 0);
	cJSON_Delete(o);

	assert_int_equal(store_events_since(f->s, NULL, f->base, 0, &evs, &n),
	    0);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		assert_int_equal(evs[i].rv, rv[i]);
		assert_int_equal(body_rv(evs[i].body), rv[i]);
	}
	assert_int_equal(evs[0].type, STORE_ADDED);
	assert_int_equal(evs[4].type, STORE_MODIFIED);
	assert_int_equal(evs[5].type, STORE_DELETED);
	assert_string_equal(evs[5].name, "p1");
	store_events_free(evs, n);
	assert_int_equal(store_events_since(f->s, "pods", rv[0], 2, &evs, &n),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].rv, rv[1]);
	assert_int_equal(evs[1].rv, rv[2]);
	store_events_free(evs, n);
	assert_int_equal(store_events_since(f->s, "services", f->base, 0, &evs,
	    &n), 0);
	assert_int_equal(n, 1);
	store_events_free(evs, n);
	assert_int_equal(store_events_since(f->s, NULL, rv[5], 0, &evs, &n), 0);
	assert_int_equal(n, 0);

	/* Compaction: the history up to rv[2] is gone, later is there. */
	assert_int_equal(store_compact(f->s, rv[2]), 0);
	assert_int_equal(store_compacted_revision(f->s), rv[2]);
	assert_int_equal(store_events_since(f->s, NULL, rv[1], 0, &evs, &n),
	    CK_EGONE);
	assert_int_equal(store_events_since(f->s, NULL, rv[2], 0, &evs, &n), 0);
	assert_int_equal(n, 3);
	store_events_free(evs, n);
	assert_int_equal(store_compact(f->s, rv[1]), 0);	/* backwards */
	assert_int_equal(store_compacted_revision(f->s), rv[2]);
}

static void
test_store_etcd_hook(void **state)
{
	struct fx *f = *state;
	cJSON *o = new_obj("default", "a");
	int64_t rv, rv2, rv3;

	NEED_ETCD();
	store_set_commit_hook(f->s, record_hook, f);
	rv = create(f->s, "pods", "default", "a");
	/* before the write returned, its hook ran */
	assert_int_equal(nhooks(f), 1);
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, rv,
	    &rv2), 0);
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 0, NULL,
	    &rv3), 0);
	assert_int_equal(nhooks(f), 3);
	assert_int_equal(f->hooks[0].type, STORE_ADDED);
	assert_int_equal(f->hooks[1].type, STORE_MODIFIED);
	assert_int_equal(f->hooks[2].type, STORE_DELETED);
	assert_int_equal(f->hooks[0].rv, rv);
	assert_int_equal(f->hooks[1].rv, rv2);
	assert_int_equal(f->hooks[2].rv, rv3);
	assert_string_equal(f->hooks[2].name, "a");
	assert_true(f->hooks[0].body_rv_ok && f->hooks[1].body_rv_ok &&
	    f->hooks[2].body_rv_ok);
	/* refused writes: no hook */
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 0, NULL),
	    CK_ENOTFOUND);
	assert_int_equal(nhooks(f), 3);
	assert_true(f->hook_order_ok);
	cJSON_Delete(o);
}

struct nested {
	struct store	*s;
	int		 calls;
	int		 write_rc;
	int		 read_rc;
};

static void
nested_hook(const struct store_event *ev, void *arg)
{
	struct nested *n = arg;
	struct store_item it;
	cJSON *o = new_obj("default", "nested");

	n->calls++;
	n->write_rc = store_create(n->s, "pods", "default", "nested", o, NULL);
	n->read_rc = store_get(n->s, ev->resource, ev->ns, ev->name, &it);
	store_item_fini(&it);
	cJSON_Delete(o);
}

static void
test_store_etcd_hook_reads_not_writes(void **state)
{
	struct fx *f = *state;
	struct nested n = { .s = f->s };

	NEED_ETCD();
	store_set_commit_hook(f->s, nested_hook, &n);
	create(f->s, "pods", "default", "a");
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.write_rc, CK_EINVALID);
	assert_int_equal(n.read_rc, 0);
	store_set_commit_hook(f->s, NULL, NULL);
	create(f->s, "pods", "default", "b");
}

/* store_txn: all or nothing; with etcd every write shares one revision. */
static void
test_store_etcd_txn(void **state)
{
	struct fx *f = *state;
	struct store_op ops[2];
	struct store_item it;
	int64_t rvpod, rvpdb;
	cJSON *pdb;
	size_t failed = 9;

	NEED_ETCD();
	rvpod = create(f->s, "pods", "default", "a");
	rvpdb = create(f->s, "poddisruptionbudgets.policy", "default", "b");
	store_set_commit_hook(f->s, record_hook, f);
	pdb = new_obj("default", "b");
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct store_op){ .type = STORE_OP_UPDATE,
	    .resource = "poddisruptionbudgets.policy", .ns = "default",
	    .name = "b", .obj = pdb, .expect_rv = rvpod };
	ops[1] = (struct store_op){ .type = STORE_OP_DELETE,
	    .resource = "pods", .ns = "default", .name = "a",
	    .expect_rv = rvpod };
	assert_int_equal(store_txn(f->s, ops, 2, &failed), CK_ECONFLICT);
	assert_int_equal(failed, 0);
	assert_int_equal(obj_rv(pdb), -1);
	assert_null(ops[1].last);
	ops[0].expect_rv = rvpdb;
	ops[1].expect_rv = rvpdb + 50;
	assert_int_equal(store_txn(f->s, ops, 2, &failed), CK_ECONFLICT);
	assert_int_equal(failed, 1);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	store_item_fini(&it);
	assert_int_equal(nhooks(f), 0);

	ops[1].expect_rv = rvpod;
	assert_int_equal(store_txn(f->s, ops, 2, &failed), 0);
	assert_true(ops[0].rv > rvpdb);
	assert_int_equal(ops[1].rv, ops[0].rv);
	assert_int_equal(obj_rv(pdb), ops[0].rv);
	assert_int_equal(body_rv(ops[1].last), ops[1].rv);
	free(ops[1].last);
	assert_int_equal(nhooks(f), 2);
	assert_int_equal(f->hooks[0].type, STORE_MODIFIED);
	assert_int_equal(f->hooks[1].type, STORE_DELETED);
	assert_int_equal(f->hooks[1].rv, f->hooks[0].rv);

	ops[1] = ops[0];
	assert_int_equal(store_txn(f->s, ops, 2, &failed), CK_EINVALID);
	assert_int_equal(failed, 1);
	assert_int_equal(store_txn(f->s, ops, 0, NULL), CK_EINVALID);
	cJSON_Delete(pdb);
}

/* Two stores (two apiservers) on one etcd: each hook sees both's writes. */
static void
test_store_etcd_two_stores(void **state)
{
	struct fx *f = *state;
	struct fx *g = ck_calloc(1, sizeof(*g));
	struct ck_status st;
	int64_t rv, deadline;
	cJSON *o;

	NEED_ETCD();
	pthread_mutex_init(&g->mu, NULL);
	g->hook_order_ok = 1;
	assert_int_equal(open_at(etcd.url, f->prefix, &g->s, &st), 0);
	store_set_commit_hook(f->s, record_hook, f);
	store_set_commit_hook(g->s, record_hook, g);
	rv = create(f->s, "namespaces", "", "ns1");
	deadline = now_ms() + 5000;
	while (nhooks(g) < 1 && now_ms() < deadline)
		sleep_ms(10);
	assert_int_equal(nhooks(g), 1);
	assert_int_equal(g->hooks[0].rv, rv);
	assert_string_equal(g->hooks[0].name, "ns1");
	/* The same key from the peer: it exists; an update with f's rv works. */
	o = new_obj("", "ns1");
	assert_int_equal(store_create(g->s, "namespaces", "", "ns1", o, NULL),
	    CK_EEXIST);
	assert_int_equal(store_update(g->s, "namespaces", "", "ns1", o, rv,
	    &rv), 0);
	cJSON_Delete(o);
	assert_int_equal(nhooks(g), 2);
	deadline = now_ms() + 5000;
	while (nhooks(f) < 2 && now_ms() < deadline)
		sleep_ms(10);
	assert_int_equal(nhooks(f), 2);
	assert_int_equal(f->hooks[1].rv, rv);
	assert_int_equal(f->hooks[1].type, STORE_MODIFIED);
	store_close(g->s);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/*
 * watch_on_hook (the apiserver's open): a peer's write between the open and
 * the hook still reaches the hook once it is installed, in order, and a
 * write of its own before the hook does not wait for the watch.
 */
static void
test_store_etcd_watch_starts_with_the_hook(void **state)
{
	struct fx *f = *state;
	struct fx *g = ck_calloc(1, sizeof(*g));
	struct store_etcd_config cfg = { .servers = etcd.url,
	    .prefix = f->prefix, .watch_on_hook = true };
	struct ck_status st;
	int64_t rv1, rv2, rv3, deadline;

	NEED_ETCD();
	pthread_mutex_init(&g->mu, NULL);
	g->hook_order_ok = 1;
	assert_int_equal(store_open_etcd(&cfg, &g->s, &st), 0);
	g->base = store_revision(g->s);
	rv1 = create(f->s, "namespaces", "", "early");	/* the peer */
	rv2 = create(g->s, "namespaces", "", "own");	/* no hook yet */
	/* Give a watch started at open the time to deliver them hookless. */
	deadline = now_ms() + 500;
	while (store_revision(g->s) < rv2 && now_ms() < deadline)
		sleep_ms(10);
	store_set_commit_hook(g->s, record_hook, g);
	rv3 = create(g->s, "namespaces", "", "late");
	assert_int_equal(nhooks(g), 3);		/* the write waited for all */
	assert_int_equal(g->hooks[0].rv, rv1);
	assert_string_equal(g->hooks[0].name, "early");
	assert_int_equal(g->hooks[1].rv, rv2);
	assert_int_equal(g->hooks[2].rv, rv3);
	assert_true(g->hook_order_ok);
	assert_int_equal(store_revision(g->s), rv3);
	store_close(g->s);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/*
 * The history covers etcd's revision now, not only what the watch thread
 * has seen: a list reads etcd and may be ahead of the thread (a watch's
 * initial page then feeds the log up to the list's revision). Here g has
 * no watch yet, and etcd's newest revision is a key of another prefix.
 */
static void
test_store_etcd_history_covers_now(void **state)
{
	struct fx *f = *state;
	struct store_etcd_config cfg = { .servers = etcd.url,
	    .prefix = f->prefix, .watch_on_hook = true };
	struct store *g = NULL, *other = NULL;
	struct store_event *evs = NULL;
	struct store_list l;
	struct ck_status st;
	char op[40];
	int64_t base, rv1, rv2;
	size_t n = 0;

	NEED_ETCD();
	assert_int_equal(store_open_etcd(&cfg, &g, &st), 0);
	base = store_revision(g);
	snprintf(op, sizeof(op), "%s-other", f->prefix);
	assert_int_equal(open_at(etcd.url, op, &other, &st), 0);
	rv1 = create(f->s, "namespaces", "", "ahead");
	rv2 = create(other, "namespaces", "", "foreign");
	assert_true(rv2 > rv1);
	assert_int_equal(store_list(g, "namespaces", "", NULL, NULL, 0, &l), 0);
	assert_true(l.rv >= rv2);
	assert_int_equal(l.n, 1);
	store_list_fini(&l);
	assert_int_equal(store_events_since(g, "namespaces", base, 0, &evs,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0].rv, rv1);
	assert_string_equal(evs[0].name, "ahead");
	store_events_free(evs, n);
	store_close(other);
	store_close(g);
}

/* A dead first member: every request goes on to the next one. */
static void
test_store_etcd_failover(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	struct store_item it;
	struct ck_status st;
	char servers[160], msg[256];

	NEED_ETCD();
	snprintf(servers, sizeof(servers), "http://127.0.0.1:%d,%s",
	    etcd.dead_port, etcd.url);
	assert_int_equal(open_at(servers, f->prefix, &s, &st), 0);
	create(s, "pods", "default", "via-second");
	assert_int_equal(store_get(f->s, "pods", "default", "via-second", &it),
	    0);
	store_item_fini(&it);
	assert_int_equal(store_write_health(s, msg, sizeof(msg)), 0);
	store_close(s);

	/* Bad configurations are refused with a message. */
	assert_int_equal(open_at("", f->prefix, &s, &st), CK_EINVALID);
	assert_int_equal(open_at("https://x:1", f->prefix, &s, &st),
	    CK_EINVALID);
	assert_non_null(strstr(st.message, "http://"));
	assert_int_equal(open_at(etcd.url, "registry", &s, &st), CK_EINVALID);
	/* Nobody there at all: a clear error, quickly. */
	snprintf(servers, sizeof(servers), "http://127.0.0.1:%d",
	    etcd.dead_port);
	ck_status_clear(&st);
	assert_int_equal(open_at(servers, f->prefix, &s, &st), CK_EUNAVAIL);
	assert_null(s);
	assert_non_null(strstr(st.message, "etcd: no member reachable"));
}

/* Last: etcd is killed; reads and writes fail as unavailable, no hang. */
static void
test_store_etcd_killed(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o = new_obj("default", "late");
	char msg[256] = "";

	NEED_ETCD();
	create(f->s, "pods", "default", "a");
	etcd_kill();
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it),
	    CK_EUNAVAIL);
	assert_non_null(strstr(store_last_error(),
	    "etcd: no member reachable"));
	assert_int_equal(store_create(f->s, "pods", "default", "late", o, NULL),
	    CK_EUNAVAIL);
	assert_int_equal(obj_rv(o), -1);
	assert_int_equal(store_write_health(f->s, msg, sizeof(msg)),
	    CK_EUNAVAIL);
	assert_non_null(strstr(msg, "etcd"));
	cJSON_Delete(o);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_etcd_crud),
		T(test_store_etcd_list_paging),
		T(test_store_etcd_events_compact),
		T(test_store_etcd_hook),
		T(test_store_etcd_hook_reads_not_writes),
		T(test_store_etcd_txn),
		T(test_store_etcd_two_stores),
		T(test_store_etcd_watch_starts_with_the_hook),
		T(test_store_etcd_history_covers_now),
		T(test_store_etcd_failover),
		T(test_store_etcd_killed),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("store_etcd", tests, group_setup,
	    group_teardown);
}
