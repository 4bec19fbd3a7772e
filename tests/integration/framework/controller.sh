#!/usr/bin/env bash
# controller.sh: controller_main end to end with the toy controller of
# tests/lib/toy_controller.c against a real apiserver: informers over the
# bus, reconcile, events, metrics, SIGTERM, and two replicas with
# --leader-elect of which only one acts, the other taking over.
source "$(dirname "$0")/../../lib/lib.sh"

TOY=$CK_ROOT/build/${MODE:-debug}/tests/integration/framework/toy_controller
TOY_PID=""
TOY_URL=""

# start_toy NAME [FLAGS...]: sets TOY_PID and TOY_URL (its health server).
start_toy() {
	local name=$1
	shift
	rm -f "$CK_TMP/$name.port"
	setsid "$TOY" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
	    --port 0 --port-file "$CK_TMP/$name.port" --v=2 "$@" \
	    >>"$CK_TMP/$name.log" 2>&1 &
	TOY_PID=$!
	CK_PIDS+=("$TOY_PID")
	eventually test -s "$CK_TMP/$name.port" || return 1
	TOY_URL=http://127.0.0.1:$(cat "$CK_TMP/$name.port")
}

# cm NAME [DATA]: create a toy=1 ConfigMap in default.
cm() {
	api POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' \
	    -d "{\"metadata\":{\"name\":\"$1\",\"labels\":{\"toy\":\"1\"}},\"data\":{\"v\":\"${2:-1}\"}}" >/dev/null
}

mirror_has() {
	[ "$(api GET "/api/v1/namespaces/default/configmaps/$1-mirror" | json 'd["data"]["v"]')" = "$2" ]
}

synced_in() { grep -q "caches synced" "$CK_TMP/$1.log"; }

if [ ! -x "$TOY" ]; then
	skip "toy controller" "not built: $TOY"
	exit 0
fi
start_apiserver || { not_ok "apiserver starts"; exit 1; }

start_toy toy || not_ok "toy controller writes its port"
check "toy controller becomes ready" eventually curl -sf "$TOY_URL/readyz"
cm a 1
check "a ConfigMap gets its mirror" eventually mirror_has a 1
api PATCH /api/v1/namespaces/default/configmaps/a \
    -H 'Content-Type: application/merge-patch+json' -d '{"data":{"v":"2"}}' >/dev/null
check "the mirror follows an update" eventually mirror_has a 2
reasons=$(api GET /api/v1/namespaces/default/events | json '[e["reason"] for e in d["items"]]')
expect "an event says so" '["Mirrored"]' "$reasons"
check "metrics count the queue's adds" eventually sh -c \
    "curl -sf '$TOY_URL/metrics' | grep -q 'ckube_workqueue_adds_total{name=\"toy-controller\"}'"
check "metrics have the reconcile histogram" sh -c \
    "curl -sf '$TOY_URL/metrics' | grep -q 'ckube_reconcile_duration_seconds_count{name=\"toy-controller\"}'"
stop_pid "$TOY_PID"
expect "SIGTERM: drained and exited 0" 0 $?

# Two replicas with leader election: one acts, the other takes over.
LE=(--leader-elect --leader-elect-lease-duration=4s --leader-elect-renew-deadline=3s
    --leader-elect-retry-period=100ms --leader-elect-resource-namespace=default)
start_toy r1 "${LE[@]}"
P1=$TOY_PID
start_toy r2 "${LE[@]}"
P2=$TOY_PID
check "one replica leads" eventually sh -c "grep -q 'caches synced' '$CK_TMP/r1.log' '$CK_TMP/r2.log'"
if synced_in r1; then LEAD=$P1 STANDBY=r2; else LEAD=$P2 STANDBY=r1; fi
cm b 1
check "the leader reconciles" eventually mirror_has b 1
if synced_in "$STANDBY"; then not_ok "the standby stays idle"; else ok "the standby stays idle"; fi
stop_pid "$LEAD"
check "the standby takes over" eventually synced_in "$STANDBY"
cm c 1
check "the new leader reconciles" eventually mirror_has c 1
holder=$(api GET /apis/coordination.k8s.io/v1/namespaces/default/leases/toy-controller | json 'd["spec"]["holderIdentity"]')
[ -n "$holder" ] && ok "the lease names its holder" || not_ok "the lease names its holder"

# Losing the lease stops the work: an intruder takes it, the leader exits 1.
if [ "$LEAD" = "$P1" ]; then NEWLEAD=$P2; else NEWLEAD=$P1; fi
# take_lease: a merge patch carries no resourceVersion, so it wins over the
# leader's 100 ms renewals however loaded the machine is; the leader's next
# renewal then conflicts, it re-reads a lease held by someone else and stops.
take_lease() {
	local now
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
	api PATCH /apis/coordination.k8s.io/v1/namespaces/default/leases/toy-controller \
	    -H 'Content-Type: application/merge-patch+json' \
	    -d "{\"spec\":{\"holderIdentity\":\"intruder\",\"renewTime\":\"$now\",\"leaseDurationSeconds\":3600}}" >/dev/null
	[ "$(code)" = 200 ]
}
check "an intruder takes the lease" take_lease
# gone PID: exited (a zombie until waited for counts).
gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
if eventually gone "$NEWLEAD"; then
	ok "the leader that lost it stops"
	wait "$NEWLEAD" 2>/dev/null
	expect "and exits 1" 1 $?
else
	not_ok "the leader that lost it stops"
fi
# Every controller daemon stops on SIGTERM even before it has reached the
# apiserver (it used to wait for its caches to sync, forever).
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for bin in "$CK_BIN"/ckube-scheduler "$CK_BIN"/ckube-replicaset-controller "$CK_BIN"/ckube-serviceaccount-controller; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	setsid "$bin" --master "http://127.0.0.1:$dead" --port 0 --port-file "$CK_TMP/$name.port" \
	    >>"$CK_TMP/$name.log" 2>&1 &
	pid=$!
	CK_PIDS+=("$pid")
	eventually grep -q 'waiting for' "$CK_TMP/$name.log"
	stop_pid "$pid"
	expect "$name: SIGTERM before reaching the apiserver exits 0" 0 "$?"
done
finish
