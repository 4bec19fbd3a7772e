#!/usr/bin/env bash
# e2e: deploy/local-cluster.sh brings up a cluster the real kubectl talks to; data survives
# down/up; status and down behave. Prints TAP-like lines for tests/run.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
export BIN=${BIN:-$top/bin}
lc="$top/deploy/local-cluster.sh"
dir=$(mktemp -d /tmp/ckube-e2e-lc.XXXXXX)
cache=$(mktemp -d /tmp/ckube-kcache.XXXXXX)
fails=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
cleanup() {
	bash "$lc" down --dir "$dir" >/dev/null 2>&1
	if [ "$fails" -gt 0 ]; then tail -n 20 "$dir"/logs/*.log 2>/dev/null; fi
	rm -rf "$dir" "$cache"
}
trap cleanup EXIT
kc() { kubectl --kubeconfig "$dir/kubeconfig" --cache-dir "$cache" "$@"; }

check "up starts a ready cluster" bash "$lc" up --dir "$dir" --nodes 0
check "env names the API URL" grep -q '^CKUBE_API_URL=http://127.0.0.1:[0-9]*$' "$dir/env"
check "status says the apiserver runs" bash "$lc" status --dir "$dir"
if ! command -v kubectl >/dev/null; then
	echo "ok - kubectl lists the default namespaces # SKIP no kubectl"
else
	out=$(kc get namespaces -o name 2>&1)
	check "kubectl lists the default namespaces" \
	    test "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = \
	    "namespace/default namespace/kube-node-lease namespace/kube-public namespace/kube-system "
	check "kubectl creates a configmap" kc create configmap e2e-keep --from-literal=a=b
fi
. "$dir/env"
curl -fsS -X POST -H 'Content-Type: application/json' "$CKUBE_API_URL/api/v1/namespaces/default/configmaps" \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"e2e-curl"},"data":{"k":"v"}}' >/dev/null
check "down stops every daemon" bash "$lc" down --dir "$dir"
check "status reports nothing running after down" bash -c "! bash '$lc' status --dir '$dir' >/dev/null"
check "up resumes the same folder" bash "$lc" up --dir "$dir" --nodes 0
. "$dir/env"
check "data survives down/up" bash -c "curl -fsS '$CKUBE_API_URL/api/v1/namespaces/default/configmaps/e2e-curl' | grep -q '\"k\": *\"v\"'"
check "a second up on a running cluster is harmless" bash "$lc" up --dir "$dir" --nodes 0
check "unknown argument is an error" bash -c "! bash '$lc' up --dir '$dir' --bogus 2>/dev/null"
exit $((fails > 0))
