#!/usr/bin/env bash
# e2e: PodDisruptionBudgets on a whole cluster with the real kubectl: a Deployment nginx of 5
# with a budget minAvailable 3 shows 5/3/5/2 and MIN AVAILABLE / MAX UNAVAILABLE / ALLOWED
# DISRUPTIONS; two evictions pass and the third gets 429; `kubectl drain` cordons, evicts what
# the budget allows, reports the budget blocking and never leaves fewer than 3 ready; the
# budget read through policy/v1alpha1 has the 1.3 boolean; a maxUnavailable "50%" budget over
# a StatefulSet counts its spec.replicas.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller
    disruption-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "pdb e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,...-controller}"
	exit 0
fi
check "a cluster of 3 nodes comes up" e2e_up --nodes 3

is() { [ "$("${@:2}")" = "$1" ]; }
NS=/api/v1/namespaces/default
mapfile -t nodes < <(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
check "3 nodes registered" test "${#nodes[@]}" = 3
# All 5 pods on the first node (the others cordoned meanwhile), so its drain must wait on
# the budget. Replacements report ready 8 s after they start: an evicted pod's place stays
# empty long enough for the budget to matter.
kc cordon "${nodes[1]}" "${nodes[2]}" >/dev/null
kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, labels: {app: nginx}}
spec:
  replicas: 5
  selector: {matchLabels: {app: nginx}}
  template:
    metadata:
      labels: {app: nginx}
      annotations: {sim.ckube.io/ready-after: 8s}
    spec:
      containers: [{name: nginx, image: "nginx:1.10"}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: nginx}
spec:
  minAvailable: 3
  selector: {matchLabels: {app: nginx}}
YAML
check "kubectl apply creates the Deployment and the budget" test $? = 0
check "the Deployment of 5 becomes available" kc rollout status deploy/nginx --timeout=60s
kc uncordon "${nodes[1]}" "${nodes[2]}" >/dev/null

pdb_status() {
	kc get pdb nginx -o jsonpath='{.status.currentHealthy}/{.status.desiredHealthy}/{.status.expectedPods}/{.status.disruptionsAllowed}'
}
check "budget status 5/3/5/2 (current/desired/expected/allowed)" eventually -t 30 is 5/3/5/2 pdb_status
check "kubectl get pdb: MIN AVAILABLE 3, MAX UNAVAILABLE N/A, ALLOWED DISRUPTIONS 2" \
    eventually is "nginx 3 N/A 2" sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' get pdb nginx \
    | awk 'NR==1 && (\$2!=\"MIN\" || \$4!=\"MAX\" || \$6!=\"ALLOWED\") {exit 1} NR==2 {print \$1, \$2, \$3, \$4}'"
cond() { kc get pdb nginx -o jsonpath='{.status.conditions[?(@.type=="DisruptionAllowed")].status}/{.status.conditions[?(@.type=="DisruptionAllowed")].reason}'; }
check "condition DisruptionAllowed True/SufficientPods" eventually is True/SufficientPods cond

# --- evictions: two pass, the third is refused (replacements are not ready yet)
mapfile -t pods < <(kc get pods -l app=nginx -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
evict() {
	api POST "$NS/pods/$1/eviction" "${@:2}" -H 'Content-Type: application/json' \
	    -d "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$1\"}}"
}
out1=$(evict "${pods[0]}"); c1=$(code)
evict "${pods[1]}" >/dev/null; c2=$(code)
out3=$(evict "${pods[2]}" -D "$CK_TMP/h3"); c3=$(code)
expect "first eviction 201 Success" "201 Success" "$c1 $(echo "$out1" | json 'd["status"]')"
expect "second eviction 201" 201 "$c2"
expect "third eviction 429 TooManyRequests" "429 TooManyRequests" "$c3 $(echo "$out3" | json 'd["reason"]')"
expect "429 message" "Cannot evict pod as it would violate the pod's disruption budget." \
    "$(echo "$out3" | json 'd["message"]')"
expect "429 cause DisruptionBudget" "DisruptionBudget: The disruption budget nginx needs 3 healthy pods and has 3 currently" \
    "$(echo "$out3" | json 'd["details"]["causes"][0]["reason"]+": "+d["details"]["causes"][0]["message"]')"
check "429 carries Retry-After" grep -qi '^Retry-After: .*GMT' "$CK_TMP/h3"
term() { kc get pod "$1" -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null | grep -q . ||
    ! kc get pod "$1" >/dev/null 2>&1; }
check "the evicted pod is terminating" term "${pods[0]}"
running() { kc get pod "${pods[2]}" -o jsonpath='{.status.phase}{.metadata.deletionTimestamp}'; }
check "the refused pod keeps running" is Running running
evictions() { api GET /metrics | grep '^apiserver_pod_evictions_total{result="'"$1"'"}' | awk '{print $2}'; }
check "/metrics counts the evictions" sh -c "[ '$(evictions evicted)' -ge 2 ] && [ '$(evictions blocked)' -ge 1 ]"
check "the replacements restore 5/3/5/2" eventually -t 60 is 5/3/5/2 pdb_status

# --- kubectl drain of the node holding the pods, while sampling the ready count
ready_count() {
	kc get pods -l app=nginx -o json | python3 -c 'import json,sys
print(sum(1 for p in json.load(sys.stdin)["items"] if not p["metadata"].get("deletionTimestamp")
    and any(c["type"]=="Ready" and c["status"]=="True" for c in p["status"].get("conditions",[]))))'
}
busy=$(kc get pods -l app=nginx -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
( while :; do ready_count >>"$CK_TMP/ready.samples" 2>/dev/null; sleep 0.2; done ) &
sampler=$!
CK_PIDS+=("$sampler")
kc get pods -l app=nginx -o wide >"$CK_TMP/before.drain" 2>&1
kc drain "$busy" --ignore-daemonsets --timeout=20s >"$CK_TMP/drain.out" 2>&1
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
check "drain cordons the node" is true kc get node "$busy" -o jsonpath='{.spec.unschedulable}'
check "drain evicts pods" grep -q 'evicted' "$CK_TMP/drain.out"
check "drain reports the budget blocking" grep -q "Cannot evict pod as it would violate the pod's disruption budget" "$CK_TMP/drain.out"
minready=$(sort -n "$CK_TMP/ready.samples" | head -1)
check "never fewer than 3 ready during the drain (min $minready)" test "${minready:-0}" -ge 3
kc uncordon "$busy" >/dev/null

# --- the 1.3 view: policy/v1alpha1 has the boolean status
a1=$(kc get --raw /apis/policy/v1alpha1/namespaces/default/poddisruptionbudgets/nginx)
expect "policy/v1alpha1 read: apiVersion and boolean disruptionAllowed" "policy/v1alpha1 bool" \
    "$(echo "$a1" | json 'd["apiVersion"]+" "+type(d["status"]["disruptionAllowed"]).__name__')"
expect "policy/v1alpha1 read: no disruptionsAllowed/disruptedPods/conditions" "False False False" \
    "$(echo "$a1" | json '" ".join(str(k in d["status"]) for k in ("disruptionsAllowed","disruptedPods","conditions"))')"
expect "policy/v1alpha1 read: minAvailable and the counts" "3 3" \
    "$(echo "$a1" | json 'str(d["spec"]["minAvailable"])+" "+str(d["status"]["desiredHealthy"])')"

# --- maxUnavailable "50%" over a StatefulSet of 3 (pods made by hand, owned by the set)
kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:9"}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec:
  maxUnavailable: "50%"
  selector: {matchLabels: {app: db}}
YAML
check "a StatefulSet of 3 and a maxUnavailable 50% budget" test $? = 0
uid=$(kc get statefulset db -o jsonpath='{.metadata.uid}')
for i in 0 1; do
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: db-$i
  labels: {app: db}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: "$uid", controller: true}]
spec:
  containers: [{name: db, image: "postgres:9"}]
YAML
done
dbst() { kc get pdb db -o jsonpath='{.status.expectedPods}/{.status.desiredHealthy}'; }
check "expectedPods 3 from the set's replicas, desiredHealthy 3 - ceil(1.5) = 1" eventually -t 30 is 3/1 dbst
kc patch statefulset db -p '{"spec":{"replicas":4}}' >/dev/null
check "scaling the set to 4: expected 4, desired 4 - 2 = 2" eventually -t 30 is 4/2 dbst
finish
