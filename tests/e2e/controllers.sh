#!/usr/bin/env bash
# e2e: the ReplicaSet, Deployment and Endpoints controllers on a whole cluster (scheduler and
# kubelet-sim make pods Running), driven by the real kubectl: a Deployment of 3 becomes
# available, its Service's Endpoints and EndpointSlice list 3 pod IPs (kubectl describe svc
# shows them), scale, set image, rollout undo, a deleted
# pod replaced, a restarted controller converging without duplicates, two leader-elected
# replicas never both acting, and an Ingress of class ckube given an address.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller endpoints-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "controllers e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,...-controller}"
	exit 0
fi
check "a cluster of 3 nodes comes up" e2e_up --nodes 3

is() { [ "$("${@:2}")" = "$1" ]; }
web_pods() { kc get pods -l app=web --field-selector=status.phase=Running -o name | wc -l; }
ep_ips() { kc get endpoints web -o jsonpath='{range .subsets[*].addresses[*]}{.ip}{"\n"}{end}' | sort -u | grep -c .; }
rs_count() { kc get rs -l app=web -o name | wc -l; }
image() { kc get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'; }

kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.10", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
YAML
check "kubectl apply creates the Deployment and Service" test $? = 0
check "the Deployment of 3 becomes available" kc rollout status deploy/web --timeout=60s
check "3 pods Running" eventually -t 30 is 3 web_pods
check "the Service's Endpoints list 3 IPs" eventually -t 30 is 3 ep_ips
slice_ips() { kc get endpointslices -l kubernetes.io/service-name=web \
    -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}{"\n"}{end}' | sort -u | grep -c .; }
check "its EndpointSlice lists the same 3 IPs" eventually -t 30 is 3 slice_ips
slice_row() { kc get endpointslices -l kubernetes.io/service-name=web | grep -E '^web-[a-z0-9]+ +IPv4 +80 +10\.'; }
check "kubectl get endpointslices: NAME ADDRESSTYPE PORTS ENDPOINTS AGE" \
    sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' get endpointslices | head -1 | grep -Eq '^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE\$'"
check "and a row for web's slice" slice_row
describe_eps() { kc describe svc web | grep -Eq '^Endpoints: +10\.[0-9.]+:80,'; }
check "kubectl describe svc lists Endpoints ip:port" eventually -t 10 describe_eps

check "kubectl scale --replicas=5" kc scale deploy/web --replicas=5
check "5 pods Running" eventually -t 30 is 5 web_pods
check "the Endpoints follow: 5 IPs" eventually -t 30 is 5 ep_ips
check "the EndpointSlice follows: 5 IPs" eventually -t 30 is 5 slice_ips

check "kubectl set image" kc set image deploy/web web=nginx:1.11
check "rolls out through a second ReplicaSet" kc rollout status deploy/web --timeout=90s
check "two ReplicaSets exist" eventually is 2 rs_count
check "every Running pod has the new image" eventually -t 30 is "nginx:1.11 5" sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' get pods -l app=web --field-selector=status.phase=Running \
     -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort | uniq -c | awk '{print \$2, \$1}'"
check "kubectl rollout undo" kc rollout undo deploy/web
check "the undo rolls out" kc rollout status deploy/web --timeout=90s
check "the template image is back" eventually is nginx:1.10 image

victim=$(kc get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
kc delete pod "$victim" --wait=false >/dev/null
replaced() { ! kc get pods -l app=web -o name | grep -qx "pod/$victim" && [ "$(web_pods)" = 5 ]; }
check "a deleted pod is replaced" eventually -t 60 replaced

# Kill the ReplicaSet controller, scale while it is down, restart it: it converges, no extras.
rsc=$(e2e_daemon_pid replicaset-controller)
kill -KILL "$rsc"
# `up` restarts only daemons whose pid is gone: wait for the killed one to exit first.
gone() { ! kill -0 "$1" 2>/dev/null || grep -qE '^State:[[:space:]]*[ZX]' "/proc/$1/status" 2>/dev/null; }
check "the killed controller exits" eventually gone "$rsc"
kc scale deploy/web --replicas=6 >/dev/null
check "the controller restarts" bash "$E2E_LC" up --dir "$E2E_DIR" --nodes 3
check "and converges to 6 pods" eventually -t 60 is 6 web_pods
all_pods() { kc get pods -l app=web -o name | wc -l; }
check "no duplicate pods" eventually -t 30 is 6 all_pods

# Two leader-elected replicas: stop the cluster's controller, start two; one acts.
stop_pid "$(e2e_daemon_pid replicaset-controller)"
LE=(--kubeconfig="$E2E_KUBECONFIG" --port=0 --leader-elect --leader-elect-lease-duration=4s
    --leader-elect-renew-deadline=3s --leader-elect-retry-period=200ms)
for r in r1 r2; do
	setsid "$CK_BIN/ckube-replicaset-controller" "${LE[@]}" --port-file="$CK_TMP/$r.port" \
	    >"$CK_TMP/rsc-$r.log" 2>&1 </dev/null &
	CK_PIDS+=($!)
done
synced() { grep -q 'caches synced' "$CK_TMP/rsc-$1.log"; }
one_leader() { synced r1 || synced r2; }
check "one replica leads" eventually -t 30 one_leader
kc scale deploy/web --replicas=8 >/dev/null
check "the leader scales to 8" eventually -t 60 is 8 all_pods
if synced r1 && synced r2; then not_ok "the standby never acts"; else ok "the standby never acts"; fi
check "exactly 8 pods, none twice" eventually -t 10 is 8 all_pods
# The simulated ingress controller: an Ingress of class ckube gets an address.
if has_bin ingress-controller; then
	kc create ingress other --class=elsewhere --rule='o.example.com/*=web:80' >/dev/null
	check "kubectl create ingress --class=ckube" kc create ingress web --class=ckube --rule='web.example.com/*=web:80'
	ing_ip() { kc get ingress "$1" -o jsonpath='{.status.loadBalancer.ingress[0].ip}'; }
	check "its status.loadBalancer.ingress[0].ip is set" eventually -t 30 is 127.0.0.1 ing_ip web
	check "kubectl get ingress shows the ADDRESS" sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' get ingress web | grep -Eq '^web +ckube +web.example.com +127.0.0.1 +80 '"
	# Created first, so already looked at: another class's Ingress is left alone.
	check "an Ingress of another class gets no address" is "" ing_ip other
fi
kc delete svc web >/dev/null
no_slices() { [ -z "$(kc get endpointslices -l kubernetes.io/service-name=web -o name)" ]; }
check "the Service's EndpointSlices go with it" eventually -t 30 no_slices
finish
