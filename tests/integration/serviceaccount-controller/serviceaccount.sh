#!/usr/bin/env bash
# serviceaccount.sh: ckube-serviceaccount-controller against a real
# apiserver: the namespaces that exist at start and one created later each
# get a "default" ServiceAccount; a deleted one comes back; the daemon stops
# promptly on SIGTERM.
. "$(dirname "$0")/../../lib/lib.sh"

SAC=$CK_BIN/ckube-serviceaccount-controller
if [ ! -x "$SAC" ]; then
	skip "serviceaccount-controller" "not built: $SAC"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
setsid "$SAC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
    --port 0 --port-file "$CK_TMP/sac.port" --v=2 >>"$CK_TMP/sac.log" 2>&1 &
SAC_PID=$!
CK_PIDS+=("$SAC_PID")
check "the controller becomes ready" eventually sh -c \
    "test -s '$CK_TMP/sac.port' && curl -sf http://127.0.0.1:\$(cat '$CK_TMP/sac.port')/readyz"

J='Content-Type: application/json'
has_sa() { api GET "/api/v1/namespaces/$1/serviceaccounts/default" >/dev/null; [ "$(code)" = 200 ]; }
for ns in default kube-system kube-public kube-node-lease; do
	check "namespace $ns has a default ServiceAccount" eventually has_sa "$ns"
done
api POST /api/v1/namespaces -H "$J" -d '{"metadata":{"name":"team-a"}}' >/dev/null
check "a new namespace gets a default ServiceAccount" eventually has_sa team-a
uid0=$(api GET /api/v1/namespaces/team-a/serviceaccounts/default | json 'd["metadata"]["uid"]')
api DELETE /api/v1/namespaces/team-a/serviceaccounts/default >/dev/null
recreated() { [ "$(api GET /api/v1/namespaces/team-a/serviceaccounts/default | json 'd["metadata"]["uid"]')" != "$uid0" ] && has_sa team-a; }
check "a deleted default ServiceAccount comes back" eventually recreated
stop_pid "$SAC_PID"
expect "SIGTERM: exits 0" 0 "$?"
finish
