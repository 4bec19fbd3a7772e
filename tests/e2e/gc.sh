#!/usr/bin/env bash
# e2e: cascading deletion on a whole cluster, driven by the real kubectl (semantics.md 5(f)):
# kubectl delete of a Deployment removes its ReplicaSet and pods; --cascade=foreground keeps
# the Deployment (deletionTimestamp, foregroundDeletion) until its pods, then its ReplicaSet,
# are gone; --cascade=orphan leaves them without the owner reference and a new Deployment
# adopts them; a ConfigMap owned by a pod goes with the pod; dangling and mismatched owner
# uids; two owners; kubectl delete namespace; a collector killed mid-way finishes after a restart.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver replicaset-controller deployment-controller gc-controller namespace-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "gc e2e" "needs kubectl and bin/ckube-{gc,namespace,replicaset,deployment}-controller"
	exit 0
fi
check "a cluster comes up" e2e_up --nodes 1

is() { [ "$("${@:2}")" = "$1" ]; }
count() { kc get "$@" -o name 2>/dev/null | grep -c . ; }
exists() { kc get "$@" >/dev/null 2>&1; }
absent() { ! exists "$@"; }
deploy() { # NAME REPLICAS [kubectl flags]
	kc apply "${@:3}" -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: "nginx:1.10"}]
YAML
}
uid() { kc get "$@" -o jsonpath='{.metadata.uid}'; }

# --- background (kubectl's default)
deploy bg 2
check "the Deployment gets a ReplicaSet and 2 pods" eventually -t 30 is 2 count pods -l app=bg
check "kubectl delete deployment" kc delete deployment bg --timeout=30s
check "its ReplicaSet is collected" eventually -t 30 is 0 count rs -l app=bg
check "and its pods" eventually -t 30 is 0 count pods -l app=bg

# --- foreground: pods, then the ReplicaSet, then the Deployment
deploy fg 2
check "foreground: 2 pods" eventually -t 30 is 2 count pods -l app=fg
hold=$(kc get pods -l app=fg -o name | head -1)
kc patch "$hold" --type=merge -p '{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
check "kubectl delete --cascade=foreground (not waiting)" kc delete deploy fg --cascade=foreground --wait=false
fg_fins() { kc get deploy fg -o jsonpath='{.metadata.finalizers} {.metadata.deletionTimestamp}' | cut -c1-24; }
check "the Deployment stays with foregroundDeletion and a deletionTimestamp" eventually is '["foregroundDeletion"] 2' fg_fins
rs_fins() { kc get rs -l app=fg -o jsonpath='{.items[0].metadata.finalizers}'; }
check "its ReplicaSet is deleted in foreground too" eventually -t 20 is '["foregroundDeletion"]' rs_fins
check "the held pod is terminating" eventually -t 20 is 1 count pods -l app=fg
check "the Deployment is still there" exists deploy fg
# Watch the order while the last pod is released. Sampled owner first: an owner seen gone
# means its dependents, read later, must be gone too.
( end=$(( $(date +%s) + 40 ))
  while [ "$(date +%s)" -lt "$end" ]; do
	d=$(count deploy fg); r=$(count rs -l app=fg); p=$(count pods -l app=fg)
	echo "$p $r $d"
	[ "$d" = 0 ] && break
	sleep 0.1
  done ) >"$CK_TMP/order" &
ORDER=$!
kc patch "$hold" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
check "kubectl wait --for=delete returns once the Deployment is gone" kc wait --for=delete deploy/fg --timeout=40s
wait $ORDER
bad_order() { awk '($3==0 && $2>0) || ($2==0 && $1>0)' "$CK_TMP/order" | grep -q .; }
check "observed order: pods, then the ReplicaSet, then the Deployment" eval '! bad_order'

deploy fg2 2
check "foreground 2: 2 pods" eventually -t 30 is 2 count pods -l app=fg2
check "kubectl delete --cascade=foreground waits until the Deployment is gone" \
    kc delete deploy fg2 --cascade=foreground --timeout=60s
check "nothing of it is left" eval 'is 0 count rs -l app=fg2 && is 0 count pods -l app=fg2'

# --- orphan, then adoption by a new Deployment
deploy orph 2
check "orphan: 2 pods" eventually -t 30 is 2 count pods -l app=orph
rs=$(kc get rs -l app=orph -o name)
check "kubectl delete --cascade=orphan" kc delete deploy orph --cascade=orphan --timeout=30s
rs_owners() { kc get "$rs" -o jsonpath='{.metadata.ownerReferences}'; }
check "the ReplicaSet is kept without its owner reference" eventually is "" rs_owners
check "the pods are kept" is 2 count pods -l app=orph
deploy orph 2
new=$(uid deploy orph)
rs_owner_uid() { kc get "$rs" -o jsonpath='{.metadata.ownerReferences[0].uid}'; }
check "a new Deployment with the same selector adopts the ReplicaSet" eventually -t 30 is "$new" rs_owner_uid
check "and its pods stay 2" is 2 count pods -l app=orph
kc delete deploy orph --timeout=30s >/dev/null

# --- a ConfigMap owned by a pod
kc run owner-pod --image=nginx:1.10 --restart=Never >/dev/null
puid=$(uid pod owner-pod)
kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: pod-owned
  ownerReferences: [{apiVersion: v1, kind: Pod, name: owner-pod, uid: "$puid"}]
YAML
check "the ConfigMap owned by a pod exists" exists cm pod-owned
kc delete pod owner-pod --grace-period=0 --force >/dev/null 2>&1
check "it is collected with the pod" eventually -t 30 absent cm pod-owned

# --- dangling owner uid, uid mismatch, two owners
kc create configmap real >/dev/null
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: dangling
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: ghost, uid: "00000000-0000-0000-0000-000000000001"}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: mismatch
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: real, uid: "00000000-0000-0000-0000-000000000002"}]
YAML
check "a ConfigMap with a dangling owner uid is collected" eventually -t 30 absent cm dangling
check "a ConfigMap whose owner has another uid is collected" eventually -t 30 absent cm mismatch
check "the same-named owner stays" exists cm real
kc create configmap first >/dev/null
kc create configmap second >/dev/null
kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: two-owners
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: first, uid: "$(uid cm first)"}
  - {apiVersion: v1, kind: ConfigMap, name: second, uid: "$(uid cm second)"}
YAML
kc delete cm first >/dev/null
owner_names() { kc get cm two-owners -o jsonpath='{.metadata.ownerReferences[*].name}'; }
check "two owners: the object survives the first deletion, its reference goes" eventually -t 30 is second owner_names
kc delete cm second >/dev/null
check "two owners: collected after the second" eventually -t 30 absent cm two-owners

# --- kubectl delete namespace
kc create namespace doomed >/dev/null
kc -n doomed create configmap c1 >/dev/null
deploy d 2 -n doomed
check "the namespace fills" eventually -t 30 is 2 count -n doomed pods
check "kubectl delete namespace waits until it is gone" kc delete namespace doomed --timeout=60s
check "the namespace is gone" absent namespace doomed

# --- the collector killed mid-way, then restarted
deploy kill 6
check "kill: 6 pods" eventually -t 30 is 6 count pods -l app=kill
gcpid=$(e2e_daemon_pid gc-controller)
kill -KILL "$gcpid"
# The container's init may not reap it at once: the pid file must not fool `up`.
rm -f "$E2E_DIR/run/gc-controller.pid"
kc delete deploy kill --wait=false >/dev/null
sleep 1
check "with no collector the ReplicaSet stays" is 1 count rs -l app=kill
check "the collector restarts" bash "$E2E_LC" up --dir "$E2E_DIR" --nodes 1
check "the restarted collector finishes: no ReplicaSet" eventually -t 30 is 0 count rs -l app=kill
check "and no pods" eventually -t 30 is 0 count pods -l app=kill
finish
