#!/usr/bin/env bash
# replicaset.sh: ckube-replicaset-controller against a real apiserver: a
# ReplicaSet of 3 gets 3 pods and (once the test marks them Running and
# Ready, as no kubelet runs here) readyReplicas 3; scaling to 5 and to 2; a
# deleted pod is replaced; a killed and restarted controller converges with
# no duplicates; a ReplicationController and its scale subresource; an
# orphan older than its ReplicaSet is adopted.
. "$(dirname "$0")/../../lib/lib.sh"

RSC=$CK_BIN/ckube-replicaset-controller
if [ ! -x "$RSC" ]; then
	skip "replicaset-controller" "not built: $RSC"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
start_rsc() {
	rm -f "$CK_TMP/rsc.port"
	setsid "$RSC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
	    --port 0 --port-file "$CK_TMP/rsc.port" --v=2 >>"$CK_TMP/rsc.log" 2>&1 &
	RSC_PID=$!
	CK_PIDS+=("$RSC_PID")
	eventually test -s "$CK_TMP/rsc.port" &&
	    eventually curl -sf "http://127.0.0.1:$(cat "$CK_TMP/rsc.port")/readyz"
}
check "the controller becomes ready" start_rsc

J='Content-Type: application/json'
M='Content-Type: application/merge-patch+json'
RS=/apis/apps/v1/namespaces/default/replicasets
RC=/api/v1/namespaces/default/replicationcontrollers
PODS=/api/v1/namespaces/default/pods
# npods APP: pods labelled app=APP that are not being deleted.
npods() {
	api GET "$PODS?labelSelector=app%3D$1" |
	    json "len([p for p in d['items'] if 'deletionTimestamp' not in p['metadata']])"
}
is() { [ "$("${@:2}")" = "$1" ]; }
# ready_all APP: every pod of APP is Running and Ready with an IP.
ready_all() {
	api GET "$PODS?labelSelector=app%3D$1" | python3 -c '
import json, sys, subprocess
d = json.load(sys.stdin)
for i, p in enumerate(d["items"]):
    if p.get("status", {}).get("phase") == "Running":
        continue
    p["status"] = {"phase": "Running", "podIP": "10.1.0.%d" % (i + 1),
        "conditions": [{"type": "Ready", "status": "True"}]}
    subprocess.run(["curl", "-sf", "-o", "/dev/null", "-X", "PUT", "-H",
        "Content-Type: application/json", "-d", json.dumps(p),
        sys.argv[1] + "/api/v1/namespaces/default/pods/" +
        p["metadata"]["name"] + "/status"], check=True)' "$API_URL"
}
rs_field() { api GET "$RS/web" | json "d$1" 2>/dev/null; }

api POST "$RS" -H "$J" -d '{"apiVersion":"apps/v1","kind":"ReplicaSet",
  "metadata":{"name":"web"},"spec":{"replicas":3,
  "selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
  "spec":{"containers":[{"name":"c","image":"nginx"}]}}}}' >/dev/null
expect "create a ReplicaSet of 3" 201 "$(code)"
check "it gets 3 pods" eventually is 3 npods web
name=$(api GET "$PODS?labelSelector=app%3Dweb" | json "d['items'][0]['metadata']['name']")
check "named web-xxxxx" python3 -c "import re,sys; sys.exit(not re.fullmatch(r'web-[a-z0-9]{5}', '$name'))"
ready_all web
check "status.readyReplicas becomes 3" eventually is 3 rs_field "['status']['readyReplicas']"
expect "status.replicas 3" 3 "$(rs_field "['status']['replicas']")"

api PATCH "$RS/web" -H "$M" -d '{"spec":{"replicas":5}}' >/dev/null
check "scaled to 5" eventually is 5 npods web
api PATCH "$RS/web" -H "$M" -d '{"spec":{"replicas":2}}' >/dev/null
check "scaled down to 2" eventually is 2 npods web
ready_all web

victim=$(api GET "$PODS?labelSelector=app%3Dweb" | json "d['items'][0]['metadata']['name']")
api DELETE "$PODS/$victim?gracePeriodSeconds=0" >/dev/null
# replaced NAME: 2 live pods again, and NAME is not one of them.
replaced() {
	[ "$(npods web)" = 2 ] && ! api GET "$PODS?labelSelector=app%3Dweb" |
	    json "[p['metadata']['name'] for p in d['items'] if 'deletionTimestamp' not in p['metadata']]" |
	    grep -q "$1"
}
check "a deleted pod is replaced" eventually replaced "$victim"

kill -KILL -- "-$RSC_PID" 2>/dev/null
{ wait "$RSC_PID"; } 2>/dev/null || true
api PATCH "$RS/web" -H "$M" -d '{"spec":{"replicas":4}}' >/dev/null
check "the controller restarts" start_rsc
check "and converges to 4" eventually is 4 npods web
eventually -t 1 false
expect "with no duplicates" 4 "$(npods web)"

# A scheduled orphan: the unscheduled pods of the ReplicaSet go first.
api POST "$PODS" -H "$J" -d '{"metadata":{"name":"stray","labels":{"app":"web"}},
  "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]}}' >/dev/null
owner_of() {
	api GET "$PODS/$1" | json "d['metadata']['ownerReferences'][0]['name']"
}
check "a matching orphan is adopted" eventually is web owner_of stray
check "and the surplus deleted" eventually is 4 npods web
api PATCH "$PODS/stray" -H "$M" -d '{"metadata":{"labels":{"app":"gone"}}}' \
    >/dev/null
no_owner() {
	api GET "$PODS/$1" | json "'ownerReferences' in d['metadata']"
}
check "a pod that stops matching is released" eventually is false no_owner stray
check "and replaced" eventually is 4 npods web

api POST "$RC" -H "$J" -d '{"apiVersion":"v1","kind":"ReplicationController",
  "metadata":{"name":"old"},"spec":{"replicas":2,"selector":{"app":"old"},
  "template":{"metadata":{"labels":{"app":"old"}},
  "spec":{"containers":[{"name":"c","image":"nginx"}]}}}}' >/dev/null
expect "create a ReplicationController of 2" 201 "$(code)"
check "it gets 2 pods" eventually is 2 npods old
expect "its scale says 2" 2 "$(api GET "$RC/old/scale" | json "d['spec']['replicas']")"
expect "and the selector" "app=old" "$(api GET "$RC/old/scale" | json "d['status']['selector']")"
api PATCH "$RC/old/scale" -H "$M" -d '{"spec":{"replicas":1}}' >/dev/null
expect "patch its scale" 200 "$(code)"
check "it goes down to 1" eventually is 1 npods old

# An orphan older than its owner: the controller never cached it (it caches
# only the pods an owner controls or selects) and fills it in before the
# owner's first sync, which adopts it rather than creating a pod.
api POST "$PODS" -H "$J" -d '{"metadata":{"name":"early","labels":{"app":"late"}},
  "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]}}' >/dev/null
early_uid=$(api GET "$PODS/early" | json "d['metadata']['uid']")
api POST "$RS" -H "$J" -d '{"apiVersion":"apps/v1","kind":"ReplicaSet",
  "metadata":{"name":"late"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"late"}},
  "template":{"metadata":{"labels":{"app":"late"}},
  "spec":{"containers":[{"name":"c","image":"nginx"}]}}}}' >/dev/null
check "a ReplicaSet adopts an orphan older than it" eventually is late owner_of early
expect "the same pod" "$early_uid" "$(api GET "$PODS/early" | json "d['metadata']['uid']")"
eventually -t 1 false
expect "and creates none" 1 "$(npods late)"

stop_pid "$RSC_PID"
expect "SIGTERM: exits 0" 0 $?
finish
