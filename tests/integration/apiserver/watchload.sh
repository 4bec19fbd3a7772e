#!/usr/bin/env bash
# watchload.sh: the apiserver under many watches and connections (issue 16
# items 2, 3, 8): 200 watches from resourceVersion=0 that never read stay
# within a memory bound and give it back when they close; watchers that do
# not keep up are ended (410) within --watch-queue-bytes; a slow reader gets
# every event in order or a clean end; idle and slowloris connections do not
# take the server away; 10,000 idle watches are served; slow lists do not
# hold up single-object reads or health checks.
# The clients are tests/integration/apiserver/connload.py (loopback only).
# WATCHLOAD_RSS=skip skips the memory bounds (ASan: its allocator keeps
# freed memory in quarantine and ignores malloc_trim); WATCHLOAD_WATCHES
# sets the number of idle watches (10000; fewer under ASan, ten times
# slower).
. "$(dirname "$0")/../../lib/lib.sh"

CL="python3 $(cd "$(dirname "$0")" && pwd)/connload.py"
# rss_check NAME KB-BOUND KB: ok if KB < KB-BOUND (or skipped).
rss_check() {
	if [ "${WATCHLOAD_RSS:-}" = skip ]; then skip "$1" "WATCHLOAD_RSS=skip"
	else check "$1" test "$3" -lt "$2"; fi
}
ulimit -n "$(ulimit -Hn)" 2>/dev/null
J='Content-Type: application/json'
# Test hook (http.c): requests whose User-Agent holds "slow-client" are
# held 8 s in their handler.
export CKUBE_TEST_HANDLER_DELAY_MS=8000 CKUBE_TEST_HANDLER_DELAY_UA=slow-client
start_apiserver api --watch-queue-bytes 32Mi --request-header-timeout 3s \
    --idle-connection-timeout 6s || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts"
unset CKUBE_TEST_HANDLER_DELAY_MS CKUBE_TEST_HANDLER_DELAY_UA
HOST=127.0.0.1

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$API_PID/status"; }
metric() { curl -s -m 10 "$API_URL/metrics" | awk -v m="$1" '$1 == m {print int($2)}'; }
metric_ge() { [ "$(metric "$1")" -ge "$2" ] 2>/dev/null; }
metric_eq() { [ "$(metric "$1")" = "$2" ]; }
# healthz_ok: 200 within a generous 5 s, the time appended to healthz.times.
healthz_ok() {
	local out
	out=$(curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}' "$API_URL/healthz")
	echo "${out#* }" >>"$CK_TMP/healthz.times"
	[ "${out%% *}" = 200 ]
}
# healthz_polls N: N polls 0.2 s apart, all answered.
healthz_polls() {
	for _ in $(seq "$1"); do healthz_ok || return 1; sleep 0.2; done
}
# hold_start NAME FD KIND N [PATH]: connections held while FD stays open.
hold_start() {
	mkfifo "$CK_TMP/$1.in"
	$CL hold $HOST "$API_PORT" "$3" "$4" "${5:-/}" <"$CK_TMP/$1.in" >"$CK_TMP/$1.out" 2>&1 &
	CK_PIDS+=("$!")
	eval "exec $2>\"\$CK_TMP/\$1.in\""
}
hold_stop() { eval "exec $1>&-"; }
opened() { grep -q '^open' "$CK_TMP/$1.out"; }
alive() { sed -n 's/^alive //p' "$CK_TMP/$1.out" | tail -1; }
alive_is() { [ "$(alive "$1")" = "$2" ]; }
max_time() { sort -g "$CK_TMP/healthz.times" | tail -1; }

# --- 1. 200 watches from resourceVersion=0 on 3,000 objects (3 MB), none
# reading: each copied the whole list into its own queue (221 MB RSS, a
# 15 s /healthz; 131 MB kept after they closed); now the list streams a
# page at a time as the client reads.
api POST /api/v1/namespaces -H "$J" -d '{"metadata":{"name":"big"}}' >/dev/null
check "3,000 configmaps of 1 KB created" $CL create $HOST "$API_PORT" big 3000 1000
rss0=$(rss_kb)
: >"$CK_TMP/healthz.times"
hold_start rv0 7 watch 200 "/api/v1/namespaces/big/configmaps?watch=1&resourceVersion=0"
check "200 rv=0 watches: opened" eventually -t 60 opened rv0
check "200 rv=0 watches: all started" eventually -t 60 metric_ge apiserver_watches 200
check "200 rv=0 watches: /healthz answers throughout" healthz_polls 15
peak=0
for _ in $(seq 10); do r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.2; done
echo "# RSS: ${rss0} kB before, ${peak} kB with 200 rv=0 watches; healthz max $(max_time) s"
rss_check "200 rv=0 watches: RSS under 120 MB" $((120 * 1024)) "$peak"
api POST /api/v1/namespaces/big/configmaps -H "$J" -d '{"metadata":{"name":"during"}}' >/dev/null
expect "200 rv=0 watches: a write succeeds" 201 "$(code)"

# --- 2. they do not read: big changes to a listed object overflow their
# queues; past --watch-queue-bytes (32 MiB) each holding more than its share
# is ended (410 Expired), so memory stays bounded.
check "non-reading watchers: 10 changes of 100 KB" $CL seq $HOST "$API_PORT" big c0 10 100000
check "non-reading watchers are ended as too slow" \
    eventually -t 20 metric_ge apiserver_watch_slow_closed_total 1
q=$(metric apiserver_watch_queued_bytes)
echo "# queued watch bytes: $q; slow watchers ended: $(metric apiserver_watch_slow_closed_total)"
check "queued watch bytes stay within the budget (+1 page each)" \
    test "$q" -lt $((40 * 1024 * 1024))
check "non-reading watchers: /healthz answers" healthz_polls 5
hold_stop 7
check "200 rv=0 watches: all closed" eventually -t 30 metric_eq apiserver_watches 0
rss_small() { [ "$(rss_kb)" -lt $((80 * 1024)) ]; }
eventually -t 20 rss_small
rss_check "after they closed: RSS back under 80 MB" $((80 * 1024)) "$(rss_kb)"
echo "# RSS after the watches closed: $(rss_kb) kB"

# --- 3. a slow reader gets every event in order; one that stalls while
# 40 MB of changes go by gets those in order up to its end, then a 410
api POST /api/v1/namespaces -H "$J" -d '{"metadata":{"name":"seq"}}' >/dev/null
api POST /api/v1/namespaces/seq/configmaps -H "$J" -d '{"metadata":{"name":"s"},"data":{"seq":"0"}}' >/dev/null
rv=$(api GET /api/v1/namespaces/seq/configmaps/s | json 'd["metadata"]["resourceVersion"]')
WP="/api/v1/namespaces/seq/configmaps?watch=1&resourceVersion=$rv"
$CL slowread $HOST "$API_PORT" "$WP" 300 16384 5 >"$CK_TMP/slow1.out" 2>&1 &
r1=$!
$CL seq $HOST "$API_PORT" seq s 300 8000 >/dev/null
wait "$r1"
check "a slow reader gets all 300 events in order" grep -q '^complete: 300' "$CK_TMP/slow1.out"
echo "# slow reader: $(cat "$CK_TMP/slow1.out")"
rv=$(api GET /api/v1/namespaces/seq/configmaps/s | json 'd["metadata"]["resourceVersion"]')
api PATCH /api/v1/namespaces/seq/configmaps/s -H 'Content-Type: application/merge-patch+json' -d '{"data":{"seq":"0"}}' >/dev/null
WP="/api/v1/namespaces/seq/configmaps?watch=1&resourceVersion=$rv"
slow_before=$(metric apiserver_watch_slow_closed_total)
$CL slowread $HOST "$API_PORT" "$WP" 200 65536 1 "$CK_TMP/go" >"$CK_TMP/slow2.out" 2>&1 &
r2=$!
$CL seq $HOST "$API_PORT" seq s 200 200000 >/dev/null
touch "$CK_TMP/go"
wait "$r2"
# It is ended as too slow (16 MiB behind); what reaches it is in order, then
# the 410 ERROR, unless its connection saw no byte move for
# --idle-connection-timeout first (MHD closes it: the client resumes from
# its last event, nothing skipped either way).
check "a stalled reader is ended as too slow" \
    metric_ge apiserver_watch_slow_closed_total $((slow_before + 1))
check "a stalled reader: events in order up to a clean end" grep -Eq \
    '^(ended cleanly after seq [0-9]+: Expired|connection closed without ERROR at seq [0-9]+)$' \
    "$CK_TMP/slow2.out"
echo "# far too slow reader: $(cat "$CK_TMP/slow2.out")"

# --- 4. 10,000 idle watches, then 4,200 idle connections and 200
# slowloris ones (a byte a second): MHD's 4,000 slots were all taken and
# /healthz stopped answering; now the limit follows the open-file limit,
# partial headers are cut after --request-header-timeout (3 s here) and
# idle connections after --idle-connection-timeout (6 s), which spares
# watches.
api POST /api/v1/namespaces -H "$J" -d '{"metadata":{"name":"idle"}}' >/dev/null
: >"$CK_TMP/healthz.times"
NW=${WATCHLOAD_WATCHES:-10000}
hold_start idlew 7 watchok "$NW" "/api/v1/namespaces/idle/configmaps?watch=1"
check "$NW idle watches opened" eventually -t 150 opened idlew
check "$NW idle watches answered" grep -q "^answered $NW\$" "$CK_TMP/idlew.out"
check "$NW idle watches: apiserver_watches" eventually -t 30 metric_ge apiserver_watches "$NW"
echo "# RSS with $NW idle watches: $(rss_kb) kB"
hold_start idle 8 idle 4200
hold_start loris 9 slowloris 200
check "4,200 idle connections open" eventually -t 60 opened idle
check "200 slowloris connections open" eventually -t 60 opened loris
check "idle, slowloris, watches: /healthz answers throughout" healthz_polls 10
echo "# healthz under $NW watches + 4,200 idle + 200 slowloris: max $(max_time) s; RSS $(rss_kb) kB"
# About 47 kB a watch connection, most of it MHD's 64 KiB connection pool.
rss_check "memory bounded: RSS under 900 MB" $((900 * 1024)) "$(rss_kb)"
check "slowloris connections closed by the header timeout" eventually -t 30 alive_is loris 0
check "idle connections closed by the idle timeout" eventually -t 30 alive_is idle 0
check "the idle watches were spared" alive_is idlew "$NW"
check "/healthz after the timeouts" healthz_ok
hold_stop 8
hold_stop 9
hold_stop 7
check "the idle watches close" eventually -t 60 metric_eq apiserver_watches 0

# --- 5. slow lists (held 8 s each by the test hook) do not hold up a
# single-object GET or /healthz: they ran on MHD's two threads (/healthz
# took 3.3 s behind 6 lists held 4 s)
slow=()
for _ in 1 2 3 4 5 6; do
	curl -s -o /dev/null -A slow-client "$API_URL/api/v1/namespaces/big/configmaps" &
	slow+=("$!")
done
check "6 slow lists in flight" eventually -t 10 \
    metric_ge 'apiserver_current_inflight_requests{request_kind="readOnly"}' 6
get_fast() { [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$API_URL/api/v1/namespaces/big/configmaps/c1")" = 200 ]; }
check "during slow lists: a single GET answers within 3 s" get_fast
healthz_fast() { [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$API_URL/healthz")" = 200 ]; }
check "during slow lists: /healthz answers within 3 s" healthz_fast
wait "${slow[@]}"

finish
