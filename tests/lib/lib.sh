#!/usr/bin/env bash
# lib.sh: shell helpers for integration tests (source it). One temp dir per
# test script, daemons in their own process group with logs to files,
# readiness by polling /readyz, SIGTERM then SIGKILL after 5 s, TAP lines
# "ok - name" / "not ok - name" that tests/run.sh counts, logs on failure.
# CKUBE_TEST_KEEP=1 keeps the temp dir; CK_WRAP="valgrind ..." wraps the daemon.

set -u

CK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CK_BIN=${BIN:-$CK_ROOT/bin}
CK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ckube-test.XXXXXX")
CK_FAILED=0
CK_PIDS=()
API_PID=""
API_URL=""
API_PORT=""
API_DATA=""
API_LOG=""

# ok NAME / not_ok NAME [DETAIL]
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	[ $# -gt 1 ] && printf '#   %s\n' "${@:2}"
	CK_FAILED=1
}
skip() { echo "ok - $1 # SKIP ${2:-}"; }

# check NAME CMD...: ok if CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "command failed: $*"; fi
}

# eventually [-t SECONDS] CMD...: poll CMD every 0.1 s until it succeeds.
eventually() {
	local limit=10 end
	if [ "$1" = "-t" ]; then limit=$2; shift 2; fi
	end=$(( $(date +%s%N) + limit * 1000000000 ))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# free_port: a loopback TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_etcd: one etcd (/usr/bin/etcd) for this script, in $CK_TMP/etcd on
# random loopback ports (kept by a restart after stop_etcd), stopped by
# ck_cleanup. Sets ETCD_URL, ETCD_PID.
ETCD_URL=""
ETCD_PID=""
ETCD_CPORT=""
ETCD_PPORT=""
ETCD_DATA=""
start_etcd() {
	[ -n "$ETCD_URL" ] && return 0
	if [ ! -x /usr/bin/etcd ]; then
		echo "# /usr/bin/etcd is not installed"
		return 1
	fi
	[ -n "$ETCD_CPORT" ] || ETCD_CPORT=$(free_port)
	[ -n "$ETCD_PPORT" ] || ETCD_PPORT=$(free_port)
	# On tmpfs when there is one: its fsyncs cost nothing, so a busy disk
	# does not slow the writes the suites time (durability is not tested).
	[ -n "$ETCD_DATA" ] || ETCD_DATA=$(mktemp -d /dev/shm/ckube-etcd.XXXXXX 2>/dev/null) ||
	    ETCD_DATA=$CK_TMP/etcd
	ETCD_URL=http://127.0.0.1:$ETCD_CPORT
	setsid /usr/bin/etcd --name t --data-dir "$ETCD_DATA/data" \
	    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
	    --listen-peer-urls "http://127.0.0.1:$ETCD_PPORT" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PPORT" \
	    --initial-cluster "t=http://127.0.0.1:$ETCD_PPORT" >>"$CK_TMP/etcd.log" 2>&1 &
	ETCD_PID=$!
	CK_PIDS+=("$ETCD_PID")
	if ! eventually -t 20 curl -sf "$ETCD_URL/health"; then
		echo "# etcd not ready"
		show_log "$CK_TMP/etcd.log"
		return 1
	fi
}

# stop_etcd [KILL]: stop the etcd (SIGKILL with KILL); start_etcd restarts it.
stop_etcd() {
	[ -n "$ETCD_PID" ] || return 0
	if [ "${1:-}" = KILL ]; then
		kill -KILL -- "-$ETCD_PID" 2>/dev/null || kill -KILL "$ETCD_PID" 2>/dev/null
		wait "$ETCD_PID" 2>/dev/null
	else
		stop_pid "$ETCD_PID"
	fi
	ETCD_PID="" ETCD_URL=""
}

# storage_flags NAME: the apiserver's storage flags. CKUBE_TEST_STORAGE=etcd3
# runs every apiserver of the suite on one etcd (start_etcd first), each
# NAME under its own prefix (/registry-NAME), as each has its own data dir.
storage_flags() {
	[ "${CKUBE_TEST_STORAGE:-sqlite}" = etcd3 ] || return 0
	echo "--storage-backend etcd3 --etcd-servers $ETCD_URL --etcd-prefix /registry-$1"
}

# start_apiserver [NAME] [EXTRA FLAGS...]: data in $CK_TMP/NAME (default "api").
# Sets API_PID, API_PORT, API_URL, API_DATA, API_LOG. Reuses the data dir.
start_apiserver() {
	local name=${1:-api} storage
	[ $# -gt 0 ] && shift
	if [ "${CKUBE_TEST_STORAGE:-sqlite}" = etcd3 ]; then start_etcd || return 1; fi
	storage=$(storage_flags "$name")
	API_DATA=$CK_TMP/$name
	API_LOG=$CK_TMP/$name.log
	mkdir -p "$API_DATA"
	rm -f "$API_DATA/port"
	# shellcheck disable=SC2086 # CK_WRAP is a command line, e.g. valgrind; storage: flags.
	setsid ${CK_WRAP:-} "$CK_BIN/ckube-apiserver" --port 0 --port-file "$API_DATA/port" \
	    --data-dir "$API_DATA/data" --v=4 $storage "$@" >>"$API_LOG" 2>&1 &
	API_PID=$!
	CK_PIDS+=("$API_PID")
	if ! eventually -t 20 test -s "$API_DATA/port"; then
		echo "# apiserver did not write its port file"
		show_log "$API_LOG"
		return 1
	fi
	API_PORT=$(cat "$API_DATA/port")
	API_URL=http://127.0.0.1:$API_PORT
	if ! eventually -t 20 curl -sf "$API_URL/readyz"; then
		echo "# apiserver not ready"
		show_log "$API_LOG"
		return 1
	fi
}

# stop_pid PID: SIGTERM to its process group, SIGKILL after 5 s. Returns its status.
stop_pid() {
	local pid=$1 _ rc=0
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# pid $pid ignored SIGTERM; SIGKILL"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
		rc=137
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

stop_apiserver() {
	local rc=0
	[ -n "$API_PID" ] || return 0
	stop_pid "$API_PID" || rc=$?
	API_PID=""
	return $rc
}

show_log() {
	[ -f "$1" ] || return 0
	echo "# --- tail of $1"
	tail -n 40 "$1" | sed 's/^/#   /'
}

ck_cleanup() {
	local pid f
	for pid in "${CK_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [ "$CK_FAILED" != 0 ]; then
		for f in "$CK_TMP"/*.log; do show_log "$f"; done
	fi
	case "$ETCD_DATA" in /dev/shm/ckube-etcd.*) rm -rf "$ETCD_DATA" ;; esac
	if [ "${CK_TEST_KEEP:-${CKUBE_TEST_KEEP:-0}}" = 1 ]; then
		echo "# kept $CK_TMP"
	else
		rm -rf "$CK_TMP"
	fi
}
trap ck_cleanup EXIT

# api METHOD PATH [curl args...]: prints the body; `code` then prints the
# HTTP status (kept in a file, so it survives the $(...) subshell).
api() {
	local method=$1 path=$2 out
	shift 2
	out=$(curl -s -X "$method" -w '\n%{http_code}' "$@" "$API_URL$path")
	printf '%s' "${out##*$'\n'}" >"$CK_TMP/.code"
	printf '%s' "${out%$'\n'*}"
}
code() { cat "$CK_TMP/.code"; }

# json EXPR: read JSON on stdin, print python's view of EXPR (d = the document).
json() {
	python3 -c 'import json,sys
d=json.load(sys.stdin)
r=eval(sys.argv[1])
print(r if not isinstance(r,(dict,list,bool)) and r is not None else json.dumps(r))' "$1"
}

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want: $2" "got:  $3"; fi
}

finish() {
	[ "$CK_FAILED" = 0 ]
}
