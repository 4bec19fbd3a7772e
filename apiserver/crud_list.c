/*
 * crud_list.c: the read side of collections: list (label and field
 * selectors, limit and continue tokens, Tables) and the watch request
 * (parameters for watch.c).
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/fieldsel.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"
#include "store.h"

int
crud_parse_selectors(struct crud *c, struct label_selector **ls,
    struct field_selector **fs)
{
	const char *l = api_request_param(c->req, "labelSelector");
	const char *f = api_request_param(c->req, "fieldSelector");
	int rc;

	*ls = NULL;
	*fs = NULL;
	rc = selector_parse(l ? l : "", ls, &c->st);
	if (rc < 0)
		return rc;
	rc = fieldsel_parse(f ? f : "", registry_field_selectors(c->res), fs,
	    &c->st);
	if (rc < 0) {
		selector_free(*ls);
		*ls = NULL;
	}
	return rc;
}

bool
crud_matches(const struct label_selector *ls, const struct field_selector *fs,
    const cJSON *obj)
{
	return selector_matches(ls,
		   cJSON_GetObjectItemCaseSensitive(json_obj(obj, "metadata"),
		       "labels")) &&
	    fieldsel_matches(fs, obj);
}

/* Continue token: base64 of {"rv":N,"ns":"..","name":".."}. */
static char *
continue_encode(int64_t rv, const char *ns, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *s, *b;

	cJSON_AddNumberToObject(o, "rv", (double)rv);
	cJSON_AddStringToObject(o, "ns", ns);
	cJSON_AddStringToObject(o, "name", name);
	s = json_print(o, NULL);
	b = util_base64_encode(s, strlen(s));
	cJSON_free(s);
	cJSON_Delete(o);
	return b;
}

static int
continue_decode(struct crud *c, const char *tok, char *ns, char *name)
{
	char *s;
	cJSON *o = NULL;
	const char *n, *x;
	int rc = CK_EBADREQ;

	s = util_base64_decode(tok, NULL);
	if (s != NULL)
		o = cJSON_Parse(s);
	n = json_str(o, "ns");
	x = json_str(o, "name");
	if (n != NULL && x != NULL &&
	    ck_strlcpy(ns, n, CK_NAME_MAX) < CK_NAME_MAX &&
	    ck_strlcpy(name, x, CK_NAME_MAX) < CK_NAME_MAX)
		rc = 0;
	cJSON_Delete(o);
	free(s);
	if (rc < 0)
		crud_fail(c, CK_EBADREQ, "continue key is not valid");
	return rc;
}

void
crud_list_prefix(struct crud *c, struct strbuf *sb, int64_t rv,
    const char *cont)
{
	char av[192];

	strbuf_addf(sb,
	    "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":"
	    "{\"resourceVersion\":\"%lld\"",
	    c->res->kind, registry_api_version(c->res, av, sizeof(av)),
	    (long long)rv);
	if (cont != NULL)
		strbuf_addf(sb, ",\"continue\":\"%s\"", cont);
	strbuf_adds(sb, "},\"items\":[");
}

void
crud_list(struct crud *c)
{
	struct label_selector *ls = NULL;
	struct field_selector *fs = NULL;
	struct store_list l = { 0 };
	struct strbuf items = STRBUF_INIT, out = STRBUF_INIT;
	cJSON **objs = NULL, *obj, *t;
	size_t nobjs = 0, cap = 0, count = 0, i, len;
	const char *p, *ns = c->rt->has_ns ? c->rt->ns : "";
	char after_ns[CK_NAME_MAX], after_name[CK_NAME_MAX], rvs[32];
	char *cont = NULL, *s;
	bool have_after = false, more = false, filter, table;
	int64_t limit = 0, list_rv = -1;
	int rc;

	table = api_request_wants_table(c->req);
	if ((p = api_request_param(c->req, "limit")) != NULL && p[0] != '\0' &&
	    (ck_parse_int64(p, &limit) < 0 || limit < 0)) {
		crud_fail(c, CK_EBADREQ, "invalid limit: %s", p);
		goto err;
	}
	if ((p = api_request_param(c->req, "continue")) != NULL &&
	    p[0] != '\0') {
		if (continue_decode(c, p, after_ns, after_name) < 0)
			goto err;
		have_after = true;
	}
	if (crud_parse_selectors(c, &ls, &fs) < 0)
		goto err;
	filter = !selector_is_empty(ls) || !fieldsel_is_empty(fs);
	for (;;) {
		rc = store_list(c->srv->store, c->res->qualified, ns,
		    have_after ? after_ns : NULL,
		    have_after ? after_name : NULL, (size_t)limit, &l);
		if (rc < 0) {
			crud_fail_store(c, rc, "");
			goto err;
		}
		if (list_rv < 0)
			list_rv = l.rv;
		for (i = 0; i < l.n; i++) {
			obj = NULL;
			if (filter || table) {
				obj = cJSON_ParseWithLength(l.items[i].body,
				    l.items[i].body_len);
				if (obj == NULL)
					continue;
				if (filter && !crud_matches(ls, fs, obj)) {
					cJSON_Delete(obj);
					continue;
				}
			}
			if (table) {
				if (nobjs == cap) {
					cap = cap ? cap * 2 : 64;
					objs = ck_reallocarray(objs, cap,
					    sizeof(*objs));
				}
				objs[nobjs++] = obj;
			} else {
				cJSON_Delete(obj);
				if (count > 0)
					strbuf_addc(&items, ',');
				strbuf_add(&items, l.items[i].body,
				    l.items[i].body_len);
			}
			count++;
			if (limit > 0 && count == (size_t)limit) {
				if (i + 1 < l.n || l.more) {
					more = true;
					ck_strlcpy(after_ns, l.items[i].ns,
					    sizeof(after_ns));
					ck_strlcpy(after_name, l.items[i].name,
					    sizeof(after_name));
				}
				break;
			}
		}
		if (limit > 0 && count == (size_t)limit)
			break;
		if (!l.more || l.n == 0)
			break;
		ck_strlcpy(after_ns, l.items[l.n - 1].ns, sizeof(after_ns));
		ck_strlcpy(after_name, l.items[l.n - 1].name,
		    sizeof(after_name));
		have_after = true;
		store_list_fini(&l);
	}
	if (more)
		cont = continue_encode(list_rv, after_ns, after_name);
	if (table) {
		snprintf(rvs, sizeof(rvs), "%lld", (long long)list_rv);
		p = api_request_param(c->req, "includeObject");
		t = table_build(c->res, objs, nobjs, rvs,
		    p && strcmp(p, "Object") == 0, true);
		if (cont != NULL)
			json_set_str(json_ensure_obj(t, "metadata"), "continue",
			    cont);
		api_response_json(c->resp, 200, t);
		cJSON_Delete(t);
	} else {
		crud_list_prefix(c, &out, list_rv, cont);
		strbuf_add(&out, strbuf_str(&items), items.len);
		strbuf_adds(&out, "]}");
		s = strbuf_detach(&out, &len);
		api_response_take(c->resp, 200, "application/json", s, len);
	}
	goto out;
err:
	crud_reply_st(c);
out:
	for (i = 0; i < nobjs; i++)
		cJSON_Delete(objs[i]);
	free(objs);
	free(cont);
	store_list_fini(&l);
	strbuf_fini(&items);
	strbuf_fini(&out);
	selector_free(ls);
	fieldsel_free(fs);
}

void
crud_watch(struct crud *c)
{
	struct watch_params p;
	struct watch *w = NULL;
	const char *v, *pinned;
	int64_t n;

	memset(&p, 0, sizeof(p));
	p.res = c->res;
	if (c->rt->has_ns)
		ck_strlcpy(p.ns, c->rt->ns, sizeof(p.ns));
	if (crud_parse_selectors(c, &p.lsel, &p.fsel) < 0)
		goto err;
	pinned = fieldsel_exact_value(p.fsel, "metadata.name");
	if (c->rt->name[0] != '\0')
		ck_strlcpy(p.name, c->rt->name, sizeof(p.name));
	else if (pinned != NULL)
		ck_strlcpy(p.name, pinned, sizeof(p.name));
	v = api_request_param(c->req, "resourceVersion");
	if (v != NULL && v[0] != '\0' && (ck_parse_int64(v, &p.from_rv) < 0 ||
	    p.from_rv < 0)) {
		crud_fail(c, CK_EBADREQ, "invalid resourceVersion: %s", v);
		goto err_sel;
	}
	v = api_request_param(c->req, "timeoutSeconds");
	if (v != NULL && v[0] != '\0') {
		if (ck_parse_int64(v, &n) < 0 || n < 0) {
			crud_fail(c, CK_EBADREQ, "invalid timeoutSeconds: %s",
			    v);
			goto err_sel;
		}
		p.timeout_ms = n * 1000;
	}
	p.table = api_request_wants_table(c->req);
	p.bookmarks = api_request_flag(c->req, "allowWatchBookmarks");
	if (watch_start(c->srv, &p, &w, &c->st) < 0)
		goto err;
	c->resp->code = 200;
	c->resp->content_type = "application/json";
	c->resp->watch = w;
	return;
err_sel:
	selector_free(p.lsel);
	fieldsel_free(p.fsel);
err:
	crud_reply_st(c);
}

/* rv of metadata.resourceVersion in obj: 0 if absent, -1 if malformed. */
