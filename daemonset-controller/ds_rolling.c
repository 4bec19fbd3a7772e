/*
 * ds_rolling.c: the step choice of a DaemonSet rolling update, pure
 * (Kubernetes' DaemonSetsController.rollingUpdate). The manage pass
 * creates the missing pods and deletes the surplus; this only says which
 * old pods go (and, with maxSurge, which nodes get a new pod first).
 */
#include "ds.h"

#include <string.h>

#include <cJSON.h>

int64_t
ds_int_or_percent(const cJSON *v, int64_t total)
{
	const char *s;
	int64_t pct = 0;
	size_t len;

	if (cJSON_IsNumber(v))
		return v->valuedouble > 0 ? (int64_t)v->valuedouble : 0;
	if (!cJSON_IsString(v))
		return 0;
	s = v->valuestring;
	len = strlen(s);
	if (len < 2 || s[len - 1] != '%' || strspn(s, "0123456789") != len - 1)
		return 0;
	for (; *s >= '0' && *s <= '9' && pct <= 100; s++)
		pct = pct * 10 + (*s - '0');
	return (pct * total + 99) / 100;
}

/* maxSurge 0: replace old pods in place within max_unavailable. */
static size_t
plan_unavailable(const struct ds_node_state *nodes, size_t n,
    int64_t max_unavailable, enum ds_action *actions)
{
	int64_t unavailable = 0, room;
	size_t i, picked = 0;

	/* First pass: what is unavailable now; old unavailable pods go. */
	for (i = 0; i < n; i++) {
		const struct ds_node_state *s = &nodes[i];

		actions[i] = DS_KEEP;
		if (!s->ok || s->has_old == s->has_new)
			unavailable++;	/* none, or both: manage's job */
		else if (s->has_new) {
			if (!s->new_available)
				unavailable++;
		} else if (!s->old_available) {
			actions[i] = DS_DELETE_OLD;	/* down already */
			picked++;
			unavailable++;
		}
	}
	/* Then available old pods, while the budget allows. */
	room = max_unavailable - unavailable;
	for (i = 0; i < n && room > 0; i++)
		if (nodes[i].ok && nodes[i].has_old && !nodes[i].has_new &&
		    nodes[i].old_available) {
			actions[i] = DS_DELETE_OLD;
			picked++;
			room--;
		}
	return picked;
}

/* maxSurge > 0: a new pod beside the old, the old one goes when it is up. */
static size_t
plan_surge(const struct ds_node_state *nodes, size_t n, int64_t max_surge,
    enum ds_action *actions)
{
	int64_t surging = 0, room;
	size_t i, picked = 0;

	for (i = 0; i < n; i++) {
		const struct ds_node_state *s = &nodes[i];

		actions[i] = DS_KEEP;
		if (!s->ok) {
			surging++;
			continue;
		}
		if (!s->has_old)
			continue;	/* manage creates what is missing */
		if (!s->has_new) {
			if (!s->old_available) {
				actions[i] = DS_CREATE_NEW;
				picked++;
			}
			continue;
		}
		if (!s->new_available)
			surging++;	/* waiting for it */
		else {
			actions[i] = DS_DELETE_OLD;
			picked++;
		}
	}
	room = max_surge - surging;
	for (i = 0; i < n && room > 0; i++)
		if (nodes[i].ok && nodes[i].has_old && !nodes[i].has_new &&
		    nodes[i].old_available) {
			actions[i] = DS_CREATE_NEW;
			picked++;
			room--;
		}
	return picked;
}

size_t
ds_rolling_plan(const struct ds_node_state *nodes, size_t n,
    int64_t max_unavailable, int64_t max_surge, enum ds_action *actions)
{
	/* An impossible 0/0 obeys the default of one unavailable. */
	if (n > 0 && max_unavailable <= 0 && max_surge <= 0)
		max_unavailable = 1;
	if (max_surge > 0)
		return plan_surge(nodes, n, max_surge, actions);
	return plan_unavailable(nodes, n, max_unavailable, actions);
}
