#!/usr/bin/env bash
# deletion.sh: the apiserver's half of cascading deletion (semantics.md
# 5(b)), no collector running: propagationPolicy and orphanDependents onto
# the orphan / foregroundDeletion finalizers, per-version defaults,
# preconditions (409), the 422s, finalizers that hold an object until an
# update removes the last one (with a DELETED watch event), and namespaces.
. "$(dirname "$0")/../../lib/lib.sh"

start_apiserver api || { not_ok "apiserver starts"; exit 1; }
J='Content-Type: application/json'
M='Content-Type: application/merge-patch+json'
NS=/api/v1/namespaces/default
cm() { api POST $NS/configmaps -H "$J" -d "{\"metadata\":{\"name\":\"$1\"${2:+,$2}}}" >/dev/null; }
fins() { api GET "$NS/$1" | json 'd["metadata"].get("finalizers")'; }
gone() { api GET "$NS/$1" >/dev/null; [ "$(code)" = 404 ]; }

# --- policies onto finalizers
cm fg
out=$(api DELETE $NS/configmaps/fg -H "$J" -d '{"propagationPolicy":"Foreground"}')
expect "Foreground: 200, kept with foregroundDeletion and deletionTimestamp" \
    '200 ["foregroundDeletion"] True 0' \
    "$(code) $(echo "$out" | json 'd["metadata"]["finalizers"]') $(echo "$out" | json 'str("deletionTimestamp" in d["metadata"])') $(echo "$out" | json 'd["metadata"]["deletionGracePeriodSeconds"]')"
expect "a kind without a spec has no generation to bump" null "$(api GET $NS/configmaps/fg | json 'd["metadata"].get("generation")')"
api POST /apis/apps/v1/namespaces/default/replicasets -H "$J" -d '{"metadata":{"name":"fgrs"},"spec":{"replicas":0,"selector":{"matchLabels":{"a":"fgrs"}},"template":{"metadata":{"labels":{"a":"fgrs"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}' >/dev/null
api DELETE /apis/apps/v1/namespaces/default/replicasets/fgrs -H "$J" -d '{"propagationPolicy":"Foreground"}' >/dev/null
expect "marking bumps generation" 2 "$(api GET /apis/apps/v1/namespaces/default/replicasets/fgrs | json 'd["metadata"]["generation"]')"
api DELETE $NS/configmaps/fg -H "$J" -d '{"propagationPolicy":"Orphan"}' >/dev/null
expect "a repeated DELETE switches Foreground to Orphan" '["orphan"]' "$(fins configmaps/fg)"
api PATCH $NS/configmaps/fg -H "$M" -d '{"metadata":{"finalizers":["orphan","example.com/x"]}}' >/dev/null
expect "no new finalizers on an object being deleted (422)" 422 "$(code)"
out=$(api PATCH $NS/configmaps/fg -H "$M" -d '{"metadata":{"finalizers":["orphan","example.com/x"]}}')
expect "the 422 message is Kubernetes'" 'True' \
    "$(echo "$out" | json 'str("no new finalizers can be added if the object is being deleted" in d["message"])')"
api DELETE $NS/configmaps/fg -H "$J" -d '{"propagationPolicy":"Background"}' >/dev/null
check "Background on a terminating object drops the GC finalizers and removes it" gone configmaps/fg

cm orph
api DELETE $NS/configmaps/orph -H "$J" -d '{"orphanDependents":true}' >/dev/null
expect "orphanDependents: true adds orphan" '["orphan"]' "$(fins configmaps/orph)"
cm casc '"finalizers":["example.com/hold"]'
api DELETE $NS/configmaps/casc -H "$J" -d '{"orphanDependents":false}' >/dev/null
expect "orphanDependents: false with a deferred removal is 202" 202 "$(code)"
cm bg
api DELETE $NS/configmaps/bg -H "$J" -d '{"propagationPolicy":"Background"}' >/dev/null
check "Background without finalizers removes at once" gone configmaps/bg
cm q
api DELETE "$NS/configmaps/q?propagationPolicy=Foreground" >/dev/null
expect "propagationPolicy as a query parameter" '["foregroundDeletion"]' "$(fins configmaps/q)"

# --- defaults per API version
cm d1
api DELETE $NS/configmaps/d1 >/dev/null
check "no options on a v1 ConfigMap: Background (gone)" gone configmaps/d1
api POST $NS/replicationcontrollers -H "$J" -d '{"metadata":{"name":"rc1"},"spec":{"replicas":0,"selector":{"a":"b"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}' >/dev/null
api DELETE $NS/replicationcontrollers/rc1 >/dev/null
expect "no options on a v1 ReplicationController: Orphan" '["orphan"]' "$(fins replicationcontrollers/rc1)"
RS=/apis/apps/v1/namespaces/default/replicasets
api POST $RS -H "$J" -d '{"metadata":{"name":"rs1"},"spec":{"replicas":0,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}' >/dev/null
api DELETE $RS/rs1 >/dev/null
api GET $RS/rs1 >/dev/null
expect "no options on an apps/v1 ReplicaSet: Background (gone)" 404 "$(code)"
cm keep '"finalizers":["foregroundDeletion"]'
api DELETE $NS/configmaps/keep >/dev/null
expect "no options keep an existing GC finalizer" '["foregroundDeletion"]' "$(fins configmaps/keep)"

# --- errors
cm e
out=$(api DELETE $NS/configmaps/e -H "$J" -d '{"orphanDependents":true,"propagationPolicy":"Orphan"}')
expect "both options: 422" "422 Invalid" "$(code) $(echo "$out" | json 'd["reason"]')"
out=$(api DELETE $NS/configmaps/e -H "$J" -d '{"propagationPolicy":"Sideways"}')
expect "unknown policy: 422 Unsupported value" "422 True" \
    "$(code) $(echo "$out" | json 'str("Unsupported value: \"Sideways\"" in d["message"])')"
out=$(api DELETE $NS/configmaps/e -H "$J" -d '{"preconditions":{"uid":"nope"}}')
expect "preconditions.uid mismatch: 409" "409 Conflict" "$(code) $(echo "$out" | json 'd["reason"]')"
out=$(api DELETE $NS/configmaps/e -H "$J" -d '{"preconditions":{"resourceVersion":"1"}}')
expect "preconditions.resourceVersion mismatch: 409" 409 "$(code)"
uid=$(api GET $NS/configmaps/e | json 'd["metadata"]["uid"]')
api DELETE $NS/configmaps/e -H "$J" -d "{\"preconditions\":{\"uid\":\"$uid\"}}" >/dev/null
expect "matching preconditions.uid deletes" 200 "$(code)"
out=$(api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"two","ownerReferences":[
 {"apiVersion":"v1","kind":"ConfigMap","name":"a","uid":"1","controller":true},
 {"apiVersion":"v1","kind":"ConfigMap","name":"b","uid":"2","controller":true}]}}')
expect "two controller references: 422" "422 True" \
    "$(code) $(echo "$out" | json 'str("Only one reference can have Controller set to true" in d["message"])')"
api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"nouid","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"a"}]}}' >/dev/null
expect "an owner reference without uid: 422" 422 "$(code)"

# --- the last finalizer removed by an update deletes, with a DELETED event
cm held '"finalizers":["example.com/hold"]'
rv=$(api GET $NS/configmaps/held | json 'd["metadata"]["resourceVersion"]')
api DELETE $NS/configmaps/held >/dev/null
curl -sN "$API_URL$NS/configmaps?watch=1&resourceVersion=$rv&fieldSelector=metadata.name%3Dheld&timeoutSeconds=5" >"$CK_TMP/w.out" &
WPID=$!
api PATCH $NS/configmaps/held -H "$M" -d '{"metadata":{"finalizers":[]}}' >/dev/null
check "removing the last finalizer removes the object" gone configmaps/held
wait $WPID
expect "the DELETED event carries the whole object" "DELETED held" \
    "$(grep DELETED "$CK_TMP/w.out" | json 'd["type"]+" "+d["object"]["metadata"]["name"]')"

# --- namespaces
api POST /api/v1/namespaces -H "$J" -d '{"metadata":{"name":"t1"}}' >/dev/null
api DELETE /api/v1/namespaces/t1 -H "$J" -d '{"propagationPolicy":"Background"}' >/dev/null
out=$(api GET /api/v1/namespaces/t1)
expect "deleted namespace: Terminating, kubernetes finalizer, deletionTimestamp" "Terminating [\"kubernetes\"] True" \
    "$(echo "$out" | json 'd["status"]["phase"]') $(echo "$out" | json 'd["spec"]["finalizers"]') $(echo "$out" | json 'str("deletionTimestamp" in d["metadata"])')"
out=$(api POST /api/v1/namespaces/t1/configmaps -H "$J" -d '{"metadata":{"name":"late"}}')
expect "creating in a terminating namespace: 403" "403 unable to create new content in namespace t1 because it is being terminated" \
    "$(code) $(echo "$out" | json 'd["message"]')"
api PUT /api/v1/namespaces/t1/finalize -H "$J" -d '{"metadata":{"name":"t1"},"spec":{"finalizers":[]}}' >/dev/null
api GET /api/v1/namespaces/t1 >/dev/null
expect "finalize with no finalizers left removes the namespace" 404 "$(code)"
finish
