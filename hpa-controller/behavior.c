/*
 * behavior.c: upstream horizontal.go's normalization, fed a clock. Each
 * HPA keeps its recent recommendations (the stabilization windows read
 * them: a scale-down follows the highest recommendation of the scale-down
 * window, a scale-up the lowest of the scale-up window) and its recent
 * scale events (the policies read them: a policy allows Value pods, or
 * Value percent, of change per periodSeconds, counted from the replicas
 * at the period's start; selectPolicy picks the policy allowing the most
 * change (Max), the least (Min), or none (Disabled)).
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpa.h"

static int32_t
num(const cJSON *o, const char *key, int32_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int32_t)v->valuedouble : def;
}

static void
rules_of(const cJSON *r, bool up, int32_t default_down_s,
    struct hpa_rules *out)
{
	const cJSON *ps, *p, *t, *sp;

	memset(out, 0, sizeof(*out));
	out->window_s = num(r, "stabilizationWindowSeconds",
	    up ? 0 : default_down_s);
	sp = cJSON_GetObjectItemCaseSensitive(r, "selectPolicy");
	out->select = HPA_SELECT_MAX;
	if (cJSON_IsString(sp) && strcmp(sp->valuestring, "Min") == 0)
		out->select = HPA_SELECT_MIN;
	if (cJSON_IsString(sp) && strcmp(sp->valuestring, "Disabled") == 0)
		out->select = HPA_SELECT_DISABLED;
	ps = cJSON_GetObjectItemCaseSensitive(r, "policies");
	cJSON_ArrayForEach(p, ps) {
		if (out->npolicies == ARRAY_SIZE(out->policies))
			break;
		t = cJSON_GetObjectItemCaseSensitive(p, "type");
		out->policies[out->npolicies].percent = cJSON_IsString(t) &&
		    strcmp(t->valuestring, "Percent") == 0;
		out->policies[out->npolicies].value = num(p, "value", 0);
		out->policies[out->npolicies].period_s = num(p,
		    "periodSeconds", 15);
		out->npolicies++;
	}
	if (out->npolicies > 0)
		return;
	if (up) {
		out->policies[out->npolicies++] = (struct hpa_policy){ false,
		    4, 15 };
	}
	out->policies[out->npolicies++] = (struct hpa_policy){ true, 100, 15 };
}

void
hpa_rules_from_behavior(const cJSON *behavior, int32_t default_down_s,
    struct hpa_rules *up, struct hpa_rules *down)
{
	rules_of(cJSON_GetObjectItemCaseSensitive(behavior, "scaleUp"), true,
	    default_down_s, up);
	rules_of(cJSON_GetObjectItemCaseSensitive(behavior, "scaleDown"), false,
	    default_down_s, down);
}

/* Record desired at now, replacing a sample older than both windows. */
static void
record(struct hpa_history *h, int32_t desired, int64_t now_ms,
    int64_t keep_ms)
{
	size_t i, oldest = 0;

	for (i = 0; i < h->nrecs; i++)
		if (h->recs[i].at_ms < now_ms - keep_ms) {
			h->recs[i] = (struct hpa_rec){ now_ms, desired };
			return;
		} else if (h->recs[i].at_ms < h->recs[oldest].at_ms)
			oldest = i;
	if (h->nrecs < HPA_HISTORY_MAX)
		h->recs[h->nrecs++] = (struct hpa_rec){ now_ms, desired };
	else
		h->recs[oldest] = (struct hpa_rec){ now_ms, desired };
}

/* getReplicasChangePerPeriod */
static int32_t
change_in_period(const struct hpa_event *ev, size_t n, int32_t period_s,
    int64_t now_ms)
{
	int64_t cutoff = now_ms - (int64_t)period_s * 1000;
	int32_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (ev[i].at_ms > cutoff)
			sum += ev[i].change;
	return sum;
}

/* calculateScaleUpLimitWithScalingRules */
static int32_t
scale_up_limit(const struct hpa_history *h, const struct hpa_rules *r,
    int32_t current, int64_t now_ms)
{
	int32_t result, proposed, start;
	size_t i;

	if (r->select == HPA_SELECT_DISABLED)
		return current;
	result = r->select == HPA_SELECT_MIN ? INT32_MAX : INT32_MIN;
	for (i = 0; i < r->npolicies; i++) {
		start = current - change_in_period(h->up, h->nup,
		    r->policies[i].period_s, now_ms) + change_in_period(h->down,
		    h->ndown, r->policies[i].period_s, now_ms);
		if (r->policies[i].percent)
			proposed = (int32_t)ceil((double)start * (1.0 +
			    (double)r->policies[i].value / 100.0));
		else
			proposed = start + r->policies[i].value;
		if (r->select == HPA_SELECT_MIN)
			result = proposed < result ? proposed : result;
		else
			result = proposed > result ? proposed : result;
	}
	return result;
}

/* calculateScaleDownLimitWithBehaviors */
static int32_t
scale_down_limit(const struct hpa_history *h, const struct hpa_rules *r,
    int32_t current, int64_t now_ms)
{
	int32_t result, proposed, start;
	size_t i;

	if (r->select == HPA_SELECT_DISABLED)
		return current;
	result = r->select == HPA_SELECT_MIN ? INT32_MIN : INT32_MAX;
	for (i = 0; i < r->npolicies; i++) {
		start = current - change_in_period(h->up, h->nup,
		    r->policies[i].period_s, now_ms) + change_in_period(h->down,
		    h->ndown, r->policies[i].period_s, now_ms);
		if (r->policies[i].percent)
			proposed = (int32_t)((double)start * (1.0 -
			    (double)r->policies[i].value / 100.0));
		else
			proposed = start - r->policies[i].value;
		if (r->select == HPA_SELECT_MIN)
			result = proposed > result ? proposed : result;
		else
			result = proposed < result ? proposed : result;
	}
	return result;
}

void
hpa_normalize_behavior(struct hpa_history *h, const struct hpa_rules *up,
    const struct hpa_rules *down, int32_t min, int32_t max, int32_t current,
    int32_t desired, int64_t now_ms, struct hpa_normalized *out)
{
	int64_t up_cut = now_ms - (int64_t)up->window_s * 1000;
	int64_t down_cut = now_ms - (int64_t)down->window_s * 1000;
	int32_t up_rec = desired, down_rec = desired, rec, limit, bound;
	size_t i;

	/* stabilizeRecommendationWithBehaviors */
	for (i = 0; i < h->nrecs; i++) {
		if (h->recs[i].at_ms > up_cut && h->recs[i].replicas < up_rec)
			up_rec = h->recs[i].replicas;
		if (h->recs[i].at_ms > down_cut &&
		    h->recs[i].replicas > down_rec)
			down_rec = h->recs[i].replicas;
	}
	rec = current;
	if (rec < up_rec)
		rec = up_rec;
	if (rec > down_rec)
		rec = down_rec;
	record(h, desired, now_ms, (int64_t)(up->window_s > down->window_s ?
	    up->window_s : down->window_s) * 1000);
	if (rec != desired) {
		if (desired >= current) {
			out->able_reason = "ScaleUpStabilized";
			out->able_message = "recent recommendations were lower "
			    "than current one, applying the lowest recent "
			    "recommendation";
		} else {
			out->able_reason = "ScaleDownStabilized";
			out->able_message = "recent recommendations were "
			    "higher than current one, applying the highest "
			    "recent recommendation";
		}
	} else {
		out->able_reason = "ReadyForNewScale";
		out->able_message = "recommended size matches current size";
	}

	/* convertDesiredReplicasWithBehaviorRate */
	out->replicas = rec;
	out->limit_reason = "DesiredWithinRange";
	out->limit_message = "the desired count is within the acceptable range";
	if (rec > current) {
		limit = scale_up_limit(h, up, current, now_ms);
		if (limit < current)
			limit = current;
		bound = max;
		if (bound > limit) {
			bound = limit;
			out->limit_reason = "ScaleUpLimit";
			out->limit_message = "the desired replica count is "
			    "increasing faster than the maximum scale rate";
		} else {
			out->limit_reason = "TooManyReplicas";
			out->limit_message = "the desired replica count is "
			    "more than the maximum replica count";
		}
		if (rec > bound)
			out->replicas = bound;
	} else if (rec < current) {
		limit = scale_down_limit(h, down, current, now_ms);
		if (limit > current)
			limit = current;
		bound = min;
		if (bound < limit) {
			bound = limit;
			out->limit_reason = "ScaleDownLimit";
			out->limit_message = "the desired replica count is "
			    "decreasing faster than the maximum scale rate";
		} else {
			out->limit_reason = "TooFewReplicas";
			out->limit_message = "the desired replica count is "
			    "less than the minimum replica count";
		}
		if (rec < bound)
			out->replicas = bound;
	}
	out->limited = out->replicas != rec;
	if (!out->limited) {
		out->limit_reason = "DesiredWithinRange";
		out->limit_message = "the desired count is within the "
		    "acceptable range";
	}
}

void
hpa_normalize_legacy(struct hpa_history *h, int32_t window_s, int32_t min,
    int32_t max, int32_t current, int32_t desired, int64_t now_ms,
    struct hpa_normalized *out)
{
	int64_t cut = now_ms - (int64_t)window_s * 1000;
	int32_t rec = desired, up_limit, bound;
	size_t i;

	/* stabilizeRecommendation */
	for (i = 0; i < h->nrecs; i++)
		if (h->recs[i].at_ms > cut && h->recs[i].replicas > rec)
			rec = h->recs[i].replicas;
	record(h, desired, now_ms, (int64_t)window_s * 1000);
	if (rec != desired) {
		out->able_reason = "ScaleDownStabilized";
		out->able_message = "recent recommendations were higher than "
		    "current one, applying the highest recent recommendation";
	} else {
		out->able_reason = "ReadyForNewScale";
		out->able_message = "recommended size matches current size";
	}
	/* convertDesiredReplicasWithRules */
	up_limit = current * 2 > 4 ? current * 2 : 4;
	if (max > up_limit) {
		bound = up_limit;
		out->limit_reason = "ScaleUpLimit";
		out->limit_message = "the desired replica count is increasing "
		    "faster than the maximum scale rate";
	} else {
		bound = max;
		out->limit_reason = "TooManyReplicas";
		out->limit_message = "the desired replica count is more than "
		    "the maximum replica count";
	}
	out->replicas = rec;
	if (rec < min) {
		out->replicas = min;
		out->limit_reason = "TooFewReplicas";
		out->limit_message = "the desired replica count is less than "
		    "the minimum replica count";
	} else if (rec > bound)
		out->replicas = bound;
	else {
		out->limit_reason = "DesiredWithinRange";
		out->limit_message = "the desired count is within the "
		    "acceptable range";
	}
	out->limited = out->replicas != rec;
}

/* storeScaleEvent: the events older than the longest period are reused. */
static void
add_event(struct hpa_event *ev, size_t *n, int32_t change, int64_t now_ms,
    int32_t longest_s)
{
	int64_t cut = now_ms - (int64_t)longest_s * 1000;
	size_t i, oldest = 0;

	for (i = 0; i < *n; i++) {
		if (ev[i].at_ms <= cut) {
			ev[i] = (struct hpa_event){ now_ms, change };
			return;
		}
		if (ev[i].at_ms < ev[oldest].at_ms)
			oldest = i;
	}
	if (*n < HPA_HISTORY_MAX)
		ev[(*n)++] = (struct hpa_event){ now_ms, change };
	else
		ev[oldest] = (struct hpa_event){ now_ms, change };
}

static int32_t
longest_period(const struct hpa_rules *r)
{
	int32_t l = 0;
	size_t i;

	for (i = 0; i < r->npolicies; i++)
		if (r->policies[i].period_s > l)
			l = r->policies[i].period_s;
	return l;
}

void
hpa_record_scale(struct hpa_history *h, const struct hpa_rules *up,
    const struct hpa_rules *down, int32_t prev, int32_t next, int64_t now_ms)
{
	if (next > prev)
		add_event(h->up, &h->nup, next - prev, now_ms,
		    longest_period(up));
	else if (next < prev)
		add_event(h->down, &h->ndown, prev - next, now_ms,
		    longest_period(down));
}
