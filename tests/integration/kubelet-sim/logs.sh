#!/usr/bin/env bash
# logs.sh: the kubelet-sim's /containerLogs endpoint: echo output at its
# time, start/exit/probe/restart lines, tailLines, timestamps, previous,
# follow until the container ends, the kubelet's errors, and the node's
# kubelet-url annotation and daemonEndpoints.
source "$(dirname "$0")/../../lib/lib.sh"

start_apiserver || exit 1
setsid "$CK_BIN/ckube-kubelet-sim" --master "$API_URL" \
    --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
    --port-file "$CK_TMP/ksim.port" --nodes 1 \
    --node-lease-renew-interval 1s --crashloop-backoff-base 1s \
    --v=2 >>"$CK_TMP/ksim.log" 2>&1 &
CK_PIDS+=("$!")
check "kubelet-sim starts" eventually test -s "$CK_TMP/ksim.port"
KPORT=$(cat "$CK_TMP/ksim.port")
KURL=http://127.0.0.1:$KPORT

node_url() { api GET /api/v1/nodes/sim-0 | json "d['metadata']['annotations']['sim.ckube.io/kubelet-url']"; }
check "node registers" eventually test -n "$(node_url)"
expect "node annotation sim.ckube.io/kubelet-url" "$KURL" "$(node_url)"
eport() { api GET /api/v1/nodes/sim-0 | json "d['status']['daemonEndpoints']['kubeletEndpoint']['Port']"; }
check "status.daemonEndpoints.kubeletEndpoint.Port" eventually -t 5 test "$(eport)" = "$KPORT"

mkpod() {
	api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$1" >/dev/null
}
klog() { curl -s -o "$CK_TMP/out" -w '%{http_code}' "$KURL/containerLogs/default/$1"; }
phase() { api GET "/api/v1/namespaces/default/pods/$1" | json "d['status']['phase']"; }

mkpod '{"metadata":{"name":"echo"},"spec":{"nodeName":"sim-0","restartPolicy":"Never","containers":[{"name":"c","image":"busybox","command":["sh","-c","echo hello world; sleep 2; echo bye"]}]}}'
is_phase() { [ "$(phase "$1")" = "$2" ]; }
check "echo pod runs" eventually -t 5 is_phase echo Running
# follow: the stream ends when the container does, with every line.
code=$(curl -s -m 10 -o "$CK_TMP/follow" -w '%{http_code}' "$KURL/containerLogs/default/echo/c?follow=true")
expect "follow: 200" 200 "$code"
check "follow: echo output" grep -qx 'hello world' "$CK_TMP/follow"
check "follow: later echo after the sleep" grep -qx 'bye' "$CK_TMP/follow"
check "follow: exit line" grep -q 'exited with code 0' "$CK_TMP/follow"
expect "follow ends with the container" Succeeded "$(phase echo)"
expect "logs: 200" 200 "$(klog echo/c)"
check "logs: start line" grep -q 'started container c' "$CK_TMP/out"
expect "tailLines=1" 1 "$(klog 'echo/c?tailLines=1' >/dev/null; wc -l <"$CK_TMP/out" | tr -d ' ')"
klog 'echo/c?timestamps=true' >/dev/null
check "timestamps=true: RFC 3339 prefix" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z hello world$' "$CK_TMP/out"
expect "unknown pod: 404" 404 "$(klog nope/c)"
expect "unknown container: 400" 400 "$(klog echo/x)"
check "unknown container: kubelet wording" grep -q 'container x is not valid for pod echo' "$CK_TMP/out"
expect "no previous: 400" 400 "$(klog 'echo/c?previous=true')"
check "no previous: wording" grep -q 'previous terminated container "c" in pod "echo" not found' "$CK_TMP/out"

mkpod '{"metadata":{"name":"crash"},"spec":{"nodeName":"sim-0","containers":[{"name":"c","image":"busybox","command":["sh","-c","echo run; exit 3"]}]}}'
restarted() { [ "$(api GET /api/v1/namespaces/default/pods/crash | json "d['status']['containerStatuses'][0]['restartCount']")" -ge 1 ]; }
check "crashing pod restarts" eventually -t 10 restarted
prev_ok() { [ "$(klog 'crash/c?previous=true')" = 200 ] && grep -q 'exited with code 3' "$CK_TMP/out"; }
check "previous=true: the terminated instance" eventually -t 10 prev_ok
check "previous: back-off line" grep -q 'back-off' "$CK_TMP/out"

mkpod '{"metadata":{"name":"probe"},"spec":{"nodeName":"sim-0","containers":[{"name":"c","image":"nginx","readinessProbe":{"exec":{"command":["false"]},"periodSeconds":1}}]}}'
probe_line() { klog probe/c >/dev/null; grep -q 'Readiness probe failed' "$CK_TMP/out"; }
check "probe failures are logged" eventually -t 5 probe_line
mkpod '{"metadata":{"name":"wait","annotations":{"sim.ckube.io/image-pull-fail":"true"}},"spec":{"nodeName":"sim-0","containers":[{"name":"c","image":"nginx"}]}}'
waiting() { [ "$(klog wait/c)" = 400 ] && grep -q 'is waiting to start' "$CK_TMP/out"; }
check "never started: 400 waiting to start" eventually -t 5 waiting

# The apiserver's pods/log proxies to the kubelet-sim.
P=/api/v1/namespaces/default/pods
out=$(api GET "$P/echo/log?container=c")
expect "pods/log: 200" 200 "$(code)"
check "pods/log: the container's lines" grep -qx 'hello world' <<<"$out"
out=$(api GET "$P/echo/log?container=c&tailLines=1")
check "pods/log tailLines=1" grep -q 'exited with code 0' <<<"$out"
api GET "$P/nosuch/log" >/dev/null
expect "pods/log: unknown pod 404" 404 "$(code)"
out=$(api GET "$P/echo/log?container=x")
expect "pods/log: unknown container 400" "400 container x is not valid for pod echo" "$(code) $(json 'd["message"]' <<<"$out")"
out=$(api GET "$P/crash/log?container=c&previous=true")
check "pods/log previous=true" grep -q 'exited with code 3' <<<"$out"
out=$(api GET "$P/wait/log")
expect "pods/log: the kubelet's 400 as a Status" "400 BadRequest" "$(code) $(json 'd["reason"]' <<<"$out")"
api POST "$P" -H 'Content-Type: application/json' -d '{"metadata":{"name":"unbound"},"spec":{"containers":[{"name":"c","image":"x"}]}}' >/dev/null
out=$(api GET "$P/unbound/log")
expect "pods/log of an unbound pod: empty 200" "200 " "$(code) $out"
mkpod '{"metadata":{"name":"fol"},"spec":{"nodeName":"sim-0","restartPolicy":"Never","containers":[{"name":"c","image":"busybox","command":["sh","-c","sleep 1; echo one; sleep 1; echo two"]}]}}'
check "follow pod runs" eventually -t 5 is_phase fol Running
curl -s -m 15 "$API_URL$P/fol/log?follow=true" >"$CK_TMP/afollow"
check "pods/log follow=true streams to the end" grep -qx two "$CK_TMP/afollow"
check "pods/log follow=true: the exit line" grep -q 'exited with code 0' "$CK_TMP/afollow"
finish
