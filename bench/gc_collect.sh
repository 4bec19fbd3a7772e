#!/usr/bin/env bash
# gc_collect.sh: how long ckube-gc-controller takes to collect N owned objects (default
# 10,000 ConfigMaps, 100 per owner) after their owners are deleted (Background). Real
# apiserver and collector on loopback; prints the figure, asserts nothing.
# Usage: bench/gc_collect.sh [N] [WORKERS]
. "$(dirname "$0")/../tests/lib/lib.sh"

N=${1:-10000}
WORKERS=${2:-8}
PER=100
OWNERS=$(( (N + PER - 1) / PER ))
start_apiserver api --v=0 || { echo "apiserver did not start"; exit 1; }
setsid "$CK_BIN/ckube-gc-controller" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
    --port 0 --port-file "$CK_TMP/gc.port" --workers "$WORKERS" >>"$CK_TMP/gc.log" 2>&1 &
CK_PIDS+=("$!")
eventually -t 20 test -s "$CK_TMP/gc.port" || { echo "collector did not start"; exit 1; }

# Create, delete and count over one keep-alive connection (curl per object is the bottleneck).
python3 - "$API_PORT" "$N" "$OWNERS" "$PER" <<'PY'
import http.client, json, sys, time
port, n, owners, per = (int(a) for a in sys.argv[1:])
c = http.client.HTTPConnection("127.0.0.1", port)
def req(method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    return r.status, data
base = "/api/v1/namespaces/default/configmaps"
t0 = time.time()
uids = []
for o in range(owners):
    st, d = req("POST", base, {"metadata": {"name": "owner-%d" % o, "labels": {"bench": "owner"}}})
    uids.append(json.loads(d)["metadata"]["uid"])
made = 0
for o in range(owners):
    for i in range(per):
        if made == n:
            break
        ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner-%d" % o, "uid": uids[o]}
        st, _ = req("POST", base, {"metadata": {"name": "dep-%d-%d" % (o, i),
                    "labels": {"bench": "dep"}, "ownerReferences": [ref]}})
        made += 1
print("created %d owners and %d owned objects in %.1f s" % (owners, made, time.time() - t0))
time.sleep(2)	# let the collector's graph take them in
t0 = time.time()
for o in range(owners):
    req("DELETE", base + "/owner-%d" % o, {"propagationPolicy": "Background"})
t_del = time.time() - t0
def remaining():
    st, d = req("GET", base + "?labelSelector=bench%3Ddep")
    return len(json.loads(d)["items"])
deadline = time.time() + 600
left = remaining()
while left > 0 and time.time() < deadline:
    time.sleep(0.5)
    left = remaining()
t = time.time() - t0
if left:
    print("gc_collect: %d of %d owned objects still there after %.0f s" % (left, made, t))
else:
    print("gc_collect: %d owned objects collected %.1f s after deleting their %d owners "
          "(%.0f objects/s; the deletes took %.1f s)" % (made, t, owners, made / t, t_del))
PY
m=$(curl -s "http://127.0.0.1:$(cat "$CK_TMP/gc.port")/metrics" | grep -E '^ckube_gc_(deletions_total|graph_nodes) ')
echo "$m" | sed 's/^/  /'
