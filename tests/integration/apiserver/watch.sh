#!/usr/bin/env bash
# Watch streams against a real ckube-apiserver: ADDED/MODIFIED/DELETED in
# order, initial state, resume from an old revision, selectors (including
# objects entering and leaving the selection), name-scoped watches, Table
# events, bookmarks, timeouts, 410 Gone after compaction, many idle watches.
. "$(dirname "$0")/../../lib/lib.sh"

start_apiserver api --watch-heartbeat 300ms || { not_ok "apiserver starts"; exit 1; }
J='Content-Type: application/json'
MP='Content-Type: application/merge-patch+json'
NS=/api/v1/namespaces/default

# watch_bg FILE PATH [curl args]: stream PATH into FILE in the background.
watch_bg() {
	local f=$1 p=$2
	shift 2
	curl -sN "$@" "$API_URL$p" >"$CK_TMP/$f" 2>/dev/null &
	WATCH_PID=$!
}
# events FILE: "TYPE name" per event (blank keepalive lines skipped).
events() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    l=l.strip()
    if not l: continue
    e=json.loads(l); o=e["object"]
    n=o.get("metadata",{}).get("name","")
    if o.get("kind")=="Table": n=o["rows"][0]["cells"][0] if o["rows"] else ""
    print(e["type"], n)' "$CK_TMP/$1" | tr '\n' ' ' | sed 's/ $//'
}
# every object exactly once, for watches started while writes go on
race() {
	python3 - "$API_PORT" <<'PY'
import http.client, json, sys, threading, time
port = int(sys.argv[1])
N = 150
def writer():
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(N):
        c.request("POST", "/api/v1/namespaces/race/secrets",
                  json.dumps({"metadata": {"name": "s%d" % i}}),
                  {"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
seen = {}
def watcher(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/api/v1/namespaces/race/secrets?watch=1&timeoutSeconds=4")
    r = c.getresponse()
    names = []
    for line in r:
        line = line.strip()
        if line:
            e = json.loads(line)
            names.append((e["type"], e["object"]["metadata"]["name"]))
    seen[k] = names
t = threading.Thread(target=writer); t.start()
ws = []
for k in range(6):
    time.sleep(0.05)
    w = threading.Thread(target=watcher, args=(k,)); w.start(); ws.append(w)
t.join()
for w in ws: w.join()
want = sorted("s%d" % i for i in range(N))
bad = [k for k, v in seen.items()
       if sorted(n for _, n in v) != want or any(t != "ADDED" for t, _ in v)]
print("ok" if not bad and len(seen) == 6 else "bad %s" % bad)
PY
}

nwatches() { api GET /metrics | sed -n 's/^apiserver_watches //p'; }
watches_at_least() { [ "$(nwatches)" -ge "$1" ]; }
watches_are() { [ "$(nwatches)" = "$1" ]; }

cm() { echo "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"$1\",\"labels\":{\"app\":\"$2\"}}}"; }

api POST $NS/configmaps -H "$J" -d "$(cm pre a)" >/dev/null
rv0=$(api GET $NS/configmaps | json 'd["metadata"]["resourceVersion"]')

watch_bg all.out "$NS/configmaps?watch=1&timeoutSeconds=2"
w1=$WATCH_PID
watch_bg sel.out "$NS/configmaps?watch=true&labelSelector=app%3Da&timeoutSeconds=2"
w2=$WATCH_PID
watch_bg name.out "$NS/configmaps?watch=true&fieldSelector=metadata.name%3Dw1&resourceVersion=$rv0&timeoutSeconds=2"
w3=$WATCH_PID
watch_bg table.out "$NS/configmaps?watch=1&resourceVersion=$rv0&timeoutSeconds=2" -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io'
w4=$WATCH_PID
watch_bg legacy.out "/api/v1/watch/namespaces/default/configmaps?resourceVersion=$rv0&timeoutSeconds=2"
w5=$WATCH_PID
eventually watches_are 5 || not_ok "5 watches registered"
api POST $NS/configmaps -H "$J" -d "$(cm w1 a)" >/dev/null
api PATCH $NS/configmaps/w1 -H "$MP" -d '{"data":{"x":"1"}}' >/dev/null
api PATCH $NS/configmaps/w1 -H "$MP" -d '{"metadata":{"labels":{"app":"b"}}}' >/dev/null
api PATCH $NS/configmaps/w1 -H "$MP" -d '{"metadata":{"labels":{"app":"a"}}}' >/dev/null
api POST $NS/configmaps -H "$J" -d "$(cm other b)" >/dev/null
api DELETE $NS/configmaps/w1 >/dev/null
t0=$(date +%s%N)
wait $w1 $w2 $w3 $w4 $w5
t1=$(date +%s%N)
expect "watch: initial ADDED then events in order" \
    "ADDED pre ADDED w1 MODIFIED w1 MODIFIED w1 MODIFIED w1 ADDED other DELETED w1" "$(events all.out)"
expect "watch: label selector, leaving is DELETED, entering is ADDED" \
    "ADDED pre ADDED w1 MODIFIED w1 DELETED w1 ADDED w1 DELETED w1" "$(events sel.out)"
expect "watch: name-scoped via fieldSelector" \
    "ADDED w1 MODIFIED w1 MODIFIED w1 MODIFIED w1 DELETED w1" "$(events name.out)"
expect "watch: Table events, one row each" \
    "ADDED w1 MODIFIED w1 MODIFIED w1 MODIFIED w1 ADDED other DELETED w1" "$(events table.out)"
expect "watch: legacy /watch/ prefix" \
    "ADDED w1 MODIFIED w1 MODIFIED w1 MODIFIED w1 ADDED other DELETED w1" "$(events legacy.out)"
expect "watch: DELETED carries the full last object" "1" \
    "$(grep DELETED "$CK_TMP/all.out" | json 'd["object"]["data"]["x"]')"
expect "watch: timeoutSeconds ends the stream" "True" "$(python3 -c "print(($t1-$t0)/1e9 < 6)")"

api POST /api/v1/namespaces -H "$J" -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"race"}}' >/dev/null
expect "watch: started during writes, every object exactly once" ok "$(race)"

# resume from an old revision: everything after it, nothing before
watch_bg resume.out "$NS/configmaps?watch=1&resourceVersion=$rv0&timeoutSeconds=1"
wait $WATCH_PID
expect "watch: resume from an old revision" \
    "ADDED w1 MODIFIED w1 MODIFIED w1 MODIFIED w1 ADDED other DELETED w1" "$(events resume.out)"

# single object URL, rv 0: the current object first
watch_bg one.out "$NS/configmaps/other?watch=1&resourceVersion=0&timeoutSeconds=1"
wait $WATCH_PID
expect "watch: name URL with watch=1" "ADDED other" "$(events one.out)"

# bookmarks at the heartbeat
watch_bg bm.out "$NS/configmaps?watch=1&resourceVersion=$rv0&allowWatchBookmarks=true&timeoutSeconds=1"
wait $WATCH_PID
check "watch: BOOKMARK with the current rv at the heartbeat" grep -q '"type":"BOOKMARK".*"resourceVersion":"' "$CK_TMP/bm.out"
watch_bg hb.out "/api/v1/nodes?watch=1&timeoutSeconds=1"
wait $WATCH_PID
expect "watch: idle stream gets newline keepalives" "True" "$(python3 -c "import sys; d=open('$CK_TMP/hb.out').read(); print(len(d)>0 and d.strip()=='')")"

# many idle watches cost nothing, and the server stays responsive
python3 - "$API_PORT" >"$CK_TMP/many.out" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(200):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/v1/namespaces/default/pods?watch=1&resourceVersion=1&timeoutSeconds=60 HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
print("open", flush=True)
time.sleep(3)
PY
many=$!
eventually -t 10 grep -q open "$CK_TMP/many.out"
check "watch: 200 concurrent watches registered" eventually -t 10 watches_at_least 200
t0=$(date +%s%N)
api GET /healthz >/dev/null
t1=$(date +%s%N)
expect "watch: healthz answers fast with 200 watches open" "True" "$(python3 -c "print(($t1-$t0)/1e9 < 2)")"
wait $many
check "watch: watches are freed when clients go" eventually -t 10 watches_are 0

# a watcher that stops reading is ended with an ERROR event, writers go on
python3 - "$API_PORT" "$CK_TMP/slow.go" >"$CK_TMP/slow.out" <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"GET /api/v1/namespaces/default/configmaps?watch=1 HTTP/1.1\r\n"
          b"Host: x\r\n\r\n")
print("open", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
data = b""
s.settimeout(10)
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    data += chunk
    if data.endswith(b"0\r\n\r\n"):
        break
print("error-event" if b'"type":"ERROR"' in data else "no-error-event", flush=True)
PY
slow=$!
eventually grep -q open "$CK_TMP/slow.out"
python3 -c 'import json; print(json.dumps({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME"},"data":{"blob":"x"*1000000}}))' >"$CK_TMP/big.json"
t0=$(date +%s%N)
for i in $(seq 1 30); do
	sed "s/NAME/big-$i/" "$CK_TMP/big.json" >"$CK_TMP/big-$i.json"
	api POST $NS/configmaps -H "$J" --data-binary @"$CK_TMP/big-$i.json" >/dev/null
done
t1=$(date +%s%N)
expect "watch: writers are not blocked by a watcher that stopped reading" "True" "$(python3 -c "print(($t1-$t0)/1e9 < 60)")"
check "watch: the slow watcher is ended" grep -q "client too slow" "$API_LOG"
touch "$CK_TMP/slow.go"
wait $slow
check "watch: the slow watcher got an ERROR event" grep -q '^error-event' "$CK_TMP/slow.out"

stop_apiserver
expect "stop with watches closed exits 0" 0 "$?"

# compaction: a tiny interval drops old revisions; a watch from them is 410 Gone
start_apiserver compact --compaction-interval 200ms || { not_ok "apiserver (compaction) starts"; exit 1; }
api POST $NS/configmaps -H "$J" -d "$(cm c1 a)" >/dev/null
old=$(api GET $NS/configmaps/c1 | json 'd["metadata"]["resourceVersion"]')
for i in 1 2 3; do api PATCH $NS/configmaps/c1 -H "$MP" -d "{\"data\":{\"i\":\"$i\"}}" >/dev/null; done
gone() { api GET "$NS/configmaps?watch=1&resourceVersion=$old&timeoutSeconds=1" >/dev/null; [ "$(code)" = 410 ]; }
check "watch: 410 after compaction" eventually -t 10 gone
out=$(api GET "$NS/configmaps?watch=1&resourceVersion=$old&timeoutSeconds=1")
expect "watch: 410 is an Expired Status" "Expired 410" "$(echo "$out" | json 'd["reason"]+" "+str(d["code"])')"
watch_bg fresh.out "$NS/configmaps?watch=1&timeoutSeconds=1"
wait $WATCH_PID
expect "watch: a relist still works after compaction" "ADDED c1" "$(events fresh.out)"
stop_apiserver
finish
