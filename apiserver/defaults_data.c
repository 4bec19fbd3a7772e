/*
 * defaults_data.c: ConfigMap and Secret, the kinds whose payload is a map of
 * strings or bytes: the typed decoding kube-apiserver does (a number where a
 * string goes is 400, Secret bytes must be base64), Secret defaults
 * (stringData merged into data, type Opaque) and the 1 MiB size limit.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

#define DATA_MAX_BYTES	(1024 * 1024)	/* core.MaxSecretSize */

static bool
is_core(const struct api_resource *r, const char *kind)
{
	return r->group[0] == '\0' && strcmp(r->kind, kind) == 0;
}

/*
 * Where base64.StdEncoding.Decode fails on s (-1: valid). CR and LF are
 * skipped as Go skips them; the offset is that of the bad quantum's start
 * or character, as Go's CorruptInputError reports it.
 */
static long
base64_bad_offset(const char *s)
{
	size_t i, q = 0, pad = 0, qstart = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (q == 0)
			qstart = i;
		if (s[i] == '=') {
			if (q < 2)
				return (long)i;
			pad++;
		} else if (pad > 0 || strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/", s[i]) == NULL) {
			return (long)i;
		}
		if (++q == 4) {
			if (pad == 1 && s[i] != '=')
				return (long)i;
			q = 0;
			if (pad > 0) {
				/* padding ends the input */
				for (i++; s[i] == '\r' || s[i] == '\n'; i++)
					;
				return s[i] == '\0' ? -1 : (long)i;
			}
		}
	}
	if (q == 0)
		return -1;
	return pad > 0 ? (long)i : (long)qstart;	/* short padding */
}

/* One map field: an object of strings (bytes: base64 strings). */
static int
check_map(const struct api_resource *r, cJSON *obj, const char *field,
    bool bytes, struct ck_status *st)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, field), *v;
	char head[160];
	long bad;

	snprintf(head, sizeof(head),
	    "%s in version \"v1\" cannot be handled as a %s: ", r->kind,
	    r->kind);
	if (m == NULL || cJSON_IsNull(m))
		return 0;
	if (!cJSON_IsObject(m))
		return ck_status_set(st, CK_EBADREQ, "%sjson: cannot unmarshal "
		    "%s into Go struct field %s.%s of type map[string]%s",
		    head, util_go_json_type(m), r->kind, field,
		    bytes ? "[]uint8" : "string");
	cJSON_ArrayForEach(v, m) {
		if (cJSON_IsNull(v)) {	/* Go leaves the zero value */
			cJSON_ReplaceItemViaPointer(m, v,
			    cJSON_CreateString(""));
			return check_map(r, obj, field, bytes, st);
		}
		if (!cJSON_IsString(v))
			return ck_status_set(st, CK_EBADREQ, "%sjson: cannot "
			    "unmarshal %s into Go struct field %s.%s of type "
			    "%s", head, util_go_json_type(v), r->kind, field,
			    bytes ? "[]uint8" : "string");
		if (bytes && (bad = base64_bad_offset(v->valuestring)) >= 0)
			return ck_status_set(st, CK_EBADREQ,
			    "%sillegal base64 data at input byte %ld", head,
			    bad);
	}
	return 0;
}

int
data_check_types(const struct api_resource *r, cJSON *obj,
    struct ck_status *st)
{
	int rc = 0;

	if (is_core(r, "ConfigMap")) {
		if ((rc = check_map(r, obj, "data", false, st)) == 0)
			rc = check_map(r, obj, "binaryData", true, st);
	} else if (is_core(r, "Secret")) {
		if ((rc = check_map(r, obj, "data", true, st)) == 0)
			rc = check_map(r, obj, "stringData", false, st);
	}
	return rc;
}

void
defaults_secret(cJSON *obj)
{
	cJSON *sd = cJSON_GetObjectItemCaseSensitive(obj, "stringData"), *v;
	cJSON *data;
	char *b;

	if (cJSON_IsObject(sd) && sd->child != NULL) {
		data = cJSON_GetObjectItemCaseSensitive(obj, "data");
		if (!cJSON_IsObject(data)) {
			json_del(obj, "data");
			data = cJSON_AddObjectToObject(obj, "data");
		}
		/* stringData wins over data, key by key. */
		cJSON_ArrayForEach(v, sd) {
			if (!cJSON_IsString(v))
				continue;
			b = util_base64_encode(v->valuestring,
			    strlen(v->valuestring));
			json_del(data, v->string);
			cJSON_AddStringToObject(data, v->string, b);
			free(b);
		}
	}
	json_del(obj, "stringData");
	if (json_str(obj, "type") == NULL || json_str(obj, "type")[0] == '\0')
		json_set_str(obj, "type", "Opaque");
}

/* Decoded size of a base64 string (valid: checked at decoding). */
static size_t
base64_len(const char *s)
{
	size_t n = 0, pad = 0;

	for (; *s != '\0'; s++) {
		if (*s == '=')
			pad++;
		else if (*s != '\r' && *s != '\n')
			n++;
	}
	(void)pad;
	return n * 3 / 4;
}

static size_t
map_size(const cJSON *obj, const char *field, bool bytes)
{
	const cJSON *v;
	size_t n = 0;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(obj, field))
		if (cJSON_IsString(v))
			n += bytes ? base64_len(v->valuestring) :
			    strlen(v->valuestring);
	return n;
}

void
validation_data(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	(void)old;
	if (is_core(r, "ConfigMap") && map_size(obj, "data", false) +
	    map_size(obj, "binaryData", true) > DATA_MAX_BYTES)
		ck_status_add_cause(st, "[]", "FieldValueTooLong",
		    "Too long: may not be more than %d bytes",
		    DATA_MAX_BYTES);
	if (is_core(r, "Secret") && map_size(obj, "data", true) >
	    DATA_MAX_BYTES)
		ck_status_add_cause(st, "data", "FieldValueTooLong",
		    "Too long: may not be more than %d bytes",
		    DATA_MAX_BYTES);
}

bool
registry_has_generation(const struct api_resource *r)
{
	static const char *const none[] = { "ConfigMap", "Secret",
		"ServiceAccount", "Endpoints", "Event" };
	size_t i;

	if (r->group[0] != '\0')
		return true;
	for (i = 0; i < ARRAY_SIZE(none); i++)
		if (strcmp(r->kind, none[i]) == 0)
			return false;
	return true;
}
