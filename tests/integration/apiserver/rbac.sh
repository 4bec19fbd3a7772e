#!/usr/bin/env bash
# RBAC in ckube-apiserver --authorization-mode=RBAC, asked through SubjectAccessReview on the
# insecure port (no authentication needed): no binding -> denied; a RoleBinding to view in
# default -> list pods there only, no create, no secrets; resourceNames; system:masters; an
# aggregate-to-view ClusterRole widening view; SelfSubjectRulesReview and the insecure port's
# SelfSubjectAccessReview; the default roles and bindings created once (not duplicated by a
# restart, not restored over a user's change); roleRef immutable; a bad mode refused at start.
. "$(dirname "$0")/../../lib/lib.sh"

J='Content-Type: application/json'
RBAC=/apis/rbac.authorization.k8s.io/v1
AZ=/apis/authorization.k8s.io/v1

if "$CK_BIN/ckube-apiserver" --authorization-mode=ABAC --data-dir "$CK_TMP/bad" \
    >"$CK_TMP/bad.out" 2>&1; then
	not_ok "an unknown authorization mode is refused"
else
	check "an unknown authorization mode is refused" \
	    grep -q 'authorization mode "ABAC" is not supported' "$CK_TMP/bad.out"
fi

start_apiserver api --authorization-mode=RBAC || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts with --authorization-mode=RBAC"

# sar USER GROUPS-JSON VERB RESOURCE [NS] [NAME] [GROUP] [SUBRESOURCE]: prints allowed.
sar() {
	api POST $AZ/subjectaccessreviews -H "$J" -d "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\"$1\",\"groups\":$2,\"resourceAttributes\":{\"verb\":\"$3\",\"resource\":\"$4\",\"namespace\":\"${5:-}\",\"name\":\"${6:-}\",\"group\":\"${7:-}\",\"subresource\":\"${8:-}\"}}}" | allowed
}
# allowed: the status.allowed of a review on stdin (grep: python is slow on a loaded box).
allowed() { grep -o '"allowed":[a-z]*' | cut -d: -f2; }
A='["system:authenticated"]'

# --- the defaults
names=$(api GET $RBAC/clusterroles | json '" ".join(sorted(i["metadata"]["name"] for i in d["items"] if i["metadata"]["name"] in ("cluster-admin","admin","edit","view","system:discovery","system:basic-user","system:public-info-viewer","system:kube-scheduler","system:node","system:controller:replicaset-controller")))')
expect "default ClusterRoles exist" "admin cluster-admin edit system:basic-user system:controller:replicaset-controller system:discovery system:kube-scheduler system:node system:public-info-viewer view" "$names"
expect "labelled rbac-defaults, annotated autoupdate" "rbac-defaults true" \
    "$(api GET $RBAC/clusterroles/view | json 'd["metadata"]["labels"]["kubernetes.io/bootstrapping"]+" "+d["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"]')"
expect "cluster-admin is bound to system:masters" "ClusterRole/cluster-admin Group/system:masters" \
    "$(api GET $RBAC/clusterrolebindings/cluster-admin | json 'd["roleRef"]["kind"]+"/"+d["roleRef"]["name"]+" "+d["subjects"][0]["kind"]+"/"+d["subjects"][0]["name"]')"
expect "view aggregates aggregate-to-view" "true" \
    "$(api GET $RBAC/clusterroles/view | json 'd["aggregationRule"]["clusterRoleSelectors"][0]["matchLabels"]["rbac.authorization.k8s.io/aggregate-to-view"]')"
ncr=$(api GET $RBAC/clusterroles | json 'len(d["items"])')
ncrb=$(api GET $RBAC/clusterrolebindings | json 'len(d["items"])')

# --- alice
expect "alice with no binding: list pods denied" false "$(sar alice "$A" list pods default)"
out=$(api POST $AZ/subjectaccessreviews -H "$J" -d '{"spec":{"user":"alice","resourceAttributes":{"verb":"list","resource":"pods"}}}')
expect "the answer is 201 and not stored" "201 SubjectAccessReview" "$(code) $(echo "$out" | json 'd["kind"]')"
expect "alice may discover APIs (system:discovery)" true \
    "$(api POST $AZ/subjectaccessreviews -H "$J" -d '{"spec":{"user":"alice","groups":["system:authenticated"],"nonResourceAttributes":{"verb":"get","path":"/apis/apps/v1"}}}' | allowed)"
api POST $RBAC/namespaces/default/rolebindings -H "$J" -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"alice-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}]}' >/dev/null
expect "RoleBinding alice -> view in default created" 201 "$(code)"
expect "alice may list pods in default" true "$(sar alice "$A" list pods default)"
expect "alice may read pods/log in default" true "$(sar alice "$A" get pods default p "" log)"
expect "alice may not list pods in kube-system" false "$(sar alice "$A" list pods kube-system)"
expect "alice may not create pods in default" false "$(sar alice "$A" create pods default)"
expect "alice may not get secrets in default" false "$(sar alice "$A" get secrets default s)"
expect "alice may list deployments (apps) in default" true "$(sar alice "$A" list deployments default "" apps)"
expect "alice may not scale deployments" false "$(sar alice "$A" update deployments default d apps scale)"
reason=$(api POST $AZ/subjectaccessreviews -H "$J" -d '{"spec":{"user":"alice","resourceAttributes":{"verb":"list","resource":"pods","namespace":"default"}}}' | json 'd["status"]["reason"]')
expect "the reason names the binding" 'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" to User "alice"' "$reason"

# --- resourceNames
api POST $RBAC/namespaces/default/roles -H "$J" -d '{"metadata":{"name":"cm-one"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"],"resourceNames":["app-config"]}]}' >/dev/null
api POST $RBAC/namespaces/default/rolebindings -H "$J" -d '{"metadata":{"name":"bob-cm"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm-one"},"subjects":[{"kind":"User","name":"bob"}]}' >/dev/null
expect "resourceNames: get app-config allowed, other and list not" "true false false" \
    "$(sar bob '[]' get configmaps default app-config) $(sar bob '[]' get configmaps default other) $(sar bob '[]' list configmaps default)"

# --- system:masters
expect "system:masters may do anything" "true true" \
    "$(sar root '["system:masters"]' delete nodes "" n1) $(sar root '["system:masters"]' create secrets kube-system)"

# --- aggregation widens view
expect "view does not grant widgets yet" false "$(sar alice "$A" get widgets default w example.com)"
api POST $RBAC/clusterroles -H "$J" -d '{"metadata":{"name":"widget-viewer","labels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}},"rules":[{"apiGroups":["example.com"],"resources":["widgets"],"verbs":["get","list","watch"]}]}' >/dev/null
expect "an aggregate-to-view ClusterRole is created" 201 "$(code)"
viewrules() { api GET $RBAC/clusterroles/view | grep -c '"widgets"'; }
has_widgets() { [ "$(viewrules)" -ge 1 ]; }
check "view's stored rules get the component's (the aggregation controller)" \
    eventually -t 20 has_widgets
expect "view now grants widgets in alice's namespace" "true false" \
    "$(sar alice "$A" get widgets default w example.com) $(sar alice "$A" get widgets dev w example.com)"
api POST $RBAC/clusterrolebindings -H "$J" -d '{"metadata":{"name":"carol-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"Group","name":"admins"}]}' >/dev/null
expect "admin (aggregating edit and view) grants widgets and secrets" "true true" \
    "$(sar carol '["admins"]' get widgets dev w example.com) $(sar carol '["admins"]' delete secrets dev s)"
api DELETE $RBAC/clusterroles/widget-viewer >/dev/null
expect "deleting the component narrows view again" false "$(sar alice "$A" get widgets default w example.com)"
widgets_gone() { [ "$(viewrules)" = 0 ]; }
check "and view's stored rules lose them" eventually -t 20 widgets_gone

# --- roleRef is immutable
api PATCH $RBAC/namespaces/default/rolebindings/alice-view -H 'Content-Type: application/merge-patch+json' -d '{"roleRef":{"name":"edit"}}' >/dev/null
expect "changing roleRef: 422" 422 "$(code)"

# --- the reviews of the caller (the insecure port: everything)
out=$(api POST $AZ/selfsubjectaccessreviews -H "$J" -d '{"spec":{"resourceAttributes":{"verb":"delete","resource":"nodes"}}}')
expect "SelfSubjectAccessReview on the insecure port: allowed" "201 true" "$(code) $(echo "$out" | allowed)"
out=$(api POST $AZ/selfsubjectrulesreviews -H "$J" -d '{"spec":{"namespace":"default"}}')
expect "SelfSubjectRulesReview on the insecure port: everything" '201 ["*"] ["*"]' \
    "$(code) $(echo "$out" | json 'd["status"]["resourceRules"][0]["verbs"]') $(echo "$out" | json 'd["status"]["nonResourceRules"][0]["nonResourceURLs"]')"
out=$(api POST /apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews -H "$J" -d '{"spec":{"user":"alice","resourceAttributes":{"verb":"list","resource":"pods"}}}')
expect "LocalSubjectAccessReview: the URL's namespace" "201 true default" \
    "$(code) $(echo "$out" | allowed) $(echo "$out" | json 'd["spec"]["resourceAttributes"]["namespace"]')"
api POST $AZ/subjectaccessreviews -H "$J" -d '{"spec":{"resourceAttributes":{"verb":"list","resource":"pods"}}}' >/dev/null
expect "SubjectAccessReview without user or groups: 422" 422 "$(code)"

# --- restart: defaults not duplicated, a user's change kept
api PATCH $RBAC/clusterroles/system:basic-user -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"mine":"yes"}}}' >/dev/null
stop_apiserver
start_apiserver api --authorization-mode=RBAC || { not_ok "apiserver restarts"; exit 1; }
expect "defaults not duplicated by a restart" "$ncr $((ncrb + 1))" \
    "$(api GET $RBAC/clusterroles | json 'len(d["items"])') $(api GET $RBAC/clusterrolebindings | json 'len(d["items"])')"
expect "an existing default is left as it is" yes \
    "$(api GET $RBAC/clusterroles/system:basic-user | json 'd["metadata"]["labels"]["mine"]')"
expect "bindings survive the restart" true "$(sar alice "$A" list pods default)"
api DELETE $RBAC/clusterrolebindings/cluster-admin >/dev/null
stop_apiserver
start_apiserver api --authorization-mode=RBAC || { not_ok "apiserver restarts"; exit 1; }
expect "a deleted default is created again" 200 "$(api GET $RBAC/clusterrolebindings/cluster-admin >/dev/null; code)"
stop_apiserver
expect "apiserver stops cleanly" 0 "$?"
finish
