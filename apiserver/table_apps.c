/*
 * table_apps.c: Table printers of the workloads (deployments, replicasets,
 * replicationcontrollers, statefulsets, daemonsets, controllerrevisions), as
 * Kubernetes' printers.go prints them, wide Containers/Images/Selector
 * cells included.
 */
#include "apiserver.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static void
add_owned(cJSON *cells, char *s)
{
	table_add_str(cells, s);
	free(s);
}

static const struct table_col cols_deployments[] = {
	{ "Name", "string", "name", 0 },
	{ "Ready", "string", "", 0 },
	{ "Up-to-date", "integer", "", 0 },
	{ "Available", "integer", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static void
cells_deployment(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	char buf[48], *sel;

	table_add_name(cells, obj);
	snprintf(buf, sizeof(buf), "%lld/%lld",
	    (long long)table_int(st, "readyReplicas", 0),
	    (long long)table_int(spec, "replicas", 1));
	table_add_str(cells, buf);
	table_add_int(cells, table_int(st, "updatedReplicas", 0));
	table_add_int(cells, table_int(st, "availableReplicas", 0));
	table_add_obj_age(cells, obj, now);
	table_add_containers(cells, table_template_containers(spec));
	/* Deployments print selector.String(): "" rather than <none>. */
	sel = table_format_selector(json_obj(spec, "selector"));
	table_add_str(cells, sel[0] == '<' ? "" : sel);
	free(sel);
}

static const struct table_col cols_replicasets[] = {
	{ "Name", "string", "name", 0 },
	{ "Desired", "integer", "", 0 },
	{ "Current", "integer", "", 0 },
	{ "Ready", "integer", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static void
cells_replicas(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");

	table_add_name(cells, obj);
	table_add_int(cells, table_int(spec, "replicas", 1));
	table_add_int(cells, table_int(st, "replicas", 0));
	table_add_int(cells, table_int(st, "readyReplicas", 0));
	table_add_obj_age(cells, obj, now);
	table_add_containers(cells, table_template_containers(spec));
}

static void
cells_replicaset(const cJSON *obj, cJSON *cells, time_t now)
{
	cells_replicas(obj, cells, now);
	add_owned(cells, table_format_selector(json_obj(json_obj(obj, "spec"),
	    "selector")));
}

/* A ReplicationController's selector is a plain map. */
static void
cells_rc(const cJSON *obj, cJSON *cells, time_t now)
{
	cells_replicas(obj, cells, now);
	add_owned(cells, table_format_labels(json_obj(json_obj(obj, "spec"),
	    "selector")));
}

static const struct table_col cols_statefulsets[] = {
	{ "Name", "string", "name", 0 },
	{ "Ready", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
};

static void
cells_statefulset(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	char buf[48];

	table_add_name(cells, obj);
	snprintf(buf, sizeof(buf), "%lld/%lld",
	    (long long)table_int(st, "readyReplicas", 0),
	    (long long)table_int(spec, "replicas", 1));
	table_add_str(cells, buf);
	table_add_obj_age(cells, obj, now);
	table_add_containers(cells, table_template_containers(spec));
}

static const struct table_col cols_daemonsets[] = {
	{ "Name", "string", "name", 0 },
	{ "Desired", "integer", "", 0 },
	{ "Current", "integer", "", 0 },
	{ "Ready", "integer", "", 0 },
	{ "Up-to-date", "integer", "", 0 },
	{ "Available", "integer", "", 0 },
	{ "Node Selector", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static void
cells_daemonset(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");

	table_add_name(cells, obj);
	table_add_int(cells, table_int(st, "desiredNumberScheduled", 0));
	table_add_int(cells, table_int(st, "currentNumberScheduled", 0));
	table_add_int(cells, table_int(st, "numberReady", 0));
	table_add_int(cells, table_int(st, "updatedNumberScheduled", 0));
	table_add_int(cells, table_int(st, "numberAvailable", 0));
	add_owned(cells, table_format_labels(json_obj(json_obj(json_obj(spec,
	    "template"), "spec"), "nodeSelector")));
	table_add_obj_age(cells, obj, now);
	table_add_containers(cells, table_template_containers(spec));
	add_owned(cells, table_format_selector(json_obj(spec, "selector")));
}

static const struct table_col cols_revisions[] = {
	{ "Name", "string", "name", 0 },
	{ "Controller", "string", "", 0 },
	{ "Revision", "integer", "", 0 },
	{ "Age", "string", "", 0 },
};

static void
cells_revision(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *it;
	char buf[CK_NAME_MAX * 2] = "<none>";
	const char *k, *n, *av;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(json_obj(obj,
	    "metadata"), "ownerReferences")) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "controller")))
			continue;
		k = json_str(it, "kind");
		n = json_str(it, "name");
		av = json_str(it, "apiVersion");
		/* kind.group/name, as the GroupKind's String() is. */
		if (av != NULL && strchr(av, '/') != NULL)
			snprintf(buf, sizeof(buf), "%s.%.*s/%s", k ? k : "",
			    (int)(strchr(av, '/') - av), av, n ? n : "");
		else
			snprintf(buf, sizeof(buf), "%s/%s", k ? k : "",
			    n ? n : "");
		break;
	}
	table_add_name(cells, obj);
	table_add_str(cells, buf);
	table_add_int(cells, table_int(obj, "revision", 0));
	table_add_obj_age(cells, obj, now);
}

const struct table_printer table_apps_printers[] = {
	TABLE_PRINTER("controllerrevisions", cols_revisions, cells_revision),
	TABLE_PRINTER("daemonsets", cols_daemonsets, cells_daemonset),
	TABLE_PRINTER("deployments", cols_deployments, cells_deployment),
	TABLE_PRINTER("replicasets", cols_replicasets, cells_replicaset),
	TABLE_PRINTER("replicationcontrollers", cols_replicasets, cells_rc),
	TABLE_PRINTER("statefulsets", cols_statefulsets, cells_statefulset),
	{ NULL, NULL, 0, NULL },
};
