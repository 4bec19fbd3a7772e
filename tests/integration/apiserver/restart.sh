#!/usr/bin/env bash
# Data survives a stop/start of ckube-apiserver: objects, revisions, the
# default namespaces (not duplicated), and watches resume across the restart.
. "$(dirname "$0")/../../lib/lib.sh"

J='Content-Type: application/json'
NS=/api/v1/namespaces/default
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep"},"data":{"a":"b"}}' >/dev/null
expect "created before restart" 201 "$(code)"
api DELETE /api/v1/namespaces/kube-public >/dev/null
expect "a default namespace may not be deleted" 403 "$(code)"
uid=$(api GET $NS/configmaps/keep | json 'd["metadata"]["uid"]')
rv=$(api GET $NS/configmaps | json 'd["metadata"]["resourceVersion"]')
stop_apiserver
expect "first stop exits 0" 0 "$?"

start_apiserver api || { not_ok "apiserver restarts"; exit 1; }
out=$(api GET $NS/configmaps/keep)
expect "object survives restart" "200 $uid b" "$(code) $(echo "$out" | json 'd["metadata"]["uid"]+" "+d["data"]["a"]')"
rv2=$(api GET $NS/configmaps | json 'd["metadata"]["resourceVersion"]')
expect "revision survives restart" "$rv" "$rv2"
expect "default namespaces not duplicated" "4" "$(api GET /api/v1/namespaces | json 'len(d["items"])')"
expect "the protected namespace is still Active after the restart" "Active" \
    "$(api GET /api/v1/namespaces/kube-public | json 'd["status"]["phase"]')"
api PATCH $NS/configmaps/keep -H 'Content-Type: application/merge-patch+json' -d '{"data":{"a":"c"}}' >/dev/null
rv3=$(api GET $NS/configmaps/keep | json 'd["metadata"]["resourceVersion"]')
expect "revisions keep increasing after restart" "True" "$(python3 -c "print($rv3 > $rv2)")"
out=$(curl -sN "$API_URL$NS/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=1")
expect "watch resumes from a revision before the restart" "MODIFIED c" \
    "$(echo "$out" | grep -v '^$' | json 'd["type"]+" "+d["object"]["data"]["a"]')"
stop_apiserver
finish
