#!/usr/bin/env bash
# scheduler.sh: ckube-scheduler against a real apiserver with fake nodes made by curl:
# 30 pods spread 10/10/10 over 3 equal nodes, a too-big pod Pending with its
# FailedScheduling event and PodScheduled=False (then placed when a big node joins),
# nodeSelector, cordon, taints and tolerations, pods of another scheduler left alone,
# and a scheduler killed with SIGKILL and restarted losing no pod and binding none twice.
source "$(dirname "$0")/../../lib/lib.sh"

NS=/api/v1/namespaces/default
SCHED_PID=""
start_sched() {
	rm -f "$CK_TMP/sched.port"
	setsid "$CK_BIN/ckube-scheduler" --master "$API_URL" \
	    --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
	    --port-file "$CK_TMP/sched.port" --v=2 >>"$CK_TMP/sched.log" 2>&1 &
	SCHED_PID=$!
	CK_PIDS+=("$SCHED_PID")
	eventually test -s "$CK_TMP/sched.port" &&
	    eventually grep -q 'caches synced' "$CK_TMP/sched.log"
}

# mknode NAME CPU [LABELS-JSON-MEMBERS] [SPEC-JSON-MEMBERS]
mknode() {
	local labels=${3:+,$3} spec=${4:-}
	api POST /api/v1/nodes -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"$1\",
	  \"labels\":{\"kubernetes.io/hostname\":\"$1\"$labels}},\"spec\":{$spec}}" >/dev/null
	api PUT "/api/v1/nodes/$1/status" -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"$1\",
	  \"labels\":{\"kubernetes.io/hostname\":\"$1\"$labels}},\"spec\":{$spec},\"status\":{
	  \"capacity\":{\"cpu\":\"$2\",\"memory\":\"8Gi\",\"pods\":\"110\"},
	  \"allocatable\":{\"cpu\":\"$2\",\"memory\":\"8Gi\",\"pods\":\"110\"},
	  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}" >/dev/null
}

# mkpod NAME [SPEC-JSON-MEMBERS] [CPU]
mkpod() {
	local extra=${2:+$2,}
	api POST "$NS/pods" -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"$1\"},
	  \"spec\":{$extra\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",
	  \"resources\":{\"requests\":{\"cpu\":\"${3:-100m}\"}}}]}}" >/dev/null
}

node_of() { api GET "$NS/pods/$1" | json "d['spec'].get('nodeName','')"; }
on() { [ "$(node_of "$1")" = "$2" ]; }
bound() { [ -n "$(node_of "$1")" ]; }
unbound_count() { api GET "$NS/pods" | json "len([p for p in d['items'] if not p['spec'].get('nodeName')])"; }
all_bound_but() { [ "$(unbound_count)" = "$1" ]; }
events_of() { api GET "$NS/events" | json "[e['reason']+': '+e['message'] for e in d['items'] if e['involvedObject']['name']=='$1']"; }
has_event() { events_of "$1" | grep -qF "$2"; }

start_apiserver || exit 1
for n in n1 n2 n3; do mknode $n 4; done
check "the scheduler starts and syncs" start_sched

for i in $(seq 1 30); do mkpod "p$i"; done
check "30 pods are bound" eventually -t 20 all_bound_but 0
spread=$(api GET "$NS/pods" | json "sorted(__import__('collections').Counter(p['spec']['nodeName'] for p in d['items']).values())")
expect "spread 10/10/10" "[10, 10, 10]" "$spread"

mkpod big "" 64
check "a too-big pod gets a FailedScheduling event" eventually -t 10 has_event big \
    "FailedScheduling: 0/3 nodes are available: 3 Insufficient cpu."
cond=$(api GET "$NS/pods/big" | json "[c['status']+' '+c['reason'] for c in d['status'].get('conditions',[]) if c['type']=='PodScheduled'][0]")
expect "and PodScheduled=False Unschedulable" "False Unschedulable" "$cond"
expect "and stays unbound" "" "$(node_of big)"

mknode ssd1 4 '"disk":"ssd"'
mkpod sel '"nodeSelector":{"disk":"ssd"}'
check "nodeSelector picks the labelled node" eventually -t 10 on sel ssd1

api PATCH /api/v1/nodes/ssd1 -H 'Content-Type: application/merge-patch+json' \
    -d '{"spec":{"unschedulable":true}}' >/dev/null
mkpod sel2 '"nodeSelector":{"disk":"ssd"}'
check "a cordoned node takes no pod" eventually -t 10 has_event sel2 "1 node(s) were unschedulable"
api PATCH /api/v1/nodes/ssd1 -H 'Content-Type: application/merge-patch+json' \
    -d '{"spec":{"unschedulable":false}}' >/dev/null
check "uncordoning it places the waiting pod" eventually -t 15 on sel2 ssd1

mknode gpu1 4 '"gpu":"yes"' '"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]'
mkpod intol '"nodeSelector":{"gpu":"yes"}'
check "a taint keeps an intolerant pod off" eventually -t 10 has_event intol \
    "node(s) had untolerated taint {dedicated: gpu}"
mkpod tol '"nodeSelector":{"gpu":"yes"},"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]'
check "a tolerating pod goes there" eventually -t 10 on tol gpu1

mkpod other '"schedulerName":"other-scheduler"'
mkpod mine
check "our pod beside it is bound" eventually -t 10 bound mine
expect "a pod of another scheduler is left alone" "" "$(node_of other)"
expect "and gets no event from us" "[]" "$(events_of other)"

mknode huge 128
check "a node that joins places the too-big pod" eventually -t 15 on big huge
cond=$(api GET "$NS/pods/big" | json "[c['status'] for c in d['status'].get('conditions',[]) if c['type']=='PodScheduled'][0]")
expect "binding sets PodScheduled=True" "True" "$cond"

# init containers count as their maximum: init 3 cpu, app 1+1 cpu on 4-cpu nodes.
api POST "$NS/pods" -H 'Content-Type: application/json' -d '{"metadata":{"name":"init"},"spec":{
  "nodeSelector":{"disk":"ssd"},
  "initContainers":[{"name":"i","image":"busybox","resources":{"requests":{"cpu":"3900m"}}}],
  "containers":[{"name":"a","image":"nginx","resources":{"requests":{"cpu":"1"}}},
                {"name":"b","image":"nginx","resources":{"requests":{"cpu":"1"}}}]}}' >/dev/null
check "an init container larger than the node's free cpu keeps the pod Pending" \
    eventually -t 10 has_event init "1 Insufficient cpu"

# Pod affinity: a pod that wants to run beside app=cache waits for one, then joins it;
# anti-affinity keeps two app=db pods on different nodes.
aff='"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"cache"}},"topologyKey":"kubernetes.io/hostname"}]}}'
mkpod follower "$aff"
check "a pod with pod affinity waits for its peer" eventually -t 10 has_event follower \
    "didn't match pod affinity rules"
api POST "$NS/pods" -H 'Content-Type: application/json' -d '{"metadata":{"name":"cache","labels":{"app":"cache"}},
  "spec":{"nodeSelector":{"disk":"ssd"},"containers":[{"name":"c","image":"redis"}]}}' >/dev/null
check "the peer lands" eventually -t 10 on cache ssd1
check "and the waiting pod joins it on the same node" eventually -t 15 on follower ssd1
anti='"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"kubernetes.io/hostname"}]}}'
for d in db1 db2; do
	api POST "$NS/pods" -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"$d\",\"labels\":{\"app\":\"db\"}},
	  \"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"},$anti,\"containers\":[{\"name\":\"c\",\"image\":\"pg\"}]}}" >/dev/null
done
one_db_placed() { [ "$(node_of db1)$(node_of db2)" = ssd1 ]; }
check "anti-affinity: only one db pod on the single ssd node" eventually -t 10 one_db_placed
second=db2; bound db2 && second=db1
check "and the other reports the anti-affinity" eventually -t 10 has_event "$second" "anti-affinity"

# Kill -9 in the middle of a burst, restart: every pod bound once.
for i in $(seq 31 60); do mkpod "p$i"; done
kill -KILL "$SCHED_PID"
wait "$SCHED_PID" 2>/dev/null
check "the restarted scheduler syncs" start_sched
check "every pod of the burst is bound" eventually -t 30 all_bound_but 4
if grep -q 'already assigned' "$CK_TMP/sched.log"; then
	not_ok "no pod is bound twice" "$(grep 'already assigned' "$CK_TMP/sched.log" | head -3)"
else
	ok "no pod is bound twice"
fi
metrics=$(curl -s "http://127.0.0.1:$(cat "$CK_TMP/sched.port")/metrics")
if grep -q '^ckube_scheduler_pods_scheduled_total' <<<"$metrics" &&
    grep -q '^ckube_scheduler_schedule_attempts_total{result="scheduled"}' <<<"$metrics" &&
    grep -q '^ckube_scheduler_scheduling_algorithm_duration_seconds_bucket' <<<"$metrics"; then
	ok "metrics are exported"
else
	not_ok "metrics are exported" "$(grep scheduler <<<"$metrics" | head -5)"
fi
stop_pid "$SCHED_PID"
check "the scheduler stops cleanly" test $? = 0
finish
