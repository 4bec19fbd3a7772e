#!/usr/bin/env bash
# e2e: a federation of two one-node clusters through deploy/local-federation.sh, driven by
# the real kubectl (semantics.md 8): both Clusters Ready with their zone and region; pods
# and other kinds are not served (404); a federated ReplicaSet of 4 runs 2+2 and its status
# sums 4 ready; a federated LoadBalancer service is in both members, and its status and the
# global DNS record list both members' addresses; a federated namespace and secret appear
# in both members and come back when removed from one; stopping cluster-1's apiserver turns
# it Offline (ClusterNotReachable), moves its replicas (4/0) and drops its address from
# DNS; restarting it brings it back Ready. With bin/ckube-dns and dig, the federation's
# ckube-dns (CKUBE_FED_DNS_ADDR) answers the global and region names, and a member's
# ckube-dns answers <svc>.<ns>.<fed>.svc.cluster.local with its local service.
. "$(dirname "$0")/../lib/lib.sh"

FED=$CK_TMP/fed
LF=$CK_ROOT/deploy/local-federation.sh
LC=$CK_ROOT/deploy/local-cluster.sh

fed_cleanup() {
	[ -d "$FED" ] && BIN=$CK_BIN bash "$LF" down --dir "$FED" >/dev/null 2>&1
	if [ "$CK_FAILED" != 0 ]; then
		for f in "$FED"/logs/*.log "$FED"/cluster-*/logs/apiserver.log; do show_log "$f"; done
	fi
	ck_cleanup
}
trap fed_cleanup EXIT

if ! command -v kubectl >/dev/null; then
	skip "federation e2e" "no kubectl"
	exit 0
fi
# fk [--context C] ARGS...: kubectl against the federation (or a member by context).
fk() { kubectl --kubeconfig "$FED/kubeconfig" --cache-dir "$CK_TMP/kcache" "$@"; }

if ! BIN=$CK_BIN bash "$LF" up --dir "$FED" --clusters 2 --nodes 1 --monitor-period 1s \
    >"$CK_TMP/up.log" 2>&1; then
	not_ok "local-federation up: two Ready clusters" "$(tail -n 30 "$CK_TMP/up.log")"
	exit 1
fi
ok "local-federation up: two Ready clusters"
check "env names the federation and its zone" grep -q '^CKUBE_FED_ZONE=example.com.$' "$FED/env"

expect "kubectl get clusters: both Ready" "cluster-0 Ready cluster-1 Ready" \
    "$(fk get clusters --no-headers 2>&1 | awk '{ printf "%s%s %s", (NR > 1 ? " " : ""), $1, $2 }')"
expect "cluster-0's zones and region come from its nodes' labels" '["cluster-0-a"] cluster-0' \
    "$(fk get cluster cluster-0 -o jsonpath='{.status.zones} {.status.region}' 2>&1)"
expect "the Ready condition says why" "ClusterReady" \
    "$(fk get cluster cluster-1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}' 2>&1)"
out=$(fk get pods 2>&1)
check "pods are not served by the federation apiserver" grep -q 'the server doesn.t have a resource type "pods"' <<<"$out"

fk apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx}]
EOF
member_replicas() { fk --context "$1" get rs web -o jsonpath='{.spec.replicas}' 2>/dev/null; }
spread() { echo "$(member_replicas cluster-0)/$(member_replicas cluster-1)"; }
fed_ready() { [ "$(fk get rs web -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = "$1" ]; }
is_spread() { [ "$(spread)" = "$1" ]; }
eventually -t 30 is_spread 2/2
expect "a federated ReplicaSet of 4 runs 2+2" "2/2" "$(spread)"
eventually -t 30 fed_ready 4
expect "the federated status sums 4 ready replicas" "4" \
    "$(fk get rs web -o jsonpath='{.status.readyReplicas}' 2>&1)"

# A federated LoadBalancer service over the web pods: in both members, the members'
# load-balancer addresses (from each member's ckube-service-lb-controller and its range
# 10.250.<i>.0/24; without it the test gives each member service its address) in its
# status and in the global DNS record.
fk create service loadbalancer web --tcp=80 >/dev/null
svc_in_both() { fk --context cluster-0 get svc web >/dev/null 2>&1 && fk --context cluster-1 get svc web >/dev/null 2>&1; }
eventually -t 30 svc_in_both
check "a federated service is created in both members" svc_in_both
if [ ! -x "$CK_BIN/ckube-service-lb-controller" ]; then
	for i in 0 1; do
		fk --context cluster-$i patch svc web --subresource=status --type=merge \
		    -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"10.250.$i.10\"}]}}}" >/dev/null
	done
fi
member_ip() { fk --context "$1" get svc web -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null; }
both_ips() { [ -n "$(member_ip cluster-0)" ] && [ -n "$(member_ip cluster-1)" ]; }
eventually -t 30 both_ips
if [ -x "$CK_BIN/ckube-service-lb-controller" ]; then
	expect "each member's controller assigns an address from its own range" "10.250.0 10.250.1" \
	    "$(member_ip cluster-0 | cut -d. -f1-3) $(member_ip cluster-1 | cut -d. -f1-3)"
fi
ips=$(printf '%s\n' "$(member_ip cluster-0)" "$(member_ip cluster-1)" | sort | paste -sd,)
fed_ips() { fk get svc web -o jsonpath='{.status.loadBalancer.ingress[*].ip}' 2>/dev/null | tr ' ' '\n' | sort | paste -sd,; }
has_fed_ips() { [ "$(fed_ips)" = "$1" ]; }
eventually -t 30 has_fed_ips "$ips"
expect "the federated service's status lists both members' addresses" "$ips" "$(fed_ips)"
record() {
	fk get dnsrecord web -o json 2>/dev/null | python3 -c 'import json,sys
n=sys.argv[1]
for e in json.load(sys.stdin)["spec"]["endpoints"]:
    if e["dnsName"]==n: print(e["recordType"], ",".join(sorted(e["targets"])), e["recordTTL"])' "$1"
}
GLOBAL=web.default.federation.svc.example.com
has_record() { [ "$(record "$1")" = "$2" ]; }
eventually -t 30 has_record "$GLOBAL" "A $ips 180"
expect "the global DNS record lists both addresses (TTL 180)" "A $ips 180" "$(record "$GLOBAL")"
expect "the zone record of cluster-1 is an A record" "A $(member_ip cluster-1) 180" \
    "$(record web.default.federation.svc.cluster-1-a.cluster-1.example.com)"
ip0=$(member_ip cluster-0)
ip1=$(member_ip cluster-1)

# DNS over dig: the federation's zone (CKUBE_FED_DNS_ADDR) and a member's --federations.
DIG=0
if [ -x "$CK_BIN/ckube-dns" ] && command -v dig >/dev/null; then
	DIG=1
	FDNS=$(sed -n 's/^CKUBE_FED_DNS_ADDR=//p' "$FED/env")
	check "env names the federation's DNS" test -n "$FDNS"
else
	skip "federation DNS over dig" "needs bin/ckube-dns and dig (bind9-dnsutils)"
fi
# dq ADDR NAME: the answer section as "type data" lines sorted and joined by ",".
dq() {
	dig -p "${1##*:}" "@${1%:*}" +tries=1 +time=2 +noall +answer "$2" 2>/dev/null |
	    awk '{print $4, $5}' | sort | paste -sd,
}
answers() { [ "$(dq "$1" "$2")" = "$3" ]; }
both_a="A $(printf '%s\n' "$ip0" "$ip1" | sort | paste -sd, | sed 's/,/,A /')"
if [ "$DIG" = 1 ]; then
	eventually -t 30 answers "$FDNS" "$GLOBAL" "$both_a"
	expect "dig: the global name answers both members' addresses" "$both_a" "$(dq "$FDNS" "$GLOBAL")"
	expect "dig: each region name answers its member's address" "A $ip0 A $ip1" \
	    "$(dq "$FDNS" web.default.federation.svc.cluster-0.example.com) $(dq "$FDNS" web.default.federation.svc.cluster-1.example.com)"
	MDNS=$(sed -n 's/^CKUBE_DNS_ADDR=//p' "$FED/cluster-0/env")
	LOCAL=web.default.federation.svc.cluster.local
	local_ok() { [[ "$(dq "$MDNS" "$LOCAL")" == "A "*",CNAME web.default.svc.cluster.local." ]]; }
	eventually -t 30 local_ok
	check "dig: a member answers $LOCAL with its local service" local_ok
fi

fk create namespace team-a >/dev/null
fk -n team-a create secret generic db-pass --from-literal=password=s3cret >/dev/null
in_both() {
	local c
	for c in cluster-0 cluster-1; do
		[ "$(fk --context $c -n team-a get secret db-pass -o jsonpath='{.data.password}' 2>/dev/null)" = czNjcmV0 ] || return 1
	done
}
eventually -t 30 in_both
check "a federated namespace and secret appear in both members" in_both
fk --context cluster-0 -n team-a delete secret db-pass >/dev/null 2>&1
eventually -t 30 in_both
check "a secret removed from a member is re-created" in_both

# cluster-1's apiserver stops: Offline, its replicas move to cluster-0.
kill -TERM "$(cat "$FED/cluster-1/run/apiserver.pid")"
offline() { [ "$(fk get cluster cluster-1 -o jsonpath='{.status.conditions[?(@.type=="Offline")].status}' 2>/dev/null)" = True ]; }
eventually -t 30 offline
expect "a stopped member turns Offline (ClusterNotReachable)" "Offline ClusterNotReachable" \
    "$(fk get cluster cluster-1 --no-headers 2>/dev/null | awk '{ print $2 }') $(fk get cluster cluster-1 -o jsonpath='{.status.conditions[0].reason}' 2>&1)"
eventually -t 30 has_record "$GLOBAL" "A $ip0 180"
expect "its address leaves the global DNS record" "A $ip0 180" "$(record "$GLOBAL")"
expect "its zone record turns into a CNAME to its region" \
    "CNAME web.default.federation.svc.cluster-1.example.com 180" \
    "$(record web.default.federation.svc.cluster-1-a.cluster-1.example.com)"
if [ "$DIG" = 1 ]; then
	eventually -t 30 answers "$FDNS" "$GLOBAL" "A $ip0"
	expect "dig: the global name drops cluster-1's address" "A $ip0" "$(dq "$FDNS" "$GLOBAL")"
	expect "dig: cluster-1's region name falls back to a CNAME to the global name" \
	    "A $ip0,CNAME $GLOBAL." "$(dq "$FDNS" web.default.federation.svc.cluster-1.example.com)"
fi
on_c0() { [ "$(member_replicas cluster-0)" = 4 ]; }
eventually -t 30 on_c0
expect "its replicas move to cluster-0 (4/0 of the Ready members)" "4" "$(member_replicas cluster-0)"
eventually -t 30 fed_ready 4
expect "the federated status counts the Ready members: 4 ready" "4" \
    "$(fk get rs web -o jsonpath='{.status.readyReplicas}' 2>&1)"

# Restarted (local-cluster up resumes it on its port): Ready again.
BIN=$CK_BIN bash "$LC" up --dir "$FED/cluster-1" --nodes 1 \
    --kubelet-flags "--node-zone=cluster-1-a --node-region=cluster-1" >"$CK_TMP/restart.log" 2>&1
ready1() { [ "$(fk get cluster cluster-1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }
eventually -t 30 ready1
check "restarting its apiserver brings cluster-1 back Ready" ready1
total() { echo $(($(member_replicas cluster-0) + $(member_replicas cluster-1))); }
total4() { [ "$(total)" = 4 ]; }
eventually -t 30 total4
expect "the members still run 4 in all" "4" "$(total)"
if [ "$DIG" = 1 ]; then
	# Replicas stay where they run unless rebalance is asked for: then 2+2, so cluster-1
	# has ready endpoints again and its address returns to the global name.
	fk annotate rs web --overwrite \
	    'federation.kubernetes.io/replica-set-preferences={"rebalance": true, "clusters": {"*": {"weight": 1}}}' >/dev/null
	eventually -t 60 answers "$FDNS" "$GLOBAL" "$both_a"
	expect "dig: after the restart (and a rebalance) the global name lists both again" \
	    "$both_a" "$(dq "$FDNS" "$GLOBAL")"
fi

check "local-federation down stops everything" env BIN="$CK_BIN" bash "$LF" down --dir "$FED"
left=$(pgrep -f -- "$FED" || true)
expect "no federation or member process is left" "" "$left"
finish
