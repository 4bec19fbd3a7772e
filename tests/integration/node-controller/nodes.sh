#!/usr/bin/env bash
# nodes.sh: ckube-node-controller against a real apiserver and kubelet-sim:
# healthy nodes stay untainted; when the kubelet-sim stops, its nodes go
# Ready=Unknown with the unreachable taints, a pod is marked for deletion
# when the tolerationSeconds the apiserver's DefaultTolerationSeconds gave
# it (--default-unreachable-toleration-seconds) run out, a pod with a longer
# tolerationSeconds of its own is not (yet), while a pod tolerating the taint
# forever stays and every pod of the node gets Ready=False at once
# (MarkPodsNotReady); a restarted kubelet-sim takes its nodes back (Ready,
# taints gone) and finishes the deletion. A second kubelet-sim keeps a
# witness node Ready throughout, as Kubernetes evicts nothing once every
# node of every zone is not Ready (master disruption): the last scenario
# stops it too and checks that.
. "$(dirname "$0")/../../lib/lib.sh"

NC=$CK_BIN/ckube-node-controller
if [ ! -x "$NC" ] || [ ! -x "$CK_BIN/ckube-kubelet-sim" ]; then
	skip "node-controller" "not built: $NC or ckube-kubelet-sim"
	exit 0
fi
start_apiserver api --default-unreachable-toleration-seconds 2 ||
    { not_ok "apiserver starts"; exit 1; }

# The witness: one node (w-0) that stays Ready.
WS_PID=""
start_witness() {
	rm -f "$CK_TMP/wsim.port"
	setsid "$CK_BIN/ckube-kubelet-sim" --master "$API_URL" \
	    --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
	    --port-file "$CK_TMP/wsim.port" --nodes 1 --node-prefix w- \
	    --node-lease-renew-interval 500ms --node-status-report-frequency 1s \
	    --v=2 >>"$CK_TMP/wsim.log" 2>&1 &
	WS_PID=$!
	CK_PIDS+=("$WS_PID")
	eventually test -s "$CK_TMP/wsim.port"
}
KS_PID=""
start_ksim() {
	rm -f "$CK_TMP/ksim.port"
	setsid "$CK_BIN/ckube-kubelet-sim" --master "$API_URL" \
	    --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
	    --port-file "$CK_TMP/ksim.port" --nodes 2 \
	    --node-lease-renew-interval 500ms --node-status-report-frequency 1s \
	    --v=2 >>"$CK_TMP/ksim.log" 2>&1 &
	KS_PID=$!
	CK_PIDS+=("$KS_PID")
	eventually test -s "$CK_TMP/ksim.port"
}
start_nc() {
	rm -f "$CK_TMP/nc.port"
	setsid "$NC" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
	    --port 0 --port-file "$CK_TMP/nc.port" \
	    --node-monitor-grace-period 3s --node-monitor-period 500ms \
	    --pod-eviction-timeout 2s --node-eviction-rate 2 --v=2 >>"$CK_TMP/nc.log" 2>&1 &
	NC_PID=$!
	CK_PIDS+=("$NC_PID")
	eventually test -s "$CK_TMP/nc.port" &&
	    eventually curl -sf "http://127.0.0.1:$(cat "$CK_TMP/nc.port")/readyz"
}

ready_is() {	# ready_is NODE STATUS
	[ "$(api GET "/api/v1/nodes/$1" | json "[c['status'] for c in d['status']['conditions'] if c['type']=='Ready'][0]")" = "$2" ]
}
taints() { api GET "/api/v1/nodes/$1" | json "sorted(t['key']+':'+t['effect'] for t in d['spec'].get('taints') or [])"; }
UNREACH='["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]' 
tainted() { [ "$(taints "$1")" = "$UNREACH" ]; }
untainted() { [ "$(taints "$1")" = "[]" ]; }
mkpod() {
	api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$1" >/dev/null &&
	api POST "/api/v1/namespaces/default/pods/$2/binding" -H 'Content-Type: application/json' \
	    -d "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"$2\"},\"target\":{\"kind\":\"Node\",\"name\":\"sim-0\"}}" >/dev/null
}
phase_is() { [ "$(api GET "/api/v1/namespaces/default/pods/$1" | json "d['status'].get('phase')")" = "$2" ]; }
terminating() { [ "$(api GET "/api/v1/namespaces/default/pods/$1" | json "'deletionTimestamp' in d['metadata']")" = true ]; }
staying() { ! terminating "$1" && [ "$(code)" = 200 ]; }
pod_ready() { [ "$(api GET "/api/v1/namespaces/default/pods/$1" | json "[c['status'] for c in d['status'].get('conditions') or [] if c['type']=='Ready'][0]")" = "$2" ]; }
gone() { api GET "/api/v1/namespaces/default/pods/$1" >/dev/null; [ "$(code)" = 404 ]; }

check "kubelet-sim starts" start_ksim
check "a witness kubelet-sim starts" start_witness
check "node-controller becomes ready" start_nc
check "the witness node registers Ready" eventually -t 15 ready_is w-0 True
check "nodes register Ready" eventually -t 15 ready_is sim-1 True
check "a healthy node has no taints" untainted sim-0
mkpod '{"metadata":{"name":"plain"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}' plain
mkpod '{"metadata":{"name":"tolerant"},"spec":{"tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute"}],"containers":[{"name":"c","image":"nginx"}]}}' tolerant
mkpod '{"metadata":{"name":"patient"},"spec":{"tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":3600}],"containers":[{"name":"c","image":"nginx"}]}}' patient
tols() { api GET "/api/v1/namespaces/default/pods/$1" | json "sorted('%s:%s:%s' % (t['key'], t['effect'], t.get('tolerationSeconds', '-')) for t in d['spec']['tolerations'])"; }
expect "admission gives a plain pod both default tolerations" \
    '["node.kubernetes.io/not-ready:NoExecute:300", "node.kubernetes.io/unreachable:NoExecute:2"]' "$(tols plain)"
expect "a pod's own unreachable toleration is kept (forever)" \
    '["node.kubernetes.io/not-ready:NoExecute:300", "node.kubernetes.io/unreachable:NoExecute:-"]' "$(tols tolerant)"
check "pods run on sim-0" eventually -t 10 phase_is tolerant Running
check "the tolerant pod is Ready" eventually -t 10 pod_ready tolerant True

check "kubelet-sim stops" stop_pid "$KS_PID"
check "a silent node goes Ready=Unknown" eventually -t 15 ready_is sim-0 Unknown
reason=$(api GET /api/v1/nodes/sim-0 | json "[c['reason'] for c in d['status']['conditions'] if c['type']=='Ready'][0]")
expect "with reason NodeStatusUnknown" NodeStatusUnknown "$reason"
check "its pods get Ready=False (MarkPodsNotReady)" eventually -t 10 pod_ready tolerant False
ev=$(api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=tolerant" | json "sum(1 for e in d['items'] if e['reason']=='NodeNotReady')")
expect "a NodeNotReady event on the pod" 1 "$ev"
check "and gets the unreachable taints" eventually -t 10 tainted sim-0
check "the other node too" eventually -t 10 tainted sim-1
check "a pod is marked for deletion when its tolerationSeconds (2) run out" eventually -t 15 terminating plain
check "a pod tolerating the taint forever stays" staying tolerant
check "a pod with tolerationSeconds 3600 stays meanwhile" staying patient
ev=$(api GET "/api/v1/namespaces/default/events?fieldSelector=reason%3DTaintManagerEviction" | json "len(d['items'])")
expect "a TaintManagerEviction event" 1 "$ev"

check "kubelet-sim restarts" start_ksim
check "the node is Ready again" eventually -t 15 ready_is sim-0 True
check "and loses the taints" eventually -t 10 untainted sim-0
check "the evicted pod finishes terminating" eventually -t 15 gone plain
check "the tolerant pod still runs" phase_is tolerant Running
check "and the kubelet-sim makes it Ready again" eventually -t 10 pod_ready tolerant True
# A paused (not restarted) kubelet-sim: it must correct the server's Ready=False
# itself when it wakes, as the kubelet's status manager does.
kill -STOP "$KS_PID"
check "a paused node's pods get Ready=False" eventually -t 15 pod_ready tolerant False
kill -CONT "$KS_PID"
check "the resumed kubelet-sim writes Ready=True again" eventually -t 15 pod_ready tolerant True

# Master disruption: every node not Ready (both kubelet-sims stopped). Kubernetes takes
# the controller to be the one cut off: no NoExecute taint, no eviction.
mkpod '{"metadata":{"name":"late"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}' late
check "a new plain pod runs on sim-0" eventually -t 10 phase_is late Running
check "both kubelet-sims stop" stop_pid "$KS_PID"
stop_pid "$WS_PID"
check "every node goes Ready=Unknown" eventually -t 15 ready_is w-0 Unknown
check "sim-0 too" eventually -t 15 ready_is sim-0 Unknown
NOSCHED='["node.kubernetes.io/unreachable:NoSchedule"]'
only_nosched() { [ "$(taints "$1")" = "$NOSCHED" ]; }
all_nosched() { only_nosched sim-0 && only_nosched sim-1 && only_nosched w-0; }
# A node marked Unknown while others still looked Ready may get NoExecute for a moment
# (as in Kubernetes); once the last one is counted, every NoExecute taint is lifted.
check "master disruption: every node keeps the NoSchedule taint only" eventually -t 10 all_nosched
grep -q "entering master disruption mode" "$CK_TMP/nc.log"
expect "the controller logs master disruption mode" 0 "$?"
# Its 2 s toleration would have run out twice over within this window.
noexec_seen=0
for _ in $(seq 10); do
	case "$(taints sim-0)$(taints w-0)" in *NoExecute*) noexec_seen=1 ;; esac
	sleep 0.5
done
expect "no NoExecute taint meanwhile" 0 "$noexec_seen"
check "the plain pod is not evicted" staying late
check "node-controller stops on SIGTERM" stop_pid "$NC_PID"
finish
