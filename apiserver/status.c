/*
 * status.c: every error reply as a metav1.Status, worded as Kubernetes words
 * it (`pods "x" not found`, `Pod "x" is invalid: ...`), built from struct
 * ck_status. Success replies are not built here.
 */
#include "apiserver.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

cJSON *
status_to_json(const struct ck_status *st)
{
	cJSON *o, *details, *causes, *c;
	int i, n;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "Status");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddItemToObject(o, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(o, "status",
	    st->code < 400 ? "Success" : "Failure");
	if (st->message[0] != '\0')
		cJSON_AddStringToObject(o, "message", st->message);
	if (st->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", st->reason);
	/*
	 * A 404 or 405 always has details, empty for an unknown path as
	 * kube-apiserver's NewGenericServerResponse: kubectl debug reads
	 * details.name of a 404 without checking it is there.
	 */
	if (st->name[0] != '\0' || st->kind[0] != '\0' || st->ncauses > 0 ||
	    st->code == 404 || st->code == 405) {
		details = cJSON_AddObjectToObject(o, "details");
		if (st->name[0] != '\0')
			cJSON_AddStringToObject(details, "name", st->name);
		if (st->group[0] != '\0')
			cJSON_AddStringToObject(details, "group", st->group);
		if (st->kind[0] != '\0')
			cJSON_AddStringToObject(details, "kind", st->kind);
		if (st->ncauses > 0) {
			causes = cJSON_AddArrayToObject(details, "causes");
			n = st->ncauses < CK_STATUS_CAUSES ? st->ncauses
							   : CK_STATUS_CAUSES;
			for (i = 0; i < n; i++) {
				c = cJSON_CreateObject();
				cJSON_AddStringToObject(c, "reason",
				    st->causes[i].reason);
				cJSON_AddStringToObject(c, "message",
				    st->causes[i].message);
				cJSON_AddStringToObject(c, "field",
				    st->causes[i].field);
				cJSON_AddItemToArray(causes, c);
			}
		}
	}
	cJSON_AddNumberToObject(o, "code", st->code);
	return o;
}

void
status_reply(struct api_response *resp, const struct ck_status *st)
{
	cJSON *o = status_to_json(st);

	api_response_json(resp, st->code, o);
	cJSON_Delete(o);
}

void
status_replyf(struct api_response *resp, int err, const char *fmt, ...)
{
	struct ck_status st;
	va_list ap;

	ck_status_clear(&st);
	(void)ck_status_set(&st, err, "%s", "");
	va_start(ap, fmt);
	vsnprintf(st.message, sizeof(st.message), fmt, ap);
	va_end(ap);
	status_reply(resp, &st);
}

int
status_set_object(struct ck_status *st, int err, const struct api_resource *r,
    const char *name)
{
	const char *q = r->qualified;

	switch (err) {
	case CK_ENOTFOUND:
		ck_status_set(st, err, "%s \"%s\" not found", q, name);
		break;
	case CK_EEXIST:
		ck_status_set(st, err, "%s \"%s\" already exists", q, name);
		break;
	case CK_ECONFLICT:
		ck_status_set(st, err,
		    "Operation cannot be fulfilled on %s \"%s\": the "
		    "object has been modified; please apply your changes to "
		    "the latest version and try again", q, name);
		break;
	default:
		ck_status_set(st, err, "%s \"%s\": %s", q, name,
		    ck_strerror(err));
		break;
	}
	ck_status_set_details(st, name, r->group, r->resource);
	return err;
}

int
status_set_invalid(struct ck_status *st, const struct api_resource *r,
    const char *name)
{
	return status_set_invalid_kind(st, r->kind, r->group, r->kind, name);
}

int
status_set_invalid_kind(struct ck_status *st, const char *label,
    const char *group, const char *kind, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	int i, n;

	n = st->ncauses < CK_STATUS_CAUSES ? st->ncauses : CK_STATUS_CAUSES;
	strbuf_addf(&sb, "%s \"%s\" is invalid: ", label, name);
	if (n > 1)
		strbuf_addc(&sb, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_adds(&sb, ", ");
		strbuf_addf(&sb, "%s: %s", st->causes[i].field,
		    st->causes[i].message);
	}
	if (n > 1)
		strbuf_addc(&sb, ']');
	if (n == 0)
		strbuf_adds(&sb, "invalid object");
	ck_status_set(st, CK_EINVALID, "%s", strbuf_str(&sb));
	ck_status_set_details(st, name, group, kind);
	strbuf_fini(&sb);
	return CK_EINVALID;
}
