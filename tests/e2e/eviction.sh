#!/usr/bin/env bash
# e2e: node-pressure eviction (issue 20, semantics.md 6) on a whole cluster of 2 nodes of 2Gi
# memory and 10Gi nodefs, driven by the real kubectl. Memory: a Guaranteed pod (300Mi) and a
# BestEffort pod (1200Mi) next to 100Mi of system usage leave 448Mi < 500Mi: MemoryPressure,
# the BestEffort pod is Evicted, the Guaranteed one kept. A soft threshold (<1Gi, grace 10m)
# then holds the pressure without evicting: the node is tainted, the scheduler keeps BestEffort
# pods off it but places Burstable ones, the kubelet rejects a BestEffort pod bound to it; the
# usage drops and the condition and taint clear after the 3s transition period. Disk: dead
# containers are reclaimed first, then the pod with the largest disk use is evicted. A
# Deployment's evicted pod is replaced on the other node and stays Failed until deleted.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller node-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "eviction e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,node-controller,...}"
	exit 0
fi

# A bad threshold refuses the start (exit 2) with the kubelet's message.
timeout 20 "$CK_BIN/ckube-kubelet-sim" --master=http://127.0.0.1:1 --port=0 \
    --eviction-soft='memory.available<1Gi' >"$CK_TMP/bad.log" 2>&1
expect "soft threshold without grace: exit 2" 2 "$?"
check "... and says why" grep -q "grace period must be specified for the soft eviction threshold memory.available" "$CK_TMP/bad.log"

KFLAGS="--node-memory=2Gi --node-ephemeral-storage=10Gi --node-system-memory-usage=100Mi
 --node-dead-container-disk-usage=1Gi --housekeeping-interval=500ms
 --eviction-pressure-transition-period=3s
 --eviction-hard=memory.available<500Mi,nodefs.available<10%
 --eviction-soft=memory.available<1Gi,nodefs.available<20%
 --eviction-soft-grace-period=memory.available=10m,nodefs.available=10m
 --node-lease-renew-interval=1s --node-status-report-frequency=2s"
check "a cluster of 2 nodes comes up" e2e_up --nodes 2 --kubelet-flags "$KFLAGS"

is() { [ "$("${@:2}")" = "$1" ]; }
jp() { kc get "$1" "$2" -o jsonpath="$3"; }
status() { kc get pod "$1" --no-headers 2>/dev/null | awk '{print $3}'; }
cond() { jp node "$1" "{.status.conditions[?(@.type==\"$2\")].status}"; }
cond_reason() { jp node "$1" "{.status.conditions[?(@.type==\"$2\")].reason}"; }
taints() { jp node "$1" '{range .spec.taints[*]}{.key}:{.effect} {end}'; }
has_taint() { taints "$1" | grep -q "$2"; }
no_taint() { ! taints "$1" | grep -q "$2"; }
node_of() { jp pod "$1" '{.spec.nodeName}'; }
# pod NAME NODE-FIELD ANNOTATIONS RESOURCES [EXTRA-SPEC]
pod() {
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  annotations: {$3}
spec:
  $2
  containers: [{name: app, image: nginx, resources: {$4}}]
  ${5:-}
YAML
}
# has_event OBJECT REASON: an Event with that reason about the object.
has_event() {
	kc get events -A --field-selector "involvedObject.name=$1" \
	    -o jsonpath='{range .items[*]}{.reason} {end}' | grep -qw "$2"
}
describes() { kc describe pod "$1" | grep -Eq "$2"; }
web_running_on() {
	kc get pods -l app=web --field-selector="status.phase=Running,spec.nodeName=$1" -o name | grep -q .
}
gone() { ! kc get pod "$1" >/dev/null 2>&1; }

expect "allocatable memory = 2Gi - the 500Mi hard threshold" 1548Mi "$(jp node sim-0 '{.status.allocatable.memory}')"

# --- memory ---
pod g "nodeName: sim-0" 'sim.ckube.io/memory-usage: 300Mi' \
    'requests: {cpu: 100m, memory: 300Mi}, limits: {cpu: 100m, memory: 300Mi}'
expect "the Guaranteed pod's status.qosClass" Guaranteed "$(jp pod g '{.status.qosClass}')"
check "the Guaranteed pod runs" eventually -t 20 is Running status g
pod be "nodeName: sim-0" 'sim.ckube.io/memory-usage.app: 1200Mi' ''
expect "the BestEffort pod's status.qosClass" BestEffort "$(jp pod be '{.status.qosClass}')"
check "448Mi available < 500Mi: kubectl get pods shows the BestEffort pod Evicted" \
    eventually -t 20 is Evicted status be
expect "... its phase is Failed" Failed "$(jp pod be '{.status.phase}')"
msg=$(jp pod be '{.status.message}')
expect "... with the kubelet's message" "The node was low on resource: memory. Threshold quantity: 500Mi, available: 448Mi. Container app was using 1200Mi, request is 0, has larger consumption of memory. " "$msg"
check "... and an Evicted event" eventually -t 10 has_event be Evicted
check "the node got EvictionThresholdMet" eventually -t 10 has_event sim-0 EvictionThresholdMet
expect "the Guaranteed pod is kept" Running "$(status g)"

# A soft threshold holds the pressure without evicting: 748Mi < 1Gi, grace 10m.
kc annotate pod g --overwrite sim.ckube.io/memory-usage=1200Mi >/dev/null
check "soft threshold: MemoryPressure=True" eventually -t 20 is True cond sim-0 MemoryPressure
expect "... reason KubeletHasInsufficientMemory" KubeletHasInsufficientMemory "$(cond_reason sim-0 MemoryPressure)"
check "... the node-controller taints the node" eventually -t 10 has_taint sim-0 node.kubernetes.io/memory-pressure:NoSchedule
expect "sim-1 has no pressure" False "$(cond sim-1 MemoryPressure)"
check "... and a NodeHasInsufficientMemory event" eventually -t 10 has_event sim-0 NodeHasInsufficientMemory
pod be-sel "nodeSelector: {kubernetes.io/hostname: sim-0}" '' ''
pod bu-sel "nodeSelector: {kubernetes.io/hostname: sim-0}" '' 'requests: {memory: 10Mi}'
pod be-free "" '' ''
check "a Burstable pod is scheduled to the pressured node" eventually -t 20 is Running status bu-sel
check "a BestEffort pod goes to the other node" eventually -t 20 is sim-1 node_of be-free
expect "a BestEffort pod for that node only stays Pending" Pending "$(status be-sel)"
check "... FailedScheduling says why" eventually -t 10 describes be-sel "memory.pressure"
pod be-bound "nodeName: sim-0" '' ''
check "the kubelet rejects a BestEffort pod bound to the node" eventually -t 20 is Evicted status be-bound
expect "... with the condition" "Pod was rejected: The node had condition: [MemoryPressure]. " "$(jp pod be-bound '{.status.message}')"
expect "the Guaranteed pod is still kept (soft grace not over)" Running "$(status g)"

# Usage drops: the condition clears after the transition period, and the taint with it.
kc annotate pod g --overwrite sim.ckube.io/memory-usage=300Mi >/dev/null
check "usage drops: MemoryPressure=False after the transition period" eventually -t 20 is False cond sim-0 MemoryPressure
expect "... reason KubeletHasSufficientMemory" KubeletHasSufficientMemory "$(cond_reason sim-0 MemoryPressure)"
check "... the taint is gone" eventually -t 10 no_taint sim-0 memory-pressure
check "... the pending BestEffort pod is scheduled there" eventually -t 30 is sim-0 node_of be-sel
kc delete pod be-sel be-free be-bound bu-sel --wait=false >/dev/null

# --- disk ---
# 8.5Gi + 1Gi of dead containers: 512Mi < 1Gi; the dead containers go, 1.5Gi is enough.
pod d "nodeName: sim-0" 'sim.ckube.io/disk-usage: 8704Mi' ''
check "nodefs short: DiskPressure=True" eventually -t 20 is True cond sim-0 DiskPressure
expect "... reason KubeletHasDiskPressure" KubeletHasDiskPressure "$(cond_reason sim-0 DiskPressure)"
check "... dead containers reclaimed first" eventually -t 10 grep -q "sim-0: reclaimed 1073741824 bytes of dead containers" "$E2E_DIR/logs/kubelet-sim.log"
check "... the node is tainted disk-pressure" eventually -t 10 has_taint sim-0 node.kubernetes.io/disk-pressure:NoSchedule
expect "... and the pod kept" Running "$(status d)"
pod bu-disk "nodeName: sim-0" '' 'requests: {memory: 10Mi}'
check "the kubelet rejects every pod under DiskPressure" eventually -t 20 is Evicted status bu-disk
expect "... with the condition" "Pod was rejected: The node had condition: [DiskPressure]. " "$(jp pod bu-disk '{.status.message}')"
pod bu-disk-sel "nodeSelector: {kubernetes.io/hostname: sim-0}" '' 'requests: {memory: 10Mi}'
sleep 1 # a negative check: the scheduler had its chance
expect "the scheduler places nothing on the node" Pending "$(status bu-disk-sel)"
kc annotate pod d --overwrite sim.ckube.io/disk-usage=9728Mi >/dev/null
check "nothing left to reclaim: the disk hog is Evicted" eventually -t 20 is Evicted status d
expect "... for ephemeral-storage" "The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 512Mi. Container app was using 9728Mi, request is 0, has larger consumption of ephemeral-storage. " "$(jp pod d '{.status.message}')"
check "DiskPressure=False after the transition period" eventually -t 20 is False cond sim-0 DiskPressure
check "... the taint is gone" eventually -t 10 no_taint sim-0 disk-pressure
kc delete pod bu-disk bu-disk-sel --wait=false >/dev/null

# --- a Deployment's evicted pod is replaced on the other node ---
# 1300Mi: on sim-0 (next to g) 348Mi are left, under the hard threshold; on sim-1 648Mi, under
# the soft one only (pressure, but no eviction before its 10m grace).
kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {sim.ckube.io/memory-usage: 1300Mi}
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [sim-0]}]}
      containers: [{name: app, image: nginx}]
YAML
web_on() {
	kc get pods -l app=web --no-headers -o custom-columns=S:.status.phase,N:.spec.nodeName,R:.status.reason |
	    awk -v n="$1" -v r="$2" '$2 == n && $3 == r' | grep -q .
}
check "the Deployment's pod on sim-0 is Evicted" eventually -t 30 web_on sim-0 Evicted
check "... and replaced on sim-1" eventually -t 30 web_running_on sim-1
evicted=$(kc get pods -l app=web --field-selector=status.phase=Failed -o jsonpath='{.items[0].metadata.name}')
sleep 1 # a negative check: nothing deletes an evicted pod
expect "the evicted pod stays Failed until deleted" Evicted "$(status "$evicted")"
kc delete pod "$evicted" >/dev/null
check "... and goes once deleted" eventually -t 20 gone "$evicted"

finish
