#!/usr/bin/env bash
# features.sh: ckube-kubelet-sim's simulated behaviour against a real
# apiserver: sim.ckube.io/ annotations (startup-delay, ready-after,
# image-pull-fail, a bad value), probes (readiness gates Ready, liveness
# restarts), admission against allocatable with the init-container rule,
# graceful termination, container and image IDs.
source "$(dirname "$0")/../../lib/lib.sh"

start_ksim() {
	rm -f "$CK_TMP/ksim.port"
	setsid "$CK_BIN/ckube-kubelet-sim" --master "$API_URL" \
	    --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
	    --port-file "$CK_TMP/ksim.port" --nodes 2 --node-cpu 2 \
	    --node-memory 4Gi --node-pods 20 \
	    --node-lease-renew-interval 1s --crashloop-backoff-base 200ms \
	    --v=2 >>"$CK_TMP/ksim.log" 2>&1 &
	CK_PIDS+=("$!")
	eventually test -s "$CK_TMP/ksim.port"
}

# mkpod NAME SPEC-JSON [ANNOTATIONS-JSON]: a pod bound to sim-0.
mkpod() {
	local spec
	spec=$(python3 -c 'import json,sys; s=json.loads(sys.argv[2]); s["nodeName"]="sim-0"; print(json.dumps({"metadata":{"name":sys.argv[1],"annotations":json.loads(sys.argv[3])},"spec":s}))' "$1" "$2" "${3:-{\}}")
	api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$spec" >/dev/null
}
pod() { api GET "/api/v1/namespaces/default/pods/$1" | json "$2"; }
is() { [ "$(pod "$1" "$2")" = "$3" ]; }
cs0() { echo "d['status']['containerStatuses'][0]$1"; }
events_of() {
	api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=$1" |
	    json "' '.join(sorted(set(e['reason'] for e in d['items'])))"
}
has_event() { [[ " $(events_of "$1") " == *" $2 "* ]]; }

start_apiserver || exit 1
check "kubelet-sim starts" start_ksim

# startup-delay: ContainerCreating first, then Running.
mkpod slow '{"containers":[{"name":"c","image":"nginx"}]}' '{"sim.ckube.io/startup-delay":"6s"}'
check "startup-delay: waiting ContainerCreating" eventually -t 5 is slow "$(cs0 "['state']['waiting']['reason']")" ContainerCreating
expect "startup-delay: phase Pending" Pending "$(pod slow "d['status']['phase']")"
check "startup-delay: then Running" eventually -t 15 is slow "d['status']['phase']" Running

# ready-after: running but not ready, then ready.
mkpod late '{"containers":[{"name":"c","image":"nginx"}]}' '{"sim.ckube.io/ready-after":"6s"}'
check "ready-after: running" eventually -t 5 is late "d['status']['phase']" Running
expect "ready-after: not ready at first" false "$(pod late "$(cs0 "['ready']")")"
check "ready-after: ready later" eventually -t 15 is late "$(cs0 "['ready']")" true

# image-pull-fail: ErrImagePull, ImagePullBackOff, an Event; no restarts.
mkpod nopull '{"containers":[{"name":"c","image":"nginx:nope"}]}' '{"sim.ckube.io/image-pull-fail":"c"}'
# ErrImagePull shows for at most 1 s of each backoff cycle: poll long enough
# to meet one even on a loaded machine.
check "image-pull-fail: ErrImagePull" eventually -t 30 is nopull "$(cs0 "['state']['waiting']['reason']")" ErrImagePull
check "image-pull-fail: ImagePullBackOff" eventually -t 5 is nopull "$(cs0 "['state']['waiting']['reason']")" ImagePullBackOff
check "image-pull-fail: Failed event" eventually -t 5 has_event nopull Failed
expect "image-pull-fail: Pending" Pending "$(pod nopull "d['status']['phase']")"

# A bad annotation value: a Warning event, the pod runs anyway.
mkpod badann '{"containers":[{"name":"c","image":"nginx"}]}' '{"sim.ckube.io/startup-delay":"soon"}'
check "bad annotation: pod still runs" eventually -t 5 is badann "d['status']['phase']" Running
check "bad annotation: InvalidAnnotation event" eventually -t 5 has_event badann InvalidAnnotation

# Usage annotations: summed per node in the kubelet's Summary API.
mkpod use1 '{"containers":[{"name":"c","image":"nginx"}]}' '{"sim.ckube.io/memory-usage":"100Mi","sim.ckube.io/disk-usage":"1Gi","sim.ckube.io/inodes-usage":"1000"}'
mkpod use2 '{"containers":[{"name":"c","image":"nginx"}]}' '{"sim.ckube.io/memory-usage":"200Mi"}'
summary() { curl -s "http://127.0.0.1:$(cat "$CK_TMP/ksim.port")/stats/summary?node=sim-0" | json "$1"; }
node_mem() { [ "$(summary "d['node']['memory']['workingSetBytes']")" = "$1" ]; }
check "stats/summary: node memory is the pods' sum" eventually -t 5 node_mem $((300 << 20))
expect "stats/summary: node fs usedBytes" $((1 << 30)) "$(summary "d['node']['fs']['usedBytes']")"
expect "stats/summary: node inodesUsed" 1000 "$(summary "d['node']['fs']['inodesUsed']")"
expect "stats/summary: available memory" $(((4 << 30) - (300 << 20))) "$(summary "d['node']['memory']['availableBytes']")"
expect "stats/summary: per pod" $((200 << 20)) "$(summary "[p['memory']['workingSetBytes'] for p in d['pods'] if p['podRef']['name']=='use2'][0]")"
# Each node lists its own pods only (a per-node list, not a filter of all).
summary1() { curl -s "http://127.0.0.1:$(cat "$CK_TMP/ksim.port")/stats/summary?node=sim-1" | json "$1"; }
expect "stats/summary: another node has none of sim-0's pods" "0 0" "$(summary1 "str(len(d['pods'])) + ' ' + str(d['node']['memory']['workingSetBytes'])")"
expect "stats/summary: sim-0 lists its pods" "use1 use2" "$(summary "' '.join(sorted(p['podRef']['name'] for p in d['pods'] if p['podRef']['name'].startswith('use')))")"
expect "stats/summary: an unknown node is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$CK_TMP/ksim.port")/stats/summary?node=sim-01")"
api DELETE /api/v1/namespaces/default/pods/use2 >/dev/null
check "stats/summary: a deleted pod's usage goes" eventually -t 5 node_mem $((100 << 20))
expect "stats/summary: a deleted pod leaves its node's list" "use1" "$(summary "' '.join(sorted(p['podRef']['name'] for p in d['pods'] if p['podRef']['name'].startswith('use')))")"

# Readiness gates Ready; liveness failure restarts.
mkpod unready '{"containers":[{"name":"c","image":"nginx","readinessProbe":{"exec":{"command":["false"]},"periodSeconds":1}}]}'
check "readiness: running" eventually -t 5 is unready "d['status']['phase']" Running
check "readiness: Unhealthy event" eventually -t 5 has_event unready Unhealthy
expect "readiness: Ready=False" False "$(pod unready "[c['status'] for c in d['status']['conditions'] if c['type']=='Ready'][0]")"
expect "readiness: never restarted" 0 "$(pod unready "$(cs0 "['restartCount']")")"
mkpod ready '{"containers":[{"name":"c","image":"nginx","readinessProbe":{"exec":{"command":["cat","/tmp/healthy"]},"periodSeconds":1,"initialDelaySeconds":1}}]}'
check "readiness: passing probe makes Ready" eventually -t 8 is ready "[c['status'] for c in d['status']['conditions'] if c['type']=='Ready'][0]" True
mkpod live '{"containers":[{"name":"c","image":"nginx","livenessProbe":{"exec":{"command":["sh","-c","sleep 5"]},"timeoutSeconds":1,"periodSeconds":1,"failureThreshold":2}}]}'
restarted() { [ "$(pod live "$(cs0 "['restartCount']")")" -ge 1 ]; }
check "liveness: timed-out probe restarts the container" eventually -t 10 restarted
expect "liveness: lastState exit 137" 137 "$(pod live "$(cs0 "['lastState']['terminated']['exitCode']")")"
check "liveness: Killing event" eventually -t 5 has_event live Killing

# Admission: 2 cpu allocatable.
mkpod big '{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"3"}}}]}'
check "admission: OutOfcpu" eventually -t 5 is big "d['status'].get('reason')" OutOfcpu
expect "admission: Failed" Failed "$(pod big "d['status']['phase']")"
pod big "d['status']['message']" | grep -q "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000" &&
    ok "admission: kubelet message" || not_ok "admission: kubelet message" "$(pod big "d['status']['message']")"
mkpod biginit '{"initContainers":[{"name":"i","image":"busybox","resources":{"requests":{"memory":"5Gi"}}}],"containers":[{"name":"c","image":"nginx","resources":{"requests":{"memory":"1Gi"}}}]}'
check "admission: init request counts (OutOfmemory)" eventually -t 5 is biginit "d['status'].get('reason')" OutOfmemory
mkpod fits '{"initContainers":[{"name":"i","image":"busybox","resources":{"requests":{"cpu":"1500m"}}}],"containers":[{"name":"a","image":"nginx","resources":{"requests":{"cpu":"300m"}}},{"name":"b","image":"nginx","resources":{"requests":{"cpu":"300m"}}}]}'
check "admission: max(init, sum app) fits" eventually -t 5 is fits "d['status']['phase']" Running

# IDs and addresses.
cid=$(pod fits "$(cs0 "['containerID']")")
[[ $cid =~ ^sim://[0-9a-f]{64}$ ]] && ok "containerID sim://<hash>" || not_ok "containerID sim://<hash>" "$cid"
iid=$(pod fits "$(cs0 "['imageID']")")
[[ $iid == docker.io/library/nginx@sha256:* ]] && ok "imageID" || not_ok "imageID" "$iid"
expect "hostIP" "$(api GET /api/v1/nodes/sim-0 | json "[a['address'] for a in d['status']['addresses'] if a['type']=='InternalIP'][0]")" "$(pod fits "d['status']['hostIP']")"
check "startTime set" test -n "$(pod fits "d['status']['startTime']")"

# Graceful termination: a script runs out its grace period, nginx stops at once.
mkpod sleeper '{"terminationGracePeriodSeconds":3,"containers":[{"name":"c","image":"busybox","command":["sleep","3600"]}]}'
check "graceful: sleeper runs" eventually -t 5 is sleeper "d['status']['phase']" Running
api DELETE /api/v1/namespaces/default/pods/sleeper >/dev/null
expect "graceful: still there (Terminating)" 200 "$(api GET /api/v1/namespaces/default/pods/sleeper >/dev/null; code)"
gone() { api GET "/api/v1/namespaces/default/pods/$1" >/dev/null; [ "$(code)" = 404 ]; }
check "graceful: gone after the grace period" eventually -t 10 gone sleeper
api DELETE /api/v1/namespaces/default/pods/slow >/dev/null
check "graceful: nginx stops at SIGTERM" eventually -t 3 gone slow
finish
