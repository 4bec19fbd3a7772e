#!/usr/bin/env bash
# petset_bench.sh: how long a StatefulSet takes on a whole cluster (local-cluster.sh, 10
# simulated nodes): a 100-replica Parallel set to 100 Ready pets and 100 Bound claims, then
# a 20-replica OrderedReady set to 20 Ready pets (one at a time by design). Prints the figures
# as one line of JSON; asserts nothing.
# Usage: BIN=... bench/petset_bench.sh [PARALLEL] [ORDERED]
. "$(dirname "$0")/../tests/lib/lib.sh"
. "$(dirname "$0")/../tests/lib/e2e.sh"

PAR=${1:-100}
ORD=${2:-20}
e2e_up --nodes 10 || { echo "cluster did not start" >&2; exit 1; }

python3 - "$API_URL" "$PAR" "$ORD" <<'PY'
import json, sys, time, urllib.request
api, par, ordered = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def req(method, path, body=None):
    r = urllib.request.Request(api + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(r) as f:
        return json.load(f)
def sts(name, n, policy):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
        "spec": {"replicas": n, "serviceName": name, "podManagementPolicy": policy,
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "c", "image": "nginx",
                "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
def run(name, n, policy):
    base = "/apis/apps/v1/namespaces/default/statefulsets"
    t0 = time.time()
    req("POST", base, sts(name, n, policy))
    while time.time() - t0 < 600:
        st = req("GET", base + "/" + name).get("status", {})
        pvcs = req("GET", "/api/v1/namespaces/default/persistentvolumeclaims?labelSelector=app%3D" + name)
        bound = sum(1 for p in pvcs["items"] if p.get("status", {}).get("phase") == "Bound")
        if st.get("readyReplicas", 0) == n and bound == n:
            return round(time.time() - t0, 2)
        time.sleep(0.2)
    return None
out = {"parallel_replicas": par, "parallel_s": run("par", par, "Parallel"),
       "ordered_replicas": ordered, "ordered_s": run("ord", ordered, "OrderedReady")}
print(json.dumps(out))
PY
