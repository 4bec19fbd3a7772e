/*
 * table_core.c: Table printers of core v1 kinds (nodes, services, endpoints,
 * namespaces, configmaps, secrets, serviceaccounts, events, persistent
 * volumes and claims), as Kubernetes' printers.go prints them. Pods are in
 * table_pod.c, replicationcontrollers with the workloads in table_apps.c.
 */
#include "apiserver.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"

static const char *
or_str(const char *s, const char *def)
{
	return s != NULL && s[0] != '\0' ? s : def;
}

static void
add_owned(cJSON *cells, char *s)
{
	table_add_str(cells, s);
	free(s);
}

/* ---- nodes ---- */

static const struct table_col cols_nodes[] = {
	{ "Name", "string", "name", 0 },
	{ "Status", "string", "", 0 },
	{ "Roles", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Version", "string", "", 0 },
	{ "Internal-IP", "string", "", 1 },
	{ "External-IP", "string", "", 1 },
	{ "OS-Image", "string", "", 1 },
	{ "Kernel-Version", "string", "", 1 },
	{ "Container-Runtime", "string", "", 1 },
};

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* findNodeRoles: node-role.kubernetes.io/<role> and kubernetes.io/role. */
static void
node_roles(const cJSON *labels, struct strbuf *sb)
{
	static const char prefix[] = "node-role.kubernetes.io/";
	const char *roles[64];
	const cJSON *it;
	size_t n = 0, i;

	cJSON_ArrayForEach(it, labels) {
		if (n == ARRAY_SIZE(roles))
			break;
		if (strncmp(it->string, prefix, sizeof(prefix) - 1) == 0 &&
		    it->string[sizeof(prefix) - 1] != '\0')
			roles[n++] = it->string + sizeof(prefix) - 1;
		else if (strcmp(it->string, "kubernetes.io/role") == 0 &&
		    cJSON_IsString(it) && it->valuestring[0] != '\0')
			roles[n++] = it->valuestring;
	}
	qsort(roles, n, sizeof(roles[0]), str_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(roles[i], roles[i - 1]) == 0)
			continue;
		strbuf_addf(sb, "%s%s", sb->len ? "," : "", roles[i]);
	}
}

static const char *
node_address(const cJSON *status, const char *type)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(status,
	    "addresses"))
		if (json_str(it, "type") != NULL &&
		    strcmp(json_str(it, "type"), type) == 0)
			return or_str(json_str(it, "address"), "<none>");
	return "<none>";
}

static void
cells_node(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *st = json_obj(obj, "status"), *it;
	const cJSON *info = json_obj(st, "nodeInfo");
	struct strbuf sb = STRBUF_INIT;
	const char *s;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(st,
	    "conditions")) {
		if (json_str(it, "type") == NULL ||
		    strcmp(json_str(it, "type"), "Ready") != 0)
			continue;
		s = json_str(it, "status");
		strbuf_adds(&sb, s != NULL && strcmp(s, "True") == 0 ?
		    "Ready" : "NotReady");
		break;
	}
	if (sb.len == 0)
		strbuf_adds(&sb, "Unknown");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json_obj(obj,
	    "spec"), "unschedulable")))
		strbuf_adds(&sb, ",SchedulingDisabled");
	table_add_name(cells, obj);
	table_add_str(cells, strbuf_str(&sb));
	strbuf_reset(&sb);
	node_roles(json_obj(json_obj(obj, "metadata"), "labels"), &sb);
	table_add_str(cells, or_str(strbuf_str(&sb), "<none>"));
	strbuf_fini(&sb);
	table_add_obj_age(cells, obj, now);
	table_add_str(cells, json_str(info, "kubeletVersion"));
	table_add_str(cells, node_address(st, "InternalIP"));
	table_add_str(cells, node_address(st, "ExternalIP"));
	table_add_str(cells, or_str(json_str(info, "osImage"), "<unknown>"));
	table_add_str(cells, or_str(json_str(info, "kernelVersion"),
	    "<unknown>"));
	table_add_str(cells, or_str(json_str(info, "containerRuntimeVersion"),
	    "<unknown>"));
}

/* ---- services ---- */

static const struct table_col cols_services[] = {
	{ "Name", "string", "name", 0 },
	{ "Type", "string", "", 0 },
	{ "Cluster-IP", "string", "", 0 },
	{ "External-IP", "string", "", 0 },
	{ "Port(s)", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Selector", "string", "", 1 },
};

static void
join_strings(struct strbuf *sb, const cJSON *arr)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it))
			strbuf_addf(sb, "%s%s", sb->len ? "," : "",
			    it->valuestring);
}

/* getServiceExternalIP (wide: no truncation). */
static void
service_external_ip(const cJSON *spec, const cJSON *st, struct strbuf *sb)
{
	const char *type = or_str(json_str(spec, "type"), "");
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(spec,
	    "externalIPs"), *it;

	if (strcmp(type, "ClusterIP") == 0 || strcmp(type, "NodePort") == 0) {
		join_strings(sb, ext);
		if (sb->len == 0)
			strbuf_adds(sb, "<none>");
	} else if (strcmp(type, "LoadBalancer") == 0) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(
		    json_obj(st, "loadBalancer"), "ingress")) {
			if (json_str(it, "ip") != NULL)
				strbuf_addf(sb, "%s%s", sb->len ? "," : "",
				    json_str(it, "ip"));
			else if (json_str(it, "hostname") != NULL)
				strbuf_addf(sb, "%s%s", sb->len ? "," : "",
				    json_str(it, "hostname"));
		}
		join_strings(sb, ext);
		if (sb->len == 0)
			strbuf_adds(sb, "<pending>");
	} else if (strcmp(type, "ExternalName") == 0)
		strbuf_adds(sb, or_str(json_str(spec, "externalName"), ""));
	else
		strbuf_adds(sb, "<unknown>");
}

static void
cells_service(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *it;
	const cJSON *ips = cJSON_GetObjectItemCaseSensitive(spec, "clusterIPs");
	struct strbuf sb = STRBUF_INIT;
	const char *ip;
	int64_t np;

	table_add_name(cells, obj);
	table_add_str(cells, json_str(spec, "type"));
	ip = cJSON_IsString(cJSON_GetArrayItem(ips, 0)) ?
	    cJSON_GetArrayItem(ips, 0)->valuestring :
	    json_str(spec, "clusterIP");
	table_add_str(cells, or_str(ip, "<none>"));
	service_external_ip(spec, json_obj(obj, "status"), &sb);
	table_add_str(cells, strbuf_str(&sb));
	strbuf_reset(&sb);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec,
	    "ports")) {
		np = table_int(it, "nodePort", 0);
		if (sb.len)
			strbuf_addc(&sb, ',');
		if (np > 0)
			strbuf_addf(&sb, "%lld:%lld/%s",
			    (long long)table_int(it, "port", 0), (long long)np,
			    or_str(json_str(it, "protocol"), "TCP"));
		else
			strbuf_addf(&sb, "%lld/%s",
			    (long long)table_int(it, "port", 0),
			    or_str(json_str(it, "protocol"), "TCP"));
	}
	table_add_str(cells, or_str(strbuf_str(&sb), "<none>"));
	strbuf_fini(&sb);
	table_add_obj_age(cells, obj, now);
	add_owned(cells, table_format_labels(json_obj(spec, "selector")));
}

/* ---- endpoints ---- */

static const struct table_col cols_endpoints[] = {
	{ "Name", "string", "name", 0 },
	{ "Endpoints", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

/* formatEndpoints: at most 3 ip:port, then " + N more...". */
static void
format_endpoints(const cJSON *subsets, struct strbuf *sb)
{
	const cJSON *ss, *port, *addr, *ports, *addrs;
	int shown = 0, count = 0;
	bool more = false;

	if (cJSON_GetArraySize(subsets) == 0) {
		strbuf_adds(sb, "<none>");
		return;
	}
	cJSON_ArrayForEach(ss, subsets) {
		ports = cJSON_GetObjectItemCaseSensitive(ss, "ports");
		addrs = cJSON_GetObjectItemCaseSensitive(ss, "addresses");
		if (cJSON_GetArraySize(ports) == 0) {
			count += cJSON_GetArraySize(addrs);
			cJSON_ArrayForEach(addr, addrs) {
				if (shown == 3) {
					more = true;
					break;
				}
				strbuf_addf(sb, "%s%s", shown++ ? "," : "",
				    or_str(json_str(addr, "ip"), ""));
			}
			continue;
		}
		cJSON_ArrayForEach(port, ports) {
			count += cJSON_GetArraySize(addrs);
			cJSON_ArrayForEach(addr, addrs) {
				if (shown == 3) {
					more = true;
					break;
				}
				strbuf_addf(sb, "%s%s:%lld", shown++ ? "," : "",
				    or_str(json_str(addr, "ip"), ""),
				    (long long)table_int(port, "port", 0));
			}
		}
	}
	if (more)
		strbuf_addf(sb, " + %d more...", count - 3);
}

static void
cells_endpoints(const cJSON *obj, cJSON *cells, time_t now)
{
	struct strbuf sb = STRBUF_INIT;

	table_add_name(cells, obj);
	format_endpoints(cJSON_GetObjectItemCaseSensitive(obj, "subsets"), &sb);
	table_add_str(cells, strbuf_str(&sb));
	strbuf_fini(&sb);
	table_add_obj_age(cells, obj, now);
}

/* ---- namespaces, configmaps, secrets, serviceaccounts ---- */

static const struct table_col cols_namespaces[] = {
	{ "Name", "string", "name", 0 },
	{ "Status", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_namespace(const cJSON *obj, cJSON *cells, time_t now)
{
	table_add_name(cells, obj);
	table_add_str(cells, json_str(json_obj(obj, "status"), "phase"));
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_configmaps[] = {
	{ "Name", "string", "name", 0 },
	{ "Data", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_configmap(const cJSON *obj, cJSON *cells, time_t now)
{
	table_add_name(cells, obj);
	table_add_int(cells, cJSON_GetArraySize(json_obj(obj, "data")) +
	    cJSON_GetArraySize(json_obj(obj, "binaryData")));
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_secrets[] = {
	{ "Name", "string", "name", 0 },
	{ "Type", "string", "", 0 },
	{ "Data", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_secret(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *data = json_obj(obj, "data"), *it;
	int n = cJSON_GetArraySize(data);

	/* stringData is merged into data by the real server. */
	cJSON_ArrayForEach(it, json_obj(obj, "stringData"))
		if (cJSON_GetObjectItemCaseSensitive(data, it->string) == NULL)
			n++;
	table_add_name(cells, obj);
	table_add_str(cells, or_str(json_str(obj, "type"), "Opaque"));
	table_add_int(cells, n);
	table_add_obj_age(cells, obj, now);
}

static const struct table_col cols_serviceaccounts[] = {
	{ "Name", "string", "name", 0 },
	{ "Secrets", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_serviceaccount(const cJSON *obj, cJSON *cells, time_t now)
{
	table_add_name(cells, obj);
	table_add_int(cells, cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(obj, "secrets")));
	table_add_obj_age(cells, obj, now);
}

/* printPodTemplate: no Age column upstream. */
static const struct table_col cols_podtemplates[] = {
	{ "Name", "string", "name", 0 },
	{ "Containers", "string", "", 0 },
	{ "Images", "string", "", 0 },
	{ "Pod Labels", "string", "", 0 },
};

static void
cells_podtemplate(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *tmpl = json_obj(obj, "template");

	(void)now;
	table_add_name(cells, obj);
	table_add_containers(cells, cJSON_GetObjectItemCaseSensitive(
	    json_obj(tmpl, "spec"), "containers"));
	add_owned(cells, table_format_labels(json_obj(json_obj(tmpl,
	    "metadata"), "labels")));
}

/* ---- events (core v1 and events.k8s.io/v1 field names) ---- */

static const struct table_col cols_events[] = {
	{ "Last Seen", "string", "", 0 },
	{ "Type", "string", "", 0 },
	{ "Reason", "string", "", 0 },
	{ "Object", "string", "", 0 },
	{ "Subobject", "string", "", 1 },
	{ "Source", "string", "", 1 },
	{ "Message", "string", "", 0 },
	{ "First Seen", "string", "", 1 },
	{ "Count", "string", "", 1 },
	{ "Name", "string", "name", 1 },
};

static const char *
first_str(const cJSON *o, const char *a, const char *b)
{
	const char *s = json_str(o, a);

	return s != NULL && s[0] != '\0' ? s : json_str(o, b);
}

static void
cells_event(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *io = json_obj(obj, "involvedObject"), *src, *series;
	char first[32], last[32], *lower, *p;
	const char *kind, *name, *msg, *comp, *host;
	struct strbuf sb = STRBUF_INIT;
	int64_t count;
	size_t len;

	if (io == NULL)
		io = json_obj(obj, "regarding");
	table_age(first_str(obj, "firstTimestamp", "deprecatedFirstTimestamp"),
	    now, first, sizeof(first));
	if (strcmp(first, "<unknown>") == 0)
		table_age(json_str(obj, "eventTime"), now, first,
		    sizeof(first));
	table_age(first_str(obj, "lastTimestamp", "deprecatedLastTimestamp"),
	    now, last, sizeof(last));
	if (strcmp(last, "<unknown>") == 0)
		snprintf(last, sizeof(last), "%s", first);
	count = table_int(obj, "count", table_int(obj, "deprecatedCount", 0));
	series = json_obj(obj, "series");
	if (series != NULL) {
		table_age(json_str(series, "lastObservedTime"), now, last,
		    sizeof(last));
		count = table_int(series, "count", 0);
	} else if (count == 0)
		count = 1;
	kind = or_str(json_str(io, "kind"), "");
	name = json_str(io, "name");
	lower = ck_strdup(kind);
	for (p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (name != NULL && name[0] != '\0')
		strbuf_addf(&sb, "%s/%s", lower, name);
	else
		strbuf_adds(&sb, lower);
	free(lower);
	table_add_str(cells, last);
	table_add_str(cells, json_str(obj, "type"));
	table_add_str(cells, json_str(obj, "reason"));
	table_add_str(cells, strbuf_str(&sb));
	table_add_str(cells, json_str(io, "fieldPath"));
	strbuf_reset(&sb);
	src = json_obj(obj, "source");
	if (src == NULL)
		src = json_obj(obj, "deprecatedSource");
	comp = json_str(src, "component");
	host = json_str(src, "host");
	if (comp != NULL && comp[0] != '\0') {
		strbuf_adds(&sb, comp);
		if (host != NULL && host[0] != '\0')
			strbuf_addf(&sb, ", %s", host);
	} else {
		comp = first_str(obj, "reportingController",
		    "reportingComponent");
		strbuf_adds(&sb, comp != NULL ? comp : "");
		host = json_str(obj, "reportingInstance");
		if (host != NULL && host[0] != '\0')
			strbuf_addf(&sb, ", %s", host);
	}
	table_add_str(cells, strbuf_str(&sb));
	strbuf_fini(&sb);
	msg = first_str(obj, "message", "note");
	if (msg == NULL)
		msg = "";
	while (*msg == ' ' || *msg == '\n' || *msg == '\t')
		msg++;
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == ' ' || msg[len - 1] == '\n' ||
	    msg[len - 1] == '\t'))
		len--;
	lower = ck_strndup(msg, len);
	table_add_str(cells, lower);
	free(lower);
	table_add_str(cells, first);
	table_add_int(cells, count);
	table_add_name(cells, obj);
}

/* ---- persistent volumes and claims ---- */

static const struct table_col cols_pvs[] = {
	{ "Name", "string", "name", 0 },
	{ "Capacity", "string", "", 0 },
	{ "Access Modes", "string", "", 0 },
	{ "Reclaim Policy", "string", "", 0 },
	{ "Status", "string", "", 0 },
	{ "Claim", "string", "", 0 },
	{ "StorageClass", "string", "", 0 },
	{ "VolumeAttributesClass", "string", "", 0 },
	{ "Reason", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "VolumeMode", "string", "", 1 },
};

static const struct table_col cols_pvcs[] = {
	{ "Name", "string", "name", 0 },
	{ "Status", "string", "", 0 },
	{ "Volume", "string", "", 0 },
	{ "Capacity", "string", "", 0 },
	{ "Access Modes", "string", "", 0 },
	{ "StorageClass", "string", "", 0 },
	{ "VolumeAttributesClass", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "VolumeMode", "string", "", 1 },
};

/* GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order. */
static void
access_modes(const cJSON *modes, struct strbuf *sb)
{
	static const char *const full[] = { "ReadWriteOnce", "ReadOnlyMany",
		"ReadWriteMany", "ReadWriteOncePod" };
	static const char *const abbr[] = { "RWO", "ROX", "RWX", "RWOP" };
	const cJSON *it;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(full); i++)
		cJSON_ArrayForEach(it, modes)
			if (cJSON_IsString(it) &&
			    strcmp(it->valuestring, full[i]) == 0) {
				strbuf_addf(sb, "%s%s", sb->len ? "," : "",
				    abbr[i]);
				break;
			}
}

static const char *
storage_class(const cJSON *obj)
{
	const char *a = json_str(json_obj(json_obj(obj, "metadata"),
	    "annotations"), "volume.beta.kubernetes.io/storage-class");

	return a != NULL ? a : or_str(json_str(json_obj(obj, "spec"),
	    "storageClassName"), "");
}

static const char *
storage_of(const cJSON *res_list)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(res_list, "storage");

	if (cJSON_IsString(q))
		return q->valuestring;
	return "0";
}

static void
cells_pv(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *claim;
	struct strbuf sb = STRBUF_INIT;
	const char *phase = json_str(json_obj(obj, "status"), "phase");

	if (json_str(json_obj(obj, "metadata"), "deletionTimestamp") != NULL)
		phase = "Terminating";
	table_add_name(cells, obj);
	table_add_str(cells, storage_of(json_obj(spec, "capacity")));
	access_modes(cJSON_GetObjectItemCaseSensitive(spec, "accessModes"),
	    &sb);
	table_add_str(cells, strbuf_str(&sb));
	strbuf_reset(&sb);
	table_add_str(cells, json_str(spec, "persistentVolumeReclaimPolicy"));
	table_add_str(cells, phase);
	claim = json_obj(spec, "claimRef");
	if (claim != NULL)
		strbuf_addf(&sb, "%s/%s", or_str(json_str(claim, "namespace"),
		    ""), or_str(json_str(claim, "name"), ""));
	table_add_str(cells, strbuf_str(&sb));
	strbuf_fini(&sb);
	table_add_str(cells, storage_class(obj));
	table_add_str(cells, or_str(json_str(spec,
	    "volumeAttributesClassName"), "<unset>"));
	table_add_str(cells, json_str(json_obj(obj, "status"), "reason"));
	table_add_obj_age(cells, obj, now);
	table_add_str(cells, or_str(json_str(spec, "volumeMode"), "<unset>"));
}

static void
cells_pvc(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	struct strbuf sb = STRBUF_INIT;
	const char *phase = json_str(st, "phase"), *vol;

	if (json_str(json_obj(obj, "metadata"), "deletionTimestamp") != NULL)
		phase = "Terminating";
	vol = or_str(json_str(spec, "volumeName"), "");
	table_add_name(cells, obj);
	table_add_str(cells, phase);
	table_add_str(cells, vol);
	if (vol[0] != '\0') {
		table_add_str(cells, storage_of(json_obj(st, "capacity")));
		access_modes(cJSON_GetObjectItemCaseSensitive(st,
		    "accessModes"), &sb);
	} else
		table_add_str(cells, "");
	table_add_str(cells, strbuf_str(&sb));
	strbuf_fini(&sb);
	table_add_str(cells, storage_class(obj));
	table_add_str(cells, or_str(json_str(spec,
	    "volumeAttributesClassName"), "<unset>"));
	table_add_obj_age(cells, obj, now);
	table_add_str(cells, or_str(json_str(spec, "volumeMode"), "<unset>"));
}

const struct table_printer table_core_printers[] = {
	TABLE_PRINTER("configmaps", cols_configmaps, cells_configmap),
	TABLE_PRINTER("endpoints", cols_endpoints, cells_endpoints),
	TABLE_PRINTER("events", cols_events, cells_event),
	TABLE_PRINTER("namespaces", cols_namespaces, cells_namespace),
	TABLE_PRINTER("nodes", cols_nodes, cells_node),
	TABLE_PRINTER("persistentvolumeclaims", cols_pvcs, cells_pvc),
	TABLE_PRINTER("persistentvolumes", cols_pvs, cells_pv),
	TABLE_PRINTER("podtemplates", cols_podtemplates, cells_podtemplate),
	TABLE_PRINTER("secrets", cols_secrets, cells_secret),
	TABLE_PRINTER("serviceaccounts", cols_serviceaccounts,
	    cells_serviceaccount),
	TABLE_PRINTER("services", cols_services, cells_service),
	{ NULL, NULL, 0, NULL },
};
