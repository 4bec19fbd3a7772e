/*
 * psa_checks.c: the Pod Security Standards checks of Kubernetes'
 * pod-security-admission (policy/check_*.go), evaluated on a pod's metadata
 * and spec as "latest": each failing check as "reason (detail)" in the
 * upstream words and order (baseline checks, then at baseline the
 * overlapping ones, at restricted the restricted ones that replace them).
 */
#include "apiserver.h"
#include "admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"

/* A list of borrowed strings: in order, or as a sorted set. */
#define NAMES_MAX	64

struct names {
	const char	*v[NAMES_MAX];
	size_t		 n;
};

static void
names_add(struct names *l, const char *s)
{
	if (s != NULL && l->n < NAMES_MAX)
		l->v[l->n++] = s;
}

/* Insert into a sorted set (sets.NewString().List()). */
static void
set_add(struct names *l, const char *s)
{
	size_t i;
	int c;

	if (s == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		c = strcmp(l->v[i], s);
		if (c == 0)
			return;
		if (c > 0)
			break;
	}
	if (l->n >= NAMES_MAX)
		return;
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(l->v[0]));
	l->v[i] = s;
	l->n++;
}

/* joinQuote: "a", "b" */
static void
join_quote(struct strbuf *sb, const struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		strbuf_addf(sb, "%s\"%s\"", i ? ", " : "", l->v[i]);
}

static void
join(struct strbuf *sb, const struct names *l, const char *sep)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		strbuf_addf(sb, "%s%s", i ? sep : "", l->v[i]);
}

static const char *
plural(const char *one, const char *many, size_t n)
{
	return n == 1 ? one : many;
}

/* visitContainers: init, app, then ephemeral containers. */
static const char *const ctr_keys[] = { "initContainers", "containers",
	"ephemeralContainers" };

#define FOR_EACH_CTR(spec, k, c) \
	for ((k) = 0; (k) < ARRAY_SIZE(ctr_keys); (k)++) \
		cJSON_ArrayForEach((c), cJSON_GetObjectItemCaseSensitive( \
		    (spec), ctr_keys[k]))

static const cJSON *
sc_of(const cJSON *c)
{
	return json_obj(c, "securityContext");
}

static const char *
cname(const cJSON *c)
{
	const char *n = json_str(c, "name");

	return n != NULL ? n : "";
}

/* One check's outcome appended to out: "reason (detail)". */
struct psa_out {
	struct strbuf	*sb;
	int		 n;
};

static void
fail(struct psa_out *o, const char *reason, const struct strbuf *detail)
{
	strbuf_addf(o->sb, "%s%s", o->n ? ", " : "", reason);
	if (detail != NULL && detail->len > 0)
		strbuf_addf(o->sb, " (%s)", strbuf_str(detail));
	o->n++;
}

/* "container \"a\"" / "containers \"a\", \"b\"" */
static void
ctr_phrase(struct strbuf *sb, const struct names *l)
{
	strbuf_addf(sb, "%s ", plural("container", "containers", l->n));
	join_quote(sb, l);
}

/* ---- baseline ---- */

static int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
apparmor_allowed(const char *v)
{
	return v[0] == '\0' || strcmp(v, "runtime/default") == 0 ||
	    ck_str_has_prefix(v, "localhost/");
}

static void
check_apparmor(const cJSON *meta, const cJSON *spec, struct psa_out *o)
{
	const cJSON *a;
	struct strbuf d = STRBUF_INIT, item = STRBUF_INIT;
	char **bad = NULL;
	size_t n = 0, i;

	(void)spec;
	cJSON_ArrayForEach(a, json_obj(meta, "annotations")) {
		if (!cJSON_IsString(a) || !ck_str_has_prefix(a->string,
		    "container.apparmor.security.beta.kubernetes.io/") ||
		    apparmor_allowed(a->valuestring))
			continue;
		strbuf_reset(&item);
		strbuf_addf(&item, "%s=\"%s\"", a->string, a->valuestring);
		bad = ck_realloc(bad, (n + 1) * sizeof(*bad));
		bad[n++] = strbuf_detach(&item, NULL);
	}
	if (n == 0)
		goto out;
	qsort(bad, n, sizeof(*bad), str_ptr_cmp);
	for (i = 0; i < n; i++)
		strbuf_addf(&d, "%s%s", i ? ", " : "", bad[i]);
	fail(o, plural("forbidden AppArmor profile",
	    "forbidden AppArmor profiles", n), &d);
out:
	for (i = 0; i < n; i++)
		free(bad[i]);
	free(bad);
	strbuf_fini(&item);
	strbuf_fini(&d);
}

static void
check_host_namespaces(const cJSON *spec, struct psa_out *o)
{
	static const char *const keys[] = { "hostIPC", "hostNetwork",
		"hostPID" };	/* sorted, as sets.List() */
	struct names l = { 0 };
	struct strbuf d = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec,
		    keys[i])))
			names_add(&l, keys[i]);
	if (l.n == 0)
		return;
	join(&d, &l, ", ");
	fail(o, "host namespaces", &d);
	strbuf_fini(&d);
}

static void
check_host_ports(const cJSON *spec, struct psa_out *o)
{
	struct names bad = { 0 }, ports = { 0 };
	char buf[NAMES_MAX][16];
	size_t k, nb = 0;
	const cJSON *c, *p, *hp;
	struct strbuf d = STRBUF_INIT;
	bool valid;

	FOR_EACH_CTR(spec, k, c) {
		valid = true;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c,
		    "ports")) {
			hp = cJSON_GetObjectItemCaseSensitive(p, "hostPort");
			if (!cJSON_IsNumber(hp) || hp->valuedouble == 0)
				continue;
			valid = false;
			if (nb < NAMES_MAX) {
				snprintf(buf[nb], sizeof(buf[nb]), "%d",
				    (int)hp->valuedouble);
				set_add(&ports, buf[nb++]);
			}
		}
		if (!valid)
			names_add(&bad, cname(c));
	}
	if (bad.n == 0)
		return;
	ctr_phrase(&d, &bad);
	strbuf_addf(&d, " %s %s ", plural("uses", "use", bad.n),
	    plural("hostPort", "hostPorts", ports.n));
	join(&d, &ports, ", ");
	fail(o, "hostPort", &d);
	strbuf_fini(&d);
}

static void
check_privileged(const cJSON *spec, struct psa_out *o)
{
	struct names bad = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *c;
	size_t k;

	FOR_EACH_CTR(spec, k, c)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc_of(c),
		    "privileged")))
			names_add(&bad, cname(c));
	if (bad.n == 0)
		return;
	ctr_phrase(&d, &bad);
	strbuf_adds(&d, " must not set securityContext.privileged=true");
	fail(o, "privileged", &d);
	strbuf_fini(&d);
}

static void
check_proc_mount(const cJSON *spec, struct psa_out *o)
{
	struct names bad = { 0 }, types = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *c;
	const char *pm;
	size_t k;

	FOR_EACH_CTR(spec, k, c) {
		pm = json_str(sc_of(c), "procMount");
		if (pm == NULL || strcmp(pm, "Default") == 0)
			continue;
		names_add(&bad, cname(c));
		set_add(&types, pm);
	}
	if (bad.n == 0)
		return;
	ctr_phrase(&d, &bad);
	strbuf_adds(&d, " must not set securityContext.procMount to ");
	join_quote(&d, &types);
	fail(o, "procMount", &d);
	strbuf_fini(&d);
}

struct selinux_state {
	struct names	types;
	bool		user, role;
};

static bool
selinux_valid(const cJSON *opts, struct selinux_state *s)
{
	static const char *const ok[] = { "", "container_t",
		"container_init_t", "container_kvm_t" };
	const char *t = json_str(opts, "type"), *v;
	bool valid = true, found = false;
	size_t i;

	if (t == NULL)
		t = "";
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		found |= strcmp(ok[i], t) == 0;
	if (!found) {
		valid = false;
		set_add(&s->types, t);
	}
	if ((v = json_str(opts, "user")) != NULL && v[0] != '\0') {
		valid = false;
		s->user = true;
	}
	if ((v = json_str(opts, "role")) != NULL && v[0] != '\0') {
		valid = false;
		s->role = true;
	}
	return valid;
}

static void
check_selinux(const cJSON *spec, struct psa_out *o)
{
	struct selinux_state s = { 0 };
	struct names setters = { 0 }, bad = { 0 }, data = { 0 };
	struct strbuf d = STRBUF_INIT, cs = STRBUF_INIT, ts = STRBUF_INIT;
	const cJSON *c, *opts;
	size_t k;

	opts = json_obj(json_obj(spec, "securityContext"), "seLinuxOptions");
	if (opts != NULL && !selinux_valid(opts, &s))
		names_add(&setters, "pod");
	FOR_EACH_CTR(spec, k, c) {
		opts = json_obj(sc_of(c), "seLinuxOptions");
		if (opts != NULL && !selinux_valid(opts, &s))
			names_add(&bad, cname(c));
	}
	if (bad.n > 0) {
		ctr_phrase(&cs, &bad);
		names_add(&setters, strbuf_str(&cs));
	}
	if (setters.n == 0)
		goto out;
	/* Upstream reports user and role only alongside a bad type. */
	if (s.types.n > 0) {
		strbuf_addf(&ts, "%s ", plural("type", "types", s.types.n));
		join_quote(&ts, &s.types);
		names_add(&data, strbuf_str(&ts));
		if (s.user)
			names_add(&data, "user may not be set");
		if (s.role)
			names_add(&data, "role may not be set");
	}
	join(&d, &setters, " and ");
	strbuf_adds(&d, " set forbidden securityContext.seLinuxOptions: ");
	join(&d, &data, "; ");
	fail(o, "seLinuxOptions", &d);
out:
	strbuf_fini(&d);
	strbuf_fini(&cs);
	strbuf_fini(&ts);
}

static void
check_sysctls(const cJSON *spec, struct psa_out *o)
{
	static const char *const ok[] = { "kernel.shm_rmid_forced",
		"net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range",
		"net.ipv4.ip_unprivileged_port_start" };
	struct names bad = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *s;
	const char *name;
	bool found;
	size_t i;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(json_obj(spec,
	    "securityContext"), "sysctls")) {
		name = json_str(s, "name");
		if (name == NULL)
			name = "";
		for (i = 0, found = false; i < ARRAY_SIZE(ok); i++)
			found |= strcmp(ok[i], name) == 0;
		if (!found)
			names_add(&bad, name);
	}
	if (bad.n == 0)
		return;
	join(&d, &bad, ", ");
	fail(o, "forbidden sysctls", &d);
	strbuf_fini(&d);
}

/* ---- baseline, replaced at restricted ---- */

static void
check_capabilities_baseline(const cJSON *spec, struct psa_out *o)
{
	static const char *const ok[] = { "AUDIT_WRITE", "CHOWN",
		"DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
		"SYS_CHROOT" };
	struct names bad = { 0 }, caps = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *c, *cap;
	bool valid, found;
	size_t k, i;

	FOR_EACH_CTR(spec, k, c) {
		valid = true;
		cJSON_ArrayForEach(cap, cJSON_GetObjectItemCaseSensitive(
		    json_obj(sc_of(c), "capabilities"), "add")) {
			if (!cJSON_IsString(cap))
				continue;
			for (i = 0, found = false; i < ARRAY_SIZE(ok); i++)
				found |= strcmp(ok[i], cap->valuestring) == 0;
			if (!found) {
				valid = false;
				set_add(&caps, cap->valuestring);
			}
		}
		if (!valid)
			names_add(&bad, cname(c));
	}
	if (bad.n == 0)
		return;
	ctr_phrase(&d, &bad);
	strbuf_adds(&d, " must not include ");
	join_quote(&d, &caps);
	strbuf_adds(&d, " in securityContext.capabilities.add");
	fail(o, "non-default capabilities", &d);
	strbuf_fini(&d);
}

static void
check_host_path(const cJSON *spec, struct psa_out *o)
{
	struct names bad = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(spec,
	    "volumes"))
		if (json_obj(v, "hostPath") != NULL)
			names_add(&bad, cname(v));
	if (bad.n == 0)
		return;
	strbuf_addf(&d, "%s ", plural("volume", "volumes", bad.n));
	join_quote(&d, &bad);
	fail(o, "hostPath volumes", &d);
	strbuf_fini(&d);
}

static bool
seccomp_valid(const char *t)
{
	return t != NULL && (strcmp(t, "RuntimeDefault") == 0 ||
	    strcmp(t, "Localhost") == 0);
}

/* restricted: also the pod or every container must set one. */
static void
check_seccomp(const cJSON *spec, bool restricted, struct psa_out *o)
{
	struct names setters = { 0 }, bad = { 0 }, implicit = { 0 },
		     values = { 0 };
	struct strbuf d = STRBUF_INIT, cs = STRBUF_INIT;
	const cJSON *prof, *c;
	const char *t;
	bool pod_set = false;
	size_t k;

	prof = json_obj(json_obj(spec, "securityContext"), "seccompProfile");
	if (prof != NULL) {
		t = json_str(prof, "type");
		if (!seccomp_valid(t)) {
			names_add(&setters, "pod");
			set_add(&values, t != NULL ? t : "");
		} else
			pod_set = true;
	}
	FOR_EACH_CTR(spec, k, c) {
		prof = json_obj(sc_of(c), "seccompProfile");
		if (prof != NULL) {
			t = json_str(prof, "type");
			if (!seccomp_valid(t)) {
				names_add(&bad, cname(c));
				set_add(&values, t != NULL ? t : "");
			}
		} else if (!pod_set)
			names_add(&implicit, cname(c));
	}
	if (bad.n > 0) {
		ctr_phrase(&cs, &bad);
		names_add(&setters, strbuf_str(&cs));
	}
	if (setters.n > 0) {
		join(&d, &setters, " and ");
		strbuf_adds(&d, " must not set securityContext.seccompProfile."
		    "type to ");
		join_quote(&d, &values);
		fail(o, "seccompProfile", &d);
	} else if (restricted && implicit.n > 0) {
		strbuf_adds(&d, "pod or ");
		ctr_phrase(&d, &implicit);
		strbuf_adds(&d, " must set securityContext.seccompProfile.type "
		    "to \"RuntimeDefault\" or \"Localhost\"");
		fail(o, "seccompProfile", &d);
	}
	strbuf_fini(&d);
	strbuf_fini(&cs);
}

/* ---- restricted ---- */

static void
check_allow_privilege_escalation(const cJSON *spec, struct psa_out *o)
{
	struct names bad = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *c, *ape;
	size_t k;

	FOR_EACH_CTR(spec, k, c) {
		ape = cJSON_GetObjectItemCaseSensitive(sc_of(c),
		    "allowPrivilegeEscalation");
		if (!cJSON_IsFalse(ape))
			names_add(&bad, cname(c));
	}
	if (bad.n == 0)
		return;
	ctr_phrase(&d, &bad);
	strbuf_adds(&d, " must set securityContext.allowPrivilegeEscalation="
	    "false");
	fail(o, "allowPrivilegeEscalation != false", &d);
	strbuf_fini(&d);
}

static void
check_capabilities_restricted(const cJSON *spec, struct psa_out *o)
{
	struct names nodrop = { 0 }, adding = { 0 }, caps = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *c, *capo, *cap;
	bool dropped, added;
	size_t k;

	FOR_EACH_CTR(spec, k, c) {
		capo = json_obj(sc_of(c), "capabilities");
		if (capo == NULL) {
			names_add(&nodrop, cname(c));
			continue;
		}
		dropped = false;
		cJSON_ArrayForEach(cap, cJSON_GetObjectItemCaseSensitive(capo,
		    "drop"))
			dropped |= cJSON_IsString(cap) &&
			    strcmp(cap->valuestring, "ALL") == 0;
		if (!dropped)
			names_add(&nodrop, cname(c));
		added = false;
		cJSON_ArrayForEach(cap, cJSON_GetObjectItemCaseSensitive(capo,
		    "add")) {
			if (!cJSON_IsString(cap) || strcmp(cap->valuestring,
			    "NET_BIND_SERVICE") == 0)
				continue;
			added = true;
			set_add(&caps, cap->valuestring);
		}
		if (added)
			names_add(&adding, cname(c));
	}
	if (nodrop.n > 0) {
		ctr_phrase(&d, &nodrop);
		strbuf_adds(&d, " must set securityContext.capabilities.drop="
		    "[\"ALL\"]");
	}
	if (adding.n > 0) {
		if (d.len > 0)
			strbuf_adds(&d, "; ");
		ctr_phrase(&d, &adding);
		strbuf_adds(&d, " must not include ");
		join_quote(&d, &caps);
		strbuf_adds(&d, " in securityContext.capabilities.add");
	}
	if (d.len > 0)
		fail(o, "unrestricted capabilities", &d);
	strbuf_fini(&d);
}

static void
check_restricted_volumes(const cJSON *spec, struct psa_out *o)
{
	static const char *const ok[] = { "configMap", "csi", "downwardAPI",
		"emptyDir", "ephemeral", "persistentVolumeClaim", "projected",
		"secret" };
	struct names bad = { 0 }, types = { 0 };
	struct strbuf d = STRBUF_INIT;
	const cJSON *v, *f;
	const char *type;
	bool allowed;
	size_t i;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(spec,
	    "volumes")) {
		allowed = false;
		type = NULL;
		cJSON_ArrayForEach(f, v) {
			if (strcmp(f->string, "name") == 0 || cJSON_IsNull(f))
				continue;
			for (i = 0; i < ARRAY_SIZE(ok); i++)
				allowed |= strcmp(ok[i], f->string) == 0;
			if (type == NULL)
				type = f->string;
		}
		if (allowed)
			continue;
		names_add(&bad, cname(v));
		set_add(&types, type != NULL ? type : "unknown");
	}
	if (bad.n == 0)
		return;
	strbuf_addf(&d, "%s ", plural("volume", "volumes", bad.n));
	join_quote(&d, &bad);
	strbuf_addf(&d, " %s %s ", plural("uses", "use", bad.n),
	    plural("restricted volume type", "restricted volume types",
	    types.n));
	join_quote(&d, &types);
	fail(o, "restricted volume types", &d);
	strbuf_fini(&d);
}

/*
 * runAsNonRoot (want true: "must not set ...=false" / "pod or containers
 * must set ...=true") and runAsUser (0 forbidden).
 */
static void
check_run_as_non_root(const cJSON *spec, struct psa_out *o)
{
	struct names setters = { 0 }, bad = { 0 }, implicit = { 0 };
	struct strbuf d = STRBUF_INIT, cs = STRBUF_INIT;
	const cJSON *v, *c;
	bool pod_ok = false;
	size_t k;

	v = cJSON_GetObjectItemCaseSensitive(json_obj(spec, "securityContext"),
	    "runAsNonRoot");
	if (cJSON_IsFalse(v))
		names_add(&setters, "pod");
	else if (cJSON_IsTrue(v))
		pod_ok = true;
	FOR_EACH_CTR(spec, k, c) {
		v = cJSON_GetObjectItemCaseSensitive(sc_of(c), "runAsNonRoot");
		if (cJSON_IsBool(v)) {
			if (cJSON_IsFalse(v))
				names_add(&bad, cname(c));
		} else if (!pod_ok)
			names_add(&implicit, cname(c));
	}
	if (bad.n > 0) {
		ctr_phrase(&cs, &bad);
		names_add(&setters, strbuf_str(&cs));
	}
	if (setters.n > 0) {
		join(&d, &setters, " and ");
		strbuf_adds(&d, " must not set securityContext.runAsNonRoot="
		    "false");
		fail(o, "runAsNonRoot != true", &d);
	} else if (implicit.n > 0) {
		strbuf_adds(&d, "pod or ");
		ctr_phrase(&d, &implicit);
		strbuf_adds(&d, " must set securityContext.runAsNonRoot=true");
		fail(o, "runAsNonRoot != true", &d);
	}
	strbuf_fini(&d);
	strbuf_fini(&cs);
}

static bool
is_zero(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble == 0;
}

static void
check_run_as_user(const cJSON *spec, struct psa_out *o)
{
	struct names setters = { 0 }, bad = { 0 };
	struct strbuf d = STRBUF_INIT, cs = STRBUF_INIT;
	const cJSON *c;
	size_t k;

	if (is_zero(cJSON_GetObjectItemCaseSensitive(json_obj(spec,
	    "securityContext"), "runAsUser")))
		names_add(&setters, "pod");
	FOR_EACH_CTR(spec, k, c)
		if (is_zero(cJSON_GetObjectItemCaseSensitive(sc_of(c),
		    "runAsUser")))
			names_add(&bad, cname(c));
	if (bad.n > 0) {
		ctr_phrase(&cs, &bad);
		names_add(&setters, strbuf_str(&cs));
	}
	if (setters.n > 0) {
		join(&d, &setters, " and ");
		strbuf_adds(&d, " must not set runAsUser=0");
		fail(o, "runAsUser=0", &d);
	}
	strbuf_fini(&d);
	strbuf_fini(&cs);
}

int
psa_evaluate(enum psa_level level, const cJSON *meta, const cJSON *spec,
    struct strbuf *out)
{
	struct psa_out o = { out, 0 };

	if (level == PSA_PRIVILEGED)
		return 0;
	check_apparmor(meta, spec, &o);
	check_host_namespaces(spec, &o);
	check_host_ports(spec, &o);
	check_privileged(spec, &o);
	check_proc_mount(spec, &o);
	check_selinux(spec, &o);
	check_sysctls(spec, &o);
	if (level == PSA_BASELINE) {
		check_capabilities_baseline(spec, &o);
		check_host_path(spec, &o);
		check_seccomp(spec, false, &o);
		return o.n;
	}
	check_allow_privilege_escalation(spec, &o);
	check_capabilities_restricted(spec, &o);
	check_restricted_volumes(spec, &o);
	check_run_as_non_root(spec, &o);
	check_run_as_user(spec, &o);
	check_seccomp(spec, true, &o);
	return o.n;
}
