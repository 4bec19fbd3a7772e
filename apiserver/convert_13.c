/*
 * convert_13.c: the fields that differ between the 1.3 versions and the
 * stored ones: the selector the old extensions/apps versions defaulted from
 * the template labels, and the PDB's boolean status.disruptionAllowed of
 * policy/v1alpha1 (disruptionsAllowed > 0 in policy/v1).
 */
#include "apiserver.h"
#include "convert.h"

#include <string.h>

#include <cJSON.h>

/* convert_edge.c's hooks */
void	convert_13_selector_in(cJSON *obj);
void	convert_13_daemonset_in(cJSON *obj);
void	convert_13_petset_in(cJSON *obj);
void	convert_13_pdb_in(cJSON *obj);
void	convert_13_pdb_out(cJSON *obj);

/* An absent selector is the template's labels (v1alpha1, v1beta1). */
void
convert_13_selector_in(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *labels, *sel;

	if (spec == NULL || json_obj(spec, "selector") != NULL)
		return;
	labels = json_obj(json_obj(json_obj(spec, "template"), "metadata"),
	    "labels");
	if (labels == NULL || cJSON_GetArraySize(labels) == 0)
		return;
	sel = json_ensure_obj(spec, "selector");
	cJSON_AddItemToObject(sel, "matchLabels", cJSON_Duplicate(labels, 1));
}

/*
 * extensions/v1beta1 DaemonSets default to OnDelete (1.3 never replaced a
 * daemon pod when the template changed; the 1.6 version made it explicit).
 */
void
convert_13_daemonset_in(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec");

	convert_13_selector_in(obj);
	if (spec != NULL && json_obj(spec, "updateStrategy") == NULL)
		json_set_str(json_ensure_obj(spec, "updateStrategy"), "type",
		    "OnDelete");
}

/*
 * A PetSet also marks the stored object, so that the petset-controller
 * stamps the 1.3 hostname/subdomain annotations on its pets.
 */
void
convert_13_petset_in(cJSON *obj)
{
	cJSON *ann = json_ensure_obj(json_ensure_obj(obj, "metadata"),
	    "annotations");

	convert_13_selector_in(obj);
	json_set_str(ann, "apps.ckube.io/created-as", "PetSet");
}

void
convert_13_pdb_in(cJSON *obj)
{
	cJSON *st = json_obj(obj, "status");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(st,
	    "disruptionAllowed");

	if (st == NULL || !cJSON_IsBool(b))
		return;
	json_set_num(st, "disruptionsAllowed", cJSON_IsTrue(b) ? 1 : 0);
	json_del(st, "disruptionAllowed");
}

void
convert_13_pdb_out(cJSON *obj)
{
	cJSON *st = json_obj(obj, "status");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(st,
	    "disruptionsAllowed");
	bool allowed = cJSON_IsNumber(n) && n->valuedouble > 0;

	if (st == NULL)
		return;
	/* 1.3's status had the boolean and the three counts only. */
	json_del(st, "disruptionsAllowed");
	json_del(st, "disruptedPods");
	json_del(st, "observedGeneration");
	json_del(st, "conditions");
	cJSON_AddBoolToObject(st, "disruptionAllowed", allowed);
}
