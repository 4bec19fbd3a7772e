#!/usr/bin/env bash
# gc.sh: ckube-gc-controller and ckube-namespace-controller against a real
# apiserver, through curl (semantics.md 5(f)): background, foreground and
# orphan propagation with ConfigMaps owning ConfigMaps, dangling owner uids
# and uid mismatches, two owners, objects without owners left alone, a
# terminating namespace emptied and removed, and a collector killed mid-way
# that finishes after a restart. Metrics of the collector.
. "$(dirname "$0")/../../lib/lib.sh"

GC=$CK_BIN/ckube-gc-controller
NSC=$CK_BIN/ckube-namespace-controller
if [ ! -x "$GC" ] || [ ! -x "$NSC" ]; then
	skip "gc-controller" "not built"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
start_daemon() { # NAME BINARY [FLAGS...]
	local name=$1 bin=$2
	shift 2
	rm -f "$CK_TMP/$name.port"
	setsid "$bin" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
	    --port 0 --port-file "$CK_TMP/$name.port" --v=4 "$@" >>"$CK_TMP/$name.log" 2>&1 &
	echo $! >"$CK_TMP/$name.pid"
	CK_PIDS+=("$!")
	eventually test -s "$CK_TMP/$name.port" &&
	    eventually curl -sf "http://127.0.0.1:$(cat "$CK_TMP/$name.port")/readyz"
}
check "the collector becomes ready" start_daemon gc "$GC" --workers 4
check "the namespace controller becomes ready" start_daemon nsc "$NSC"

J='Content-Type: application/json'
M='Content-Type: application/merge-patch+json'
NS=/api/v1/namespaces/default
# cm NAME [OWNERS-JSON] [EXTRA-METADATA]: prints the uid.
cm() {
	api POST $NS/configmaps -H "$J" -d "{\"metadata\":{\"name\":\"$1\"${2:+,\"ownerReferences\":$2}${3:+,$3}}}" |
	    json 'd["metadata"]["uid"]'
}
ref() { echo "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"$1\",\"uid\":\"$2\"${3:+,\"blockOwnerDeletion\":true}}"; }
gone() { api GET "$NS/configmaps/$1" >/dev/null; [ "$(code)" = 404 ]; }
there() { api GET "$NS/configmaps/$1" >/dev/null; [ "$(code)" = 200 ]; }
is() { [ "$("${@:2}")" = "$1" ]; }
refs() { api GET "$NS/configmaps/$1" | json '[r["name"] for r in d["metadata"].get("ownerReferences", [])]'; }

# --- background
o=$(cm owner)
cm dep1 "[$(ref owner "$o")]" >/dev/null
cm dep2 "[$(ref owner "$o")]" >/dev/null
cm grand "[$(ref dep1 "$(api GET $NS/configmaps/dep1 | json 'd["metadata"]["uid"]')")]" >/dev/null
api DELETE $NS/configmaps/owner -H "$J" -d '{"propagationPolicy":"Background"}' >/dev/null
check "background: the owner goes at once" gone owner
check "background: dependents are collected" eventually gone dep1
check "background: and their dependents too" eventually gone grand
check "background: every dependent" eventually gone dep2

# --- dangling uid, uid mismatch, no owners
cm dangling "[$(ref nosuch 11111111-2222-3333-4444-555555555555)]" >/dev/null
check "a dangling owner uid is collected" eventually gone dangling
cm a >/dev/null
cm mismatch "[$(ref a 99999999-2222-3333-4444-555555555555)]" >/dev/null
check "an owner reference with the wrong uid is collected" eventually gone mismatch
check "the same-named object with another uid stays" there a
cm lonely >/dev/null

# --- two owners
A=$(cm oa)
B=$(cm ob)
cm both "[$(ref oa "$A"),$(ref ob "$B")]" >/dev/null
api DELETE $NS/configmaps/oa >/dev/null
check "two owners: the reference to the deleted one goes" eventually is '["ob"]' refs both
check "two owners: the object survives the first owner" there both
api DELETE $NS/configmaps/ob >/dev/null
check "two owners: gone with the second" eventually gone both

# --- foreground: the owner waits for blocking dependents
F=$(cm fowner)
cm fdep "[$(ref fowner "$F" block)]" '"finalizers":["example.com/hold"]' >/dev/null
out=$(api DELETE $NS/configmaps/fowner -H "$J" -d '{"propagationPolicy":"Foreground"}')
expect "foreground: DELETE returns the owner with foregroundDeletion" '["foregroundDeletion"]' \
    "$(echo "$out" | json 'd["metadata"]["finalizers"]')"
dep_terminating() { api GET $NS/configmaps/fdep | json '"deletionTimestamp" in d["metadata"]' | grep -q true; }
check "foreground: the blocking dependent is being deleted" eventually dep_terminating
check "foreground: the owner stays while it is" there fowner
api PATCH $NS/configmaps/fdep -H "$M" -d '{"metadata":{"finalizers":null}}' >/dev/null
check "foreground: the dependent goes once released" eventually gone fdep
check "foreground: then the owner goes" eventually gone fowner

# --- a cycle under foreground deletion is broken
CA=$(cm ca)
CB=$(cm cb "[$(ref ca "$CA" block)]")
api PATCH $NS/configmaps/ca -H "$M" -d "{\"metadata\":{\"ownerReferences\":[$(ref cb "$CB" block)]}}" >/dev/null
api DELETE $NS/configmaps/ca -H "$J" -d '{"propagationPolicy":"Foreground"}' >/dev/null
check "a cycle: the foreground owner goes" eventually -t 20 gone ca
check "a cycle: and its dependent-owner too" eventually -t 20 gone cb

# --- orphan
O=$(cm oowner)
cm odep1 "[$(ref oowner "$O")]" >/dev/null
cm odep2 "[$(ref oowner "$O"),$(ref a "$(api GET $NS/configmaps/a | json 'd["metadata"]["uid"]')")]" >/dev/null
api DELETE $NS/configmaps/oowner -H "$J" -d '{"propagationPolicy":"Orphan"}' >/dev/null
check "orphan: the owner goes after its dependents are released" eventually gone oowner
expect "orphan: the dependent lost its only owner reference" "[]" "$(refs odep1)"
expect "orphan: the other owner reference stays" '["a"]' "$(refs odep2)"
check "orphan: dependents are kept" there odep1
check "an object without owners is never collected" there lonely

# --- namespace deletion
api POST /api/v1/namespaces -H "$J" -d '{"metadata":{"name":"doomed"}}' >/dev/null
for i in 1 2 3; do
	api POST /api/v1/namespaces/doomed/configmaps -H "$J" -d "{\"metadata\":{\"name\":\"c$i\"}}" >/dev/null
done
api POST /api/v1/namespaces/doomed/pods -H "$J" -d '{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}' >/dev/null
api POST /apis/apps/v1/namespaces/doomed/replicasets -H "$J" -d '{"metadata":{"name":"rs"},"spec":{"replicas":0,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}' >/dev/null
api DELETE /api/v1/namespaces/doomed >/dev/null
ns_gone() { api GET /api/v1/namespaces/doomed >/dev/null; [ "$(code)" = 404 ]; }
check "a deleted namespace is emptied and removed" eventually -t 20 ns_gone
api GET /api/v1/namespaces/doomed/configmaps/c1 >/dev/null
expect "its objects are gone" 404 "$(code)"

# --- killed mid-way, restarted
P=$(cm bigowner)
for i in $(seq 1 60); do
	api POST $NS/configmaps -H "$J" -d "{\"metadata\":{\"name\":\"k$i\",\"labels\":{\"kill\":\"me\"},\"ownerReferences\":[$(ref bigowner "$P" block)]}}" >/dev/null
done
count_kill() { api GET "$NS/configmaps?labelSelector=kill%3Dme" | json 'len(d["items"])'; }
api DELETE $NS/configmaps/bigowner -H "$J" -d '{"propagationPolicy":"Foreground"}' >/dev/null
gc_pid=$(cat "$CK_TMP/gc.pid")
kill -KILL -- "-$gc_pid" 2>/dev/null
wait "$gc_pid" 2>/dev/null
check "the restarted collector becomes ready" start_daemon gc "$GC" --workers 4
check "it collects every dependent" eventually -t 30 is 0 count_kill
check "and then the foreground owner" eventually -t 20 gone bigowner

# --- metrics
m=$(curl -s "http://127.0.0.1:$(cat "$CK_TMP/gc.port")/metrics")
# has_metrics TEXT NAME...: every NAME has a sample line in TEXT.
has_metrics() {
	local m=$1 k
	shift
	for k in "$@"; do grep -q "^$k " <<<"$m" || return 1; done
}
check "metrics: graph size, queue depths, deletions, orphanings" \
    has_metrics "$m" ckube_gc_graph_nodes ckube_gc_attempt_to_delete_depth \
    ckube_gc_attempt_to_orphan_depth ckube_gc_deletions_total ckube_gc_orphanings_total
finish
