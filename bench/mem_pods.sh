#!/usr/bin/env bash
# mem_pods.sh: bytes of RSS per pod in each daemon. Starts a cluster through
# deploy/local-cluster.sh, reads every daemon's VmRSS, has the real kubectl apply
# Deployments (and a Service each, so the endpoints controller works too) whose pods
# are made by the controllers as in a real cluster (managedFields included), waits
# until every pod is available, lets the cluster settle and reads VmRSS again. Prints
# one line per daemon (KiB before, after, bytes per pod) and a JSON summary line.
#
#   BIN=build/release/bin [SAMPLE=pod.json] bash bench/mem_pods.sh [PODS (10000)] [NODES (100)]
#
# RSS includes allocator slack and the process's fixed cost; on a shared machine run it
# twice and compare before/after builds in the same session. Nothing is asserted.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
BIN=${BIN:-$root/build/release/bin}
PODS=${1:-10000}
NODES=${2:-100}
DEPLOYS=${DEPLOYS:-20}
per_deploy=$(((PODS + DEPLOYS - 1) / DEPLOYS))

tmp=$(mktemp -d /tmp/ckube-mempods.XXXXXX)
cleanup() {
	BIN=$BIN bash "$root/deploy/local-cluster.sh" down --dir "$tmp/cluster" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { echo "mem_pods: $*" >&2; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# CPU time (user + system, clock ticks) of a process; the comm field has no spaces here.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
snapshot() {
	local f pid
	for f in "$tmp"/cluster/run/*.pid; do
		pid=$(cat "$f")
		echo "$(basename "$f" .pid) $(rss_kib "$pid") $(cpu_ticks "$pid")"
	done
}
# settle: wait (at most 60 s) until the machine is 70% idle over 2 s.
settle() {
	local i a b
	for i in $(seq 30); do
		a=$(awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat)
		sleep 2
		b=$(awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat)
		awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
		    exit !((y[1] - x[1]) >= 0.7 * (y[2] - x[2])) }' && return 0
	done
	say "settle: still busy after 60 s"
}

say "starting $NODES nodes from $BIN"
CKUBE_UP_TIMEOUT=600 BIN=$BIN bash "$root/deploy/local-cluster.sh" up --dir "$tmp/cluster" \
    --nodes "$NODES" --kubelet-flags "--node-cidr=10.0.0.0/8" >"$tmp/up.log" 2>&1 ||
    { cat "$tmp/up.log" >&2; exit 1; }
# shellcheck disable=SC1091 # written by local-cluster.sh
. "$tmp/cluster/env"
kc() { kubectl --kubeconfig "$CKUBE_KUBECONFIG" "$@"; }
kc create namespace mem >/dev/null
settle
snapshot >"$tmp/before"

# Deployments as people write them: labels, two ports, env, resources, probes.
for i in $(seq "$DEPLOYS"); do
	cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-$i
  namespace: mem
  labels: {app: web-$i, tier: frontend, app.kubernetes.io/part-of: shop}
spec:
  replicas: $per_deploy
  selector: {matchLabels: {app: web-$i}}
  template:
    metadata:
      labels: {app: web-$i, tier: frontend, app.kubernetes.io/part-of: shop, version: v1.4.2}
      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "9090"}
    spec:
      containers:
      - name: app
        image: registry.example.com/shop/web:v1.4.2
        args: [--listen=:8080, --metrics=:9090, --log-level=info]
        ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
        env: [{name: MODE, value: production}, {name: CACHE_SIZE, value: "256"}]
        resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 100m, memory: 64Mi}}
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 10}
      - name: sidecar
        image: registry.example.com/shop/proxy:v2.0.1
        ports: [{name: proxy, containerPort: 15001}]
        resources: {requests: {cpu: 5m, memory: 8Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web-$i, namespace: mem}
spec:
  selector: {app: web-$i}
  ports: [{name: http, port: 80, targetPort: 8080}]
EOF
done >"$tmp/apply.yaml"
t0=$(date +%s)
kc apply -f "$tmp/apply.yaml" >/dev/null
total=$((per_deploy * DEPLOYS))
say "applied $DEPLOYS deployments x $per_deploy pods = $total; waiting until available"
deadline=$((t0 + 1800))
while :; do
	avail=$(kc get deploy -n mem -o jsonpath='{range .items[*]}{.status.availableReplicas}{"\n"}{end}' |
	    awk '{s += $1} END {print s + 0}')
	[ "$avail" -ge "$total" ] && break
	if [ "$(date +%s)" -ge "$deadline" ]; then
		say "only $avail of $total pods available after 1800 s"; exit 1
	fi
	sleep 5
done
say "$total pods available after $(($(date +%s) - t0)) s"
settle
snapshot >"$tmp/after"
# SAMPLE=FILE keeps one pod as stored (bench/kobj_mem.c reads it).
if [ -n "${SAMPLE:-}" ]; then
	curl -sf "$CKUBE_API_URL/api/v1/namespaces/mem/pods?limit=1" |
	    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["items"][0]))' >"$SAMPLE"
fi

# CPU: microseconds per pod from the first snapshot to the second (the load, the
# settling and the idle periods of both runs alike: compare builds, not absolutes).
hz=$(getconf CLK_TCK)
json="" cjson=""
cp_b=0 cp_a=0 cpu_all=0
while read -r name a ca; do
	b=$(awk -v n="$name" '$1 == n {print $2}' "$tmp/before")
	cb=$(awk -v n="$name" '$1 == n {print $3}' "$tmp/before")
	b=${b:-0} cb=${cb:-0}
	per=$(((a - b) * 1024 / total))
	cpu=$(((ca - cb) * 1000000 / hz / total))
	printf '%-28s %8s KiB -> %8s KiB  %6s bytes/pod  %5s us CPU/pod\n' "$name" "$b" "$a" "$per" "$cpu"
	json="$json,\"$name\":$per"
	cjson="$cjson,\"$name\":$cpu"
	cpu_all=$((cpu_all + (ca - cb)))
	if [ "$name" != kubelet-sim ]; then cp_b=$((cp_b + b)); cp_a=$((cp_a + a)); fi
done <"$tmp/after"
cp_per=$(((cp_a - cp_b) * 1024 / total))
cpu_all=$((cpu_all * 1000000 / hz / total))
printf '%-28s %8s KiB -> %8s KiB  %6s bytes/pod  %5s us CPU/pod (all)\n' "control plane (no kubelet-sim)" "$cp_b" "$cp_a" "$cp_per" "$cpu_all"
echo "{\"pods\":$total,\"nodes\":$NODES,\"control_plane_bytes_per_pod\":$cp_per,\"cpu_us_per_pod_all\":$cpu_all,\"bytes_per_pod\":{${json#,}},\"cpu_us_per_pod\":{${cjson#,}}}"
