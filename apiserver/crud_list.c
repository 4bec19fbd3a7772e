/*
 * crud_list.c: the read side of collections: list (label and field
 * selectors, limit and continue tokens, Tables) and the watch request
 * (parameters for watch.c).
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/fieldsel.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"
#include "convert.h"
#include "list_reply.h"
#include "list_stream.h"
#include "store/store.h"

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

/*
 * Go's strconv.ParseInt/ParseUint error text for a query parameter that is
 * not a number: kube-apiserver answers 400 with it verbatim.
 */
static int
parse_num_param(struct crud *c, const char *v, bool is_unsigned,
    const char *prefix, int64_t *out)
{
	const char *p = v;
	bool digits = *p != '\0';

	if (!is_unsigned && (*p == '+' || *p == '-'))
		p++;
	if (*p == '\0')
		digits = false;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	if (digits && ck_parse_int64(v, out) == 0)
		return 0;
	return crud_fail(c, CK_EBADREQ, "%sstrconv.Parse%s: parsing \"%s\": %s",
	    prefix, is_unsigned ? "Uint" : "Int", v,
	    digits ? "value out of range" : "invalid syntax");
}

/*
 * limit, resourceVersion, resourceVersionMatch and timeoutSeconds of a list
 * or watch, checked as kube-apiserver checks them (ValidateListOptions,
 * ParseResourceVersion). Absent numbers are left as they are.
 */
static int
list_options(struct crud *c, bool watch, int64_t *limit, int64_t *rv,
    int64_t *timeout)
{
	const char *v, *m, *cont;
	char inv[256];
	int64_t n;

	v = api_request_param(c->req, "limit");
	if (v != NULL && v[0] != '\0') {
		if (parse_num_param(c, v, false, "", &n) < 0)
			return CK_EBADREQ;
		*limit = n > 0 ? n : 0;
	}
	v = api_request_param(c->req, "timeoutSeconds");
	if (v != NULL && v[0] != '\0') {
		if (parse_num_param(c, v, false, "", &n) < 0)
			return CK_EBADREQ;
		*timeout = n;
	}
	m = api_request_param(c->req, "resourceVersionMatch");
	cont = api_request_param(c->req, "continue");
	v = api_request_param(c->req, "resourceVersion");
	if (m != NULL && m[0] != '\0') {
		ck_status_clear(&c->st);
		if (watch)
			ck_status_add_cause(&c->st, "resourceVersionMatch", "FieldValueForbidden",
			    "Forbidden: resourceVersionMatch is forbidden for "
			    "watch unless sendInitialEvents is provided");
		else {
			if (v == NULL || v[0] == '\0')
				ck_status_add_cause(&c->st, "resourceVersionMatch",
				    "FieldValueForbidden",
				    "Forbidden: resourceVersionMatch is "
				    "forbidden unless resourceVersion is "
				    "provided");
			if (cont != NULL && cont[0] != '\0')
				ck_status_add_cause(&c->st, "resourceVersionMatch",
				    "FieldValueForbidden",
				    "Forbidden: resourceVersionMatch is "
				    "forbidden when continue is provided");
			if (strcmp(m, "Exact") != 0 &&
			    strcmp(m, "NotOlderThan") != 0) {
				ck_status_add_cause(&c->st,
				    "resourceVersionMatch",
				    "FieldValueNotSupported",
				    "Unsupported value: \"%.64s\": supported "
				    "values: \"Exact\", \"NotOlderThan\", \"\"",
				    m);
			}
			if (strcmp(m, "Exact") == 0 && v != NULL &&
			    strcmp(v, "0") == 0)
				ck_status_add_cause(&c->st, "resourceVersionMatch",
				    "FieldValueForbidden",
				    "Forbidden: resourceVersionMatch \"exact\" "
				    "is forbidden for resourceVersion \"0\"");
		}
		if (c->st.ncauses > 0)
			return status_set_invalid_kind(&c->st,
			    "ListOptions.meta.k8s.io", "meta.k8s.io",
			    "ListOptions", "");
	}
	if (v != NULL && v[0] != '\0') {
		snprintf(inv, sizeof(inv), "invalid resource version: "
		    "resourceVersion: Invalid value: \"%.64s\": ", v);
		if (parse_num_param(c, v, true, inv, &n) < 0)
			return CK_EBADREQ;
		*rv = n;
	}
	return 0;
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

/*
 * A whole unfiltered list, read as it is sent (list_stream.c). < 0 when the
 * backend has no cursor free (or none at all) or the read failed before a
 * byte was sent: the caller reads the list first then.
 */
static int
list_streamed(struct crud *c, const char *ns)
{
	struct store_cursor *cur;
	struct strbuf head = STRBUF_INIT;
	int64_t rv;
	size_t len;
	char *s;
	int rc;

	rc = store_list_open(c->srv->store, c->res->qualified, ns, &cur, &rv);
	if (rc < 0)
		return rc;
	crud_list_prefix(c, &head, rv, NULL);
	s = strbuf_detach(&head, &len);
	return list_stream_reply(cur, s, len, c->resp);
}

void
crud_list(struct crud *c)
{
	struct label_selector *ls = NULL;
	struct field_selector *fs = NULL;
	struct store_list l = { 0 };
	struct list_reply *lr = list_reply_new();
	struct strbuf head = STRBUF_INIT;
	cJSON *obj, *t;
	size_t count = 0, i, len;
	time_t now = time(NULL);
	const char *p, *ns = c->rt->has_ns ? c->rt->ns : "";
	char after_ns[CK_NAME_MAX], after_name[CK_NAME_MAX], rvs[32];
	char *cont = NULL, *s;
	bool have_after = false, more = false, filter, table, with_object;
	int64_t limit = 0, list_rv = -1, want_rv = 0, timeout = 0;
	int rc;

	table = api_request_wants_table(c->req);
	p = api_request_param(c->req, "includeObject");
	with_object = p != NULL && strcmp(p, "Object") == 0;
	if (list_options(c, false, &limit, &want_rv, &timeout) < 0)
		goto err;
	if ((p = api_request_param(c->req, "continue")) != NULL &&
	    p[0] != '\0') {
		if (continue_decode(c, p, after_ns, after_name) < 0)
			goto err;
		have_after = true;
	}
	if (crud_parse_selectors(c, &ls, &fs) < 0)
		goto err;
	filter = !selector_is_empty(ls) || !fieldsel_is_empty(fs);
	/* A 1.3 name's reply is rewritten after us: it is read first. */
	if (!filter && !table && limit == 0 && !have_after &&
	    convert_stored_row(c->res) == NULL && list_streamed(c, ns) == 0)
		goto out;
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
				/* Printed row by row: no tree of the whole
				 * Table, no buffer of it. */
				t = table_row(c->res, &obj, with_object, now);
				s = json_print(t, &len);
				list_reply_add(lr, s, len);
				cJSON_Delete(t);
				cJSON_Delete(obj);
			} else {
				cJSON_Delete(obj);
				list_reply_take(lr, &l.items[i]);
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
		/* The Table without rows, cut before its "]}": its head. */
		snprintf(rvs, sizeof(rvs), "%lld", (long long)list_rv);
		t = table_build(c->res, NULL, 0, rvs, with_object, true);
		if (cont != NULL)
			json_set_str(json_ensure_obj(t, "metadata"), "continue",
			    cont);
		s = json_print(t, &len);
		cJSON_Delete(t);
		len -= 2;	/* "rows" is its last member: ...[]} */
		s[len] = '\0';
	} else {
		crud_list_prefix(c, &head, list_rv, cont);
		s = strbuf_detach(&head, &len);
	}
	/* A 1.3 name's reply is rewritten after us: one buffer. */
	list_reply_finish(lr, s, len, c->resp,
	    convert_stored_row(c->res) == NULL);
	lr = NULL;
	goto out;
err:
	crud_reply_st(c);
out:
	free(cont);
	store_list_fini(&l);
	list_reply_free(lr);
	strbuf_fini(&head);
	selector_free(ls);
	fieldsel_free(fs);
}

void
crud_watch(struct crud *c)
{
	struct watch_params p;
	struct watch *w = NULL;
	const char *pinned;
	int64_t limit = 0, timeout = -1;

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
	if (list_options(c, true, &limit, &p.from_rv, &timeout) < 0)
		goto err_sel;
	if (timeout >= 0)
		p.timeout_ms = timeout * 1000;
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
