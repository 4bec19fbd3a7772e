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
#include "ckube/base64.h"
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

char *
util_base64_encode(const char *in, size_t len)
{
	return ck_base64_encode(in, len);
}

char *
util_base64_decode(const char *in, size_t *len_out)
{
	return ck_base64_decode(in, len_out);
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
