/*
 * validation_meta.c: ObjectMeta validation shared by every kind, a port of
 * apimachinery's ValidateObjectMeta (pkg/api/validation/objectmeta.go) and
 * the name checks of pkg/util/validation. Messages, regexes, limits, field
 * paths and reasons match Kubernetes so kubectl prints the same errors. The
 * regexes are checked by hand-written matchers (no regex engine needed).
 */
#include "validation_meta.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

/* Formats and messages from k8s.io/apimachinery/pkg/util/validation. */
#define QNAME_FMT	"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG	"must consist of alphanumeric characters, '-', '_' or '.', " \
			"and must start and end with an alphanumeric character"
#define QNAME_EX	" (e.g. 'MyName',  or 'my.name',  or '123-abc', " \
			"regex used for validation is '" QNAME_FMT "')"
#define QNAME_MAX	63
#define LVALUE_FMT	"(" QNAME_FMT ")?"
#define LVALUE_MSG	"a valid label must be an empty string or consist of " \
			"alphanumeric characters, '-', '_' or '.', and must start " \
			"and end with an alphanumeric character"
#define LVALUE_EX	" (e.g. 'MyValue',  or 'my_value',  or '12345', " \
			"regex used for validation is '" LVALUE_FMT "')"
#define LVALUE_MAX	63
#define LABEL_FMT	"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define LABEL_MSG	"a lowercase RFC 1123 label must consist of lower case " \
			"alphanumeric characters or '-', and must start and end " \
			"with an alphanumeric character"
#define LABEL_EX	" (e.g. 'my-name',  or '123-abc', regex used for " \
			"validation is '" LABEL_FMT "')"
#define LABEL_MAX	63
#define SUBDOMAIN_FMT	LABEL_FMT "(\\." LABEL_FMT ")*"
#define SUBDOMAIN_MSG	"a lowercase RFC 1123 subdomain must consist of lower " \
			"case alphanumeric characters, '-' or '.', and must start " \
			"and end with an alphanumeric character"
#define SUBDOMAIN_EX	" (e.g. 'example.com', regex used for validation is '" \
			SUBDOMAIN_FMT "')"
#define SUBDOMAIN_MAX	253
#define L1035_FMT	"[a-z]([-a-z0-9]*[a-z0-9])?"
#define L1035_MSG	"a DNS-1035 label must consist of lower case alphanumeric " \
			"characters or '-', start with an alphabetic character, " \
			"and end with an alphanumeric character"
#define L1035_EX	" (e.g. 'my-name',  or 'abc-123', regex used for " \
			"validation is '" L1035_FMT "')"
#define L1035_MAX	63
#define ANNOTATIONS_MAX	(256 * (1 << 10))

/* Kubernetes' field.ErrorType strings (CauseType in the Status). */
#define R_REQUIRED	"FieldValueRequired"
#define R_INVALID	"FieldValueInvalid"
#define R_TOOLONG	"FieldValueTooLong"
#define R_TYPE		"FieldValueTypeInvalid"

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..len), no length limit. */
static bool
match_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (i = 1; i + 1 < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* LABEL_FMT(\.LABEL_FMT)*, no length limit. */
static bool
match_subdomain(const char *s, size_t len)
{
	size_t start, i;

	for (start = 0, i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!match_label(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* [a-z]([-a-z0-9]*[a-z0-9])? */
static bool
match_1035(const char *s, size_t len)
{
	return len > 0 && s[0] >= 'a' && s[0] <= 'z' && match_label(s, len);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool
match_qname(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return false;
	for (i = 1; i + 1 < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

const char *
validate_subdomain_msg(void)
{
	return SUBDOMAIN_MSG SUBDOMAIN_EX;
}

bool
validate_is_dns1123_subdomain(const char *s)
{
	size_t len = strlen(s);

	return len <= SUBDOMAIN_MAX && match_subdomain(s, len);
}

bool
validate_is_dns1123_label(const char *s)
{
	size_t len = strlen(s);

	return len <= LABEL_MAX && match_label(s, len);
}

bool
validate_is_dns1035_label(const char *s)
{
	size_t len = strlen(s);

	return len <= L1035_MAX && match_1035(s, len);
}

/* Causes are collected here; the caller's st gets them at the end. */
struct vm_ctx {
	struct ck_status	*st;
	int			 n;
};

/* Append Go's %q of s (approximately: ASCII escapes, UTF-8 kept). */
static void
vm_quote(struct strbuf *sb, const char *s)
{
	const unsigned char *c;

	strbuf_addc(sb, '"');
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		switch (*c) {
		case '"':	strbuf_adds(sb, "\\\""); break;
		case '\\':	strbuf_adds(sb, "\\\\"); break;
		case '\n':	strbuf_adds(sb, "\\n"); break;
		case '\r':	strbuf_adds(sb, "\\r"); break;
		case '\t':	strbuf_adds(sb, "\\t"); break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				strbuf_addf(sb, "\\x%02x", *c);
			else
				strbuf_addc(sb, (char)*c);
		}
	}
	strbuf_addc(sb, '"');
}

/* Append a JSON value as field.Error prints a bad value (%q or JSON). */
static void
vm_value(struct strbuf *sb, const cJSON *v)
{
	char *txt;

	if (cJSON_IsString(v)) {
		vm_quote(sb, v->valuestring);
		return;
	}
	txt = v != NULL ? cJSON_PrintUnformatted(v) : NULL;
	strbuf_adds(sb, txt != NULL ? txt : "null");
	free(txt);
}

static void
vm_cause(struct vm_ctx *c, const char *field, const char *reason,
    const char *msg)
{
	c->n++;
	ck_status_add_cause(c->st, field, reason, "%s", msg);
}

/* field.Invalid(field, string value, prefix + detail). */
static void
vm_invalid_str(struct vm_ctx *c, const char *field, const char *value,
    const char *prefix, const char *detail)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "Invalid value: ");
	vm_quote(&sb, value);
	strbuf_addf(&sb, ": %s%s", prefix != NULL ? prefix : "", detail);
	vm_cause(c, field, R_INVALID, strbuf_str(&sb));
	strbuf_fini(&sb);
}

/* field.Invalid(field, JSON value, detail). */
static void
vm_invalid_json(struct vm_ctx *c, const char *field, const cJSON *value,
    const char *detail)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "Invalid value: ");
	vm_value(&sb, value);
	strbuf_addf(&sb, ": %s", detail);
	vm_cause(c, field, R_INVALID, strbuf_str(&sb));
	strbuf_fini(&sb);
}

/* field.TypeInvalid: a value of the wrong JSON type. */
static void
vm_type(struct vm_ctx *c, const char *field, const cJSON *value,
    const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "Invalid value: ");
	vm_value(&sb, value);
	strbuf_addf(&sb, ": must be of type %s", want);
	vm_cause(c, field, R_TYPE, strbuf_str(&sb));
	strbuf_fini(&sb);
}

/*
 * The string at obj[key]: NULL when absent or null; a type cause (and NULL)
 * when it is not a string.
 */
static const char *
vm_get_str(struct vm_ctx *c, const cJSON *obj, const char *key,
    const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		vm_type(c, field, v, "string");
		return NULL;
	}
	return v->valuestring;
}

/*
 * IsDNS1123Subdomain / IsDNS1123Label / IsDNS1035Label as causes on field
 * for value (checked as shown by name; value is what the message quotes).
 */
static void
vm_check_name(struct vm_ctx *c, const char *field, const char *value,
    const char *checked, enum validate_name_rule rule)
{
	size_t len = strlen(checked);

	switch (rule) {
	case VALIDATE_NAME_SUBDOMAIN:
		if (len > SUBDOMAIN_MAX)
			vm_invalid_str(c, field, value, NULL,
			    "must be no more than 253 characters");
		if (!match_subdomain(checked, len))
			vm_invalid_str(c, field, value, NULL,
			    SUBDOMAIN_MSG SUBDOMAIN_EX);
		break;
	case VALIDATE_NAME_LABEL:
		if (len > LABEL_MAX)
			vm_invalid_str(c, field, value, NULL,
			    "must be no more than 63 characters");
		if (!match_label(checked, len))
			vm_invalid_str(c, field, value, NULL, LABEL_MSG LABEL_EX);
		break;
	case VALIDATE_NAME_1035_LABEL:
		if (len > L1035_MAX)
			vm_invalid_str(c, field, value, NULL,
			    "must be no more than 63 characters");
		if (!match_1035(checked, len))
			vm_invalid_str(c, field, value, NULL, L1035_MSG L1035_EX);
		break;
	case VALIDATE_NAME_PATH_SEGMENT:
		/* path.ValidatePathSegmentName (roles may be "system:x"). */
		if (strcmp(checked, ".") == 0 || strcmp(checked, "..") == 0)
			vm_invalid_str(c, field, value, NULL,
			    "may not be '.' or '..'");
		else if (strchr(checked, '/') != NULL)
			vm_invalid_str(c, field, value, NULL,
			    "may not contain '/'");
		else if (strchr(checked, '%') != NULL)
			vm_invalid_str(c, field, value, NULL,
			    "may not contain '%'");
		break;
	}
}

/*
 * A ValidateNameFunc: for a generateName prefix, Kubernetes masks a trailing
 * dash before checking (maskTrailingDash: name[:len-2] + "a", sic).
 */
static void
vm_name_func(struct vm_ctx *c, const char *field, const char *value,
    bool prefix, enum validate_name_rule rule)
{
	size_t len = strlen(value);
	char *masked;

	if (!prefix || len <= 1 || value[len - 1] != '-') {
		vm_check_name(c, field, value, value, rule);
		return;
	}
	masked = ck_malloc(len);
	memcpy(masked, value, len - 2);
	masked[len - 2] = 'a';
	masked[len - 1] = '\0';
	vm_check_name(c, field, value, masked, rule);
	free(masked);
}

/*
 * IsQualifiedName(checked) as causes on field quoting value (annotations
 * check the lower-cased key but print the original).
 */
static void
vm_qualified_name(struct vm_ctx *c, const char *field, const char *value,
    const char *checked)
{
	const char *slash, *name;
	size_t plen, nlen;

	slash = strchr(checked, '/');
	name = checked;
	if (slash != NULL) {
		if (strchr(slash + 1, '/') != NULL) {
			vm_invalid_str(c, field, value, "a qualified name ",
			    QNAME_MSG QNAME_EX " with an optional DNS subdomain "
			    "prefix and '/' (e.g. 'example.com/MyName')");
			return;
		}
		plen = (size_t)(slash - checked);
		name = slash + 1;
		if (plen == 0)
			vm_invalid_str(c, field, value, "prefix part ",
			    "must be non-empty");
		else {
			if (plen > SUBDOMAIN_MAX)
				vm_invalid_str(c, field, value, "prefix part ",
				    "must be no more than 253 characters");
			if (!match_subdomain(checked, plen))
				vm_invalid_str(c, field, value, "prefix part ",
				    SUBDOMAIN_MSG SUBDOMAIN_EX);
		}
	}
	nlen = strlen(name);
	if (nlen == 0)
		vm_invalid_str(c, field, value, "name part ", "must be non-empty");
	else if (nlen > QNAME_MAX)
		vm_invalid_str(c, field, value, "name part ",
		    "must be no more than 63 characters");
	if (!match_qname(name, nlen))
		vm_invalid_str(c, field, value, "name part ", QNAME_MSG QNAME_EX);
}

/* IsValidLabelValue. */
static void
vm_label_value(struct vm_ctx *c, const char *field, const char *value)
{
	size_t len = strlen(value);

	if (len > LVALUE_MAX)
		vm_invalid_str(c, field, value, NULL,
		    "must be no more than 63 characters");
	if (len > 0 && !match_qname(value, len))
		vm_invalid_str(c, field, value, NULL, LVALUE_MSG LVALUE_EX);
}

/* metadata.labels: an object of strings, qualified-name keys, label values. */
static void
vm_labels(struct vm_ctx *c, const cJSON *labels)
{
	const char *field = "metadata.labels";
	const cJSON *kv;

	if (labels == NULL || cJSON_IsNull(labels))
		return;
	if (!cJSON_IsObject(labels)) {
		vm_type(c, field, labels, "object");
		return;
	}
	cJSON_ArrayForEach(kv, labels) {
		vm_qualified_name(c, field, kv->string, kv->string);
		if (cJSON_IsNull(kv))
			continue;
		if (!cJSON_IsString(kv))
			vm_type(c, field, kv, "string");
		else
			vm_label_value(c, field, kv->valuestring);
	}
}

/* metadata.annotations: qualified-name keys (case-insensitive), 256 KiB. */
static void
vm_annotations(struct vm_ctx *c, const cJSON *ann)
{
	const char *field = "metadata.annotations";
	const cJSON *kv;
	size_t total = 0, i;
	char *lower;

	if (ann == NULL || cJSON_IsNull(ann))
		return;
	if (!cJSON_IsObject(ann)) {
		vm_type(c, field, ann, "object");
		return;
	}
	cJSON_ArrayForEach(kv, ann) {
		lower = ck_strdup(kv->string);
		for (i = 0; lower[i] != '\0'; i++)
			if (lower[i] >= 'A' && lower[i] <= 'Z')
				lower[i] = (char)(lower[i] - 'A' + 'a');
		vm_qualified_name(c, field, kv->string, lower);
		free(lower);
		total += strlen(kv->string);
		if (cJSON_IsString(kv))
			total += strlen(kv->valuestring);
		else if (!cJSON_IsNull(kv))
			vm_type(c, field, kv, "string");
	}
	if (total > ANNOTATIONS_MAX)
		vm_cause(c, field, R_TOOLONG,
		    "Too long: may not be more than 262144 bytes");
}

/* metadata.finalizers: an array of qualified names. */
static void
vm_finalizers(struct vm_ctx *c, const cJSON *fins)
{
	const char *field = "metadata.finalizers";
	const cJSON *f;
	bool orphan = false, foreground = false;

	if (fins == NULL || cJSON_IsNull(fins))
		return;
	if (!cJSON_IsArray(fins)) {
		vm_type(c, field, fins, "array");
		return;
	}
	cJSON_ArrayForEach(f, fins) {
		if (!cJSON_IsString(f)) {
			vm_type(c, field, f, "string");
			continue;
		}
		vm_qualified_name(c, field, f->valuestring, f->valuestring);
		if (strcmp(f->valuestring, "orphan") == 0)
			orphan = true;
		if (strcmp(f->valuestring, "foregroundDeletion") == 0)
			foreground = true;
	}
	if (orphan && foreground)
		vm_invalid_json(c, field, fins, "finalizer orphan and "
		    "foregroundDeletion cannot be both set");
}

/* One owner reference; paths are "metadata.ownerReferences.<x>" as upstream. */
static void
vm_owner_ref(struct vm_ctx *c, const cJSON *refs, const cJSON *ref,
    char **controller)
{
	const char *base = "metadata.ownerReferences";
	const char *av, *kind, *name, *uid, *slash;
	const cJSON *ctl;
	bool version_empty;
	char *cur;

	if (!cJSON_IsObject(ref)) {
		vm_type(c, base, ref, "object");
		return;
	}
	av = vm_get_str(c, ref, "apiVersion", "metadata.ownerReferences.apiVersion");
	kind = vm_get_str(c, ref, "kind", "metadata.ownerReferences.kind");
	name = vm_get_str(c, ref, "name", "metadata.ownerReferences.name");
	uid = vm_get_str(c, ref, "uid", "metadata.ownerReferences.uid");
	/* schema.ParseGroupVersion: "v", "g/v"; more slashes is an error. */
	slash = av != NULL ? strchr(av, '/') : NULL;
	version_empty = av == NULL || av[0] == '\0' ||
	    (slash != NULL && (slash[1] == '\0' || strchr(slash + 1, '/') != NULL));
	if (version_empty)
		vm_invalid_str(c, "metadata.ownerReferences.apiVersion",
		    av != NULL ? av : "", NULL, "version must not be empty");
	if (kind == NULL || kind[0] == '\0')
		vm_invalid_str(c, "metadata.ownerReferences.kind",
		    kind != NULL ? kind : "", NULL, "kind must not be empty");
	if (name == NULL || name[0] == '\0')
		vm_invalid_str(c, "metadata.ownerReferences.name",
		    name != NULL ? name : "", NULL, "name must not be empty");
	if (uid == NULL || uid[0] == '\0')
		vm_invalid_str(c, "metadata.ownerReferences.uid",
		    uid != NULL ? uid : "", NULL, "uid must not be empty");
	if (av != NULL && kind != NULL && strcmp(av, "v1") == 0 &&
	    strcmp(kind, "Event") == 0)
		vm_invalid_json(c, base, ref,
		    "/v1, Kind=Event is disallowed from being an owner");
	ctl = cJSON_GetObjectItemCaseSensitive(ref, "controller");
	if (ctl != NULL && !cJSON_IsNull(ctl) && !cJSON_IsBool(ctl))
		vm_type(c, "metadata.ownerReferences.controller", ctl, "boolean");
	if (!cJSON_IsTrue(ctl))
		return;
	cur = ck_asprintf("%s/%s", kind != NULL ? kind : "",
	    name != NULL ? name : "");
	if (*controller != NULL) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "Only one reference can have Controller set to "
		    "true. Found \"true\" in references for %s and %s",
		    *controller, cur);
		vm_invalid_json(c, base, refs, strbuf_str(&sb));
		strbuf_fini(&sb);
		free(cur);
	} else
		*controller = cur;
}

static void
vm_owner_refs(struct vm_ctx *c, const cJSON *refs)
{
	const cJSON *ref;
	char *controller = NULL;

	if (refs == NULL || cJSON_IsNull(refs))
		return;
	if (!cJSON_IsArray(refs)) {
		vm_type(c, "metadata.ownerReferences", refs, "array");
		return;
	}
	cJSON_ArrayForEach(ref, refs)
		vm_owner_ref(c, refs, ref, &controller);
	free(controller);
}

int
validate_object_meta(const struct cJSON *obj, bool namespaced,
    enum validate_name_rule rule, struct ck_status *st)
{
	struct vm_ctx c = { st, 0 };
	const cJSON *meta, *gen, *nm;
	const char *name, *gname, *ns;

	if (!cJSON_IsObject(obj)) {
		vm_type(&c, "", obj, "object");
		return CK_EINVALID;
	}
	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (meta != NULL && !cJSON_IsNull(meta) && !cJSON_IsObject(meta)) {
		vm_type(&c, "metadata", meta, "object");
		return CK_EINVALID;
	}
	gname = vm_get_str(&c, meta, "generateName", "metadata.generateName");
	if (gname != NULL && gname[0] != '\0')
		vm_name_func(&c, "metadata.generateName", gname, true, rule);
	nm = cJSON_GetObjectItemCaseSensitive(meta, "name");
	name = vm_get_str(&c, meta, "name", "metadata.name");
	if (name != NULL && name[0] != '\0')
		vm_name_func(&c, "metadata.name", name, false, rule);
	else if ((nm == NULL || cJSON_IsNull(nm) || cJSON_IsString(nm)) &&
	    (gname == NULL || gname[0] == '\0'))
		vm_cause(&c, "metadata.name", R_REQUIRED,
		    "Required value: name or generateName is required");
	ns = vm_get_str(&c, meta, "namespace", "metadata.namespace");
	if (namespaced && ns != NULL && ns[0] != '\0')
		vm_name_func(&c, "metadata.namespace", ns, false,
		    VALIDATE_NAME_LABEL);
	gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
	if (gen != NULL && !cJSON_IsNull(gen)) {
		if (!cJSON_IsNumber(gen))
			vm_type(&c, "metadata.generation", gen, "integer");
		else if (gen->valuedouble < 0)
			vm_invalid_json(&c, "metadata.generation", gen,
			    "must be greater than or equal to 0");
	}
	vm_labels(&c, cJSON_GetObjectItemCaseSensitive(meta, "labels"));
	vm_annotations(&c, cJSON_GetObjectItemCaseSensitive(meta, "annotations"));
	vm_owner_refs(&c, cJSON_GetObjectItemCaseSensitive(meta,
	    "ownerReferences"));
	vm_finalizers(&c, cJSON_GetObjectItemCaseSensitive(meta, "finalizers"));
	return c.n > 0 ? CK_EINVALID : 0;
}

static bool
has_string(const cJSON *arr, const char *s)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, arr)
		if (cJSON_IsString(f) && strcmp(f->valuestring, s) == 0)
			return true;
	return false;
}

int
validate_object_meta_update(const struct cJSON *newobj,
    const struct cJSON *oldobj, struct ck_status *st)
{
	struct vm_ctx c = { st, 0 };
	const cJSON *nmeta, *ometa, *nf, *of, *f;
	struct strbuf sb = STRBUF_INIT;
	int extra = 0;

	nmeta = cJSON_GetObjectItemCaseSensitive(newobj, "metadata");
	ometa = cJSON_GetObjectItemCaseSensitive(oldobj, "metadata");
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ometa,
	    "deletionTimestamp")))
		return 0;
	nf = cJSON_GetObjectItemCaseSensitive(nmeta, "finalizers");
	of = cJSON_GetObjectItemCaseSensitive(ometa, "finalizers");
	/* Go's %#v of the sorted new ones: []string{"a", "b"}. */
	strbuf_adds(&sb, "Forbidden: no new finalizers can be added if the "
	    "object is "
	    "being deleted, found new finalizers []string{");
	cJSON_ArrayForEach(f, nf) {
		if (!cJSON_IsString(f) || has_string(of, f->valuestring))
			continue;
		strbuf_addf(&sb, "%s\"%s\"", extra++ > 0 ? ", " : "",
		    f->valuestring);
	}
	strbuf_addc(&sb, '}');
	if (extra > 0)
		vm_cause(&c, "metadata.finalizers", "FieldValueForbidden",
		    strbuf_str(&sb));
	strbuf_fini(&sb);
	return c.n > 0 ? CK_EINVALID : 0;
}
