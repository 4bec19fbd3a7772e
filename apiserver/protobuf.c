/*
 * protobuf.c: a table-driven decoder for the Kubernetes protobuf request
 * envelope ("k8s\0" + runtime.Unknown), which kubectl 1.32's typed clients
 * send for `kubectl create configmap|secret|namespace|service`. The wire
 * format cannot tell an empty string from an empty message, so each kind
 * has a field table (numbers from k8s.io/api/core/v1/generated.proto and
 * apimachinery's ObjectMeta). Empty values are dropped, as JSON omitempty
 * would; unknown fields are skipped.
 */
#include "apiserver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "protobuf.h"

#define PB_MAX_DEPTH	32

struct pb_buf {
	const unsigned char	*p;
	size_t			 len;
};

static int
get_varint(struct pb_buf *b, uint64_t *out)
{
	uint64_t v = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (b->len == 0)
			return CK_EBADREQ;
		v |= (uint64_t)(b->p[0] & 0x7f) << shift;
		b->len--;
		if ((*b->p++ & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return CK_EBADREQ;
}

/* Read one field header and its payload (varint value or a byte view). */
static int
next_field(struct pb_buf *b, int *num, int *wt, uint64_t *v, struct pb_buf *sub)
{
	uint64_t key, n;

	if (get_varint(b, &key) < 0 || key >> 3 == 0 || key >> 3 > INT32_MAX)
		return CK_EBADREQ;
	*num = (int)(key >> 3);
	*wt = (int)(key & 7);
	switch (*wt) {
	case 0:
		return get_varint(b, v);
	case 1:
	case 5:
		n = *wt == 1 ? 8 : 4;
		if (b->len < n)
			return CK_EBADREQ;
		*v = 0;
		memcpy(v, b->p, n);
		b->p += n;
		b->len -= n;
		return 0;
	case 2:
		if (get_varint(b, &n) < 0 || n > b->len)
			return CK_EBADREQ;
		sub->p = b->p;
		sub->len = (size_t)n;
		b->p += n;
		b->len -= n;
		return 0;
	default:
		return CK_EBADREQ;	/* groups are not used by Kubernetes */
	}
}

static cJSON *
str_item(const struct pb_buf *b, bool bytes)
{
	char *s, *e;
	cJSON *it;

	if (bytes) {
		e = util_base64_encode((const char *)b->p, b->len);
		it = cJSON_CreateString(e);
		free(e);
		return it;
	}
	if (b->len > 0 && memchr(b->p, '\0', b->len) != NULL)
		return NULL;	/* cJSON would cut it: refuse, never truncate */
	s = ck_malloc(b->len + 1);
	if (b->len > 0)
		memcpy(s, b->p, b->len);
	s[b->len] = '\0';
	it = cJSON_CreateString(s);
	free(s);
	return it;
}

static bool
is_empty(const cJSON *it)
{
	if (cJSON_IsString(it))
		return it->valuestring[0] == '\0';
	if (cJSON_IsNumber(it))
		return it->valuedouble == 0;
	if (cJSON_IsFalse(it))
		return true;
	if (cJSON_IsObject(it) || cJSON_IsArray(it))
		return it->child == NULL;
	return false;
}

static int
decode_msg(struct pb_buf b, const struct pb_msg *m, int depth, cJSON **out);

/* The string of a resource.Quantity message {1: string}. */
static struct pb_buf
quantity_string(struct pb_buf b)
{
	struct pb_buf sub = { NULL, 0 }, out = { NULL, 0 };
	uint64_t v;
	int num, wt;

	while (b.len > 0) {
		if (next_field(&b, &num, &wt, &v, &sub) < 0)
			break;
		if (num == 1 && wt == 2)
			out = sub;
	}
	return out;
}

static int
decode_map_entry(struct pb_buf b, enum pb_type type, cJSON *map)
{
	bool bytes = type == PB_MAP_BYTES;
	struct pb_buf sub = { NULL, 0 }, key = { NULL, 0 }, val = { NULL, 0 };
	cJSON *it;
	char k[512];
	uint64_t v;
	int num, wt;

	while (b.len > 0) {
		if (next_field(&b, &num, &wt, &v, &sub) < 0)
			return CK_EBADREQ;
		if (num == 1 && wt == 2)
			key = sub;
		else if (num == 2 && wt == 2)
			val = sub;
	}
	if (key.len == 0 || key.len >= sizeof(k))
		return CK_EBADREQ;
	memcpy(k, key.p, key.len);
	k[key.len] = '\0';
	if (memchr(k, '\0', key.len) != NULL)
		return CK_EBADREQ;
	if (type == PB_MAP_QTY)
		val = quantity_string(val);
	if ((it = str_item(&val, bytes)) == NULL)
		return CK_EBADREQ;
	cJSON_DeleteItemFromObjectCaseSensitive(map, k);
	cJSON_AddItemToObject(map, k, it);
	return 0;
}

static cJSON *
decode_time(struct pb_buf b)
{
	char ts[RFC3339_MAX];
	uint64_t v, secs = 0;
	struct pb_buf sub;
	int num, wt;

	while (b.len > 0) {
		if (next_field(&b, &num, &wt, &v, &sub) < 0)
			return NULL;
		if (num == 1 && wt == 0)
			secs = v;
	}
	if (secs == 0 ||
	    rfc3339_format((time_t)(int64_t)secs, ts, sizeof(ts)) < 0)
		return cJSON_CreateNull();
	return cJSON_CreateString(ts);
}

static cJSON *
decode_intstr(struct pb_buf b)
{
	struct pb_buf sub = { NULL, 0 }, str = { NULL, 0 };
	uint64_t v, type = 0, ival = 0;
	int num, wt;

	while (b.len > 0) {
		if (next_field(&b, &num, &wt, &v, &sub) < 0)
			return NULL;
		if (num == 1 && wt == 0)
			type = v;
		else if (num == 2 && wt == 0)
			ival = v;
		else if (num == 3 && wt == 2)
			str = sub;
	}
	if (type == 1)
		return str_item(&str, false);
	return cJSON_CreateNumber((double)(int32_t)(uint32_t)ival);
}

static int
decode_field(const struct pb_field *f, int wt, uint64_t v, struct pb_buf sub,
    int depth, cJSON *obj)
{
	cJSON *it = NULL, *arr;
	int rc;

	switch (f->type) {
	case PB_STRING:
	case PB_BYTES:
		if (wt != 2)
			return CK_EBADREQ;
		it = str_item(&sub, f->type == PB_BYTES);
		break;
	case PB_INT:
		if (wt != 0)
			return CK_EBADREQ;
		it = cJSON_CreateNumber((double)(int64_t)v);
		break;
	case PB_BOOL:
		if (wt != 0)
			return CK_EBADREQ;
		it = cJSON_CreateBool(v != 0);
		break;
	case PB_MSG:
		if (wt != 2)
			return CK_EBADREQ;
		if ((rc = decode_msg(sub, f->msg, depth + 1, &it)) < 0)
			return rc;
		break;
	case PB_INLINE:
		if (wt != 2)
			return CK_EBADREQ;
		if ((rc = decode_msg(sub, f->msg, depth + 1, &it)) < 0)
			return rc;
		while (it->child != NULL) {
			arr = cJSON_DetachItemViaPointer(it, it->child);
			cJSON_DeleteItemFromObjectCaseSensitive(obj,
			    arr->string);
			cJSON_AddItemToObject(obj, arr->string, arr);
		}
		cJSON_Delete(it);
		return 0;
	case PB_QTY:
		if (wt != 2)
			return CK_EBADREQ;
		sub = quantity_string(sub);
		it = str_item(&sub, false);
		break;
	case PB_MAP_STR:
	case PB_MAP_BYTES:
	case PB_MAP_QTY:
		if (wt != 2)
			return CK_EBADREQ;
		it = cJSON_GetObjectItemCaseSensitive(obj, f->json);
		if (it == NULL) {
			it = cJSON_CreateObject();
			cJSON_AddItemToObject(obj, f->json, it);
		}
		return decode_map_entry(sub, f->type, it);
	case PB_TIME:
		if (wt != 2)
			return CK_EBADREQ;
		it = decode_time(sub);
		break;
	case PB_INTSTR:
		if (wt != 2)
			return CK_EBADREQ;
		it = decode_intstr(sub);
		break;
	}
	if (it == NULL)
		return CK_EBADREQ;
	if (f->repeated) {
		arr = cJSON_GetObjectItemCaseSensitive(obj, f->json);
		if (arr == NULL) {
			arr = cJSON_CreateArray();
			cJSON_AddItemToObject(obj, f->json, arr);
		}
		cJSON_AddItemToArray(arr, it);
		return 0;
	}
	if (is_empty(it) && f->type != PB_TIME && !f->ptr) {
		cJSON_Delete(it);
		return 0;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, f->json);
	cJSON_AddItemToObject(obj, f->json, it);
	return 0;
}

static int
decode_msg(struct pb_buf b, const struct pb_msg *m, int depth, cJSON **out)
{
	struct pb_buf sub = { NULL, 0 };
	cJSON *obj;
	uint64_t v = 0;
	size_t i;
	int num, wt, rc = 0;

	*out = NULL;
	if (depth > PB_MAX_DEPTH)
		return CK_EBADREQ;
	obj = cJSON_CreateObject();
	while (b.len > 0) {
		if ((rc = next_field(&b, &num, &wt, &v, &sub)) < 0)
			break;
		for (i = 0; i < m->n; i++)
			if (m->fields[i].num == num)
				break;
		if (i == m->n)
			continue;	/* a field we do not model */
		if ((rc = decode_field(&m->fields[i], wt, v, sub, depth, obj)) <
		    0)
			break;
	}
	if (rc < 0) {
		cJSON_Delete(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

static const struct pb_kind *
find_kind(const char *apiv, const char *kind)
{
	static const struct pb_kind *const lists[] = { pb_core_kinds,
		pb_group_kinds };
	const struct pb_kind *k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lists); i++)
		for (k = lists[i]; k->kind != NULL; k++)
			if (strcmp(k->api_version, apiv) == 0 &&
			    strcmp(k->kind, kind) == 0)
				return k;
	return NULL;
}

int
protobuf_decode(const char *buf, size_t len, cJSON **out, struct ck_status *st)
{
	struct pb_buf b = { (const unsigned char *)buf, len },
		      sub = { NULL, 0 };
	struct pb_buf tm = { NULL, 0 }, raw = { NULL, 0 }, av = { NULL, 0 },
		      kd = { NULL, 0 };
	char apiv[64] = "", kind[64] = "";
	const struct pb_kind *pk;
	cJSON *obj = NULL;
	uint64_t v;
	int num, wt;

	*out = NULL;
	if (len < 4 || memcmp(buf, "k8s\0", 4) != 0)
		return ck_status_set(st, CK_EBADREQ,
		    "protobuf body without the k8s envelope");
	b.p += 4;
	b.len -= 4;
	while (b.len > 0) {
		if (next_field(&b, &num, &wt, &v, &sub) < 0)
			return ck_status_set(st, CK_EBADREQ,
			    "malformed protobuf envelope");
		if (num == 1 && wt == 2)
			tm = sub;
		else if (num == 2 && wt == 2)
			raw = sub;
	}
	while (tm.len > 0) {
		if (next_field(&tm, &num, &wt, &v, &sub) < 0)
			return ck_status_set(st, CK_EBADREQ,
			    "malformed protobuf TypeMeta");
		if (num == 1 && wt == 2)
			av = sub;
		else if (num == 2 && wt == 2)
			kd = sub;
	}
	if (av.len >= sizeof(apiv) || kd.len >= sizeof(kind))
		return ck_status_set(st, CK_EBADREQ,
		    "malformed protobuf TypeMeta");
	if (av.len > 0)
		memcpy(apiv, av.p, av.len);
	apiv[av.len] = '\0';
	if (kd.len > 0)
		memcpy(kind, kd.p, kd.len);
	kind[kd.len] = '\0';
	pk = find_kind(apiv, kind);
	if (pk == NULL) {
		ck_status_set(st, CK_ENOTSUP,
		    "protobuf bodies of %s %s are not supported; "
		    "send JSON (e.g. kubectl create ... --dry-run=client "
		    "-o yaml | kubectl apply -f -)", apiv, kind);
		if (st != NULL) {
			st->code = 415;
			ck_strlcpy(st->reason, "UnsupportedMediaType",
			    sizeof(st->reason));
		}
		return CK_ENOTSUP;
	}
	if (decode_msg(raw, pk->msg, 0, &obj) < 0)
		return ck_status_set(st, CK_EBADREQ, "malformed protobuf %s",
		    kind);
	cJSON_AddStringToObject(obj, "kind", kind);
	cJSON_AddStringToObject(obj, "apiVersion", apiv);
	*out = obj;
	return 0;
}
