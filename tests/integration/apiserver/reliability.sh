#!/usr/bin/env bash
# reliability.sh: the apiserver under hostile or careless clients (issue 16):
# pods/log refuses node kubelet URLs outside --kubelet-address-allow and
# never echoes what it could read there; every request line gets an answer.
. "$(dirname "$0")/../../lib/lib.sh"

# 127.0.0.2 is the only allowed kubelet address; a "secret" service listens
# on 127.0.0.1, which must stay unreachable through pods/log.
# The disk-full test hook (store.h): "full" in this file caps the database.
export CKUBE_TEST_STORE_FULL_FILE=$CK_TMP/disk-full
start_apiserver api --kubelet-address-allow 127.0.0.2/32 || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts"
J='Content-Type: application/json'
NS=/api/v1/namespaces/default

# --- 1. pods/log: the node's kubelet URL is untrusted
printf 'SECRET-%s\n' "$$" >"$CK_TMP/secret.txt"
(cd "$CK_TMP" && exec python3 -u -m http.server 0 --bind 127.0.0.1 >"$CK_TMP/secret.log" 2>&1) &
CK_PIDS+=("$!")
secret_port() { sed -n 's/.*port \([0-9]*\).*/\1/p' "$CK_TMP/secret.log" | head -1; }
has_port() { test -n "$(secret_port)"; }
check "pods/log: a local secret service starts" eventually has_port
SPORT=$(secret_port)
check "pods/log: the secret service answers directly" \
    eventually curl -sf "http://127.0.0.1:$SPORT/secret.txt"
secret=$(cat "$CK_TMP/secret.txt")
mknode() {
	api POST /api/v1/nodes -H "$J" -d "{\"metadata\":{\"name\":\"$1\",\"annotations\":{\"sim.ckube.io/kubelet-url\":\"$2\"}}}" >/dev/null
	api POST $NS/pods -H "$J" -d "{\"metadata\":{\"name\":\"log-$1\"},\"spec\":{\"nodeName\":\"$1\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}" >/dev/null
}
# name, annotation: the log request is a clean 500 Status naming the policy
# and carrying nothing of the target.
refused() {
	local out
	mknode "$1" "$2"
	out=$(api GET "$NS/pods/log-$1/log")
	expect "pods/log refuses $3: 500 Status" "500 Status" \
	    "$(code) $(json 'd["kind"]' <<<"$out")"
	check "pods/log refuses $3: names the policy" grep -q 'kubelet-address-allow' <<<"$out"
	check "pods/log refuses $3: no content of the target" \
	    test -z "$(grep -e "$secret" -e "$(cat /etc/hostname)" <<<"$out")"
}
cp /etc/hostname "$CK_TMP/hn"
refused file "file:///etc/hostname#" "file:// URLs"
refused file2 "file://$CK_TMP/secret.txt" "file:// URLs to a secret"
refused other "http://127.0.0.1:$SPORT/secret.txt?" "a host outside the allow-list"
refused other2 "http://127.0.0.1:$SPORT" "a host outside the allow-list (base URL)"
refused dns "http://localhost:$SPORT" "host names"
refused user "http://x@127.0.0.2:$SPORT" "user info"
refused path "http://127.0.0.2:$SPORT/a/b" "a path"
refused gopher "gopher://127.0.0.2:$SPORT" "other schemes"
refused long "http://127.0.0.2:1/$(printf 'a%.0s' $(seq 300))" "an overlong annotation"
mknode closed "http://127.0.0.2:1"
out=$(api GET "$NS/pods/log-closed/log")
expect "pods/log: an allowed but closed kubelet: 500 fixed text" "500 error fetching logs from the kubelet: Couldn't connect to server" \
    "$(code) $(json 'd["message"]' <<<"$out")"

# pods/exec goes through the same allow-list, and relays a non-kubelet's
# answer as bounded text (never a 101 it did not get)
WS=(-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13'
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Sec-WebSocket-Protocol: v5.channel.k8s.io')
out=$(api GET "$NS/pods/log-other/exec?command=true" "${WS[@]}")
expect "pods/exec refuses a host outside the allow-list: 500 Status" "500 Status" \
    "$(code) $(json 'd["kind"]' <<<"$out")"
check "pods/exec: names the policy" grep -q 'kubelet-address-allow' <<<"$out"
out=$(api GET "$NS/pods/log-closed/exec?command=true" "${WS[@]}")
expect "pods/exec: an allowed but closed kubelet: 500 fixed text" \
    "500 error dialing the kubelet of the pod's node: no answer from http://127.0.0.2:1" \
    "$(code) $(json 'd["message"]' <<<"$out")"
(cd "$CK_TMP" && exec python3 -u -m http.server 0 --bind 127.0.0.2 >"$CK_TMP/fake.log" 2>&1) &
CK_PIDS+=("$!")
fake_port() { sed -n 's/.*port \([0-9]*\).*/\1/p' "$CK_TMP/fake.log" | head -1; }
has_fake() { test -n "$(fake_port)"; }
check "pods/exec: a fake kubelet on 127.0.0.2 starts" eventually has_fake
mknode fake "http://127.0.0.2:$(fake_port)"
out=$(api GET "$NS/pods/log-fake/exec?command=true&command=x%20y" "${WS[@]}")
expect "pods/exec: a non-101 kubelet answer keeps its code" 404 "$(code)"
check "... its text is passed on, printable" grep -q 'File not found' <<<"$out"
check "... the request reached /exec/NS/POD/CONTAINER with the command" \
    grep -q 'GET /exec/default/log-fake/c?command=true&command=x%20y ' "$CK_TMP/fake.log"
out=$(api GET "$NS/pods/log-fake/exec?command=true&container=nope" "${WS[@]}")
expect "pods/exec: a container not in the pod: 400" \
    "400 container nope is not valid for pod log-fake" "$(code) $(json 'd["message"]' <<<"$out")"

# --- 4. a long query: every request gets an answer (MHD ran out of pool
# memory at ~1,000 parameters and never answered)
query() { python3 -c 'import sys; print("&".join("p%d=%s" % (i, "v" * int(sys.argv[2])) for i in range(int(sys.argv[1]))))' "$1" "$2"; }
for n in 10 256; do
	expect "a query of $n parameters: 200" 200 \
	    "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$API_URL$NS/pods?$(query $n 1)")"
done
for spec in "257 1" "1000 1" "5000 1" "100 200"; do
	set -- $spec
	out=$(curl -s -m 20 -w '\n%{http_code}' "$API_URL$NS/pods?$(query "$1" "$2")")
	expect "a query of $1 parameters of $2 bytes: 414 Status" "414 RequestURITooLong" \
	    "${out##*$'\n'} $(json 'd["reason"]' <<<"${out%$'\n'*}" 2>/dev/null)"
done
out=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$API_URL/healthz?$(query 10000 1)")
expect "a query of 10,000 parameters: MHD's own 414" 414 "$out"
expect "healthz after the long queries" ok "$(curl -s -m 5 "$API_URL/healthz")"

# --- 5. GuaranteedUpdate: 5 clients x 100 unconditional PUTs and 200 merge
# PATCHes of one object; none may answer 409 (was ~2% before the retry)
api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"race"},"data":{"k":"0"}}' >/dev/null
racers=()
for i in 1 2 3 4 5; do
	curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H "$J" \
	    -d "{\"metadata\":{\"name\":\"race\"},\"data\":{\"k\":\"$i\"}}" \
	    "$API_URL$NS/configmaps/race?x=[1-100]" >"$CK_TMP/race.put.$i" &
	racers+=("$!")
	curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H 'Content-Type: application/merge-patch+json' \
	    -d "{\"data\":{\"p$i\":\"v\"}}" "$API_URL$NS/configmaps/race?x=[1-100]" >"$CK_TMP/race.patch.$i" &
	racers+=("$!")
done
wait "${racers[@]}"
expect "concurrent unconditional PUTs: 500 x 200, no 409" "500 200" "$(cat "$CK_TMP"/race.put.* | sort | uniq -c | xargs)"
expect "concurrent merge PATCHes: 500 x 200, no 409" "500 200" "$(cat "$CK_TMP"/race.patch.* | sort | uniq -c | xargs)"
api PUT $NS/configmaps/race -H "$J" -d '{"metadata":{"name":"race","resourceVersion":"2"},"data":{}}' >/dev/null
expect "a PUT naming a stale resourceVersion: 409" 409 "$(code)"
api PATCH $NS/configmaps/race -H 'Content-Type: application/merge-patch+json' \
    -d '{"metadata":{"resourceVersion":"2"},"data":{"x":"y"}}' >/dev/null
expect "a PATCH naming a stale resourceVersion: 409" 409 "$(code)"

# --- 6. \u0000 in JSON strings: cJSON keeps C strings, so a NUL would be
# stored cut short ("a\u0000b" as "a"); refused with 422, nothing stored
nul_refused() {
	local out
	out=$(api "$2" "$3" -H "${5:-$J}" -d "$4")
	expect "NUL in $1: 422 Invalid" "422 Invalid" "$(code) $(json 'd["reason"]' <<<"$out")"
	check "NUL in $1: the message says why" grep -q 'NUL is not supported' <<<"$out"
}
nul_refused "a data value" POST $NS/configmaps '{"metadata":{"name":"nulv"},"data":{"k":"a\u0000b"}}'
api GET $NS/configmaps/nulv >/dev/null
expect "NUL in a data value: nothing stored" 404 "$(code)"
nul_refused "a name" POST $NS/configmaps '{"metadata":{"name":"x\u0000../y"}}'
api GET $NS/configmaps/x >/dev/null
expect "NUL in a name: no object x stored" 404 "$(code)"
nul_refused "a data key" POST $NS/configmaps '{"metadata":{"name":"nulk"},"data":{"k\u0000x":"v"}}'
nul_refused "a label key" POST $NS/configmaps '{"metadata":{"name":"null","labels":{"a\u0000":"v"}}}'
nul_refused "an annotation value" POST $NS/configmaps '{"metadata":{"name":"nula","annotations":{"a":"\u0000"}}}'
api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"nulp"},"data":{"k":"v"}}' >/dev/null
nul_refused "a merge patch" PATCH $NS/configmaps/nulp '{"data":{"k":"a\u0000b"}}' 'Content-Type: application/merge-patch+json'
nul_refused "a JSON patch" PATCH $NS/configmaps/nulp '[{"op":"add","path":"/data/k","value":"\u0000"}]' 'Content-Type: application/json-patch+json'
nul_refused "a PUT" PUT $NS/configmaps/nulp '{"metadata":{"name":"nulp"},"data":{"k":"a\u0000"}}'
expect "NUL refused: the object is unchanged" v "$(api GET $NS/configmaps/nulp | json 'd["data"]["k"]')"
api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"nulesc"},"data":{"k":"a\\u0000b"}}' >/dev/null
expect "an escaped backslash before u0000 is text: stored as sent" '201 a\u0000b' \
    "$(code) $(api GET $NS/configmaps/nulesc | json 'd["data"]["k"]')"

# --- 9. a watch whose client goes away is ended within about a second
# (MHD does not see a suspended connection close: it waited for the 30 s
# heartbeat, holding the watch's buffers)
watches() { curl -s "$API_URL/metrics" | sed -n 's/^apiserver_watches \([0-9]*\).*/\1/p'; }
base=$(watches)
curl -s -N "$API_URL$NS/configmaps?watch=1" >/dev/null &
wpid=$!
has_watches() { [ "$(watches)" = "$1" ]; }
check "a watch is counted" eventually -t 10 has_watches $((base + 1))
kill "$wpid"; wait "$wpid" 2>/dev/null
check "a closed watch is freed within 5 s (heartbeat 30 s)" eventually -t 5 has_watches "$base"

# --- 7. a full disk: 507 "database or disk is full", /readyz not ready
# while writes cannot commit, and back without a restart
big() { python3 -c 'import json,sys; print(json.dumps({"metadata":{"name":sys.argv[1]},"data":{"k":"x"*(1<<20)}}))' "$1" >"$CK_TMP/big.json"; }
big big1
echo full >"$CK_TMP/disk-full"
out=$(api POST $NS/configmaps -H "$J" -d @"$CK_TMP/big.json")
expect "disk full: a create answers 507 InsufficientStorage" "507 InsufficientStorage" \
    "$(code) $(json 'd["reason"]' <<<"$out")"
check "disk full: the message says so" grep -q 'database or disk is full' <<<"$out"
api GET $NS/configmaps/big1 >/dev/null
expect "disk full: nothing half-stored" 404 "$(code)"
out=$(api GET /readyz)
expect "disk full: /readyz not ready" 500 "$(code)"
check "disk full: /readyz names storage" grep -q 'storage failed: database or disk is full' <<<"$out"
expect "disk full: /healthz still answers" "ok 200" "$(api GET /healthz) $(code)"
api GET $NS/configmaps/race >/dev/null
expect "disk full: reads still work" 200 "$(code)"
readyz_code() { curl -s -o /dev/null -w '%{http_code}' "$API_URL/readyz"; }
: >"$CK_TMP/disk-full"
ready() { [ "$(readyz_code)" = 200 ]; }
check "space back: /readyz ready again without a restart or a write" eventually -t 10 ready
api POST $NS/configmaps -H "$J" -d @"$CK_TMP/big.json" >/dev/null
expect "space back: the create succeeds" 201 "$(code)"

# --- 8. in-flight limits: over --max-requests-inflight or
# --max-mutating-requests-inflight a request gets 429 with Retry-After;
# health and metrics are exempt. A second apiserver holds every limited
# request 2 s (test hook), with limits of 1.
MAIN_URL=$API_URL
CKUBE_TEST_HANDLER_DELAY_MS=2000 start_apiserver flight \
    --max-requests-inflight 1 --max-mutating-requests-inflight 1 ||
    { not_ok "in-flight apiserver starts"; exit 1; }
hold() { for _ in 1 2 3 4; do curl -s -o /dev/null -X "$1" -H "$J" ${2:+-d "$2"} "$API_URL$3"; done; }
got_429() {
	curl -s -m 1 -D "$CK_TMP/h429" -o "$CK_TMP/b429" -X "$1" -H "$J" ${2:+-d "$2"} "$API_URL$3"
	grep -q '^HTTP/1.1 429' "$CK_TMP/h429"
}
hold GET "" $NS/configmaps &
holder=$!
check "a GET over --max-requests-inflight: 429" eventually -t 15 got_429 GET "" $NS/configmaps
check "429: Retry-After: 1" grep -qi '^Retry-After: 1' "$CK_TMP/h429"
expect "429: a TooManyRequests Status" "TooManyRequests 429" "$(json 'd["reason"]+" "+str(d["code"])' <"$CK_TMP/b429")"
expect "healthz is exempt" "200" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$API_URL/healthz")"
expect "metrics is exempt" "200" "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$API_URL/metrics")"
wait "$holder"
hold POST '{"metadata":{"generateName":"f-"}}' $NS/configmaps &
holder=$!
check "a POST over --max-mutating-requests-inflight: 429" \
    eventually -t 15 got_429 POST '{"metadata":{"generateName":"g-"}}' $NS/configmaps
wait "$holder"
stop_apiserver
API_URL=$MAIN_URL

finish
