#!/usr/bin/env bash
# api_reads.sh: the read-side figures of bench/run.sh against a lone apiserver (no
# controllers), so they can be measured (and profiled) by themselves: PODS pods in a
# namespace (1.8 KB each, a third with a Running status, as the bench's pods look), then
#   list_json   the namespace LIST as JSON (run.sh's list_namespace_p99_ms),
#   list_table  the same as kubectl asks for it (Table, its 500-item pages) and whole,
#   watch_W     ckube-loadgen watch with W = 1, 10, 100 watchers, creates at RATE/s
#               (run.sh's watch_p99_ms and watch_after_reply_p99_ms use 10 at 2,000/s),
# each with the apiserver's CPU per request (utime+stime from /proc: what a loaded box
# changes least). Prints one JSON line per figure; asserts nothing.
# Usage: BIN=build/release/bin LOADGEN=build/release/bench/ckube-loadgen \
#            bench/api_reads.sh [PODS] [RATE] [WATCH_CREATES]
. "$(dirname "$0")/../tests/lib/lib.sh"

PODS=${1:-3000}
RATE=${2:-2000}
WN=${3:-2000}
LOADGEN=${LOADGEN:-$CK_ROOT/build/release/bench/ckube-loadgen}
TABLE='application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'

start_apiserver api --v=0 || { echo "apiserver did not start"; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$API_PID/stat"; }
# run NAME PER LOADGEN-ARGS...: loadgen's line with the apiserver's CPU ms per PER requests.
run() {
	local name=$1 per=$2 a b out
	shift 2
	a=$(cpu)
	out=$("$LOADGEN" "$@" | tail -n 1)
	b=$(cpu)
	echo "$out" | sed "s/^{/{\"figure\":\"$name\",\"api_cpu_ms_per_req\":$(awk \
	    -v a="$a" -v b="$b" -v n="$per" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN {printf "%.2f", (b - a) * 1000 / hz / n}'),/"
}

python3 - "$API_PORT" "$PODS" <<'PY' || { echo "cannot create the pods"; exit 1; }
import http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
def req(m, p, b, ct="application/json"):
    c.request(m, p, body=json.dumps(b), headers={"Content-Type": ct})
    r = c.getresponse(); r.read()
    return r.status
assert req("POST", "/api/v1/namespaces",
           {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}) == 201
for i in range(n):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "b-%d" % i, "labels": {"bench": "t", "i": str(i % 10)},
                        "annotations": {"bench/pad": "x" * 700}},
           "spec": {"nodeName": "node-%d" % (i % 100), "containers": [
               {"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1m"}}}]}}
    assert req("POST", "/api/v1/namespaces/bench/pods", pod) == 201
    if i % 3 == 0:
        st = {"status": {"phase": "Running", "podIP": "10.0.%d.%d" % (i // 250, i % 250),
              "hostIP": "10.1.0.1", "startTime": "2026-12-07T00:00:00Z",
              "conditions": [{"type": "Ready", "status": "True",
                              "lastTransitionTime": "2026-12-07T00:00:00Z"}],
              "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0,
                  "image": "nginx", "imageID": "docker://x", "containerID": "docker://%d" % i,
                  "state": {"running": {"startedAt": "2026-12-07T00:00:00Z"}}}]}}
        assert req("PATCH", "/api/v1/namespaces/bench/pods/b-%d/status" % i, st,
                   "application/merge-patch+json") == 200
PY
L=$API_URL/api/v1/namespaces/bench/pods
run list_json 20 get --url "$L" --requests 20 --concurrency 1
run list_table_500 20 get --url "$L?limit=500" --requests 20 --concurrency 1 --accept "$TABLE"
run list_table_all 10 get --url "$L" --requests 10 --concurrency 1 --accept "$TABLE"
for w in 1 10 100; do
	ns=watch-$w
	curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
	    -d "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$ns\"}}" \
	    "$API_URL/api/v1/namespaces" || { echo "cannot create $ns"; exit 1; }
	run "watch_$w" "$WN" watch --url "$API_URL/api/v1/namespaces/$ns/configmaps" \
	    --requests "$WN" --watchers "$w" --rate "$RATE" --concurrency 4
done
