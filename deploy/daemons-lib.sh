# shellcheck shell=bash
# shellcheck disable=SC2154 # dir, BIN, STOP_GRACE and ME are the caller's
# daemons-lib.sh: the process helpers local-cluster.sh and local-federation.sh share. The
# caller sets dir (its folder: run/NAME.pid, run/NAME.port, logs/NAME.log), BIN, STOP_GRACE
# and ME (the script's name for messages) before calling them.

# pid_alive FILE: the pid in FILE runs (and is no zombie).
pid_alive() {
	local f=$1 pid="" line
	[ -f "$f" ] || return 1
	# Builtins only: `up` and `status` call this for every daemon, and forks are slow
	# on a loaded machine.
	read -r pid <"$f" 2>/dev/null || [ -n "$pid" ] || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	# A killed daemon whose reaper never waits stays a zombie (Z), and one being released
	# shows X (dead) for a moment: both are gone.
	# An explicit status: a bare `return` in an EXIT trap (a failed `up` stopping what it
	# started) returns the status of the command before the trap, so every daemon looked
	# dead and was left running.
	{ while read -r line; do
		case "$line" in State:*) [[ "$line" =~ ^State:[[:space:]]*[ZX] ]] && return 1; return 0 ;; esac
	done <"/proc/$pid/status"; } 2>/dev/null
	return 0
}

log_tail() {
	echo "---- last lines of $1 ----" >&2
	tail -n 30 "$1" >&2 2>/dev/null || true
}

# wait_for DEADLINE CMD...: poll CMD until it succeeds, returns 2, or the deadline passes.
wait_for() {
	local deadline=$1 rc
	shift
	while true; do
		rc=0
		"$@" || rc=$?
		[ "$rc" = 0 ] && return 0
		[ "$rc" = 2 ] && return 1
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# start_daemon NAME ARGS...: start BIN/ckube-NAME ARGS in its own session unless it runs.
start_daemon() {
	local name=$1
	shift
	start_proc "$name" "$BIN/ckube-$name" "$@"
}

# start_proc NAME CMD ARGS...: start CMD ARGS in its own session as NAME (run/NAME.pid,
# logs/NAME.log) unless it runs: a copy of a daemon (scheduler-1), etcd-0, haproxy.
start_proc() {
	local name=$1
	shift
	local log="$dir/logs/$name.log"
	if pid_alive "$dir/run/$name.pid"; then
		echo "$ME: $name already running (pid $(cat "$dir/run/$name.pid"))"
		return 0
	fi
	rm -f "$dir/run/$name.port"
	echo "=== $(date -u +%FT%TZ) starting ${1##*/} ${*:2}" >>"$log"
	setsid "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$dir/run/$name.pid"
}

# serving NAME: the daemon wrote its port file; 2 once it has exited.
serving() {
	pid_alive "$dir/run/$1.pid" || return 2
	test -s "$dir/run/$1.port"
}

# dns_serving: ckube-dns wrote its DNS port file (its UDP and TCP sockets are bound).
dns_serving() {
	pid_alive "$dir/run/dns.pid" || return 2
	test -s "$dir/run/dns-server.port"
}

# stop_pidfile FILE: SIGTERM, then SIGKILL after STOP_GRACE seconds.
stop_pidfile() {
	local f=$1 pid deadline
	pid_alive "$f" || { rm -f "$f"; return 0; }
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$(($(date +%s) + STOP_GRACE))
	while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$ME: $(basename "$f" .pid) did not stop; SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}
