/*
 * util.c: small helpers the apiserver files share: random UUIDs and
 * generateName suffixes, base64 for continue tokens, and thin cJSON accessors
 * that abort on OOM like the ck_ allocators. No apiserver logic lives here.
 */
#include "apiserver.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/log.h"

static void
random_bytes(unsigned char *buf, size_t n)
{
	ssize_t got;
	size_t off = 0;

	while (off < n) {
		got = getrandom(buf + off, n - off, 0);
		if (got <= 0) {
			log_error("getrandom failed");
			abort();
		}
		off += (size_t)got;
	}
}

void
util_uuid4(char out[37])
{
	unsigned char b[16];

	random_bytes(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}

void
util_random_suffix(char *out, size_t n)
{
	/* apimachinery's utilrand alphabet: no vowels, no confusable digits. */
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char b[64];
	size_t i;

	if (n > sizeof(b))
		n = sizeof(b);
	random_bytes(b, n);
	for (i = 0; i < n; i++)
		out[i] = alpha[b[i] % (sizeof(alpha) - 1)];
	out[n] = '\0';
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
util_base64_encode(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	char *out = ck_malloc((len + 2) / 3 * 4 + 1);
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (i < len) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int
b64_val(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64, c);
	return p ? (int)(p - b64) : -1;
}

char *
util_base64_decode(const char *in, size_t *len_out)
{
	size_t n = strlen(in), i, o = 0;
	char *out;
	int v[4], k;

	if (n % 4 != 0)
		return NULL;
	out = ck_malloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2)
				v[k] = -2;
			else if ((v[k] = b64_val(in[i + k])) < 0)
				goto bad;
		}
		if (v[2] == -2 && v[3] != -2)
			goto bad;
		out[o++] = (char)(v[0] << 2 | v[1] >> 4);
		if (v[2] != -2)
			out[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (v[3] != -2)
			out[o++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	out[o] = '\0';
	if (len_out != NULL)
		*len_out = o;
	return out;
bad:
	free(out);
	return NULL;
}

const char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

cJSON *
json_obj(const cJSON *obj, const char *key)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(it) ? it : NULL;
}

static cJSON *
must(cJSON *it)
{
	if (it == NULL) {
		log_error("cJSON: out of memory");
		abort();
	}
	return it;
}

cJSON *
json_ensure_obj(cJSON *obj, const char *key)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsObject(it))
		return it;
	it = must(cJSON_CreateObject());
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, it);
	else
		cJSON_AddItemToObject(obj, key, it);
	return it;
}

static void
json_put(cJSON *obj, const char *key, cJSON *val)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
	else
		cJSON_AddItemToObject(obj, key, val);
}

void
json_set_str(cJSON *obj, const char *key, const char *val)
{
	json_put(obj, key, must(cJSON_CreateString(val)));
}

void
json_set_num(cJSON *obj, const char *key, double val)
{
	json_put(obj, key, must(cJSON_CreateNumber(val)));
}

void
json_default_str(cJSON *obj, const char *key, const char *val)
{
	if (json_str(obj, key) == NULL || json_str(obj, key)[0] == '\0')
		json_set_str(obj, key, val);
}

void
json_default_num(cJSON *obj, const char *key, double val)
{
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(obj, key)))
		json_set_num(obj, key, val);
}

void
json_del(cJSON *obj, const char *key)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
}

char *
json_print(const cJSON *obj, size_t *len)
{
	char *s = cJSON_PrintUnformatted(obj);

	if (s == NULL) {
		log_error("cJSON: out of memory printing");
		abort();
	}
	if (len != NULL)
		*len = strlen(s);
	return s;
}

/* Go's name for the JSON type of v, as encoding/json reports it. */
const char *
util_go_json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "bool";
	if (cJSON_IsArray(v))
		return "array";
	return "object";
}
