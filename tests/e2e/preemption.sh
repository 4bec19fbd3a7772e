#!/usr/bin/env bash
# e2e: PriorityClasses and scheduler preemption on a one-node cluster of 1 cpu: a pod of class
# high that fits nowhere evicts the low-priority pod in its way (event Preempted), is nominated
# to the node and then Running; a class with preemptionPolicy Never waits Pending instead.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "preemption e2e" "needs kubectl and bin/ckube-{apiserver,scheduler,kubelet-sim}"
	exit 0
fi
check "a cluster of 1 node with 1 cpu comes up" e2e_up --nodes 1 --kubelet-flags "--node-cpu=1"

is() { [ "$("${@:2}")" = "$1" ]; }
phase() { kc get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
gone() { ! kc get pod "$1" >/dev/null 2>&1; }
pod() {	# name class cpu
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  priorityClassName: $2
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: nginx, resources: {requests: {cpu: "$3"}}}]
YAML
}

check "kubectl create priorityclass low" kc create priorityclass low --value=10
check "kubectl create priorityclass high" kc create priorityclass high --value=1000
check "a Never class" kc create priorityclass polite --value=5000 --preemption-policy=Never
pod victim low 800m
check "the low pod runs" eventually -t 30 is Running phase victim
pod boss high 500m
check "the high pod preempts it: the victim is gone" eventually -t 60 gone victim
check "the preemptor runs" eventually -t 60 is Running phase boss
check "the preemptor was nominated to the node" is sim-0 kc get pod boss -o jsonpath='{.status.nominatedNodeName}'
preempted() { kc get events --field-selector reason=Preempted -o jsonpath='{.items[*].message}' | grep -q 'Preempted by pod .* on node sim-0'; }
check "event Preempted on the victim" eventually -t 10 preempted
pod waiter polite 800m
unsched() { kc get pod waiter -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}' | grep -qx Unschedulable; }
check "preemptionPolicy Never: Unschedulable, no preemption" eventually -t 30 unsched
check "and the running pod stays" is Running phase boss
finish
