#!/usr/bin/env bash
# durability.sh: acknowledged writes survive crashes (issue 16).
#  1. kill -9 mid-burst: 4 clients (ledger.py) create/PUT/PATCH/DELETE ConfigMaps
#     and log every reply; the apiserver is killed, restarted on the same data
#     dir, and every acknowledged write must be there with its exact content
#     (acknowledged deletes absent; a client's one in-flight request either
#     way), each object's revisions increasing, new writes above all of them.
#  2. power loss: a copy of the data dir taken while writing (the process
#     stopped for the copy: what the disk holds if the OS had flushed all), then
#     the same copy with its WAL cut short at several offsets and no -shm (the
#     unsynced tail of the WAL lost, as --storage-sync=normal allows): each
#     copy passes PRAGMA integrity_check, a fresh apiserver serves it, and it
#     holds exactly the writes of a prefix of the commit order. With
#     --storage-sync=full nothing acknowledged before the copy is missing.
# CK_SOAK=1 (make soak): DURABILITY_KILLS kill cycles (default 25) instead of 1.
. "$(dirname "$0")/../../lib/lib.sh"

LEDGER="python3 $(dirname "$0")/ledger.py"
KILLS=1
[ "${CK_SOAK:-0}" = 1 ] && KILLS=${DURABILITY_KILLS:-25}
ACKS_BEFORE_KILL=${DURABILITY_ACKS:-1500}	# about 1.5-3 s of writes on the 2-core box

acks() { grep -c '"st":"ack"' "$1" 2>/dev/null || echo 0; }
has_acks() { [ "$(acks "$1")" -ge "$2" ]; }

# --- 1. kill -9 mid-burst, restart on the same data dir
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
ledgers=()
total=0 lost=0
for i in $(seq "$KILLS"); do
	led=$CK_TMP/kill$i.ledger
	ledgers+=("$led")
	$LEDGER burst "$API_URL" "$led" "k$i" >"$CK_TMP/burst$i.log" 2>&1 &
	bpid=$!
	CK_PIDS+=("$bpid")
	if ! eventually -t 60 has_acks "$led" "$ACKS_BEFORE_KILL"; then
		not_ok "kill $i: the burst gets $ACKS_BEFORE_KILL writes acknowledged" "$(acks "$led") acks"
		break
	fi
	kill -KILL "$API_PID"
	wait "$API_PID" 2>/dev/null
	wait "$bpid"
	n=$(acks "$led")
	total=$((total + n))
	echo "# kill $i: $n writes acknowledged in this burst, $(grep -c '"st":"lost"' "$led") in flight"
	start_apiserver api || { not_ok "kill $i: the apiserver restarts on its data dir"; break; }
	out=$($LEDGER check "$API_URL" "${ledgers[@]}" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	if [ "$KILLS" = 1 ] || [ $rc != 0 ] || [ "$i" = "$KILLS" ]; then
		expect "kill -9 $i: every acknowledged write is there, exact (all bursts so far)" 0 $rc
	fi
	[ $rc = 0 ] || lost=$((lost + 1))
	max_rv=$(sed -n 's/.*max_rv=\([0-9]*\).*/\1/p' <<<"$out")
	rv=$(api POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' \
	    -d "{\"metadata\":{\"name\":\"after-$i\"}}" | json 'd["metadata"]["resourceVersion"]')
	if [ "$KILLS" = 1 ] || ! [ "$rv" -gt "$max_rv" ] 2>/dev/null || [ "$i" = "$KILLS" ]; then
		expect "kill -9 $i: a new write's revision is above every acknowledged one" \
		    yes "$([ "$rv" -gt "$max_rv" ] 2>/dev/null && echo yes || echo "no: $rv <= $max_rv")"
	fi
done
echo "# $KILLS kills, $total writes acknowledged, $lost checks failed"

# --- one apiserver per data dir: a second one waits for the lock, then exits
# 1 saying who holds it, and the first one goes on; if the holder stops while
# it waits, it takes over.
out=$(CKUBE_TEST_DATA_LOCK_WAIT_MS=300 timeout 20 "$CK_BIN/ckube-apiserver" --port 0 \
    --data-dir "$API_DATA/data" 2>&1)
rc=$?
expect "a second apiserver on the data dir exits 1" 1 $rc
check "it says the data dir is in use, by which pid" \
    grep -q "is in use by another apiserver (pid $API_PID)" <<<"$out"
expect "the first one still serves" ok "$(api GET /healthz)"
setsid "$CK_BIN/ckube-apiserver" --port 0 --port-file "$CK_TMP/second.port" \
    --data-dir "$API_DATA/data" >"$CK_TMP/second.log" 2>&1 &
second=$!
CK_PIDS+=("$second")
check "a second apiserver waits for the lock" eventually -t 20 grep -q "waiting up to" "$CK_TMP/second.log"
stop_apiserver
if eventually -t 20 test -s "$CK_TMP/second.port"; then
	API_PID=$second API_URL=http://127.0.0.1:$(cat "$CK_TMP/second.port")
	check "once the first stops, the waiting one serves the data" \
	    eventually -t 20 curl -sf "$API_URL/readyz"
else
	not_ok "once the first stops, the waiting one serves the data" "no port file"
	show_log "$CK_TMP/second.log"
fi
stop_apiserver

# --- 2. power-loss copies
# snap DIR: copy the live database (db, then -wal, then -shm) while the
# apiserver is stopped (SIGSTOP: no commit in between), then let it go on.
snap() {
	mkdir -p "$1/data"
	kill -STOP "$API_PID"
	cp "$API_DATA/data/ckube.db" "$1/data/"
	cp "$API_DATA/data/ckube.db-wal" "$1/data/" 2>/dev/null
	cp "$API_DATA/data/ckube.db-shm" "$1/data/" 2>/dev/null
	kill -CONT "$API_PID"
}
integrity() { sqlite3 "$1/data/ckube.db" 'PRAGMA integrity_check;' 2>&1; }
store_rev() { sqlite3 "$1/data/ckube.db" 'SELECT coalesce(max(rv), 0) FROM events;'; }
max_acked_rv() { python3 -c 'import json,sys
print(max([0] + [json.loads(l).get("rv") or 0 for l in open(sys.argv[1]) if "\"ack\"" in l]))' "$1"; }

# open_copy NAME WHAT SYNC [MIN_REV]: integrity, a fresh apiserver, the prefix check.
open_copy() {
	local name=$1 what=$2 min=${4:-0} rev out rc
	if command -v sqlite3 >/dev/null; then
		expect "$what: PRAGMA integrity_check" ok "$(integrity "$CK_TMP/$name")"
		rev=$(store_rev "$CK_TMP/$name")
	fi
	if ! start_apiserver "$name"; then
		not_ok "$what: a fresh apiserver opens the copy"
		return
	fi
	ok "$what: a fresh apiserver opens the copy"
	[ -n "${rev:-}" ] || rev=$(api GET /api/v1/namespaces/default/configmaps | json 'd["metadata"]["resourceVersion"]')
	out=$($LEDGER check "$API_URL" "$CK_TMP/pl-$3.ledger" --upto "$rev" 2>&1)
	rc=$?
	echo "$out" | sed "s/^/# $what: store revision $rev: /"
	expect "$what: holds exactly a prefix of the writes (those up to revision $rev)" 0 $rc
	if [ "$min" -gt 0 ]; then
		expect "$what: nothing acknowledged before the copy is missing" yes \
		    "$([ "$rev" -ge "$min" ] && echo yes || echo "no: store at $rev, acknowledged $min")"
	fi
	stop_apiserver
}

# burst_and_snap SYNC: a finite burst; a snapshot after 800 acknowledged writes.
burst_and_snap() {
	local led=$CK_TMP/pl-$1.ledger bpid
	start_apiserver "live-$1" --storage-sync="$1" || { not_ok "power loss ($1): apiserver starts"; return 1; }
	$LEDGER burst "$API_URL" "$led" "p" --ops 500 >"$CK_TMP/burst-pl-$1.log" 2>&1 &
	bpid=$!
	CK_PIDS+=("$bpid")
	eventually -t 60 has_acks "$led" 800 || not_ok "power loss ($1): 800 writes acknowledged"
	head -n "$(wc -l <"$led")" "$led" >"$CK_TMP/pl-$1.before"
	snap "$CK_TMP/raw-$1"
	wait "$bpid"
	echo "# power loss ($1): $(acks "$CK_TMP/pl-$1.before") writes acknowledged before the copy, $(acks "$led") in all"
	stop_apiserver
}

# cut NAME FRACTION: the snapshot with its WAL cut at that fraction (plus an
# odd byte, mid-frame) and no -shm. Never before the frames a checkpoint may
# have copied into the database: SQLite syncs the WAL before it checkpoints, so
# a power loss cannot lose those, and a cut there would mix newer database pages
# with older WAL frames. The -shm says how far: nBackfill once a checkpoint is
# done, nBackfillAttempted while one runs (the copy may stop the apiserver in
# the middle of an automatic checkpoint; CI once cut below one and saw
# "invalid page number").
cut_copy() {
	local src=$CK_TMP/raw-normal/data dst=$CK_TMP/$1/data size at
	mkdir -p "$dst"
	cp "$src/ckube.db" "$dst/"
	size=$(stat -c %s "$src/ckube.db-wal")
	at=$(python3 - "$src/ckube.db-wal" "$src/ckube.db-shm" "$size" "$2" <<'PY'
import struct, sys
wal, shm, size, frac = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
backfilled = 0
try:
    with open(wal, "rb") as f:
        page = struct.unpack(">I", f.read(32)[8:12])[0]
    with open(shm, "rb") as f:
        info = f.read(136)
    # WalCkptInfo after the two 48-byte headers: nBackfill at 96,
    # nBackfillAttempted at 128 (native byte order).
    frames = max(struct.unpack("<I", info[96:100])[0],
                 struct.unpack("<I", info[128:132])[0])
    backfilled = 32 + frames * (page + 24)
except (OSError, struct.error):
    pass
print(max(int(size * frac), backfilled) + 7)
PY
)
	head -c "$at" "$src/ckube.db-wal" >"$dst/ckube.db-wal"
	echo "# $1: WAL cut at $(stat -c %s "$dst/ckube.db-wal") of $size bytes"
}

# whole NAME SYNC: the snapshot as copied (opening it checkpoints: a copy of it).
whole() { mkdir -p "$CK_TMP/$1" && cp -r "$CK_TMP/raw-$2/data" "$CK_TMP/$1/"; }

if burst_and_snap normal; then
	whole snap-normal normal
	open_copy snap-normal "power loss (normal), copy while writing" normal
	for f in 0.3 0.6 0.9; do
		cut_copy "cut-$f" "$f"
		open_copy "cut-$f" "power loss (normal), WAL tail lost at $f" normal
	done
fi
if burst_and_snap full; then
	whole snap-full full
	open_copy snap-full "power loss (full), copy while writing" full \
	    "$(max_acked_rv "$CK_TMP/pl-full.before")"
fi
finish
