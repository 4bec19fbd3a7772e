#!/usr/bin/env bash
# rollout.sh: ckube-deployment-controller against a real apiserver, driven
# by the real kubectl: a Deployment of 3 gets a ReplicaSet of 3, `kubectl
# set image` rolls out through a second one, `kubectl rollout undo` returns
# to the first, `kubectl rollout status` sees each finish. With no
# replicaset-controller here, a small loop plays it: it sets each
# ReplicaSet's status (replicas, ready, available) to its spec.
. "$(dirname "$0")/../../lib/lib.sh"

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
DC=$CK_BIN/ckube-deployment-controller
if [ ! -x "$DC" ]; then
	skip "deployment-controller" "not built: $DC"
	exit 0
fi
if [ ! -x "$KUBECTL" ]; then
	skip "deployment-controller with kubectl" "no $KUBECTL"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
k() { "$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" "$@"; }

setsid "$DC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
    --port 0 --port-file "$CK_TMP/dc.port" --v=2 >>"$CK_TMP/dc.log" 2>&1 &
DC_PID=$!
CK_PIDS+=("$DC_PID")
eventually test -s "$CK_TMP/dc.port" || not_ok "the controller writes its port"
DC_URL=http://127.0.0.1:$(cat "$CK_TMP/dc.port" 2>/dev/null)
check "the controller becomes ready" eventually curl -sf "$DC_URL/readyz"

# rs_status_sync: one pass of the stand-in replicaset-controller.
RS=/apis/apps/v1/namespaces/default/replicasets
rs_status_sync() {
	API_URL=$API_URL RS=$RS python3 - <<'PY'
import json, os, urllib.request
base = os.environ["API_URL"] + os.environ["RS"]
items = json.load(urllib.request.urlopen(base))["items"]
for rs in items:
    n = rs["spec"].get("replicas", 1)
    want = {"replicas": n, "readyReplicas": n, "availableReplicas": n,
            "fullyLabeledReplicas": n,
            "observedGeneration": rs["metadata"].get("generation", 1)}
    if all(rs.get("status", {}).get(k) == v for k, v in want.items()):
        continue
    rs["status"] = want
    req = urllib.request.Request(base + "/" + rs["metadata"]["name"] + "/status",
        data=json.dumps(rs).encode(), method="PUT",
        headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError:
        pass
PY
}

# rs_replicas IMAGE: spec.replicas of the ReplicaSet running IMAGE.
rs_replicas() {
	api GET "$RS" | json "[r['spec']['replicas'] for r in d['items'] if r['spec']['template']['spec']['containers'][0]['image'] == '$1'][0]" 2>/dev/null
}
rs_revision() {
	api GET "$RS" | json "[r['metadata']['annotations']['deployment.kubernetes.io/revision'] for r in d['items'] if r['spec']['template']['spec']['containers'][0]['image'] == '$1'][0]" 2>/dev/null
}
rs_count() { api GET "$RS" | json 'len(d["items"])'; }
is() { [ "$("${@:2}")" = "$1" ]; }

# roll_until CMD...: play the replicaset-controller until CMD holds.
roll_until() {

	for _ in $(seq 100); do
		rs_status_sync
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# (kubectl create deployment would send protobuf: create -f sends JSON.)
cat >"$CK_TMP/web.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1
Y
# rollout_status: kubectl rollout status (watching) while the stand-in
# replicaset-controller keeps running beside it.
rollout_status() {
	local loop rc
	(while :; do rs_status_sync; sleep 0.2; done) &
	loop=$!
	k rollout status deployment/web --timeout=20s 2>&1
	rc=$?
	kill "$loop" 2>/dev/null
	wait "$loop" 2>/dev/null
	return $rc
}

out=$(k create -f "$CK_TMP/web.yaml" 2>&1)
expect "kubectl create -f a Deployment of 3" "deployment.apps/web created" "$out"
check "a ReplicaSet of 3 appears" eventually is 3 rs_replicas nginx:1
rs1=$(api GET "$RS" | json 'd["items"][0]["metadata"]["name"]')
hash=$(api GET "$RS" | json 'd["items"][0]["spec"]["selector"]["matchLabels"]["pod-template-hash"]')
expect "it is named <deployment>-<pod-template-hash>" "web-$hash" "$rs1"
expect "it is owned by the deployment" "Deployment web True" \
    "$(api GET "$RS/$rs1" | json '" ".join(str(x) for x in [d["metadata"]["ownerReferences"][0][k] for k in ("kind", "name", "controller")])')"
expect "revision 1" "1" "$(rs_revision nginx:1)"
check "the stand-in replicaset-controller makes it available" roll_until sh -c \
    "curl -sf '$API_URL/apis/apps/v1/namespaces/default/deployments/web' | grep -q '\"availableReplicas\": *3'"
out=$(rollout_status)
check "kubectl rollout status: rolled out" grep -q 'successfully rolled out' <<<"$out"

out=$(k set image deployment/web nginx=nginx:2 2>&1)
expect "kubectl set image" "deployment.apps/web image updated" "$out"
check "a second ReplicaSet appears" eventually is 2 rs_count
check "the rollout shifts all replicas to it" roll_until sh -c \
    "[ \"\$(curl -sf '$API_URL$RS' | python3 -c 'import json,sys; print(sorted((r[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"image\"], r[\"spec\"][\"replicas\"]) for r in json.load(sys.stdin)[\"items\"]))')\" = \"[('nginx:1', 0), ('nginx:2', 3)]\" ]"
expect "the new one is revision 2" "2" "$(rs_revision nginx:2)"
out=$(rollout_status)
check "kubectl rollout status after set image" grep -q 'successfully rolled out' <<<"$out"

out=$(k rollout undo deployment/web 2>&1)
expect "kubectl rollout undo" "deployment.apps/web rolled back" "$out"
check "undo scales the first ReplicaSet back up" roll_until is 3 rs_replicas nginx:1
check "and the second down" roll_until is 0 rs_replicas nginx:2
expect "no third ReplicaSet" "2" "$(rs_count)"
expect "the first one gets revision 3" "3" "$(rs_revision nginx:1)"
out=$(rollout_status)
check "kubectl rollout status after undo" grep -q 'successfully rolled out' <<<"$out"
d=$(api GET /apis/apps/v1/namespaces/default/deployments/web)
expect "the deployment's revision is 3" "3" \
    "$(echo "$d" | json 'd["metadata"]["annotations"]["deployment.kubernetes.io/revision"]')"
expect "status: replicas, updated, ready, available" "3 3 3 3" \
    "$(echo "$d" | json '" ".join(str(d["status"].get(k)) for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"))')"
expect "Progressing: NewReplicaSetAvailable" "True NewReplicaSetAvailable" \
    "$(echo "$d" | json '[c["status"] + " " + c["reason"] for c in d["status"]["conditions"] if c["type"] == "Progressing"][0]')"
out=$(k get deploy web 2>&1)
check "kubectl get deploy: READY UP-TO-DATE AVAILABLE" grep -Eq '^web +3/3 +3 +3 ' <<<"$out"
out=$(k get rs -o wide 2>&1)
check "kubectl get rs -o wide: DESIRED CURRENT READY ... IMAGES" \
    grep -Eq "^$rs1 +3 +3 +3 +[^ ]+ +nginx +nginx:1 +app=web,pod-template-hash=$hash" <<<"$out"
check "ScalingReplicaSet events" eventually sh -c \
    "curl -sf '$API_URL/api/v1/namespaces/default/events' | grep -q ScalingReplicaSet"

# kubectl scale goes through the scale subresource (autoscaling/v1 Scale).
out=$(k scale deployment web --replicas=5 2>&1)
expect "kubectl scale deployment" "deployment.apps/web scaled" "$out"
check "a scaled deployment scales its ReplicaSet" roll_until is 5 rs_replicas nginx:1
s=$(api GET /apis/apps/v1/namespaces/default/deployments/web/scale)
expect "GET .../scale is a Scale" "Scale 5 app=web" \
    "$(echo "$s" | json '" ".join(str(x) for x in (d["kind"], d["spec"]["replicas"], d["status"]["selector"]))')"
SC=/apis/apps/v1/namespaces/default/deployments/web/scale
api PUT "$SC" -H 'Content-Type: application/json' \
    -d '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":-1}}' >/dev/null
expect "PUT .../scale with replicas -1 is 422" 422 "$(code)"
api PUT "$SC" -H 'Content-Type: application/json' \
    -d '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","resourceVersion":"1"},"spec":{"replicas":2}}' >/dev/null
expect "PUT .../scale with a stale resourceVersion is 409" 409 "$(code)"
out=$(api PUT "$SC" -H 'Content-Type: application/json' \
    -d '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":4}}')
expect "PUT .../scale sets spec.replicas" "200 4 4" "$(code) $(echo "$out" | json 'd["spec"]["replicas"]') \
$(api GET /apis/apps/v1/namespaces/default/deployments/web | json 'd["spec"]["replicas"]')"
api GET /apis/apps/v1/namespaces/default/deployments/nosuch/scale >/dev/null
expect "GET .../scale of a missing deployment is 404" 404 "$(code)"

# Pause, change, resume.
out=$(k rollout pause deployment/web 2>&1)
expect "kubectl rollout pause" "deployment.apps/web paused" "$out"
k set image deployment/web nginx=nginx:3 >/dev/null 2>&1
check "paused: Progressing says DeploymentPaused" eventually sh -c \
    "curl -sf '$API_URL/apis/apps/v1/namespaces/default/deployments/web' | grep -q DeploymentPaused"
expect "paused: no ReplicaSet for the new template" "2" "$(rs_count)"
out=$(k rollout resume deployment/web 2>&1)
expect "kubectl rollout resume" "deployment.apps/web resumed" "$out"
check "resumed: the rollout to nginx:3 finishes" roll_until is 4 rs_replicas nginx:3
out=$(rollout_status)
check "kubectl rollout status after resume" grep -q 'successfully rolled out' <<<"$out"
out=$(k rollout history deployment/web 2>&1)
expect "kubectl rollout history lists revisions 2, 3 and 4" "2 3 4" \
    "$(awk '/^[0-9]/ { printf "%s%s", sep, $1; sep = " " }' <<<"$out")"

stop_pid "$DC_PID"
expect "SIGTERM: exits 0" 0 $?
finish
