#!/usr/bin/env bash
# e2e: deploy/local-cluster.sh brings up a cluster the real kubectl talks to; data survives
# down/up; status and down behave. Prints TAP-like lines for tests/run.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
export BIN=${BIN:-$top/bin}
lc="$top/deploy/local-cluster.sh"
dir=$(mktemp -d /tmp/ckube-e2e-lc.XXXXXX)
dir2=$(mktemp -d /tmp/ckube-e2e-lc2.XXXXXX)
cache=$(mktemp -d /tmp/ckube-kcache.XXXXXX)
fails=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
cleanup() {
	bash "$lc" down --dir "$dir" >/dev/null 2>&1
	bash "$lc" down --dir "$dir2" >/dev/null 2>&1
	if [ "$fails" -gt 0 ]; then tail -n 20 "$dir"/logs/*.log 2>/dev/null; fi
	rm -rf "$dir" "$dir2" "$cache"
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
out=$(bash "$lc" frobnicate --dir "$dir" 2>&1)
check "an unknown command says so" grep -q 'unknown command: frobnicate' <<<"$out"
out=$(CKUBE_UP_TIMEOUT=20 bash "$lc" up --dir "$dir2" --port "$(cat "$dir/run/apiserver.port")" --nodes 0 2>&1)
check "a port in use says address already in use" grep -q 'address already in use' <<<"$out"
if [ -x "$BIN/ckube-serviceaccount-controller" ]; then
	has_sa() { curl -fsS "$CKUBE_API_URL/api/v1/namespaces/kube-public/serviceaccounts/default" >/dev/null 2>&1; }
	sa_ok=1
	for _ in $(seq 100); do has_sa && { sa_ok=0; break; }; sleep 0.1; done
	check "every namespace gets a default ServiceAccount" test "$sa_ok" = 0
fi
exit $((fails > 0))
