#!/usr/bin/env bash
# e2e: kubectl exec with the real kubectl on a one-node cluster: the apiserver proxies
# pods/exec to the kubelet-sim over WebSocket (v5.channel.k8s.io, no SPDY fallback) where
# exec_sim runs the command: stdout and stderr apart, exit codes as kubectl prints them,
# stdin (-i) to cat, env with resolved values, the container checks (wrong container, two
# containers, a pending pod, a container not started, a missing pod), 50 execs in a row
# losing no output (kubectl 1.32's stream race), a client going away mid-sleep, and the
# plain messages of attach, port-forward and cp.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "exec e2e" "needs kubectl and bin/ckube-{apiserver,scheduler,kubelet-sim}"
	exit 0
fi
check "a cluster of 1 node comes up" e2e_up --nodes 1

kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: app
    image: busybox
    env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - {name: GREETING, value: "hello $(POD_NAME)"}
---
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers: [{name: a, image: busybox}, {name: b, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: pend}
spec:
  nodeSelector: {nowhere: "true"}
  containers: [{name: app, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: slow, annotations: {sim.ckube.io/startup-delay: 600s}}
spec:
  containers: [{name: app, image: busybox}]
YAML
running() { [ "$(kc get pod "$1" -o jsonpath='{.status.phase}')" = Running ]; }
check "p runs" eventually -t 60 running p
check "two runs" eventually -t 60 running two
slow_bound() { [ -n "$(kc get pod slow -o jsonpath='{.spec.nodeName}')" ]; }
check "slow is bound, its container still creating" eventually -t 30 slow_bound

OUT=$CK_TMP/out ERR=$CK_TMP/err
# ex ARGS...: kubectl exec ARGS (bounded); stdout, stderr and the exit code in OUT, ERR, RC.
ex() { timeout 60 "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" --cache-dir "$CK_TMP/kcache" \
	exec "$@" >"$OUT" 2>"$ERR" </dev/null; RC=$?; }
out_is() { [ "$(cat "$OUT")" = "$1" ]; }
err_has() { grep -qF -- "$1" "$ERR"; }
rc_is() { [ "$RC" = "$1" ]; }

ex p -- echo hi
check "exec echo hi prints hi" out_is hi
check "... with exit code 0" rc_is 0
check "... and nothing on stderr" test ! -s "$ERR"
check "... over WebSocket: no SPDY fallback warning" bash -c "! grep -qi spdy '$ERR'"
ex p -- false
check "exec false: exit code 1" rc_is 1
check "... 'command terminated with exit code 1'" err_has "command terminated with exit code 1"
ex p -- sh -c 'exit 3'
check "exec sh -c 'exit 3': exit code 3" rc_is 3
ex p -- hostname
check "exec hostname prints the pod's hostname" out_is p
ex p -- cat /etc/hostname
check "cat /etc/hostname too" out_is p
ex p -- printenv GREETING
check "env values are resolved (\$(POD_NAME), fieldRef)" out_is "hello p"
ex p -- env
check "env has HOSTNAME" grep -qx HOSTNAME=p "$OUT"
KIP=$(kc get svc kubernetes -o jsonpath='{.spec.clusterIP}')
check "env has KUBERNETES_SERVICE_HOST (the kubernetes Service)" grep -qx "KUBERNETES_SERVICE_HOST=$KIP" "$OUT"
check "... and KUBERNETES_SERVICE_PORT" grep -qx "KUBERNETES_SERVICE_PORT=443" "$OUT"
ex p -- sh -c 'echo to-out; echo to-err >&2; exit 4'
check "stdout carries only stdout" out_is to-out
check "stderr carries stderr" err_has to-err
check "... and the exit code is 4" rc_is 4
ex p -- nosuch-command
check "an unknown command exits 127" rc_is 127
check "... saying it is not found" err_has 'executable file not found in $PATH'
ex p -- cat /etc/passwd
check "cat of a missing file: exit code 1" rc_is 1
check "... No such file or directory" err_has "cat: /etc/passwd: No such file or directory"
stdin_cat() {
	printf 'data\nmore\n' | timeout 60 "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" \
	    --cache-dir "$CK_TMP/kcache" exec -i p -- cat >"$OUT" 2>"$ERR"
}
check "echo data | kubectl exec -i p -- cat succeeds" stdin_cat
check "... and prints the data" out_is "$(printf 'data\nmore')"

ex p -c wrong -- true
check "a wrong container fails" test "$RC" != 0
check "... container wrong is not valid for pod p" err_has "container wrong is not valid for pod p"
ex two -c b -- hostname
check "exec -c b in a two-container pod" out_is two

# kubectl 1.32 (client-go before kubernetes#131203) starts reading before it has made its
# streams and drops a message for a stream it does not have yet ("Unknown stream id 1,
# discarding message"): output right behind the 101 was lost now and then, under load. The
# kubelet-sim starts the process 100 ms after its 101, as a runtime takes time to (and the
# real apiserver answers 101 before it dials the kubelet).
many_execs() {
	local i
	for i in $(seq 50); do
		ex two -c b -- sh -c "echo out-$i; echo err-$i >&2"
		if ! out_is "out-$i" || [ "$(cat "$ERR")" != "err-$i" ] || ! rc_is 0; then
			echo "# exec $i: rc=$RC stdout=[$(cat "$OUT")] stderr=[$(cat "$ERR")]"
			return 1
		fi
	done
}
check "50 execs in a row: each one's stdout and stderr arrive whole" many_execs
# first_out_ms: a raw v5 WebSocket exec of hostname through the apiserver; prints the ms from
# sending the request to the first stdout message (a lower bound: never flaky).
first_out_ms() {
	python3 - "$API_URL" <<'PY'
import base64, os, socket, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname, u.port), timeout=20)
key = base64.b64encode(os.urandom(16)).decode()
req = ("GET /api/v1/namespaces/default/pods/two/exec?command=hostname&container=b"
       "&stdout=true&stderr=true HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"
       "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
       "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n" % (u.netloc, key))
t0 = time.monotonic()
s.sendall(req.encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, buf = buf.split(b"\r\n\r\n", 1)
if not head.startswith(b"HTTP/1.1 101"):
    sys.exit("no 101: %r" % head[:80])
while True:
    while len(buf) < 2 or len(buf) < 2 + (buf[1] & 0x7f):
        more = s.recv(4096)
        if not more:
            sys.exit("closed before any output")
        buf += more
    n = buf[1] & 0x7f    # the sim's short messages: no extended length, unmasked
    msg, buf = buf[2:2 + n], buf[2 + n:]
    if msg[:1] == b"\x01":
        print("%d %r" % ((time.monotonic() - t0) * 1000, msg[1:]))
        break
s.close()
PY
}
FIRST=$(first_out_ms 2>&1)
check "the first output comes >= 100 ms after the request (the simulated exec start)" \
    test "${FIRST%% *}" -ge 100 2>/dev/null
check "... and it is the hostname on stdout" test "${FIRST#* }" = "b'two\n'"
ex two -- true
check "without -c kubectl defaults to the first container" err_has 'Defaulted container "a"'
ex pend -- true
check "a pending pod fails" test "$RC" != 0
check "... pod pend does not have a host assigned" err_has "pod pend does not have a host assigned"
ex slow -- true
check "a container not started fails" test "$RC" != 0
check "... unable to upgrade connection: container not found" \
    err_has 'unable to upgrade connection: container not found ("app")'
ex nope -- true
check "a missing pod: NotFound" err_has 'pods "nope" not found'

KPID=$(e2e_daemon_pid kubelet-sim)
threads() { ls "/proc/$KPID/task" | wc -l; }
BASE=$(threads)
timeout 3 "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" exec p -- sleep 600 >/dev/null 2>&1
check "a client gone mid-sleep ends its session" eventually -t 10 bash -c "[ \$(ls /proc/$KPID/task | wc -l) -le $BASE ]"
ex p -- echo still
check "and exec still works" out_is still

pf() { timeout 30 "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" port-forward pod/p 18080:80 >"$OUT" 2>"$ERR"; RC=$?; }
pf
check "port-forward fails" test "$RC" != 0
check "... ckube does not simulate port-forward" err_has "ckube does not simulate port-forward"
timeout 30 "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" attach p >"$OUT" 2>"$ERR" </dev/null
RC=$?
check "attach fails" test "$RC" != 0
check "... ckube does not simulate attach" err_has "ckube does not simulate attach"
timeout 30 "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" cp p:/etc/hostname "$CK_TMP/h" >"$OUT" 2>"$ERR" </dev/null
check "cp says ckube does not simulate kubectl cp" err_has "error: ckube does not simulate kubectl cp"
check "no 404 'could not find the requested resource' anywhere" \
    bash -c "! grep -q 'could not find the requested resource' '$ERR' '$OUT'"
finish
