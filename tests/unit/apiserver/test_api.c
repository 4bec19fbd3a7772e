/*
 * Unit tests of the apiserver handlers through struct api_request, with no
 * socket (api_handle on a temporary SQLite store): discovery shapes, create
 * and its server-set fields, conflicts, lists, and a watch's byte queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "apiserver.h"
#include "ckube/strbuf.h"
#include "store/store.h"
#include "watch.h"

struct fixture {
	char		 dir[64];
	char		 db[128];
	struct apiserver srv;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ck_status st;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_api.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/ckube.db", f->dir);
	if (store_open(f->db, &f->srv.store, &st) < 0)
		return -1;
	f->srv.max_body = 1 << 20;
	f->srv.wl = watchlog_new(f->srv.store, NULL, 0, 0);
	store_set_commit_hook(f->srv.store, watchlog_commit, f->srv.wl);
	if (crud_ensure_namespace(&f->srv, "default") < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	watchlog_free(f->srv.wl);
	store_close(f->srv.store);
	snprintf(path, sizeof(path), "%s/ckube.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ckube.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ckube.db-shm", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Run one request; returns the parsed body (yours) and the code. */
static cJSON *
call(struct fixture *f, const char *method, const char *path, const char *ctype,
    const char *body, int *code)
{
	struct api_request req;
	struct api_response resp;
	cJSON *o;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.content_type = ctype;
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	api_handle(&f->srv, &req, &resp);
	assert_null(resp.watch);
	*code = resp.code;
	o = cJSON_ParseWithLength(resp.body, resp.body_len);
	api_response_fini(&resp);
	return o;
}

static void
test_api_version_and_discovery(void **state)
{
	struct fixture *f = *state;
	cJSON *o;
	int code;

	o = call(f, "GET", "/version", NULL, NULL, &code);
	assert_int_equal(code, 200);
	assert_string_equal(json_str(o, "minor"), "3");
	cJSON_Delete(o);
	o = call(f, "GET", "/api/v1", NULL, NULL, &code);
	assert_string_equal(json_str(o, "kind"), "APIResourceList");
	assert_string_equal(json_str(o, "groupVersion"), "v1");
	cJSON_Delete(o);
	o = call(f, "GET", "/apis/coordination.k8s.io", NULL, NULL, &code);
	assert_int_equal(code, 200);
	assert_string_equal(json_str(o, "kind"), "APIGroup");
	cJSON_Delete(o);
	o = call(f, "GET", "/apis/nosuch", NULL, NULL, &code);
	assert_int_equal(code, 404);
	assert_string_equal(json_str(o, "kind"), "Status");
	cJSON_Delete(o);
}

static void
test_api_create_sets_server_fields(void **state)
{
	struct fixture *f = *state;
	cJSON *o, *m;
	int code;

	o = call(f, "POST", "/api/v1/namespaces/default/configmaps",
	    "application/json",
	    "{\"metadata\":{\"name\":\"a\",\"uid\":\"u\","
	    "\"creationTimestamp\":null}}",
	    &code);
	assert_int_equal(code, 201);
	m = json_obj(o, "metadata");
	assert_string_not_equal(json_str(m, "uid"), "u");
	assert_non_null(json_str(m, "creationTimestamp"));
	assert_non_null(json_str(m, "resourceVersion"));
	assert_string_equal(json_str(o, "kind"), "ConfigMap");
	assert_string_equal(json_str(m, "namespace"), "default");
	cJSON_Delete(o);
	o = call(f, "POST", "/api/v1/namespaces/default/configmaps",
	    "application/json", "{\"metadata\":{\"name\":\"a\"}}", &code);
	assert_int_equal(code, 409);
	cJSON_Delete(o);
	o = call(f, "POST", "/api/v1/namespaces/default/configmaps",
	    "application/json", "[1,2]", &code);
	assert_int_equal(code, 400);
	cJSON_Delete(o);
}

/* DefaultStorageClass admission; a PetSet is marked for its pets' 1.3 names. */
static void
test_api_storage_and_petset(void **state)
{
	struct fixture *f = *state;
	cJSON *o;
	int code;

	o = call(f, "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
	    "application/json", "{\"metadata\":{\"name\":\"early\"},"
	    "\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":"
	    "{\"requests\":{\"storage\":\"1Gi\"}}}}", &code);
	assert_int_equal(code, 201);
	assert_null(json_str(json_obj(o, "spec"), "storageClassName"));
	assert_string_equal(json_str(json_obj(o, "status"), "phase"),
	    "Pending");
	cJSON_Delete(o);
	o = call(f, "POST", "/apis/storage.k8s.io/v1/storageclasses",
	    "application/json", "{\"metadata\":{\"name\":\"standard\","
	    "\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":"
	    "\"true\"}},\"provisioner\":\"p\"}", &code);
	assert_int_equal(code, 201);
	assert_string_equal(json_str(o, "reclaimPolicy"), "Delete");
	assert_string_equal(json_str(o, "volumeBindingMode"), "Immediate");
	cJSON_Delete(o);
	o = call(f, "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
	    "application/json", "{\"metadata\":{\"name\":\"late\"},"
	    "\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":"
	    "{\"requests\":{\"storage\":\"1Gi\"}}}}", &code);
	assert_int_equal(code, 201);
	assert_string_equal(json_str(json_obj(o, "spec"), "storageClassName"),
	    "standard");
	cJSON_Delete(o);
	/* An explicit "" asks for no class. */
	o = call(f, "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
	    "application/json", "{\"metadata\":{\"name\":\"none\"},"
	    "\"spec\":{\"storageClassName\":\"\",\"accessModes\":"
	    "[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":"
	    "\"1Gi\"}}}}", &code);
	assert_int_equal(code, 201);
	assert_string_equal(json_str(json_obj(o, "spec"), "storageClassName"),
	    "");
	cJSON_Delete(o);
	o = call(f, "POST", "/apis/apps/v1alpha1/namespaces/default/petsets",
	    "application/json", "{\"metadata\":{\"name\":\"pet\"},"
	    "\"spec\":{\"serviceName\":\"s\",\"template\":{\"metadata\":"
	    "{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{"
	    "\"name\":\"c\",\"image\":\"i\"}]}}}}", &code);
	assert_int_equal(code, 201);
	cJSON_Delete(o);
	o = call(f, "GET", "/apis/apps/v1/namespaces/default/statefulsets/pet",
	    NULL, NULL, &code);
	assert_int_equal(code, 200);
	assert_string_equal(json_str(json_obj(json_obj(o, "metadata"),
	    "annotations"), "apps.ckube.io/created-as"), "PetSet");
	cJSON_Delete(o);
	o = call(f, "GET", "/apis/apps/v1/namespaces/default/controllerrevisions",
	    NULL, NULL, &code);
	assert_int_equal(code, 200);
	cJSON_Delete(o);
}

static void
test_api_update_conflict(void **state)
{
	struct fixture *f = *state;
	cJSON *o;
	int code;

	o = call(f, "POST", "/api/v1/nodes", "application/yaml",
	    "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n", &code);
	assert_int_equal(code, 201);
	cJSON_Delete(o);
	o = call(f, "PUT", "/api/v1/nodes/n1", "application/json",
	    "{\"metadata\":{\"name\":\"n1\",\"resourceVersion\":\"1\"}}",
	    &code);
	assert_int_equal(code, 409);
	assert_string_equal(json_str(o, "reason"), "Conflict");
	cJSON_Delete(o);
	o = call(f, "PUT", "/api/v1/nodes/n2", "application/json",
	    "{\"metadata\":{\"name\":\"n2\"}}", &code);
	assert_int_equal(code, 404);
	cJSON_Delete(o);
	o = call(f, "PUT", "/api/v1/nodes/n1", "application/json",
	    "{\"metadata\":{\"name\":\"other\"}}", &code);
	assert_int_equal(code, 400);
	cJSON_Delete(o);
}

static void
test_api_list_kind_and_rv(void **state)
{
	struct fixture *f = *state;
	cJSON *o, *meta;
	int code;

	o = call(f, "GET", "/api/v1/namespaces", NULL, NULL, &code);
	assert_int_equal(code, 200);
	assert_string_equal(json_str(o, "kind"), "NamespaceList");
	meta = json_obj(o, "metadata");
	assert_non_null(json_str(meta, "resourceVersion"));
	assert_int_equal(cJSON_GetArraySize(
			     cJSON_GetObjectItemCaseSensitive(o, "items")),
	    1);
	cJSON_Delete(o);
}

static int resumes;

static void
fake_resume(void *conn)
{
	(void)conn;
	resumes++;
}

static void
fake_suspend(void *conn)
{
	(void)conn;
}

static void
test_api_watch_queue(void **state)
{
	struct fixture *f = *state;
	struct api_request req;
	struct api_response resp;
	char buf[4096];
	ssize_t n;
	cJSON *o;
	int code;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/api/v1/namespaces/default/secrets";
	req.params[0].key = "watch";
	req.params[0].val = "1";
	req.nparams = 1;
	api_handle(&f->srv, &req, &resp);
	assert_int_equal(resp.code, 200);
	assert_non_null(resp.watch);
	watch_attach(resp.watch, NULL, fake_resume);
	n = watch_read(resp.watch, buf, sizeof(buf), fake_suspend);
	assert_int_equal(n, 0);			/* nothing yet: suspended */
	resumes = 0;
	o = call(f, "POST", "/api/v1/namespaces/default/secrets",
	    "application/json", "{\"metadata\":{\"name\":\"s\"},\"data\":{}}",
	    &code);
	assert_int_equal(code, 201);
	cJSON_Delete(o);
	assert_int_equal(resumes, 1);		/* the commit woke the stream */
	n = watch_read(resp.watch, buf, sizeof(buf) - 1, fake_suspend);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "{\"type\":\"ADDED\",\"object\":{"));
	assert_int_equal(buf[n - 1], '\n');
	watchlog_shutdown(f->srv.wl);
	assert_int_equal(watch_read(resp.watch, buf, sizeof(buf), fake_suspend),
	    -1);
	watch_release(resp.watch);
}

static void
test_api_watch_resume_from_ring(void **state)
{
	struct fixture *f = *state;
	struct api_request req;
	struct api_response resp;
	char buf[8192], rv[32];
	ssize_t n;
	cJSON *o;
	int code, i;

	for (i = 1; i <= 3; i++) {
		snprintf(buf, sizeof(buf), "{\"metadata\":{\"name\":\"s%d\"}}",
		    i);
		o = call(f, "POST", "/api/v1/namespaces/default/secrets",
		    "application/json", buf, &code);
		assert_int_equal(code, 201);
		if (i == 1)
			snprintf(rv, sizeof(rv), "%s",
			    json_str(json_obj(o, "metadata"),
				"resourceVersion"));
		cJSON_Delete(o);
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/api/v1/namespaces/default/secrets";
	req.params[0].key = "watch";
	req.params[0].val = "true";
	req.params[1].key = "resourceVersion";
	req.params[1].val = rv;
	req.nparams = 2;
	api_handle(&f->srv, &req, &resp);
	assert_non_null(resp.watch);
	watch_attach(resp.watch, NULL, fake_resume);
	n = watch_read(resp.watch, buf, sizeof(buf) - 1, fake_suspend);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strstr(buf, "\"name\":\"s1\""));
	assert_non_null(strstr(buf, "\"name\":\"s2\""));
	assert_non_null(strstr(buf, "\"name\":\"s3\""));
	/* The ring starts at the store revision the server started with. */
	assert_false(watchlog_replay(f->srv.wl, resp.watch, -1));
	watchlog_shutdown(f->srv.wl);
	watch_release(resp.watch);
}

/* Read w until it sleeps or ends; the text (yours). */
static char *
drain(struct watch *w)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;

	while ((n = watch_read(w, buf, sizeof(buf), fake_suspend)) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	return strbuf_detach(&sb, NULL);
}

static struct watch *
start_watch(struct fixture *f, const char *path, const char *rv)
{
	struct api_request req;
	struct api_response resp;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = path;
	req.params[0].key = "watch";
	req.params[0].val = "1";
	req.nparams = 1;
	if (rv != NULL) {
		req.params[1].key = "resourceVersion";
		req.params[1].val = rv;
		req.nparams = 2;
	}
	api_handle(&f->srv, &req, &resp);
	assert_int_equal(resp.code, 200);
	assert_non_null(resp.watch);
	watch_attach(resp.watch, NULL, fake_resume);
	return resp.watch;
}

static void
patch_secret(struct fixture *f, const char *name, const char *v)
{
	char path[128], body[128];
	cJSON *o;
	int code;

	snprintf(path, sizeof(path), "/api/v1/namespaces/default/secrets/%s",
	    name);
	snprintf(body, sizeof(body), "{\"metadata\":{\"labels\":"
	    "{\"v\":\"%s\"}}}", v);
	o = call(f, "PATCH", path, "application/merge-patch+json", body,
	    &code);
	assert_int_equal(code, 200);
	cJSON_Delete(o);
}

/*
 * A watch from resourceVersion 0 streams its initial list page by page:
 * nothing is queued before the client reads, then one page at a time; a
 * change of a listed object follows its ADDED, a change of an object not
 * listed yet shows in its ADDED. Every object exactly once, in order.
 */
static void
test_api_watch_initial_streamed(void **state)
{
	struct fixture *f = *state;
	struct watch *w;
	struct strbuf all = STRBUF_INIT;
	char buf[4096], *text, *rest, *line, *save;
	int seen[150], modified[150];
	ssize_t n;
	cJSON *o, *ev;
	const char *type, *nm, *v;
	int code, i, k;

	for (i = 0; i < 150; i++) {
		snprintf(buf, sizeof(buf),
		    "{\"metadata\":{\"name\":\"s%03d\"}}", i);
		o = call(f, "POST", "/api/v1/namespaces/default/secrets",
		    "application/json", buf, &code);
		assert_int_equal(code, 201);
		cJSON_Delete(o);
	}
	w = start_watch(f, "/api/v1/namespaces/default/secrets", "0");
	assert_int_equal(watchlog_queued(f->srv.wl), 0);
	n = watch_read(w, buf, sizeof(buf), fake_suspend);
	assert_int_equal(n, (ssize_t)sizeof(buf));
	/* One page of WATCH_PAGE_ITEMS is queued, not the 150 objects. */
	assert_true(watchlog_queued(f->srv.wl) > 0);
	assert_true(watchlog_queued(f->srv.wl) < WATCH_PAGE_ITEMS * 400);
	patch_secret(f, "s000", "a");	/* listed: MODIFIED after ADDED */
	patch_secret(f, "s149", "b");	/* not yet: its ADDED shows it */
	rest = drain(w);
	strbuf_add(&all, buf, (size_t)n);
	strbuf_adds(&all, rest);
	free(rest);
	text = strbuf_detach(&all, NULL);
	memset(seen, 0, sizeof(seen));
	memset(modified, 0, sizeof(modified));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ev = cJSON_Parse(line);
		assert_non_null(ev);
		type = json_str(ev, "type");
		o = json_obj(ev, "object");
		nm = json_str(json_obj(o, "metadata"), "name");
		v = json_str(json_obj(json_obj(o, "metadata"), "labels"),
		    "v");
		assert_int_equal(sscanf(nm, "s%d", &k), 1);
		if (strcmp(type, "ADDED") == 0) {
			assert_int_equal(seen[k], 0);
			seen[k] = 1;
			if (k == 149)
				assert_string_equal(v != NULL ? v : "", "b");
		} else {
			assert_string_equal(type, "MODIFIED");
			assert_int_equal(k, 0);
			assert_int_equal(seen[0], 1);
			assert_string_equal(v != NULL ? v : "", "a");
			modified[0]++;
		}
		cJSON_Delete(ev);
	}
	free(text);
	for (i = 0; i < 150; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(modified[0], 1);
	assert_int_equal(watchlog_queued(f->srv.wl), 0);
	watchlog_shutdown(f->srv.wl);
	watch_release(w);
}

/*
 * Past --watch-queue-bytes, a watcher over its share is ended with a
 * 410 Expired ERROR event after what it had, and counted.
 */
static void
test_api_watch_budget_ends_slow(void **state)
{
	struct fixture *f = *state;
	struct watch *w;
	char buf[256], *text;
	cJSON *o;
	int code, i;

	o = call(f, "POST", "/api/v1/namespaces/default/secrets",
	    "application/json", "{\"metadata\":{\"name\":\"s\"}}", &code);
	assert_int_equal(code, 201);
	cJSON_Delete(o);
	watchlog_set_budget(f->srv.wl, 1000);
	w = start_watch(f, "/api/v1/namespaces/default/secrets",
	    json_str(json_obj(o = call(f, "GET",
	    "/api/v1/namespaces/default/secrets/s", NULL, NULL, &code),
	    "metadata"), "resourceVersion"));
	cJSON_Delete(o);
	for (i = 0; i < 10; i++) {
		snprintf(buf, sizeof(buf), "%d", i);
		patch_secret(f, "s", buf);
	}
	assert_int_equal(watchlog_slow_ended(f->srv.wl), 1);
	text = drain(w);
	/* Nothing was sent yet: the queue is dropped, the ERROR alone. */
	assert_true(strncmp(text, "{\"type\":\"ERROR\"", 15) == 0);
	assert_non_null(strstr(text, "\"reason\":\"Expired\""));
	assert_non_null(strstr(text, "\"code\":410}}\n"));
	free(text);
	assert_int_equal(watch_read(w, buf, sizeof(buf), fake_suspend), -1);
	assert_int_equal(watchlog_queued(f->srv.wl), 0);
	watchlog_shutdown(f->srv.wl);
	watch_release(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api_version_and_discovery,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_api_create_sets_server_fields,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_update_conflict, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_api_list_kind_and_rv,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_storage_and_petset,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_watch_queue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_api_watch_initial_streamed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_watch_budget_ends_slow,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_watch_resume_from_ring,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
