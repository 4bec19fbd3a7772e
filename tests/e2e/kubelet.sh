#!/usr/bin/env bash
# e2e: the kubelet-sim on a whole cluster, driven by the real kubectl (issue 6). Pods are bound
# with spec.nodeName, so no scheduler is needed: the article's nginx with an init container
# (field form and 1.3 annotation form) goes Init:0/1 -> Running 1/1; two init containers run
# in order; failing init containers with Never and Always; a job-like pod completes; liveness
# restarts; readiness gates Ready; kubectl logs (-c, --tail, --previous, -f); graceful delete;
# a stopped kubelet-sim's nodes go Unknown (node-controller) and come back Ready.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

if ! has_bin apiserver kubelet-sim || ! command -v "$KUBECTL" >/dev/null; then
	skip "kubelet e2e" "needs kubectl and bin/ckube-{apiserver,kubelet-sim}"
	exit 0
fi
KFLAGS="--crashloop-backoff-base=1s --node-lease-renew-interval=1s --node-status-report-frequency=2s"
check "a cluster of 2 nodes comes up" e2e_up --nodes 2 --kubelet-flags "$KFLAGS"

is() { [ "$("${@:2}")" = "$1" ]; }
jp() { kc get pod "$1" -o jsonpath="$2"; }
status() { kc get pod "$1" --no-headers | awk '{print $3}'; }
ready_col() { kc get pod "$1" --no-headers | awk '{print $2}'; }
cond() { jp "$1" "{.status.conditions[?(@.type==\"$2\")].status}"; }
# watch_pod POD [OUTPUT]: record every row (or kubectl -o OUTPUT) the pod shows, from before it
# exists: a watch sees each status write, a poll misses a short Init:0/1 on a busy box.
# kubectl itself runs in the background (not the kc function's subshell), so kill reaches it.
watch_pod() {
	local f=$CK_TMP/watch.$1${2:+.o}
	"$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" --cache-dir "$CK_TMP/kcache" get pods -w \
	    --field-selector "metadata.name=$1" --no-headers ${2:+-o "$2"} >"$f" 2>&1 &
	echo $! >"$f.pid"
}
unwatch_pod() {
	local f=$CK_TMP/watch.$1${2:+.o} pid
	pid=$(cat "$f.pid")
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
# seen POD STATUS...: the watch of watch_pod showed each STATUS in this order, the last
# within 60 s; the watch is stopped.
seen() {
	local pod=$1 last=${!#} i=0 w got
	eventually -t 60 grep -Eq "^$pod +[^ ]+ +$last " "$CK_TMP/watch.$pod"
	unwatch_pod "$pod"
	read -ra got <<<"$(awk '{print $3}' "$CK_TMP/watch.$pod" | uniq | tr '\n' ' ')"
	for w in "${@:2}"; do
		while [ "$i" -lt "${#got[@]}" ] && [ "${got[$i]}" != "$w" ]; do i=$((i + 1)); done
		[ "$i" -lt "${#got[@]}" ] || { echo "# $pod showed ${got[*]} (wanted ${*:2} in order)"; return 1; }
		i=$((i + 1))
	done
}

# The article's example (field form): the init container fetches index.html, then nginx.
watch_pod nginx
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: nginx
  annotations: {sim.ckube.io/startup-delay: "2s"}
spec:
  nodeName: sim-0
  initContainers:
  - name: install
    image: busybox
    command: [wget, "-O", "/work-dir/index.html", "http://kubernetes.io"]
    volumeMounts: [{name: workdir, mountPath: /work-dir}]
  containers:
  - name: nginx
    image: nginx
    ports: [{containerPort: 80}]
    volumeMounts: [{name: workdir, mountPath: /usr/share/nginx/html}]
  volumes: [{name: workdir, emptyDir: {}}]
YAML
check "field form: Init:0/1 then Running" seen nginx Init:0/1 Running
check "field form: READY 1/1" eventually -t 10 is 1/1 ready_col nginx
expect "field form: Initialized=True" True "$(cond nginx Initialized)"
ip=$(jp nginx '{.status.podIP}')
[[ $ip =~ ^10\.244\.0\.[0-9]+$ ]] && ok "field form: a pod IP from sim-0's podCIDR ($ip)" || not_ok "field form: pod IP" "$ip"

# The same in the 1.3 annotation form.
watch_pod nginx-ann
watch_pod nginx-ann 'jsonpath={.status.initContainerStatuses[0].state}{"\n"}'
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: nginx-ann
  annotations:
    sim.ckube.io/startup-delay: "2s"
    pod.beta.kubernetes.io/init-containers: '[{"name":"install","image":"busybox","command":["wget","-O","/work-dir/index.html","http://kubernetes.io"],"volumeMounts":[{"name":"workdir","mountPath":"/work-dir"}]}]'
spec:
  nodeName: sim-1
  containers:
  - name: nginx
    image: nginx
    volumeMounts: [{name: workdir, mountPath: /usr/share/nginx/html}]
  volumes: [{name: workdir, emptyDir: {}}]
YAML
# STATUS says Init:0/0 here: the apiserver keeps the annotation without decoding it into
# spec.initContainers, which kubectl counts; the init container's own status is followed.
ics() { jp nginx-ann '{.status.initContainerStatuses[0].state}' | grep -o '^{"[a-z]*"'; }
check "annotation form: then Running" seen nginx-ann Running
unwatch_pod nginx-ann o
check "annotation form: the init container waited first (Init:0/1)" grep -q '^{"waiting"' "$CK_TMP/watch.nginx-ann.o"
expect "annotation form: the init container completed" '{"terminated"' "$(ics)"
check "annotation form: READY 1/1" eventually -t 10 is 1/1 ready_col nginx-ann
expect "annotation form: Initialized=True" True "$(cond nginx-ann Initialized)"
check "annotation form: a pod IP" test -n "$(jp nginx-ann '{.status.podIP}')"
check "annotation form: init-container-statuses mirrored" \
    grep -q '"name":"install"' <<<"$(jp nginx-ann '{.metadata.annotations.pod\.beta\.kubernetes\.io/init-container-statuses}')"

# Two init containers strictly in order.
watch_pod myapp
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: myapp}
spec:
  nodeName: sim-0
  initContainers:
  - {name: init-a, image: busybox, command: [sh, -c, "sleep 2"]}
  - {name: init-b, image: busybox, command: [sh, -c, "sleep 2"]}
  containers:
  - {name: app, image: nginx}
YAML
check "two inits: Init:0/2, Init:1/2, Running" seen myapp Init:0/2 Init:1/2 Running
a_end=$(jp myapp '{.status.initContainerStatuses[0].state.terminated.finishedAt}')
b_start=$(jp myapp '{.status.initContainerStatuses[1].state.terminated.startedAt}')
app_start=$(jp myapp '{.status.containerStatuses[0].state.running.startedAt}')
b_end=$(jp myapp '{.status.initContainerStatuses[1].state.terminated.finishedAt}')
check "two inits: init-b started after init-a finished ($a_end <= $b_start)" test -n "$a_end" -a ! "$b_start" \< "$a_end"
check "two inits: app started after init-b finished" test -n "$b_end" -a ! "$app_start" \< "$b_end"

# A failing init container: Never fails the pod, Always crash-loops it.
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: initfail-never}
spec:
  nodeName: sim-0
  restartPolicy: Never
  initContainers:
  - {name: init-a, image: busybox, command: [sh, -c, "exit 1"]}
  containers:
  - {name: app, image: nginx}
---
apiVersion: v1
kind: Pod
metadata: {name: initfail-always}
spec:
  nodeName: sim-1
  initContainers:
  - {name: init-a, image: busybox, command: [sh, -c, "exit 1"]}
  containers:
  - {name: app, image: nginx}
YAML
check "init failure with Never: Init:Error" eventually -t 10 is Init:Error status initfail-never
expect "init failure with Never: phase Failed" Failed "$(jp initfail-never '{.status.phase}')"
expect "init failure with Never: the app never ran" PodInitializing \
    "$(jp initfail-never '{.status.containerStatuses[0].state.waiting.reason}')"
check "init failure with Always: Init:CrashLoopBackOff" eventually -t 15 is Init:CrashLoopBackOff status initfail-always
restarts() { [ "$(jp "$1" "$2")" -ge "$3" ]; }
check "init failure with Always: restarts" eventually -t 15 restarts initfail-always '{.status.initContainerStatuses[0].restartCount}' 2
expect "init failure with Always: still Pending" Pending "$(jp initfail-always '{.status.phase}')"

# sleep 1 with Never completes.
kc run job1 --image=busybox --restart=Never --overrides='{"spec":{"nodeName":"sim-1"}}' -- sleep 1 >/dev/null
check "sleep 1 with Never: Completed" eventually -t 15 is Completed status job1
expect "sleep 1 with Never: Succeeded" Succeeded "$(jp job1 '{.status.phase}')"

# Probes: liveness failure restarts; readiness gates Ready.
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  nodeName: sim-0
  containers:
  - name: app
    image: nginx
    livenessProbe: {exec: {command: [cat, /tmp/healthy-not]}, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: live-fail}
spec:
  nodeName: sim-0
  containers:
  - name: app
    image: nginx
    livenessProbe: {exec: {command: [sh, -c, "exit 1"]}, periodSeconds: 1, failureThreshold: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  nodeName: sim-1
  containers:
  - name: app
    image: nginx
    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  nodeName: sim-1
  containers:
  - name: app
    image: nginx
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1, initialDelaySeconds: 2}
YAML
check "liveness failure restarts the container" eventually -t 20 restarts live-fail '{.status.containerStatuses[0].restartCount}' 1
expect "liveness: killed with 137" 137 "$(jp live-fail '{.status.containerStatuses[0].lastState.terminated.exitCode}')"
check "liveness: Unhealthy and Killing events" eventually -t 5 sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' get events --field-selector involvedObject.name=live-fail -o jsonpath='{.items[*].reason}' | grep -q Killing"
expect "a passing liveness probe never restarts" 0 "$(jp live '{.status.containerStatuses[0].restartCount}')"
check "readiness: failing probe keeps READY 0/1 while Running" eventually -t 10 is "0/1 Running" \
    sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' get pod unready --no-headers | awk '{print \$2, \$3}'"
expect "readiness: Ready=False" False "$(cond unready Ready)"
check "readiness: passing probe -> READY 1/1" eventually -t 10 is 1/1 ready_col ready
expect "readiness: Ready=True" True "$(cond ready Ready)"

# kubectl logs.
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  nodeName: sim-0
  restartPolicy: Never
  initContainers:
  - {name: setup, image: busybox, command: [sh, -c, "echo preparing"]}
  containers:
  - {name: app, image: busybox, command: [sh, -c, "echo hello; sleep 3; echo goodbye"]}
YAML
check "logs: talker runs" eventually -t 10 is Running status talker
check "kubectl logs prints the echo" eventually -t 5 sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' logs talker | grep -qx hello"
out=$(kc logs -f talker 2>&1)
check "kubectl logs -f streams until the container ends" grep -qx goodbye <<<"$out"
out=$(kc logs talker --tail=1 2>&1)
check "kubectl logs --tail=1" grep -q 'exited with code 0' <<<"$out"
check "kubectl logs -c <init container>" grep -qx preparing <<<"$(kc logs talker -c setup 2>&1)"
check "kubectl logs --previous of a restarted container" grep -q 'exited with code 137' <<<"$(kc logs live-fail --previous 2>&1)"
out=$(kc logs nosuchpod 2>&1)
check "kubectl logs of an unknown pod: NotFound" grep -q 'NotFound' <<<"$out"
out=$(kc logs talker -c nosuch 2>&1)
check "kubectl logs of an unknown container: an error" grep -q 'container nosuch is not valid for pod talker' <<<"$out"

# Graceful delete: a script runs out its grace period while kubectl shows Terminating.
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  nodeName: sim-1
  terminationGracePeriodSeconds: 4
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
YAML
check "graceful: sleeper Running" eventually -t 10 is Running status sleeper
kc delete pod sleeper --wait=false >/dev/null
check "graceful: Terminating meanwhile" eventually -t 3 is Terminating status sleeper
gone() { ! kc get pod "$1" >/dev/null 2>&1; }
check "graceful: deleted after the grace period" eventually -t 15 gone sleeper
kc delete pod nginx --wait=false >/dev/null
check "graceful: nginx stops at once" eventually -t 5 gone nginx

# A stopped kubelet-sim: its nodes go Unknown, then Ready again once it is back. The
# cluster's node-controller is replaced by one with a short grace period.
node_ready() { kc get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'; }
# stop_ext PID: stop a cluster daemon (not a child of this shell).
stop_ext() {
	kill -TERM "$1" 2>/dev/null
	eventually -t 10 sh -c "! kill -0 $1 2>/dev/null"
}
relaunch() { # relaunch NAME EXTRA...: restart a cluster daemon with its command line + EXTRA
	local name=$1 pidf="$E2E_DIR/run/$1.pid" pid cmd=()
	shift
	pid=$(cat "$pidf")
	mapfile -d '' cmd <"/proc/$pid/cmdline"
	stop_ext "$pid"
	setsid "${cmd[@]}" "$@" </dev/null >>"$E2E_DIR/logs/$name.log" 2>&1 &
	echo $! >"$pidf"
}
if has_bin node-controller && [ -s "$E2E_DIR/run/node-controller.pid" ]; then
	relaunch node-controller --node-monitor-grace-period=4s --node-monitor-period=1s
	ks_pid=$(e2e_daemon_pid kubelet-sim)
	mapfile -d '' ks_cmd <"/proc/$ks_pid/cmdline"
	check "kubelet-sim stops" stop_ext "$ks_pid"
	check "its nodes go Unknown" eventually -t 30 is Unknown node_ready sim-0
	check "kubectl shows them NotReady" eventually -t 5 is NotReady sh -c \
	    "kubectl --kubeconfig '$E2E_KUBECONFIG' get node sim-1 --no-headers | awk '{print \$2}'"
	setsid "${ks_cmd[@]}" </dev/null >>"$E2E_DIR/logs/kubelet-sim.log" 2>&1 &
	echo $! >"$E2E_DIR/run/kubelet-sim.pid"
	check "a restarted kubelet-sim makes them Ready again" eventually -t 30 is True node_ready sim-0
	check "sim-1 Ready again" eventually -t 10 is True node_ready sim-1
	check "its pods are still Running" eventually -t 10 is Running status myapp
else
	skip "nodes go Unknown when the kubelet-sim stops" "no ckube-node-controller in the cluster"
fi
finish
