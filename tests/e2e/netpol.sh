#!/usr/bin/env bash
# e2e: NetworkPolicy (semantics.md 7) on a whole cluster with the real kubectl and
# ckube-netpol: the article's example (pods labelled db reachable only from frontend on
# TCP 6379), the union of two policies, default deny with podSelector {} (the node's probes
# still pass), the extensions/v1beta1 form with the 1.3 DefaultDeny namespace annotation
# (and pure-1.3 mode), a pod's label change flipping the answer, kubectl get/describe,
# matrix and explain, and the 422s (port 70000, a bad annotation).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

if ! has_bin apiserver netpol scheduler kubelet-sim || ! command -v "$KUBECTL" >/dev/null; then
	skip "netpol e2e" "needs kubectl and bin/ckube-{apiserver,netpol,scheduler,kubelet-sim}"
	exit 0
fi
check "a cluster comes up (ckube-netpol is not started as a daemon)" e2e_up --nodes 1
expect "no ckube-netpol process or log" "no" \
    "$([ -e "$E2E_DIR/run/netpol.pid" ] || [ -e "$E2E_DIR/logs/netpol.log" ] && echo yes || echo no)"

np() { "$CK_BIN/ckube-netpol" "$@" --kubeconfig "$E2E_KUBECONFIG"; }
# verdict FROM TO PORT [flags]: the first line of `ckube-netpol check`.
verdict() { np check --from "$1" --to "$2" --port "$3" "${@:4}" 2>&1 | head -1; }
is() { [ "$("${@:2}")" = "$1" ]; }
pod() { # NAMESPACE NAME ROLE
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $2, namespace: $1, labels: {role: $3}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: redis
    ports: [{name: redis, containerPort: 6379}, {name: http, containerPort: 80}]
YAML
}

kc create namespace myns >/dev/null
pod myns frontend frontend
pod myns db db
pod myns other other
ips() { kc get pods -n myns -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}' | grep -c .; }
check "the pods get IPs from the kubelet-sim" eventually -t 30 is 3 ips

expect "no policy: other -> db:6379 allowed" allowed "$(verdict myns/other myns/db 6379)"

# --- the article's example
kc apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-access, namespace: myns}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: frontend}}}]
    ports: [{protocol: TCP, port: 6379}]
YAML
out=$(kc get networkpolicy -n myns)
expect "kubectl get networkpolicy: NAME POD-SELECTOR AGE" "NAME POD-SELECTOR AGE|db-access role=db" \
    "$(awk '{ print $1, $2 ($3 == "AGE" ? " AGE" : "") }' <<<"$out" | paste -sd'|')"
out=$(kc describe networkpolicy -n myns db-access)
expect "kubectl describe networkpolicy in prose" "yes yes yes" \
    "$(grep -q 'Allowing ingress traffic' <<<"$out" && echo yes) $(grep -q 'To Port: 6379/TCP' <<<"$out" && echo yes) $(grep -q 'PodSelector: role=frontend' <<<"$out" && echo yes)"
expect "frontend -> db:6379 allowed" allowed "$(verdict myns/frontend myns/db 6379)"
expect "other -> db:6379 denied" denied "$(verdict myns/other myns/db 6379)"
expect "frontend -> db:80 denied" denied "$(verdict myns/frontend myns/db 80)"
expect "frontend -> db:6379/UDP denied" denied "$(verdict myns/frontend myns/db 6379 --protocol UDP)"
expect "db -> frontend (not selected) allowed" allowed "$(verdict myns/db myns/frontend 80)"
fip=$(kc get pod -n myns frontend -o jsonpath='{.status.podIP}')
expect "frontend's pod IP -> db:6379 allowed" allowed "$(verdict "$fip" myns/db 6379)"
expect "an outside IP -> db:6379 denied" denied "$(verdict 192.0.2.1 myns/db 6379)"
out=$(np check --from myns/frontend --to myns/db --port 6379 -v)
expect "check -v names the deciding policy and rule" "yes" \
    "$(grep -q 'allowed by policy db-access ingress rule 0: allow from pods role=frontend in myns; on 6379/TCP' <<<"$out" && echo yes)"
out=$(np matrix -n myns --port 6379)
expect "matrix: only the db column denies, for db and other" "X . .|. . .|X . .|7 of 9" \
    "$(sed -n '3,5p' <<<"$out" | awk '{ print $3, $4, $5 }' | paste -sd'|')|$(tail -1 <<<"$out" | cut -d' ' -f1-3)"
out=$(np explain myns/db)
expect "explain lists the selecting policy and its rule" "yes yes" \
    "$(grep -q '^  policy db-access: selects pods role=db in myns' <<<"$out" && echo yes) $(grep -q 'ingress rule 0: allow from pods role=frontend in myns; on 6379/TCP' <<<"$out" && echo yes)"

# --- the union of two policies
kc apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-other, namespace: myns}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress: [{from: [{podSelector: {matchLabels: {role: other}}}]}]
YAML
expect "union: other -> db:6379 allowed by the second policy" allowed "$(verdict myns/other myns/db 6379)"
expect "union: frontend -> db:6379 still allowed" allowed "$(verdict myns/frontend myns/db 6379)"
expect "union: frontend -> db:80 still denied" denied "$(verdict myns/frontend myns/db 80)"
kc delete networkpolicy -n myns db-other >/dev/null

# --- a label change flips the answer, the policy untouched
kc label pod -n myns other role=frontend --overwrite >/dev/null
expect "other relabelled frontend -> db:6379 allowed" allowed "$(verdict myns/other myns/db 6379)"
kc label pod -n myns other role=other --overwrite >/dev/null
expect "and back: denied" denied "$(verdict myns/other myns/db 6379)"

# --- default deny
kc apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: myns}
spec:
  podSelector: {}
  policyTypes: [Ingress]
YAML
expect "default deny: db -> frontend denied" denied "$(verdict myns/db myns/frontend 80)"
expect "default deny: other -> other denied" denied "$(verdict myns/other myns/other 80)"
hip=$(kc get pod -n myns frontend -o jsonpath='{.status.hostIP}')
expect "default deny: the node's probes ($hip) still pass" allowed "$(verdict "$hip" myns/frontend 80)"
kc delete networkpolicy -n myns deny-all >/dev/null
expect "deleting it restores access" allowed "$(verdict myns/db myns/frontend 80)"

# --- 1.3: the namespace annotation and extensions/v1beta1
kc create namespace legacy >/dev/null
kc annotate namespace legacy \
    'net.beta.kubernetes.io/network-policy={"ingress": {"isolation": "DefaultDeny"}}' >/dev/null
pod legacy web frontend
pod legacy cache db
expect "DefaultDeny, no policy: web -> cache denied" denied "$(verdict legacy/web legacy/cache 6379)"
expect "DefaultDeny, no policy: cache -> web denied" denied "$(verdict legacy/cache legacy/web 80)"
quiet() { "$@" >/dev/null; }
check "an extensions/v1beta1 NetworkPolicy is accepted" quiet kc apply -f - <<'YAML'
apiVersion: extensions/v1beta1
kind: NetworkPolicy
metadata: {name: cache-access, namespace: legacy}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: frontend}}}]
    ports: [{protocol: TCP, port: 6379}]
YAML
expect "v1beta1 policy: web -> cache:6379 allowed" allowed "$(verdict legacy/web legacy/cache 6379)"
expect "v1beta1 policy: cache -> web still denied" denied "$(verdict legacy/cache legacy/web 80)"
expect "pure-1.3 mode: the annotated namespace behaves the same" "allowed denied" \
    "$(verdict legacy/web legacy/cache 6379 --mode pure-1.3) $(verdict legacy/cache legacy/web 80 --mode pure-1.3)"
expect "pure-1.3 mode: db-access has no effect without the annotation" allowed \
    "$(verdict myns/other myns/db 6379 --mode pure-1.3)"
out=$(kc annotate namespace myns 'net.beta.kubernetes.io/network-policy=DefaultDeny' 2>&1)
expect "a malformed isolation annotation is refused (422)" "yes" \
    "$(grep -q 'metadata.annotations\[net.beta.kubernetes.io/network-policy\]: Invalid value' <<<"$out" && echo yes)"

# --- validation
out=$(kc apply -f - 2>&1 <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad-port, namespace: myns}
spec:
  podSelector: {}
  ingress: [{ports: [{port: 70000}]}]
YAML
)
expect "port 70000 is refused with 422" "yes" \
    "$(grep -q 'spec.ingress\[0\].ports\[0\].port: Invalid value: 70000: must be between 1 and 65535, inclusive' <<<"$out" && echo yes)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -X POST \
    "$API_URL/apis/networking.k8s.io/v1/namespaces/myns/networkpolicies" \
    -d '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":70000}]}]}}')
expect "port 70000 over the API: 422" 422 "$code"

# --- ckube-netpol's errors
out=$(np check --from myns/nosuch --to myns/db --port 80 2>&1); rc=$?
expect "a missing pod: exit 2 with a message" "2 ckube-netpol: pod myns/nosuch not found" "$rc $out"
out=$(np check --from myns/frontend --to myns/db --port 80 --protocol ICMP 2>&1); rc=$?
expect "a bad protocol: exit 2" "2 yes" "$rc $(grep -q 'TCP, UDP or SCTP' <<<"$out" && echo yes)"
out=$(np check --from frontend --to myns/db --port 80 2>&1); rc=$?
expect "a bad --from: exit 2" "2 yes" "$rc $(grep -q 'must be NAMESPACE/POD or an IP address' <<<"$out" && echo yes)"
out=$("$CK_BIN/ckube-netpol" check --from myns/frontend --to myns/db --port 80 \
    --master http://127.0.0.1:1 2>&1); rc=$?
expect "an unreachable apiserver: exit 2" "2 yes" "$rc $(grep -q 'cannot list' <<<"$out" && echo yes)"
finish
