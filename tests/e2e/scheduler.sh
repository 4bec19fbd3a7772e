#!/usr/bin/env bash
# e2e: ckube-scheduler in a whole cluster (3 kubelet-sim nodes) driven by the real kubectl:
# 30 pods of a Deployment spread 10/10/10 and Running, a too-big pod Pending with the
# FailedScheduling event in `kubectl describe`, nodeSelector after `kubectl label`, a
# `kubectl taint`ed node avoided, a `kubectl cordon`ed node skipped, and the scheduler
# killed and restarted losing no pod.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "scheduler e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,...-controller}"
	exit 0
fi
check "a cluster of 3 nodes comes up" e2e_up --nodes 3

is() { [ "$("${@:2}")" = "$1" ]; }
running() { kc get pods -l "$1" --field-selector=status.phase=Running -o name | wc -l; }
per_node() {
	kc get pods -l "$1" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' |
	    sort | uniq -c | awk '{print $1}' | sort -n | tr '\n' ' '
}
node_of() { kc get pod "$1" -o jsonpath='{.spec.nodeName}'; }
pod() {
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {t: e2e}}
spec:
  containers: [{name: c, image: nginx, resources: {requests: {cpu: "${2:-100m}"}}}]
${3:-}
YAML
}

kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 30
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      containers: [{name: c, image: nginx, resources: {requests: {cpu: 50m, memory: 32Mi}}}]
YAML
check "kubectl apply creates a Deployment of 30" test $? = 0
check "30 pods Running" eventually -t 60 is 30 running app=spread
expect "spread 10/10/10 over the nodes" "10 10 10 " "$(per_node app=spread)"
kc delete deploy spread >/dev/null

pod huge 100
describe_says() { kc describe pod huge | grep -q "FailedScheduling.*0/3 nodes are available: 3 Insufficient cpu."; }
check "a too-big pod shows FailedScheduling in kubectl describe" eventually -t 20 describe_says
expect "and stays Pending" "Pending" "$(kc get pod huge -o jsonpath='{.status.phase}')"
expect "with PodScheduled=False" "False" \
    "$(kc get pod huge -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status}')"
kc delete pod huge --wait=false >/dev/null

check "kubectl label node" kc label node sim-2 disk=ssd
pod ssd 100m "  nodeSelector: {disk: ssd}"
check "nodeSelector places the pod on the labelled node" eventually -t 20 is sim-2 node_of ssd
check "and it runs" eventually -t 20 is Running kc get pod ssd -o jsonpath='{.status.phase}'

check "kubectl taint node" kc taint nodes sim-2 dedicated=db:NoSchedule
pod intolerant 100m "  nodeSelector: {disk: ssd}"
taint_event() { kc describe pod intolerant | grep -q "untolerated taint {dedicated: db}"; }
check "a pod without the toleration stays off the tainted node" eventually -t 20 taint_event
pod tolerant 100m "  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]"
check "a tolerating pod goes there" eventually -t 20 is sim-2 node_of tolerant
kc delete pod intolerant --wait=false >/dev/null

check "kubectl cordon sim-0 sim-1" kc cordon sim-0 sim-1
for i in 1 2 3; do pod "c$i" 100m "  tolerations: [{key: dedicated, operator: Exists}]"; done
only_sim2() { [ "$(kc get pods c1 c2 c3 -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)" = sim-2 ]; }
check "new pods avoid the cordoned nodes" eventually -t 20 only_sim2
check "kubectl uncordon" kc uncordon sim-0 sim-1

# The scheduler killed with SIGKILL and restarted: pods created meanwhile are placed.
sch=$(e2e_daemon_pid scheduler)
kill -KILL "$sch"
gone() { ! kill -0 "$1" 2>/dev/null || grep -qE '^State:[[:space:]]*[ZX]' "/proc/$1/status" 2>/dev/null; }
check "the killed scheduler exits" eventually gone "$sch"
for i in 1 2 3 4 5 6; do pod "k$i"; done
check "the scheduler restarts" bash "$E2E_LC" up --dir "$E2E_DIR" --nodes 3
k_running() {
	kc get pods k1 k2 k3 k4 k5 k6 -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$'
}
check "pods created while it was down run" eventually -t 30 is 6 k_running
finish
