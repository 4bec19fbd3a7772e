#!/usr/bin/env bash
# endpoints.sh: ckube-endpoints-controller against a real apiserver: a
# Service with a selector gets Endpoints with its ready pods' IPs on the
# resolved target port, a pod that turns unready moves to
# notReadyAddresses, a Service without selector is left alone, and the
# Endpoints go with their Service. The test sets pod status itself.
. "$(dirname "$0")/../../lib/lib.sh"

EPC=$CK_BIN/ckube-endpoints-controller
if [ ! -x "$EPC" ]; then
	skip "endpoints-controller" "not built: $EPC"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
setsid "$EPC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
    --port 0 --port-file "$CK_TMP/epc.port" --v=2 >>"$CK_TMP/epc.log" 2>&1 &
EPC_PID=$!
CK_PIDS+=("$EPC_PID")
eventually test -s "$CK_TMP/epc.port" || not_ok "the controller writes its port"
check "the controller becomes ready" eventually curl -sf \
    "http://127.0.0.1:$(cat "$CK_TMP/epc.port" 2>/dev/null)/readyz"

J='Content-Type: application/json'
NS=/api/v1/namespaces/default
is() { [ "$("${@:2}")" = "$1" ]; }
# pod NAME IP READY: create the pod and set its status.
pod() {
	api POST "$NS/pods" -H "$J" -d "{\"metadata\":{\"name\":\"$1\",
	  \"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"n1\",
	  \"containers\":[{\"name\":\"c\",\"image\":\"nginx\",
	  \"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]}}" >/dev/null
	set_status "$1" "$2" "$3"
}
set_status() {
	api GET "$NS/pods/$1" | python3 -c "import json,sys
d=json.load(sys.stdin)
d['status']={'phase':'Running','podIP':'$2',
 'conditions':[{'type':'Ready','status':'$3'}]}
print(json.dumps(d))" | curl -sf -o /dev/null -X PUT -H "$J" -d @- \
	    "$API_URL$NS/pods/$1/status"
}
# ips NAME FIELD: the IPs of FIELD (addresses, notReadyAddresses).
ips() {
	api GET "$NS/endpoints/$1" |
	    json "[a['ip'] for a in d['subsets'][0].get('$2', [])]" 2>/dev/null
}
ep() { api GET "$NS/endpoints/$1" | json "d$2" 2>/dev/null; }

pod a 10.2.0.1 True
pod b 10.2.0.2 True
api POST "$NS/services" -H "$J" -d '{"metadata":{"name":"web"},
  "spec":{"selector":{"app":"web"},"ports":[{"name":"h","port":80,
  "targetPort":"http"}]}}' >/dev/null
expect "create a Service" 201 "$(code)"
check "Endpoints list both ready pods" eventually is '["10.2.0.1", "10.2.0.2"]' \
    ips web addresses
expect "on the named target port" 8080 "$(ep web "['subsets'][0]['ports'][0]['port']")"
expect "with a targetRef" a "$(ep web "['subsets'][0]['addresses'][0]['targetRef']['name']")"
set_status b 10.2.0.2 False
check "an unready pod moves to notReadyAddresses" eventually is '["10.2.0.2"]' \
    ips web notReadyAddresses
expect "and leaves addresses" '["10.2.0.1"]' \
    "$(ips web addresses)"

api POST "$NS/services" -H "$J" -d '{"metadata":{"name":"manual"},
  "spec":{"ports":[{"port":80}]}}' >/dev/null
api POST "$NS/endpoints" -H "$J" -d '{"metadata":{"name":"manual"},
  "subsets":[{"addresses":[{"ip":"192.0.2.1"}],"ports":[{"port":80}]}]}' >/dev/null
eventually -t 1 false
expect "Endpoints of a Service without selector are left alone" 192.0.2.1 \
    "$(ep manual "['subsets'][0]['addresses'][0]['ip']")"

api DELETE "$NS/services/web" >/dev/null
check "the Endpoints go with their Service" eventually sh -c \
    "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$API_URL$NS/endpoints/web')\" = 404 ]"

stop_pid "$EPC_PID"
expect "SIGTERM: exits 0" 0 $?
finish
