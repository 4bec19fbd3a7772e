#!/usr/bin/env bash
# recreate.sh: the Recreate strategy in ckube-deployment-controller against
# a real apiserver: a changed template first scales the old ReplicaSet to
# zero, and the new one appears only once no pod of the old one runs (the
# pods cache, indexed by controller uid). The test sets ReplicaSet status
# and makes the pods itself (no replicaset-controller here).
. "$(dirname "$0")/../../lib/lib.sh"

DC=$CK_BIN/ckube-deployment-controller
if [ ! -x "$DC" ]; then
	skip "deployment-controller" "not built: $DC"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
setsid "$DC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
    --port 0 --port-file "$CK_TMP/dc.port" --v=2 >>"$CK_TMP/dc.log" 2>&1 &
DC_PID=$!
CK_PIDS+=("$DC_PID")
eventually test -s "$CK_TMP/dc.port" || not_ok "the controller writes its port"
check "the controller becomes ready" eventually curl -sf \
    "http://127.0.0.1:$(cat "$CK_TMP/dc.port" 2>/dev/null)/readyz"

J='Content-Type: application/json'
RS=/apis/apps/v1/namespaces/default/replicasets
DEP=/apis/apps/v1/namespaces/default/deployments
rs_of() { # IMAGE FIELD: a field of the ReplicaSet running IMAGE
	api GET "$RS" | json "[r$2 for r in d['items'] if r['spec']['template']['spec']['containers'][0]['image'] == '$1'][0]" 2>/dev/null
}
is() { [ "$("${@:2}")" = "$1" ]; }
# set_rs_status NAME N: the ReplicaSet's status says N pods, all available.
set_rs_status() {
	local rs
	rs=$(api GET "$RS/$1" | python3 -c "import json,sys; d=json.load(sys.stdin)
d['status']={'replicas':$2,'readyReplicas':$2,'availableReplicas':$2}
print(json.dumps(d))")
	api PUT "$RS/$1/status" -H "$J" -d "$rs" >/dev/null
}

api POST "$DEP" -H "$J" -d '{"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"db"},"spec":{"replicas":2,"strategy":{"type":"Recreate"},
  "selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},
  "spec":{"containers":[{"name":"db","image":"db:1"}]}}}}' >/dev/null
expect "create a Recreate Deployment of 2" 201 "$(code)"
check "a ReplicaSet of 2 appears" eventually is 2 rs_of db:1 "['spec']['replicas']"
old=$(rs_of db:1 "['metadata']['name']")
uid=$(rs_of db:1 "['metadata']['uid']")
set_rs_status "$old" 2
api POST /api/v1/namespaces/default/pods -H "$J" -d "{\"metadata\":{\"name\":\"db-1\",
  \"labels\":{\"app\":\"db\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",
  \"kind\":\"ReplicaSet\",\"name\":\"$old\",\"uid\":\"$uid\",\"controller\":true}]},
  \"spec\":{\"containers\":[{\"name\":\"db\",\"image\":\"db:1\"}]}}" >/dev/null
expect "a pod of the old ReplicaSet" 201 "$(code)"

api PATCH "$DEP/db" -H 'Content-Type: application/strategic-merge-patch+json' \
    -d '{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"db:2"}]}}}}' >/dev/null
expect "change the image" 200 "$(code)"
check "the old ReplicaSet is scaled to 0 first" eventually is 0 rs_of db:1 "['spec']['replicas']"
set_rs_status "$old" 0
# Its status says 0, but its pod still runs: no new ReplicaSet yet.
eventually -t 1 is 2 sh -c "curl -s '$API_URL$RS' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"items\"]))'"
expect "no new ReplicaSet while an old pod runs" 1 \
    "$(api GET "$RS" | json 'len(d["items"])')"
api DELETE /api/v1/namespaces/default/pods/db-1 >/dev/null
check "once it is gone, the new ReplicaSet gets all 2" eventually is 2 rs_of db:2 "['spec']['replicas']"
expect "and revision 2" 2 "$(rs_of db:2 "['metadata']['annotations']['deployment.kubernetes.io/revision']")"

stop_pid "$DC_PID"
expect "SIGTERM: exits 0" 0 $?
finish
