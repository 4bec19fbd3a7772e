#!/usr/bin/env bash
# kubelet_mem.sh: bytes of the kubelet-sim's RSS per node and per pod, alone
# with an apiserver (no scheduler, no controllers: pods are created with
# spec.nodeName set, round-robin over the nodes). The pods are the ones
# bench/mem_pods.sh's Deployments make (labels, two containers with ports, env,
# resources, a readiness probe, an ownerReference). Reads the kubelet-sim's VmRSS
# once every node is Ready (per node, no pods) and once every pod is Running
# (per pod). Nothing is asserted; RSS includes allocator slack: compare builds
# in the same session on the same box.
#
#   BIN=build/release/bin bash bench/kubelet_mem.sh [PODS (3000)] [NODES (100)]
#
# MASSIF=1 runs the kubelet-sim under valgrind --tool=massif (use a debug BIN
# and a few hundred pods) and keeps its output in massif.out.kubelet-sim.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PODS=${1:-3000}
NODES=${2:-100}
export BIN=${BIN:-$here/../build/release/bin}
# shellcheck source=../tests/lib/lib.sh
source "$here/../tests/lib/lib.sh"
say() { echo "kubelet_mem: $*" >&2; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# The kubelet-sim's own pid (under valgrind: the tool's process).
ksim_pid() { pgrep -g "$KS_PID" -f 'ckube-kubelet-sim|massif' | head -1; }

start_apiserver || exit 1
wrap=()
[ "${MASSIF:-0}" = 1 ] && wrap=(valgrind --tool=massif --massif-out-file="$PWD/massif.out.kubelet-sim")
setsid "${wrap[@]}" "$CK_BIN/ckube-kubelet-sim" --master "$API_URL" \
    --watch-bus "ipc://$API_DATA/data/bus" --port 0 --port-file "$CK_TMP/ksim.port" \
    --nodes "$NODES" --node-cidr 10.0.0.0/8 --v=1 >>"$CK_TMP/ksim.log" 2>&1 &
KS_PID=$!
CK_PIDS+=("$KS_PID")
eventually -t 60 test -s "$CK_TMP/ksim.port" || { show_log "$CK_TMP/ksim.log"; exit 1; }

# count_pods PHASE: pods in that phase (LIST of everything).
py_count() {
	python3 - "$API_URL" "$1" <<'PY'
import json, sys, urllib.request
url, what = sys.argv[1], sys.argv[2]
if what == "nodes":
    d = json.load(urllib.request.urlopen(url + "/api/v1/nodes"))
    print(sum(1 for n in d["items"] if any(c["type"] == "Ready" and c["status"] == "True"
        for c in n.get("status", {}).get("conditions", []))))
else:
    d = json.load(urllib.request.urlopen(url + "/api/v1/namespaces/mem/pods"))
    print(sum(1 for p in d["items"] if p.get("status", {}).get("phase") == what))
PY
}
nodes_ready() { [ "$(py_count nodes)" -ge "$NODES" ]; }
pods_running() { [ "$(py_count Running)" -ge "$PODS" ]; }
eventually -t 300 nodes_ready || { say "nodes not Ready"; exit 1; }
sleep 3	# bench only: let leases and statuses reach their steady state
base=$(rss_kib "$(ksim_pid)")

python3 - "$API_PORT" "$PODS" "$NODES" <<'PY'
import http.client, json, sys
port, pods, nodes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
def post(path, body):
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    if r.status >= 300: sys.exit("POST %s: %d" % (path, r.status))
post("/api/v1/namespaces", {"metadata": {"name": "mem"}})
for i in range(pods):
    d = i % 20 + 1
    post("/api/v1/namespaces/mem/pods?fieldManager=kube-controller-manager", {
      "metadata": {"generateName": "web-%d-5d8f7c9b4-" % d,
        "labels": {"app": "web-%d" % d, "tier": "frontend", "app.kubernetes.io/part-of": "shop",
          "version": "v1.4.2", "pod-template-hash": "5d8f7c9b4"},
        "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "name": "web-%d-5d8f7c9b4" % d, "uid": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f%d" % (d % 10),
          "controller": True, "blockOwnerDeletion": True}]},
      "spec": {"nodeName": "sim-%d" % (i % nodes), "containers": [
        {"name": "app", "image": "registry.example.com/shop/web:v1.4.2",
         "args": ["--listen=:8080", "--metrics=:9090", "--log-level=info"],
         "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}],
         "env": [{"name": "MODE", "value": "production"}, {"name": "CACHE_SIZE", "value": "256"}],
         "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
         "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}},
        {"name": "sidecar", "image": "registry.example.com/shop/proxy:v2.0.1",
         "ports": [{"name": "proxy", "containerPort": 15001}],
         "resources": {"requests": {"cpu": "5m", "memory": "8Mi"}}}]}})
PY
eventually -t 600 pods_running || { say "pods not Running"; exit 1; }
sleep 5	# bench only: the last status writes and their watch events drain
after=$(rss_kib "$(ksim_pid)")
# LATE=S: read it again S seconds later (the allocator returns freed pages
# lazily: the difference is transient garbage, not what the pods keep).
if [ -n "${LATE:-}" ]; then
	sleep "$LATE"
	say "after $LATE s more: $(rss_kib "$(ksim_pid)") KiB"
fi
per_node=$((base * 1024 / NODES))
per_pod=0
[ "$PODS" -gt 0 ] && per_pod=$(((after - base) * 1024 / PODS))
say "$NODES nodes: $base KiB; + $PODS pods: $after KiB"
echo "{\"nodes\":$NODES,\"pods\":$PODS,\"rss_nodes_kib\":$base,\"rss_pods_kib\":$after,\"bytes_per_node\":$per_node,\"bytes_per_pod\":$per_pod,\"kib_per_node_with_pods\":$((after / NODES))}"
