#!/usr/bin/env bash
# lb.sh: ckube-service-lb-controller against a real apiserver, pool of 3: a LoadBalancer
# Service gets the lowest address (and its nodePort from the apiserver), kubectl shows it
# as EXTERNAL-IP; spec.loadBalancerIP is honoured; an exhausted pool leaves a Service
# <pending> with a Warning AllocationFailed Event; a delete and a type change release
# their addresses to the pending Service; another loadBalancerClass is left alone; a
# restart keeps every assignment; a bad --lb-ip-range stops the daemon with the reason.
. "$(dirname "$0")/../../lib/lib.sh"

LBC=$CK_BIN/ckube-service-lb-controller
KUBECTL=${KUBECTL:-kubectl}
if [ ! -x "$LBC" ]; then
	skip "service-lb-controller" "not built: $LBC"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
RANGE=10.250.0.1-10.250.0.3
start_lbc() {
	rm -f "$CK_TMP/lbc.port"
	setsid "$LBC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
	    --port 0 --port-file "$CK_TMP/lbc.port" --lb-ip-range="$RANGE" --v=2 \
	    >>"$CK_TMP/lbc.log" 2>&1 &
	LBC_PID=$!
	CK_PIDS+=("$LBC_PID")
	eventually test -s "$CK_TMP/lbc.port" &&
	    eventually curl -sf "http://127.0.0.1:$(cat "$CK_TMP/lbc.port")/readyz"
}
check "the controller starts and becomes ready" start_lbc

J='Content-Type: application/json'
NS=/api/v1/namespaces/default
is() { [ "$("${@:2}")" = "$1" ]; }
# svc NAME TYPE [EXTRA SPEC JSON]: create a Service.
svc() {
	api POST "$NS/services" -H "$J" -d "{\"metadata\":{\"name\":\"$1\"},
	  \"spec\":{\"type\":\"$2\",\"selector\":{\"app\":\"$1\"},
	  \"ports\":[{\"port\":80}]${3:+,$3}}}" >/dev/null
	[ "$(code)" = 201 ]
}
# lbip NAME: its status.loadBalancer.ingress IPs, space-separated (grep: python
# starts slowly on a busy machine and this is polled).
lbip() {
	api GET "$NS/services/$1" | grep -o '"loadBalancer":{"ingress":\[[^]]*\]' |
	    grep -o '"ip":"[^"]*"' | cut -d'"' -f4 | paste -sd' '
}
kc() { "$KUBECTL" --server "$API_URL" --cache-dir "$CK_TMP/kcache" "$@"; }

check "create LoadBalancer a" svc a LoadBalancer
check "a gets the first address of the pool" eventually is 10.250.0.1 lbip a
np=$(api GET "$NS/services/a" | json "d['spec']['ports'][0].get('nodePort', 0)")
check "a has a nodePort (the apiserver's)" test "$np" -ge 30000 -a "$np" -le 32767
if command -v "$KUBECTL" >/dev/null; then
	expect "kubectl get svc shows it as EXTERNAL-IP" 10.250.0.1 \
	    "$(kc get svc a --no-headers | awk '{print $4}')"
else
	skip "kubectl get svc shows it as EXTERNAL-IP" "no kubectl"
fi
allocated() {
	api GET "$NS/events?fieldSelector=involvedObject.name=$1,reason=$2" |
	    grep -q "\"reason\":\"$2\""
}
check "a Normal IPAllocated Event about a" eventually allocated a IPAllocated

check "create b asking for 10.250.0.3" svc b LoadBalancer '"loadBalancerIP":"10.250.0.3"'
check "b gets the address it asked for" eventually is 10.250.0.3 lbip b
check "create c" svc c LoadBalancer
check "c gets the one left" eventually is 10.250.0.2 lbip c
check "create d in a full pool" svc d LoadBalancer
check "a Warning AllocationFailed Event about d" eventually allocated d AllocationFailed
msg=$(api GET "$NS/events?fieldSelector=involvedObject.name=d,reason=AllocationFailed" |
    json "d['items'][0]['type'] + ': ' + d['items'][0]['message']")
expect "it says why" 'Warning: Failed to allocate IP for "default/d": no available IPs' "$msg"
expect "d stays without an address" "" "$(lbip d)"
if command -v "$KUBECTL" >/dev/null; then
	expect "kubectl shows d <pending>" "<pending>" "$(kc get svc d --no-headers | awk '{print $4}')"
fi
check "create x of another loadBalancerClass" svc x LoadBalancer '"loadBalancerClass":"example.com/other"'
check "create e asking for an address outside the pool" svc e LoadBalancer '"loadBalancerIP":"192.0.2.7"'
check "e gets AllocationFailed (not in the pool)" eventually allocated e AllocationFailed
expect "x is left alone" "" "$(lbip x)"

api DELETE "$NS/services/a" >/dev/null
check "deleting a gives its address to the pending d" eventually is 10.250.0.1 lbip d
# c becomes a ClusterIP Service (its unchanged nodePort is dropped, as upstream): its
# status is cleared, its address is free again.
api PATCH "$NS/services/c" -H 'Content-Type: application/merge-patch+json' \
    -d '{"spec":{"type":"ClusterIP"}}' >/dev/null
expect "c turns ClusterIP" 200 "$(code)"
check "its status.loadBalancer is cleared" eventually is "" lbip c
check "create f" svc f LoadBalancer
check "f gets c's released address" eventually is 10.250.0.2 lbip f

# Restart: the pool is rebuilt from the Services' status, nothing moves.
stop_pid "$LBC_PID"
expect "SIGTERM: exits 0" 0 $?
api DELETE "$NS/services/e" >/dev/null
check "create g while the controller is down" svc g LoadBalancer
check "the controller restarts" start_lbc
eventually -t 2 false
expect "b keeps its address" 10.250.0.3 "$(lbip b)"
expect "d keeps its address" 10.250.0.1 "$(lbip d)"
expect "f keeps its address" 10.250.0.2 "$(lbip f)"
expect "g stays pending: the pool is full" "" "$(lbip g)"
check "g's AllocationFailed Event" eventually allocated g AllocationFailed
stop_pid "$LBC_PID"

# A bad range: the daemon exits 1 and says why.
"$LBC" --master "$API_URL" --port 0 --lb-ip-range=10.0.0.9-10.0.0.1 >"$CK_TMP/bad.log" 2>&1
expect "a bad --lb-ip-range exits 1" 1 $?
check "and names the problem" grep -q 'bad --lb-ip-range: 10.0.0.9-10.0.0.1: the first address is above the last' "$CK_TMP/bad.log"
finish
