#!/usr/bin/env bash
# e2e: the HA cluster (local-cluster.sh up --ha: 3 etcd members, 2 apiservers behind
# HAProxy, 2 leader-elected copies of every controller), one cluster for every scenario:
# a Deployment of 20 created through apiserver A is seen and watched through B; A killed
# (-9) while its pods are created: B serves, the daemons move to B, every acknowledged
# write is kept and the Deployment reaches 20 ready; one etcd member of 3 killed: service
# goes on; two: writes fail with a 5xx Status, nothing is lost, service resumes when they
# return; the leading scheduler and replicaset controller killed: the standbys lead and
# new pods run. Skips when etcd, haproxy or the etcd3 storage backend is missing.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "HA e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,...-controller}"
	exit 0
fi
for t in etcd haproxy; do
	if ! command -v "$t" >/dev/null; then
		skip "HA e2e" "no $t (scripts/deps.sh installs etcd-server and haproxy)"
		exit 0
	fi
done
if ! "$CK_BIN/ckube-apiserver" --help 2>&1 | grep -q -- '--storage-backend[ =]'; then
	skip "HA e2e" "ckube-apiserver has no --storage-backend (no etcd3 backend in this tree)"
	exit 0
fi

export CKUBE_UP_TIMEOUT=${CKUBE_UP_TIMEOUT:-120}
check "an HA cluster comes up (3 etcd, 2 apiservers, HAProxy)" e2e_up --ha --nodes 3
if [ "$CK_FAILED" != 0 ]; then
	show_log "$CK_TMP/up.log"
	exit 1
fi
read -r URL_A URL_B <<<"$CKUBE_API_URLS"
st() { BIN=$CK_BIN bash "$E2E_LC" status --dir "$E2E_DIR" >"$CK_TMP/status" 2>&1; }
members_up() {
	local n
	st
	n=$(grep -cE '^(etcd-[0-2]: healthy|apiserver-[01]: ready)' "$CK_TMP/status")
	[ "$n" = 5 ]
}
one_leads() {
	st
	grep -qE '^scheduler-[01]: running \(pid [0-9]+\), leader$' "$CK_TMP/status" &&
	    grep -qE '^scheduler-[01]: running \(pid [0-9]+\), standby \(leader: .*_[0-9]+\)$' "$CK_TMP/status"
}
check "status: 3 healthy etcd members, 2 ready apiservers" members_up
check "status: one scheduler copy leads, the other stands by" eventually -t 20 one_leads
LC() { BIN=$CK_BIN bash "$E2E_LC" "$@" --dir "$E2E_DIR" >>"$CK_TMP/lc.log" 2>&1; }
ka() { kc --server "$URL_A" "$@"; }
kb() { kc --server "$URL_B" "$@"; }
is() { [ "$("${@:2}")" = "$1" ]; }
ready_of() { kb get deploy "$1" -o jsonpath='{.status.readyReplicas}'; }
running() { kb get pods -l "$1" --field-selector=status.phase=Running -o name | wc -l; }

# cm_post URL NAME: create ConfigMap NAME; prints the HTTP status (000: no answer).
cm_post() {
	curl -s -o "$CK_TMP/post.out" -w '%{http_code}' --max-time "${3:-20}" -X POST \
	    -H 'Content-Type: application/json' "$1/api/v1/namespaces/default/configmaps" \
	    -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"$2\"},\"data\":{\"k\":\"$2\"}}"
}
# all_there URL FILE: every ConfigMap named in FILE is listed through URL.
all_there() {
	local missing
	curl -fsS --max-time 10 "$1/api/v1/namespaces/default/configmaps" |
	    grep -o '"name": *"ack-[0-9]*"' | sed 's/.*"\(ack-[0-9]*\)"/\1/' | sort >"$CK_TMP/listed" ||
	    return 1
	missing=$(sort "$2" | comm -23 - "$CK_TMP/listed")
	[ -z "$missing" ] || { echo "# missing: $missing"; return 1; }
}
# daemons_alive: every daemon but the apiservers and etcd members runs (none exited).
daemons_alive() {
	local f
	for f in "$E2E_DIR"/run/*.pid; do
		case "$(basename "$f" .pid)" in apiserver-*|etcd-*) continue ;; esac
		kill -0 "$(cat "$f")" 2>/dev/null || { echo "# $(basename "$f" .pid) exited"; return 1; }
	done
}
# holder_pid NAME: the pid in the Lease kube-system/NAME's holderIdentity (<host>_<pid>).
holder_pid() {
	kb get lease -n kube-system "$1" -o jsonpath='{.spec.holderIdentity}' | sed 's/.*_//'
}
# other_copy NAME PID: the pid of the copy of ckube-NAME that is not PID.
other_copy() {
	local f
	for f in "$E2E_DIR/run/$1"-[0-9].pid; do
		[ "$(cat "$f")" != "$2" ] && cat "$f"
	done
}

# --- A Deployment created through A, seen and watched through B; A killed (-9) as soon as
# its first pod shows, with writes going on through HAProxy.
kb get pods -l app=web -w -o name >"$CK_TMP/watch-b.out" 2>&1 &
watcher=$!
CK_PIDS+=("$watcher")
: >"$CK_TMP/acked"
acked() { wc -l <"$CK_TMP/acked"; }
acked_ge() { [ "$(acked)" -ge "$1" ]; }
(
	for i in $(seq 1 400); do
		[ -e "$CK_TMP/stop" ] && break
		[ "$(cm_post "$CKUBE_API_URL" "ack-$i")" = 201 ] && echo "ack-$i" >>"$CK_TMP/acked"
	done
) &
writer=$!
CK_PIDS+=("$writer")
eventually -t 20 acked_ge 5
check "kubectl through apiserver A creates a Deployment of 20" \
    ka create deployment web --image=nginx --replicas=20 -o name
eventually -t 30 grep -q '^pod/web-' "$CK_TMP/watch-b.out"
kill -9 "$(e2e_daemon_pid apiserver-0)"
before=$(acked)
created=$(grep -c '^pod/web-' "$CK_TMP/watch-b.out")
check "a watch through B saw pods of the Deployment made through A (A killed after $created)" \
    test "$created" -ge 1
check "the Deployment reads back through apiserver B" kb get deploy web -o name
check "kubectl through B keeps working with A dead" kb create configmap after-a --from-literal=a=b -o name
check "writes through HAProxy go on after A died" eventually -t 30 acked_ge $((before + 20))
touch "$CK_TMP/stop"
wait "$writer"
check "every acknowledged write is there" all_there "$URL_B" "$CK_TMP/acked"
check "the Deployment reaches 20 ready with A dead" eventually -t 90 is 20 ready_of web
check "the watch through B saw the 20 pods" \
    test "$(grep '^pod/web-' "$CK_TMP/watch-b.out" | sort -u | wc -l)" -ge 20
check "no daemon exited when A died (they moved to B)" daemons_alive
check "up --ha brings apiserver A back" LC up --ha
check "apiserver A serves again" eventually -t 30 ka get deploy web

# --- etcd: one member of 3 lost, then two.
kill -9 "$(e2e_daemon_pid etcd-2)"
check "with one etcd member dead, kubectl scales the Deployment" \
    eventually -t 30 kc scale deploy web --replicas=24
check "... and its new pods are scheduled and run" eventually -t 90 is 24 running app=web
kill -9 "$(e2e_daemon_pid etcd-1)"
st=$(cm_post "$URL_B" quorum-lost 60)
check "with two members dead a write fails with a 5xx (got $st)" test "${st:0:1}" = 5
check "... answered with a Status" grep -q '"kind": *"Status"' "$CK_TMP/post.out"
check "up --ha brings the etcd members back" LC up --ha
check "writes succeed again" eventually -t 60 kc create configmap after-quorum --from-literal=a=b -o name
check "nothing acknowledged was lost" all_there "$URL_B" "$CK_TMP/acked"
# A leader that could not renew its Lease without quorum exited (as Kubernetes daemons do,
# for their supervisor to restart): up --ha is that supervisor here.
check "up --ha restarts the daemons that lost their lease" LC up --ha

# --- the leading scheduler and replicaset controller killed: the standbys lead. First a
# running copy must hold each Lease: the leader that exited without quorum is named in it
# until the lease runs out.
# leads_live NAME: the Lease's holder is a running copy of ckube-NAME.
leads_live() {
	local h
	h=$(holder_pid "$1")
	[ -n "$h" ] && cat "$E2E_DIR/run/$1"-[0-9].pid | grep -qx "$h" && kill -0 "$h" 2>/dev/null
}
check "a running copy holds the scheduler's Lease" eventually -t 40 leads_live scheduler
check "... and the replicaset controller's" eventually -t 40 leads_live replicaset-controller
old_s=$(holder_pid scheduler)
old_r=$(holder_pid replicaset-controller)
new_s=$(other_copy scheduler "$old_s")
new_r=$(other_copy replicaset-controller "$old_r")
check "a copy of the scheduler and of the replicaset controller leads" \
    test -n "$old_s" -a -n "$new_s" -a -n "$old_r" -a -n "$new_r"
kill -9 "$old_s" "$old_r"
check "the standby scheduler leads (lease 8 s)" eventually -t 30 is "$new_s" holder_pid scheduler
check "the standby replicaset controller leads" \
    eventually -t 30 is "$new_r" holder_pid replicaset-controller
check "kubectl scales the Deployment to 28" kc scale deploy web --replicas=28
check "the new pods run" eventually -t 90 is 28 running app=web
kill "$watcher" 2>/dev/null
finish
