/*
 * rbac.h: the RBAC authorizer's pieces, shared by the rbac_*.c files,
 * authz.c, review.c and crud.c. Rules, subjects and objects are the JSON of
 * rbac.authorization.k8s.io/v1 (PolicyRule, Subject, Role...).
 *
 * rbac_rule.c   pure: a rule against request attributes, a subject against
 *               a user, whether rules cover others (escalation), the
 *               CompactString wording of a rule.
 * rbac_cache.c  the in-memory roles and bindings: rebuilt from the store
 *               after a commit touched one of them (the commit hook bumps a
 *               generation), so a check costs no SQL; aggregated
 *               ClusterRoles get their rules there.
 * rbac_check.c  escalation prevention on writes of roles and bindings.
 * rbac_bootstrap.c  the default roles and bindings, created at start.
 */
#ifndef CKUBE_APISERVER_RBAC_H
#define CKUBE_APISERVER_RBAC_H

#include <stdbool.h>
#include <stddef.h>

#include "ckube/ck.h"
#include "auth.h"

struct cJSON;
struct ck_status;
struct store;
struct store_event;
struct api_resource;

/* ---- rbac_rule.c ---- */

/* The array member key of obj, or NULL. */
struct cJSON *rbac_json_arr(const struct cJSON *obj, const char *key);

/* RuleAllows: rule (a PolicyRule) grants a. */
bool	rbac_rule_allows(const struct cJSON *rule, const struct auth_attrs *a);
/*
 * appliesToUser: subject names user (User, Group, or ServiceAccount as
 * system:serviceaccount:NS:NAME; a ServiceAccount without namespace takes
 * binding_ns, "" for a ClusterRoleBinding).
 */
bool	rbac_subject_matches(const struct cJSON *subject,
	    const struct auth_user *user, const char *binding_ns);
/*
 * Covers: every permission of want (an array of rules) is held by some rule
 * of owner. The uncovered ones, broken down and compacted as Kubernetes
 * does, are appended to missing (an array) when it is non-NULL.
 */
bool	rbac_rules_cover(const struct cJSON *owner, const struct cJSON *want,
	    struct cJSON *missing);
/* CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
void	rbac_rule_string(const struct cJSON *rule, char *buf, size_t len);
/* Go's %q of a string array: `["a" "b"]`. */
void	rbac_go_quote_list(const struct cJSON *arr, char *buf, size_t len);

/* ---- rbac_cache.c ---- */

struct rbac;

struct rbac	*rbac_new(struct store *s);
void		 rbac_free(struct rbac *rb);
/* The commit hook's part: a write of a role or binding outdates the cache. */
void		 rbac_observe(struct rbac *rb, const struct store_event *ev);
/*
 * 1 if some binding of user grants a (why: "RBAC: allowed by ..."), 0 if
 * none (why: the resolution errors, `RBAC: clusterrole... "x" not found`,
 * or ""), negative CK_E* on a store error.
 */
int		 rbac_authorize(struct rbac *rb, const struct auth_user *user,
		    const struct auth_attrs *a, char *why, size_t whylen)
		    CK_MUST_CHECK;
/*
 * RulesFor: every rule user holds in ns (ClusterRoleBindings, then the
 * RoleBindings of ns when ns is not ""), as a new array (yours).
 */
int		 rbac_rules_for(struct rbac *rb, const struct auth_user *user,
		    const char *ns, struct cJSON **out) CK_MUST_CHECK;
/*
 * The rules of roleRef (a Role in ns or a ClusterRole; aggregated), a new
 * array (yours), or CK_ENOTFOUND.
 */
int		 rbac_role_rules(struct rbac *rb, const struct cJSON *role_ref,
		    const char *ns, struct cJSON **out) CK_MUST_CHECK;
/*
 * The clusterrole-aggregation controller's write: every ClusterRole with an
 * aggregationRule whose stored rules differ from the aggregated ones gets
 * them written (precondition: the revision read; a conflict is left to the
 * next run). *written (may be NULL): how many. 0 or a store error.
 */
int		 rbac_sync_aggregation(struct rbac *rb, int *written)
		    CK_MUST_CHECK;
/*
 * A thread running rbac_sync_aggregation after writes of ClusterRoles
 * (and once at start); rbac_stop (also in rbac_free) ends it.
 */
int		 rbac_start(struct rbac *rb) CK_MUST_CHECK;
void		 rbac_stop(struct rbac *rb);
/*
 * Aggregation, pure: the union of the current rules of the ClusterRoles (an
 * array of objects) that agg (an aggregationRule) selects, self (a name, or
 * NULL) excepted, de-duplicated; a new array (yours). The cache runs it to
 * a fixed point over every aggregated ClusterRole.
 */
struct cJSON	*rbac_aggregate(const struct cJSON *clusterroles,
		    const struct cJSON *agg, const char *self);

/* ---- rbac_check.c ---- */

/*
 * Escalation prevention before storing obj, a Role/ClusterRole (its rules
 * must be held, or verb escalate) or a RoleBinding/ClusterRoleBinding (the
 * role's rules must be held, or verb bind), written by user in ns.
 * user NULL and group system:masters are exempt. 0, or CK_EPERM with st
 * set to Kubernetes' 403.
 */
int	rbac_check_write(struct apiserver *srv, const struct auth_user *user,
	    const struct api_resource *r, const char *ns,
	    const struct cJSON *obj, struct ck_status *st) CK_MUST_CHECK;

/* ---- rbac_bootstrap.c ---- */

/*
 * Create the default ClusterRoles and ClusterRoleBindings that are missing
 * (never touching existing ones). 0 or the first error.
 */
int	rbac_bootstrap(struct apiserver *srv) CK_MUST_CHECK;
/* The i-th default object (yours) and the count; rules parsed from text. */
size_t	rbac_bootstrap_count(void);
struct cJSON *rbac_bootstrap_object(size_t i, const char **resource);

#endif
