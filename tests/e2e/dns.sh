#!/usr/bin/env bash
# e2e: ckube-dns on a whole cluster, asked with the real dig: pet names of a headless service
# (pods with hostname/subdomain set by hand), the headless name returning every pet, the
# ClusterIP A record, SRV for a named port, PTR, NXDOMAIN, REFUSED outside the zone, a large
# answer truncated over UDP and whole over TCP, --upstream forwarding, a deleted Service
# disappearing and a recreated pet resolving to its new IP; kubelet-sim's per-pod resolv.conf
# (ClusterFirst naming ckube-dns, None from dnsConfig alone) and the dnsConfig limit's 422.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim endpoints-controller dns)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null || ! command -v dig >/dev/null; then
	skip "dns e2e" "needs kubectl, dig (bind9-dnsutils) and bin/ckube-{dns,endpoints-controller,...}"
	exit 0
fi
check "a cluster of 2 nodes comes up" e2e_up --nodes 2
has_addr() { [[ "${CKUBE_DNS_ADDR:-}" =~ ^127\.0\.0\.1:[0-9]+$ ]]; }
check "DIR/env has CKUBE_DNS_ADDR" has_addr
DNS_PORT=${CKUBE_DNS_ADDR##*:}
Z=default.svc.cluster.local

# q ARGS...: dig at the cluster DNS, one try, answers only.
q() { dig -p "$DNS_PORT" @127.0.0.1 +tries=1 +time=2 "$@"; }
short() { q +short "$@" | sort | paste -sd' '; }
status() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
is() { [ "$("${@:2}")" = "$1" ]; }
pod_ip() { kc get pod "$1" -o jsonpath='{.status.podIP}'; }

kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: front}
spec:
  selector: {app: nginx}
  ports: [{name: http, port: 8080, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: nginx}}
spec:
  hostname: web-0
  subdomain: nginx
  containers: [{name: nginx, image: nginx, ports: [{name: web, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: nginx}}
spec:
  hostname: web-1
  subdomain: nginx
  containers: [{name: nginx, image: nginx, ports: [{name: web, containerPort: 80}]}]
YAML
running() { [ "$(kc get pods -l app=nginx --field-selector=status.phase=Running -o name | wc -l)" = 2 ]; }
check "web-0 and web-1 run" eventually -t 60 running
IP0=$(pod_ip web-0)
IP1=$(pod_ip web-1)

check "web-0.nginx A is web-0's pod IP" eventually -t 20 is "$IP0" short "web-0.nginx.$Z"
check "web-1.nginx A is web-1's pod IP" eventually -t 20 is "$IP1" short "web-1.nginx.$Z"
both=$(printf '%s\n' "$IP0" "$IP1" | sort | paste -sd' ')
check "the headless name returns both pet IPs" eventually -t 20 is "$both" short "nginx.$Z" A
CIP=$(kc get svc front -o jsonpath='{.spec.clusterIP}')
check "the ClusterIP service A is its cluster IP" eventually -t 20 is "$CIP" short "front.$Z"

# kubelet-sim's resolv settings (--cluster-dns from local-cluster.sh) on the pod, and dig at
# the nameserver they name resolves the service through the first search domain.
resolv() { kc get pod web-1 -o jsonpath='{.metadata.annotations.sim\.ckube\.io/resolv-conf}'; }
has_resolv() { [ -n "$(resolv)" ]; }
check "web-1 shows its resolv.conf (sim.ckube.io/resolv-conf)" eventually -t 20 has_resolv
RC=$(resolv)
# Written in the pod's status write (pods/status keeps annotations), not a metadata PATCH of its own.
expect "the annotation came with a pods/status write" "ckube-kubelet-sim:status" \
    "$(kc get pod web-1 -o json --show-managed-fields | json '" ".join("%s:%s" % (e["manager"], e.get("subresource", "-")) for e in d["metadata"]["managedFields"] if "f:sim.ckube.io/resolv-conf" in e["fieldsV1"].get("f:metadata", {}).get("f:annotations", {}))')"
rc_has() { grep -Eq "$1" <<<"$RC"; }
check "its nameserver is ckube-dns" rc_has "^# nameserver 127\.0\.0\.1 port $DNS_PORT\$"
check "its search path is the namespace's" rc_has "^search $Z svc\.cluster\.local cluster\.local( |\$)"
check "its options are ndots:5" rc_has "^options ndots:5\$"
via_resolv() {
	local ip port dom
	read -r _ _ ip _ port < <(grep '^# nameserver' <<<"$RC")
	dom=$(awk '/^search/ {print $2}' <<<"$RC")
	dig -p "$port" @"$ip" +tries=1 +time=2 +short "front.$dom"
}
check "dig at that nameserver resolves front.<first search domain>" is "$CIP" via_resolv
none_pod() {
	kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: dns-none}
spec:
  dnsPolicy: None
  dnsConfig: {nameservers: [192.0.2.1], searches: [a.example], options: [{name: ndots, value: "2"}]}
  containers: [{name: c, image: busybox, command: [sh, -c, "cat /etc/resolv.conf; sleep 3600"]}]
YAML
}
check "a dnsPolicy None pod is created" none_pod
none_rc() { kc get pod dns-none -o jsonpath='{.metadata.annotations.sim\.ckube\.io/resolv-conf}'; }
want_none=$'nameserver 192.0.2.1\nsearch a.example\noptions ndots:2'
check "its resolv.conf is its dnsConfig alone" eventually -t 20 is "$want_none" none_rc
none_log() { kc logs dns-none | grep -v '^\[ckube-sim\]'; }
check "its log (cat /etc/resolv.conf) prints the same" eventually -t 10 is "$want_none" none_log
too_many() {
	kc run dns-bad --image=busybox --overrides='{"spec":{"dnsConfig":{"nameservers":
	    ["1.1.1.1","1.1.1.2","1.1.1.3","1.1.1.4"]}}}' 2>&1 | grep -q 'must not have more than 3 nameservers'
}
check "4 dnsConfig nameservers are refused (422)" too_many
srv_targets() { q +short SRV "_web._tcp.nginx.$Z" | awk '{print $3 ":" $4}' | sort | paste -sd' '; }
check "SRV _web._tcp lists web-0 and web-1 on port 80" \
    is "80:web-0.nginx.$Z. 80:web-1.nginx.$Z." srv_targets
check "SRV of the ClusterIP service points at its name" \
    is "10 100 8080 front.$Z." short SRV "_http._tcp.front.$Z"
check "PTR of web-0's IP is its pet name" is "web-0.nginx.$Z." short -x "$IP0"
check "names are case-insensitive" is "$IP0" short "WEB-0.Nginx.Default.SVC.cluster.LOCAL"
check "dns-version TXT is 1.0.0" is '"1.0.0"' short TXT dns-version.cluster.local
check "an unknown name is NXDOMAIN" is NXDOMAIN status "nope.$Z"
check "a known name without the type is NOERROR" is NOERROR status AAAA "front.$Z"
check "a name outside the zone is REFUSED" is REFUSED status example.com
ttl() { q +noall +answer "front.$Z" | awk '{print $2}'; }
check "answers carry the TTL (30 s)" is 30 ttl

# A large answer: 60 addresses on a selectorless headless service (Endpoints by hand).
{
	printf 'apiVersion: v1\nkind: Service\nmetadata: {name: big}\nspec: {clusterIP: None, ports: [{port: 80}]}\n---\n'
	printf 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: big}\nsubsets:\n- addresses:\n'
	for i in $(seq 1 60); do printf '  - {ip: 10.9.0.%d}\n' "$i"; done
	printf '  ports: [{port: 80}]\n'
} | kc apply -f - >/dev/null
count_tcp() { q +tcp +short "big.$Z" | grep -c .; }
check "60 A records over TCP" eventually -t 20 is 60 count_tcp
tc_udp() { q +noedns +ignore "big.$Z" | grep -q 'flags:[^;]* tc'; }
check "over UDP without EDNS the answer is truncated (TC)" tc_udp
count_fallback() { q +noedns +short "big.$Z" | grep -c .; }
check "dig falls back to TCP and gets all 60" is 60 count_fallback

# Two queries pipelined on one TCP connection, then a garbage one: two replies, then a close.
pipelined() {
	python3 - "$DNS_PORT" <<'PY'
import socket, struct, sys
def q(i, name):
    body = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0)
    for l in name.split("."):
        body += bytes([len(l)]) + l.encode()
    return body + b"\0\0\1\0\1"
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
msgs = [q(7, "web-0.nginx.default.svc.cluster.local"), q(8, "nope.default.svc.cluster.local"), b"\0" * 3]
s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
f = s.makefile("rb")
got = []
for _ in range(2):
    n = struct.unpack(">H", f.read(2))[0]
    r = f.read(n)
    got.append((struct.unpack(">H", r[:2])[0], r[3] & 0xf))
assert got == [(7, 0), (8, 3)], got
assert f.read(1) == b"", "the garbage message should close the connection"
PY
}
check "pipelined TCP queries are answered in order; garbage closes" pipelined

dns_metrics() { curl -fsS "http://127.0.0.1:$(cat "$E2E_DIR/run/dns.port")/metrics"; }
counted() { dns_metrics | grep -Eq '^ckube_dns_queries_total [1-9]' && dns_metrics | grep -Eq '^ckube_dns_dropped_total [1-9]'; }
check "/metrics counts the queries and the dropped garbage" counted

# --upstream: a second ckube-dns for another domain forwards cluster.local here.
setsid "$CK_BIN/ckube-dns" --kubeconfig="$E2E_KUBECONFIG" --port=0 --port-file="$CK_TMP/dns2.port" \
    --dns-bind-address=127.0.0.1 --dns-port=0 --dns-port-file="$CK_TMP/dns2.dnsport" \
    --domain=other.local --upstream="127.0.0.1:$DNS_PORT" >"$CK_TMP/dns2.log" 2>&1 </dev/null &
CK_PIDS+=($!)
check "a second ckube-dns with --upstream starts" eventually -t 10 test -s "$CK_TMP/dns2.dnsport"
fwd() { dig -p "$(cat "$CK_TMP/dns2.dnsport")" @127.0.0.1 +tries=1 +time=2 +short "web-1.nginx.$Z"; }
check "names outside its zone are forwarded upstream" eventually -t 10 is "$IP1" fwd

# A deleted Service disappears; a recreated pet resolves to its new IP.
kc delete svc front >/dev/null
check "the deleted service is NXDOMAIN within a few seconds" eventually -t 5 is NXDOMAIN status "front.$Z"
kc delete pod web-0 --wait=true >/dev/null
check "the deleted pet's name goes" eventually -t 10 is NXDOMAIN status "web-0.nginx.$Z"
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: nginx}}
spec:
  hostname: web-0
  subdomain: nginx
  containers: [{name: nginx, image: nginx, ports: [{name: web, containerPort: 80}]}]
YAML
new_ip() { local ip; ip=$(pod_ip web-0); [ -n "$ip" ] && [ "$ip" != "$IP0" ]; }
check "the recreated web-0 gets a new IP" eventually -t 30 new_ip
NEW0=$(pod_ip web-0)
check "web-0.nginx resolves to the new IP" eventually -t 20 is "$NEW0" short "web-0.nginx.$Z"

# A second `up` on the running cluster keeps the DNS server and its address in DIR/env.
check "a second up succeeds" bash -c "BIN='$CK_BIN' bash '$E2E_LC' up --dir '$E2E_DIR' --nodes 2 >'$CK_TMP/up2.log' 2>&1"
same_addr() { grep -qx "CKUBE_DNS_ADDR=127.0.0.1:$DNS_PORT" "$E2E_DIR/env"; }
check "DIR/env keeps the same CKUBE_DNS_ADDR" same_addr
check "and it still answers" eventually -t 10 is "$NEW0" short "web-0.nginx.$Z"
finish
