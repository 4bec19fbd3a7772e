/*
 * table_misc.c: Table printers of policy, networking, coordination, RBAC
 * and scheduling kinds (poddisruptionbudgets, networkpolicies, leases,
 * roles and bindings, priorityclasses; apiservices as kube-aggregator), as
 * Kubernetes' printers.go prints them.
 */
#include "apiserver.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"

static void
add_owned(cJSON *cells, char *s)
{
	table_add_str(cells, s);
	free(s);
}

/* intstr.String(): "N/A" when unset. */
static void
add_intstr(cJSON *cells, const cJSON *v)
{
	char buf[32];

	if (cJSON_IsString(v))
		table_add_str(cells, v->valuestring);
	else if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)v->valuedouble);
		table_add_str(cells, buf);
	} else
		table_add_str(cells, "N/A");
}

static const struct table_col cols_pdbs[] = {
	{ "Name", "string", "name", 0 },
	{ "Min Available", "string", "", 0 },
	{ "Max Unavailable", "string", "", 0 },
	{ "Allowed Disruptions", "integer", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_pdb(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec");

	table_add_name(cells, obj);
	add_intstr(cells, cJSON_GetObjectItemCaseSensitive(spec,
	    "minAvailable"));
	add_intstr(cells, cJSON_GetObjectItemCaseSensitive(spec,
	    "maxUnavailable"));
	table_add_int(cells, table_int(json_obj(obj, "status"),
	    "disruptionsAllowed", 0));
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_netpols[] = {
	{ "Name", "string", "name", 0 },
	{ "Pod-Selector", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_netpol(const cJSON *obj, cJSON *cells, time_t now)
{
	table_add_name(cells, obj);
	add_owned(cells, table_format_selector(json_obj(json_obj(obj, "spec"),
	    "podSelector")));
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_endpointslices[] = {
	{ "Name", "string", "name", 0 },
	{ "AddressType", "string", "", 0 },
	{ "Ports", "string", "", 0 },
	{ "Endpoints", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

/* printers.go listWithMoreString: 3 items, then " + N more...". */
static void
add_list_more(cJSON *cells, struct strbuf *sb, int count)
{
	if (count > 3)
		strbuf_addf(sb, " + %d more...", count - 3);
	else if (sb->len == 0)
		strbuf_adds(sb, "<unset>");
	table_add_str(cells, strbuf_str(sb));
	strbuf_fini(sb);
}

/* formatDiscoveryPorts and formatDiscoveryEndpoints. */
static void
cells_endpointslice(const cJSON *obj, cJSON *cells, time_t now)
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *p, *ep, *a, *port;
	const char *name;
	int count = 0;

	table_add_name(cells, obj);
	table_add_str(cells, json_str(obj, "addressType"));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(obj, "ports")) {
		if (count++ >= 3)
			continue;
		port = cJSON_GetObjectItemCaseSensitive(p, "port");
		name = json_str(p, "name");
		if (sb.len > 0)
			strbuf_adds(&sb, ",");
		if (cJSON_IsNumber(port))
			strbuf_addf(&sb, "%d", port->valueint);
		else
			strbuf_adds(&sb, name != NULL ? name : "*");
	}
	add_list_more(cells, &sb, count);
	count = 0;
	cJSON_ArrayForEach(ep, cJSON_GetObjectItemCaseSensitive(obj,
	    "endpoints")) {
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(ep,
		    "addresses")) {
			if (count++ >= 3 || !cJSON_IsString(a))
				continue;
			strbuf_addf(&sb, "%s%s", sb.len > 0 ? "," : "",
			    a->valuestring);
		}
	}
	add_list_more(cells, &sb, count);
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_ingresses[] = {
	{ "Name", "string", "name", 0 },
	{ "Class", "string", "", 0 },
	{ "Hosts", "string", "", 0 },
	{ "Address", "string", "", 0 },
	{ "Ports", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

/* printIngress: formatHosts, loadBalancerStatusStringer, 80 or "80, 443". */
static void
cells_ingress(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *r, *lb;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(spec, "rules");
	struct strbuf sb = STRBUF_INIT;
	const char *cls = json_str(spec, "ingressClassName"), *h;
	int n = 0;
	bool more = false;

	table_add_name(cells, obj);
	table_add_str(cells, cls != NULL ? cls : "<none>");
	cJSON_ArrayForEach(r, rules) {
		if (n == 3)
			more = true;
		h = json_str(r, "host");
		if (!more && h != NULL && h[0] != '\0') {
			strbuf_addf(&sb, "%s%s", n > 0 ? "," : "", h);
			n++;
		}
	}
	if (n == 0)
		strbuf_adds(&sb, "*");
	else if (more)
		strbuf_addf(&sb, " + %d more...",
		    cJSON_GetArraySize(rules) - 3);
	table_add_str(cells, strbuf_str(&sb));
	strbuf_fini(&sb);
	cJSON_ArrayForEach(lb, cJSON_GetObjectItemCaseSensitive(json_obj(
	    json_obj(obj, "status"), "loadBalancer"), "ingress")) {
		h = json_str(lb, "ip") != NULL ? json_str(lb, "ip") :
		    json_str(lb, "hostname");
		if (h != NULL && h[0] != '\0')
			strbuf_addf(&sb, "%s%s", sb.len > 0 ? "," : "", h);
	}
	table_add_str(cells, strbuf_str(&sb));
	strbuf_fini(&sb);
	table_add_str(cells, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    spec, "tls")) > 0 ? "80, 443" : "80");
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_ingressclasses[] = {
	{ "Name", "string", "name", 0 },
	{ "Controller", "string", "", 0 },
	{ "Parameters", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_ingressclass(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec");
	const cJSON *p = json_obj(spec, "parameters");
	char buf[512];

	table_add_name(cells, obj);
	table_add_str(cells, json_str(spec, "controller"));
	if (p != NULL) {
		snprintf(buf, sizeof(buf), "%s%s%s/%s",
		    json_str(p, "kind") ? json_str(p, "kind") : "",
		    json_str(p, "apiGroup") ? "." : "",
		    json_str(p, "apiGroup") ? json_str(p, "apiGroup") : "",
		    json_str(p, "name") ? json_str(p, "name") : "");
		table_add_str(cells, buf);
	} else
		table_add_str(cells, "<none>");
	table_add_obj_age(cells, obj, now);
}

/* kube-aggregator's apiservice REST ConvertToTable. */
static const struct table_col cols_apiservices[] = {
	{ "Name", "string", "name", 0 },
	{ "Service", "string", "", 0 },
	{ "Available", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_apiservice(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *svc = json_obj(json_obj(obj, "spec"), "service");
	const cJSON *c;
	const char *st = "Unknown", *reason = NULL, *type;
	char buf[512];

	table_add_name(cells, obj);
	if (svc != NULL) {
		snprintf(buf, sizeof(buf), "%s/%s",
		    json_str(svc, "namespace") ? json_str(svc, "namespace") :
		    "", json_str(svc, "name") ? json_str(svc, "name") : "");
		table_add_str(cells, buf);
	} else
		table_add_str(cells, "Local");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(json_obj(obj,
	    "status"), "conditions")) {
		type = json_str(c, "type");
		if (type == NULL || strcmp(type, "Available") != 0)
			continue;
		st = json_str(c, "status") ? json_str(c, "status") : "";
		reason = json_str(c, "reason");
		break;
	}
	/* Not True with a reason: "False (MissingEndpoints)". */
	if (strcmp(st, "True") != 0 && reason != NULL && reason[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s (%s)", st, reason);
		table_add_str(cells, buf);
	} else
		table_add_str(cells, st);
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_leases[] = {
	{ "Name", "string", "name", 0 },
	{ "Holder", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_lease(const cJSON *obj, cJSON *cells, time_t now)
{
	table_add_name(cells, obj);
	table_add_str(cells, json_str(json_obj(obj, "spec"), "holderIdentity"));
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_roles[] = {
	{ "Name", "string", "name", 0 },
	{ "Created At", "string", "", 0 },
};

static void
cells_role(const cJSON *obj, cJSON *cells, time_t now)
{
	(void)now;
	table_add_name(cells, obj);
	table_add_str(cells, json_str(json_obj(obj, "metadata"),
	    "creationTimestamp"));
}

static const struct table_col cols_bindings[] = {
	{ "Name", "string", "name", 0 },
	{ "Role", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Users", "string", "", 1 },
	{ "Groups", "string", "", 1 },
	{ "ServiceAccounts", "string", "", 1 },
};

static void
cells_binding(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *ref = json_obj(obj, "roleRef"), *it;
	struct strbuf users = STRBUF_INIT, groups = STRBUF_INIT,
		      sas = STRBUF_INIT, role = STRBUF_INIT;
	const char *kind, *name, *ns;

	strbuf_addf(&role, "%s/%s", json_str(ref, "kind") ?
	    json_str(ref, "kind") : "", json_str(ref, "name") ?
	    json_str(ref, "name") : "");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(obj,
	    "subjects")) {
		kind = json_str(it, "kind");
		name = json_str(it, "name");
		ns = json_str(it, "namespace");
		if (kind == NULL || name == NULL)
			continue;
		if (strcmp(kind, "User") == 0)
			strbuf_addf(&users, "%s%s", users.len ? ", " : "",
			    name);
		else if (strcmp(kind, "Group") == 0)
			strbuf_addf(&groups, "%s%s", groups.len ? ", " : "",
			    name);
		else if (strcmp(kind, "ServiceAccount") == 0)
			strbuf_addf(&sas, "%s%s:%s", sas.len ? ", " : "",
			    ns ? ns : "", name);
	}
	table_add_name(cells, obj);
	table_add_str(cells, strbuf_str(&role));
	table_add_obj_age(cells, obj, now);
	table_add_str(cells, strbuf_str(&users));
	table_add_str(cells, strbuf_str(&groups));
	table_add_str(cells, strbuf_str(&sas));
	strbuf_fini(&users);
	strbuf_fini(&groups);
	strbuf_fini(&sas);
	strbuf_fini(&role);
}

static const struct table_col cols_priorityclasses[] = {
	{ "Name", "string", "name", 0 },
	{ "Value", "integer", "", 0 },
	{ "Global-Default", "boolean", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Preemption-Policy", "string", "", 1 },
};

static void
cells_priorityclass(const cJSON *obj, cJSON *cells, time_t now)
{
	const char *pp = json_str(obj, "preemptionPolicy");

	table_add_name(cells, obj);
	table_add_int(cells, table_int(obj, "value", 0));
	cJSON_AddItemToArray(cells, cJSON_CreateBool(cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(obj, "globalDefault"))));
	table_add_obj_age(cells, obj, now);
	table_add_str(cells, pp != NULL ? pp : "PreemptLowerPriority");
}

static const struct table_col cols_storageclasses[] = {
	{ "Name", "string", "name", 0 },
	{ "Provisioner", "string", "", 0 },
	{ "ReclaimPolicy", "string", "", 0 },
	{ "VolumeBindingMode", "string", "", 0 },
	{ "AllowVolumeExpansion", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

/* kubectl's storage printer: "standard (default)" for the default class. */
static void
cells_storageclass(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *ann = json_obj(json_obj(obj, "metadata"), "annotations");
	const char *d = json_str(ann, "storageclass.kubernetes.io/is-default-class");
	const char *rp = json_str(obj, "reclaimPolicy");
	const char *bm = json_str(obj, "volumeBindingMode");
	const char *name = json_str(json_obj(obj, "metadata"), "name");
	char buf[CK_NAME_MAX + 16];

	if (d != NULL && strcmp(d, "true") == 0) {
		snprintf(buf, sizeof(buf), "%s (default)", name ? name : "");
		table_add_str(cells, buf);
	} else
		table_add_name(cells, obj);
	table_add_str(cells, json_str(obj, "provisioner"));
	table_add_str(cells, rp != NULL ? rp : "Delete");
	table_add_str(cells, bm != NULL ? bm : "Immediate");
	table_add_str(cells, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj,
	    "allowVolumeExpansion")) ? "true" : "false");
	table_add_obj_age(cells, obj, now);
}

/* ---- resourcequotas: Request and Limit as "name: used/hard, ..." ---- */

static const struct table_col cols_quotas[] = {
	{ "Name", "string", "name", 0 },
	{ "Age", "string", "", 0 },
	{ "Request", "string", "", 0 },
	{ "Limit", "string", "", 0 },
};

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
cells_quota(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *st = json_obj(obj, "status"), *hard = json_obj(st, "hard"),
		    *used = json_obj(st, "used"), *it;
	struct strbuf req = STRBUF_INIT, lim = STRBUF_INIT, *w;
	const char **names, *u;
	size_t i, n = 0;

	names = ck_calloc((size_t)cJSON_GetArraySize(hard) + 1,
	    sizeof(*names));
	cJSON_ArrayForEach(it, hard)
		names[n++] = it->string;
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		w = strncmp(names[i], "limits.", 7) == 0 ? &lim : &req;
		u = json_str(used, names[i]);
		strbuf_addf(w, "%s%s: %s/%s", strbuf_str(w)[0] ? ", " : "",
		    names[i], u ? u : "0", json_str(hard, names[i]) ?
		    json_str(hard, names[i]) : "0");
	}
	table_add_name(cells, obj);
	table_add_obj_age(cells, obj, now);
	table_add_str(cells, strbuf_str(&req));
	table_add_str(cells, strbuf_str(&lim));
	strbuf_fini(&req);
	strbuf_fini(&lim);
	free(names);
}

/* ---- federation clusters: Name, Status, Age (section 8(b)) ---- */

static const struct table_col cols_clusters[] = {
	{ "Name", "string", "name", 0 },
	{ "Status", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

/* The condition types joined: <Type> when True, Not<Type> otherwise. */
static void
cells_cluster(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *c, *conds = cJSON_GetObjectItemCaseSensitive(
	    json_obj(obj, "status"), "conditions");
	struct strbuf sb;
	const char *type;

	table_add_name(cells, obj);
	strbuf_init(&sb);
	cJSON_ArrayForEach(c, conds) {
		type = json_str(c, "type");
		if (type == NULL)
			continue;
		if (sb.len > 0)
			strbuf_addc(&sb, ',');
		if (json_str(c, "status") == NULL ||
		    strcmp(json_str(c, "status"), "True") != 0)
			strbuf_adds(&sb, "Not");
		strbuf_adds(&sb, type);
	}
	table_add_str(cells, sb.len > 0 ? strbuf_str(&sb) :
	    "Unknown");
	strbuf_fini(&sb);
	table_add_obj_age(cells, obj, now);
}

const struct table_printer table_misc_printers[] = {
	TABLE_PRINTER("clusters", cols_clusters, cells_cluster),
	TABLE_PRINTER("apiservices", cols_apiservices, cells_apiservice),
	TABLE_PRINTER("clusterrolebindings", cols_bindings, cells_binding),
	TABLE_PRINTER("clusterroles", cols_roles, cells_role),
	TABLE_PRINTER("endpointslices", cols_endpointslices,
	    cells_endpointslice),
	TABLE_PRINTER("ingressclasses", cols_ingressclasses,
	    cells_ingressclass),
	TABLE_PRINTER("ingresses", cols_ingresses, cells_ingress),
	TABLE_PRINTER("leases", cols_leases, cells_lease),
	TABLE_PRINTER("networkpolicies", cols_netpols, cells_netpol),
	TABLE_PRINTER("poddisruptionbudgets", cols_pdbs, cells_pdb),
	TABLE_PRINTER("priorityclasses", cols_priorityclasses,
	    cells_priorityclass),
	TABLE_PRINTER("resourcequotas", cols_quotas, cells_quota),
	TABLE_PRINTER("rolebindings", cols_bindings, cells_binding),
	TABLE_PRINTER("roles", cols_roles, cells_role),
	TABLE_PRINTER("storageclasses", cols_storageclasses,
	    cells_storageclass),
	{ NULL, NULL, 0, NULL },
};
