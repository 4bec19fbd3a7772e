/*
 * openapi_pb.c: /openapi/v2 as the gnostic OpenAPIv2 Document protobuf
 * (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto). client-go
 * asks for it only in this form (Accept: application/com.github.proto-
 * openapi.spec.v2@v1.0+protobuf) and kubectl validates `kind: List` files
 * with its definitions. Only the fields kube-openapi's proto parser reads
 * are written: $ref, type, format, description, required, properties,
 * items, additionalProperties and the x-kubernetes-* extensions (as YAML).
 */
#include "apiserver.h"
#include "openapi.h"

#include <stdio.h>
#include <string.h>

#include "ckube/strbuf.h"

/* Field numbers of OpenAPIv2.proto. */
enum {
	DOC_SWAGGER = 1, DOC_INFO = 2, DOC_DEFINITIONS = 9,
	INFO_TITLE = 1, INFO_VERSION = 2,
	NAMED_NAME = 1, NAMED_VALUE = 2,	/* NamedSchema, NamedAny */
	ANY_YAML = 2,
	LIST_ITEMS = 1,	/* Definitions, Properties, ItemsItem, TypeItem */
	ADDL_SCHEMA = 1,
	SCH_REF = 1, SCH_FORMAT = 2, SCH_DESCRIPTION = 4, SCH_REQUIRED = 19,
	SCH_ADDL = 21, SCH_TYPE = 22, SCH_ITEMS = 23, SCH_PROPERTIES = 25,
	SCH_EXT = 31,
};

static void
put_varint(struct strbuf *sb, uint64_t v)
{
	while (v >= 0x80) {
		strbuf_addc(sb, (char)(v | 0x80));
		v >>= 7;
	}
	strbuf_addc(sb, (char)v);
}

static void
put_bytes(struct strbuf *sb, int field, const char *p, size_t n)
{
	put_varint(sb, ((uint64_t)field << 3) | 2);
	put_varint(sb, n);
	strbuf_add(sb, p, n);
}

static void
put_str(struct strbuf *sb, int field, const char *s)
{
	put_bytes(sb, field, s, strlen(s));
}

/* Append sub as message field of sb, and empty sub. */
static void
put_msg(struct strbuf *sb, int field, struct strbuf *sub)
{
	put_bytes(sb, field, sub->buf != NULL ? sub->buf : "", sub->len);
	strbuf_reset(sub);
}

static void
put_type(struct strbuf *sb, const char *type)
{
	struct strbuf t = STRBUF_INIT;

	put_str(&t, LIST_ITEMS, type);
	put_msg(sb, SCH_TYPE, &t);
	strbuf_fini(&t);
}

/* A vendor extension whose value is the YAML text yaml. */
static void
put_ext(struct strbuf *sb, const char *name, const char *yaml)
{
	struct strbuf any = STRBUF_INIT, na = STRBUF_INIT;

	put_str(&any, ANY_YAML, yaml);
	put_str(&na, NAMED_NAME, name);
	put_msg(&na, NAMED_VALUE, &any);
	put_msg(sb, SCH_EXT, &na);
	strbuf_fini(&any);
	strbuf_fini(&na);
}

static void
put_ref(struct strbuf *sb, int ref)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "#/definitions/%s", openapi_defs[ref].name);
	put_str(sb, SCH_REF, buf);
}

/* The Schema of one value (an item of an array or map included). */
static void
put_value(struct strbuf *sb, uint8_t t, int ref, const char *fmt)
{
	struct strbuf it = STRBUF_INIT, items = STRBUF_INIT;

	if (t == OA_REF) {
		put_ref(sb, ref);
		return;
	}
	if (fmt != NULL)
		put_str(sb, SCH_FORMAT, fmt);
	put_type(sb, openapi_type_name(t));
	if (t == OA_ARRAY) {	/* an item that is itself a list */
		put_type(&it, "string");
		put_msg(&items, LIST_ITEMS, &it);
		put_msg(sb, SCH_ITEMS, &items);
	}
	strbuf_fini(&it);
	strbuf_fini(&items);
}

static void
put_prop(struct strbuf *sb, const struct openapi_prop *p)
{
	struct strbuf sub = STRBUF_INIT, wrap = STRBUF_INIT, y = STRBUF_INIT;
	char buf[128], *k, *save;

	if (p->type == OA_ARRAY || p->type == OA_MAP) {
		put_value(&sub, p->item, p->ref, p->format);
		if (p->type == OA_ARRAY) {
			put_msg(&wrap, LIST_ITEMS, &sub);
			put_msg(sb, SCH_ITEMS, &wrap);
		} else {
			put_msg(&wrap, ADDL_SCHEMA, &sub);
			put_msg(sb, SCH_ADDL, &wrap);
		}
		put_type(sb, openapi_type_name(p->type));
	} else {
		put_value(sb, p->type, p->ref, p->format);
	}
	put_str(sb, SCH_DESCRIPTION, p->desc);
	if (p->strategy != NULL)
		put_ext(sb, "x-kubernetes-patch-strategy", p->strategy);
	if (p->merge_key != NULL)
		put_ext(sb, "x-kubernetes-patch-merge-key", p->merge_key);
	if (p->flags & OA_LIST_MAP) {
		snprintf(buf, sizeof(buf), "%s", p->map_keys);
		for (k = strtok_r(buf, ",", &save); k != NULL;
		    k = strtok_r(NULL, ",", &save))
			strbuf_addf(&y, "- %s\n", k);
		put_ext(sb, "x-kubernetes-list-map-keys", strbuf_str(&y));
		put_ext(sb, "x-kubernetes-list-type", "map");
	}
	strbuf_fini(&sub);
	strbuf_fini(&wrap);
	strbuf_fini(&y);
}

static void
put_def(struct strbuf *sb, const struct openapi_def *d)
{
	struct strbuf props = STRBUF_INIT, ns = STRBUF_INIT, s = STRBUF_INIT;
	char yaml[512];
	size_t i;

	put_str(sb, SCH_DESCRIPTION, d->desc);
	if (d->format != NULL)
		put_str(sb, SCH_FORMAT, d->format);
	for (i = 0; i < d->nprops; i++)
		if (d->props[i].flags & OA_REQUIRED)
			put_str(sb, SCH_REQUIRED, d->props[i].name);
	put_type(sb, openapi_type_name(d->type));
	if (d->type == OA_OBJECT) {
		for (i = 0; i < d->nprops; i++) {
			put_prop(&s, &d->props[i]);
			put_str(&ns, NAMED_NAME, d->props[i].name);
			put_msg(&ns, NAMED_VALUE, &s);
			put_msg(&props, LIST_ITEMS, &ns);
		}
		put_msg(sb, SCH_PROPERTIES, &props);
	}
	if (d->kind != NULL) {
		snprintf(yaml, sizeof(yaml),
		    "- group: \"%s\"\n  kind: %s\n  version: %s\n", d->group,
		    d->kind, d->version);
		put_ext(sb, "x-kubernetes-group-version-kind", yaml);
	}
	strbuf_fini(&props);
	strbuf_fini(&ns);
	strbuf_fini(&s);
}

int
openapi_pb_encode(struct strbuf *out)
{
	struct strbuf info = STRBUF_INIT, defs = STRBUF_INIT;
	struct strbuf ns = STRBUF_INIT, s = STRBUF_INIT;
	size_t i;

	put_str(out, DOC_SWAGGER, "2.0");
	put_str(&info, INFO_TITLE, "Kubernetes");
	put_str(&info, INFO_VERSION, "v1.3.0");
	put_msg(out, DOC_INFO, &info);
	for (i = 0; i < openapi_ndefs; i++) {
		put_def(&s, &openapi_defs[i]);
		put_str(&ns, NAMED_NAME, openapi_defs[i].name);
		put_msg(&ns, NAMED_VALUE, &s);
		put_msg(&defs, LIST_ITEMS, &ns);
	}
	put_msg(out, DOC_DEFINITIONS, &defs);
	strbuf_fini(&info);
	strbuf_fini(&defs);
	strbuf_fini(&ns);
	strbuf_fini(&s);
	return 0;
}
