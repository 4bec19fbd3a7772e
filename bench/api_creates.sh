#!/usr/bin/env bash
# api_creates.sh: API creates/s at C connections against a lone apiserver (no controllers)
# started with --storage-sync=SYNC, or on the etcd3 backend (SYNC=etcd3: an etcd of its own),
# or the etcd peer (SYNC=etcd: Debian's etcd through its JSON gateway, the same payload): the
# same loadgen runs as run.sh's api_conc and etcd_conc,
# so this piece of the bench can be run by itself (run.sh uses it for the full-sync figure).
# Prints loadgen's JSON with "storage_sync" added; asserts nothing.
# Usage: BIN=build/release/bin LOADGEN=build/release/bench/ckube-loadgen \
#            bench/api_creates.sh [normal|full|etcd3|etcd] [REQUESTS] [CONC]
. "$(dirname "$0")/../tests/lib/lib.sh"

SYNC=${1:-normal}
N=${2:-5000}
C=${3:-50}
LOADGEN=${LOADGEN:-$CK_ROOT/build/release/bench/ckube-loadgen}

if [ "$SYNC" = etcd ]; then
	command -v etcd >/dev/null || { echo "no etcd (scripts/deps.sh bench installs etcd-server)"; exit 1; }
	cp=$(free_port) pp=$(free_port)
	setsid etcd --name bench --data-dir "$CK_TMP/etcd" --listen-client-urls "http://127.0.0.1:$cp" \
	    --advertise-client-urls "http://127.0.0.1:$cp" --listen-peer-urls "http://127.0.0.1:$pp" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
	    --initial-cluster "bench=http://127.0.0.1:$pp" >"$CK_TMP/etcd.log" 2>&1 &
	CK_PIDS+=("$!")
	eventually -t 20 curl -sf "http://127.0.0.1:$cp/health" || { echo "etcd did not start"; exit 1; }
	out=$("$LOADGEN" etcd --url "http://127.0.0.1:$cp/v3/kv/put" --requests "$N" --concurrency "$C")
else
	if [ "$SYNC" = etcd3 ]; then
		start_etcd || { echo "etcd did not start"; exit 1; }
		flags=(--storage-backend etcd3 --etcd-servers "$ETCD_URL")
	else
		flags=(--storage-sync="$SYNC")
	fi
	start_apiserver api --v=0 "${flags[@]}" || { echo "apiserver did not start"; exit 1; }
	curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
	    -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}}' \
	    "$API_URL/api/v1/namespaces" || { echo "cannot create the namespace"; exit 1; }
	out=$("$LOADGEN" create --url "$API_URL/api/v1/namespaces/bench/configmaps" --requests "$N" \
	    --concurrency "$C")
fi
echo "$out" | tail -n 1 | sed "s/^{/{\"storage_sync\":\"$SYNC\",/"
