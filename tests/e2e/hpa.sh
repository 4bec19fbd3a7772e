#!/usr/bin/env bash
# e2e: metrics and autoscaling on a whole cluster with the real kubectl. The metrics-server
# registers APIService v1beta1.metrics.k8s.io (Available through the apiserver's aggregator);
# `kubectl top nodes` shows each node's usage (its pods' sim.ckube.io/cpu-usage plus the
# node's base), `kubectl top pods` (--containers, -A, -l) the annotated usage. `kubectl
# autoscale` on a Deployment whose pods use 200% of their cpu request scales it to its max
# (SuccessfulRescale, `kubectl get hpa` columns); with a 2 s scale-down window in its
# behavior it comes back to 1 once the usage annotation drops to 10%. With the
# metrics-server stopped, `kubectl top` says the service is unavailable, the APIService turns
# Available=False and the HPA ScalingActive=False.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller
    metrics-server hpa-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "hpa e2e" "needs kubectl and bin/ckube-{metrics-server,hpa-controller,...}"
	exit 0
fi
check "a cluster of 2 nodes comes up" e2e_up --nodes 2 \
    --kubelet-flags "--node-system-cpu-usage=100m" \
    --daemon-flags apiserver="--apiservice-check-period=1s" \
    --daemon-flags metrics-server="--metric-resolution=1s" \
    --daemon-flags hpa-controller="--horizontal-pod-autoscaler-sync-period=1s"

is() { [ "$("${@:2}")" = "$1" ]; }
has() { "${@:2}" 2>&1 | grep -q -- "$1"; }
avail() { kc get apiservice v1beta1.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type=="Available")].status}/{.status.conditions[?(@.type=="Available")].reason}'; }
check "APIService v1beta1.metrics.k8s.io is Available (Passed)" eventually -t 30 is True/Passed avail
check "/apis lists metrics.k8s.io" has '"metrics.k8s.io/v1beta1"' api GET /apis

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
      annotations: {sim.ckube.io/cpu-usage: "200%", sim.ckube.io/memory-usage: 64Mi}
    spec:
      containers: [{name: php, image: "php:7-apache", resources: {requests: {cpu: 100m}}}]
YAML
check "a Deployment of 1 whose pod uses 200% of its 100m request" \
    kc rollout status deploy/web --timeout=60s

nodes_cpu() { kc top nodes --no-headers | awk '{print $2}' | sort | tr '\n' ' '; }
check "kubectl top nodes: 100m base + 200m on the pod's node, 100m on the other" \
    eventually -t 20 is "100m 300m " nodes_cpu
top_pod() { kc top pods --no-headers | awk '{print $2, $3}'; }
check "kubectl top pods: 200m and 64Mi" eventually -t 20 is "200m 64Mi" top_pod
ctr() { kc top pods --containers --no-headers -l app=web | awk '{print $2, $3}'; }
check "kubectl top pods --containers -l app=web: container php 200m" is "php 200m" ctr
all() { kc top pods -A --no-headers | awk '$1=="default" {print $1, $3}'; }
check "kubectl top pods -A: the namespace column" is "default 200m" all
check "kubectl top pod of another label: no metrics" has "No resources found\|error" \
    kc top pods -l app=none

check "kubectl autoscale deployment web --cpu-percent=50 --min=1 --max=4" \
    kc autoscale deployment web --cpu-percent=50 --min=1 --max=4
replicas() { kc get deploy web -o jsonpath='{.spec.replicas}'; }
check "the HPA scales the Deployment up to its max, 4" eventually -t 30 is 4 replicas
hpa_row() { kc get hpa web --no-headers | awk '{print $1, $2, $3, $4, $5, $6, $7}'; }
check "kubectl get hpa: web Deployment/web cpu: 200%/50% 1 4 4" \
    eventually -t 20 is "web Deployment/web cpu: 200%/50% 1 4 4" hpa_row
hdr() { kc get hpa | head -1 | awk '{print $1, $2, $3, $4, $5, $6, $7}'; }
check "kubectl get hpa columns NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE" \
    is "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE" hdr
events() { kc get events --field-selector involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale -o jsonpath='{.items[*].message}'; }
check "event SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target" \
    has "New size: 4; reason: cpu resource utilization (percentage of request) above target" events
conds() { kc get hpa web -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}'; }
check "conditions AbleToScale, ScalingActive True and ScalingLimited True at the max" \
    eventually -t 10 is "AbleToScale=True ScalingActive=True ScalingLimited=True " conds
v1() { kc get horizontalpodautoscalers.v1.autoscaling web -o jsonpath='{.spec.targetCPUUtilizationPercentage}/{.status.currentCPUUtilizationPercentage}'; }
check "read as autoscaling/v1: targetCPUUtilizationPercentage 50, current 200" is 50/200 v1
check "status: currentReplicas 4, desiredReplicas 4, lastScaleTime" \
    is "4/4/yes" sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' get hpa web -o \
    jsonpath='{.status.currentReplicas}/{.status.desiredReplicas}/{.status.lastScaleTime}' | sed 's#/20[0-9T:Z-]*\$#/yes#'"

kc patch hpa web --type merge -p '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":2}}}}' >/dev/null
check "a 2 s scale-down window in spec.behavior" \
    is 2 kc get hpa web -o jsonpath='{.spec.behavior.scaleDown.stabilizationWindowSeconds}'
kc annotate pods -l app=web sim.ckube.io/cpu-usage=10% --overwrite >/dev/null
check "usage down to 10%: the HPA scales back to 1" eventually -t 30 is 1 replicas
check "event SuccessfulRescale: New size: 1; reason: All metrics below target" \
    has "New size: 1; reason: All metrics below target" events
check "kubectl get hpa: cpu: 10%/50%" eventually -t 10 has "cpu: 10%/50%" kc get hpa web

bad() { kc create -f - 2>&1 <<'YAML'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 2
YAML
}
check "maxReplicas below minReplicas: 422 with the field" \
    has 'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`' bad

kill "$(e2e_daemon_pid metrics-server)"
check "metrics-server stopped: kubectl top nodes says the service is unavailable" \
    eventually -t 10 has "ServiceUnavailable.*APIService v1beta1.metrics.k8s.io" kc top nodes
check "the APIService turns Available=False (FailedDiscoveryCheck)" \
    eventually -t 10 is False/FailedDiscoveryCheck avail
active() { kc get hpa web -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")].status}/{.status.conditions[?(@.type=="ScalingActive")].reason}'; }
check "the HPA reports ScalingActive=False FailedGetResourceMetric" \
    eventually -t 10 is False/FailedGetResourceMetric active
finish
