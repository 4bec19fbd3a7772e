#!/usr/bin/env bash
# netpol_matrix.sh: how long `ckube-netpol matrix` takes over PODS pods (default 100, in 4
# namespaces) and POLICIES NetworkPolicies (default 50: pod and namespace selectors, ports,
# named ports, ipBlocks, egress), the whole command: three LISTs, compiling the policies and
# PODS^2 decisions. Real apiserver on loopback; prints the best of 3 runs, asserts nothing.
# Usage: bench/netpol_matrix.sh [PODS] [POLICIES]
. "$(dirname "$0")/../tests/lib/lib.sh"

PODS=${1:-100}
POLICIES=${2:-50}
start_apiserver api --v=0 || { echo "apiserver did not start"; exit 1; }

python3 - "$API_PORT" "$PODS" "$POLICIES" <<'PY' || exit 1
import http.client, json, sys
port, pods, pols = (int(a) for a in sys.argv[1:])
c = http.client.HTTPConnection("127.0.0.1", port)
def post(path, body):
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    if r.status != 201:
        sys.exit("POST %s: %d" % (path, r.status))
nss = ["bench-%d" % i for i in range(4)]
for i, ns in enumerate(nss):
    post("/api/v1/namespaces", {"metadata": {"name": ns, "labels": {"team": "t%d" % (i % 2)}}})
for i in range(pods):
    ns = nss[i % len(nss)]
    post("/api/v1/namespaces/%s/pods" % ns, {"metadata": {"name": "p%d" % i,
        "labels": {"app": "a%d" % (i % 10), "tier": "t%d" % (i % 3)}},
        "spec": {"containers": [{"name": "c", "image": "nginx",
            "ports": [{"name": "http", "containerPort": 80}]}]},
        "status": {"podIP": "10.244.%d.%d" % (i // 200, i % 200 + 2)}})
for k in range(pols):
    ns = nss[k % len(nss)]
    peer = [{"podSelector": {"matchLabels": {"app": "a%d" % ((k + 1) % 10)}}},
            {"namespaceSelector": {"matchLabels": {"team": "t%d" % (k % 2)}},
             "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In",
                                                   "values": ["t0", "t1"]}]}},
            {"ipBlock": {"cidr": "10.244.0.0/16", "except": ["10.244.0.0/24"]}}]
    spec = {"podSelector": {"matchLabels": {"app": "a%d" % (k % 10)}},
            "ingress": [{"from": peer[: 1 + k % 3],
                         "ports": [{"port": 80}, {"port": "http"}, {"port": 8000, "endPort": 8100}]}]}
    if k % 5 == 0:
        spec["egress"] = [{"to": [{"namespaceSelector": {}}], "ports": [{"port": 80}]}]
    post("/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies" % ns,
         {"metadata": {"name": "np%d" % k}, "spec": spec})
PY
# best_ms CMD...: the fastest of 3 runs, in ms.
best_ms() {
	local best="" t0 t1 ms
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null || { echo "failed: $*" >&2; return 1; }
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		{ [ -z "$best" ] || [ "$ms" -lt "$best" ]; } && best=$ms
	done
	echo "$best"
}
load=$(best_ms "$CK_BIN/ckube-netpol" explain bench-0/p0 --master "$API_URL") || exit 1
ms=$(best_ms "$CK_BIN/ckube-netpol" matrix -A --port 80 --master "$API_URL") || exit 1
out=$("$CK_BIN/ckube-netpol" matrix -A --port 80 --master "$API_URL" | tail -1)
echo "netpol_matrix: $PODS pods, $POLICIES policies: $out in $ms ms" \
    "(best of 3; loading the cluster alone, as explain does: $load ms)"
