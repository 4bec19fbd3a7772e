#!/usr/bin/env bash
# pods.sh: ckube-kubelet-sim against a real apiserver: 3 nodes register Ready
# with leases, a bound pod runs with an IP from its node's podCIDR, an
# init-container pod goes through its statuses, a job-like pod succeeds, a
# graceful delete removes the pod, a status write that fails (the store full) is retried,
# and a restart keeps the nodes.
source "$(dirname "$0")/../../lib/lib.sh"

# The disk-full test hook (store.h): "full" in this file makes every write fail (507).
export CKUBE_TEST_STORE_FULL_FILE=$CK_TMP/disk-full

KS_PID=""
start_ksim() {
	rm -f "$CK_TMP/ksim.port"
	setsid "$CK_BIN/ckube-kubelet-sim" --master "$API_URL" \
	    --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
	    --port-file "$CK_TMP/ksim.port" --nodes 3 \
	    --node-lease-renew-interval 1s --node-status-report-frequency 2s \
	    --crashloop-backoff-base 200ms --v=2 >>"$CK_TMP/ksim.log" 2>&1 &
	KS_PID=$!
	CK_PIDS+=("$KS_PID")
	eventually test -s "$CK_TMP/ksim.port"
}

ready_nodes() {
	[ "$(api GET /api/v1/nodes | json "len([n for n in d['items'] if any(c['type']=='Ready' and c['status']=='True' for c in n.get('status',{}).get('conditions',[]))])")" = 3 ]
}

bind() {
	api POST "/api/v1/namespaces/default/pods/$1/binding" \
	    -H 'Content-Type: application/json' \
	    -d "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"$1\"},\"target\":{\"kind\":\"Node\",\"name\":\"$2\"}}" >/dev/null
}

mkpod() {
	api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$1" >/dev/null
}

phase() { api GET "/api/v1/namespaces/default/pods/$1" | json "d.get('status',{}).get('phase')"; }
is_phase() { [ "$(phase "$1")" = "$2" ]; }

start_apiserver || exit 1
check "kubelet-sim starts" start_ksim
check "3 nodes register Ready" eventually -t 15 ready_nodes
lease1=$(api GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/sim-0 | json "d['spec']['renewTime']")
lease_moved() {
	[ "$(api GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/sim-0 | json "d['spec']['renewTime']")" != "$lease1" ]
}
check "leases renew" eventually -t 5 lease_moved
cidr=$(api GET /api/v1/nodes/sim-1 | json "d['spec']['podCIDR']")
expect "node has a /24 podCIDR" "10.244.1.0/24" "$cidr"

mkpod '{"metadata":{"name":"web"},"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}'
bind web sim-1
check "bound pod goes Running" eventually -t 10 is_phase web Running
ip=$(api GET /api/v1/namespaces/default/pods/web | json "d['status']['podIP']")
case $ip in 10.244.1.*) ok "pod IP from the node's podCIDR ($ip)" ;; *) not_ok "pod IP from podCIDR" "got $ip" ;; esac

mkpod '{"metadata":{"name":"initpod"},"spec":{"initContainers":[{"name":"a","image":"busybox","command":["sh","-c","sleep 1"]},{"name":"b","image":"busybox","command":["sh","-c","sleep 1"]}],"containers":[{"name":"app","image":"nginx"}]}}'
bind initpod sim-2
init_running() {
	[ "$(api GET /api/v1/namespaces/default/pods/initpod | json "list(d['status']['initContainerStatuses'][0]['state'].keys())[0]")" = running ]
}
check "first init container runs" eventually -t 10 init_running
check "init pod goes Running" eventually -t 15 is_phase initpod Running
order=$(api GET /api/v1/namespaces/default/pods/initpod | json "d['status']['initContainerStatuses'][1]['state']['terminated']['startedAt'] >= d['status']['initContainerStatuses'][0]['state']['terminated']['finishedAt']")
expect "init containers ran in order" true "$order"
[ "$order" = true ] || echo "# $(api GET /api/v1/namespaces/default/pods/initpod)"
inited=$(api GET /api/v1/namespaces/default/pods/initpod | json "[c['status'] for c in d['status']['conditions'] if c['type']=='Initialized'][0]")
expect "Initialized=True" True "$inited"

mkpod '{"metadata":{"name":"job"},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","command":["sleep","1"]}]}}'
bind job sim-0
check "sleep 1 with Never -> Succeeded" eventually -t 10 is_phase job Succeeded

mkpod '{"metadata":{"name":"bad"},"spec":{"restartPolicy":"Never","initContainers":[{"name":"a","image":"busybox","command":["sh","-c","exit 1"]}],"containers":[{"name":"app","image":"nginx"}]}}'
bind bad sim-0
check "failing init with Never -> Failed" eventually -t 10 is_phase bad Failed

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
if [ -x "$KUBECTL" ]; then
	out=$("$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" get pods 2>&1)
	# The READY/STATUS columns come from the apiserver's pod table.
	check "kubectl get pods lists them" grep -q '^initpod ' <<<"$out"
else
	skip "kubectl get pods" "no $KUBECTL"
fi

api DELETE /api/v1/namespaces/default/pods/web >/dev/null
gone() { api GET /api/v1/namespaces/default/pods/web >/dev/null; [ "$(code)" = 404 ]; }
check "graceful delete removes the pod" eventually -t 10 gone

# A status write that fails is sent again, as the kubelet's status manager does: the pod is
# created while the kubelet-sim is stopped, the store fills before it resumes.
kill -STOP "$KS_PID"
mkpod '{"metadata":{"name":"retry"},"spec":{"nodeName":"sim-2","containers":[{"name":"c","image":"x"}]}}'
echo full >"$CK_TMP/disk-full"
kill -CONT "$KS_PID"
failed_write() { grep -q 'pod default/retry status: .*(will retry)' "$CK_TMP/ksim.log"; }
check "the pod's status write fails while the store is full" eventually -t 10 failed_write
: >"$CK_TMP/disk-full"
check "... and is retried once it has room: the pod goes Running" eventually -t 15 is_phase retry Running

stop_pid "$KS_PID"
check "kubelet-sim restarts" start_ksim
check "nodes still Ready after restart" eventually -t 10 ready_nodes
n=$(api GET /api/v1/nodes | json "len(d['items'])")
expect "no extra nodes after restart" 3 "$n"
check "init pod still Running after restart" eventually -t 5 is_phase initpod Running
restarted=$(api GET /api/v1/namespaces/default/pods/initpod | json "d['status']['initContainerStatuses'][0]['restartCount']")
expect "init containers not rerun after restart" 0 "$restarted"
check "kubelet-sim stops on SIGTERM" stop_pid "$KS_PID"
finish
