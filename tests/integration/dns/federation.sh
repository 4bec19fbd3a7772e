#!/usr/bin/env bash
# federation.sh: ckube-dns --federations=myfed=example.com against a real apiserver, asked
# with dig (kube-dns's federation behaviour, spec 8(c) step 7): <svc>.<ns>.myfed.svc.<domain>
# answers a CNAME to the local Service plus its cluster IP while the Service has a ready
# endpoint address; without one (no ready address, or no such Service here) a CNAME to
# <svc>.<ns>.myfed.svc.<zone>.<region>.example.com from the nodes' labels (topology.* and
# the legacy failure-domain.* ones); no labelled node: SERVFAIL; an unknown federation:
# NXDOMAIN; a bad --federations stops the daemon with the reason. Endpoints and Nodes are
# written by the test itself. Then the authoritative mode's start (--dnsrecords-source).
. "$(dirname "$0")/../../lib/lib.sh"

DNS=$CK_BIN/ckube-dns
if [ ! -x "$DNS" ] || ! command -v dig >/dev/null; then
	skip "dns federation" "needs bin/ckube-dns and dig (bind9-dnsutils)"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
J='Content-Type: application/json'
NS=/api/v1/namespaces/default
post() { api POST "$1" -H "$J" -d "$2" >/dev/null; [ "$(code)" = 201 ]; }

# A node without labels first: the zone comes from the first labelled one.
check "create node n0 (no labels)" post /api/v1/nodes '{"metadata":{"name":"n0"}}'

setsid "$DNS" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" --port 0 \
    --port-file "$CK_TMP/dns.port" --dns-bind-address=127.0.0.1 --dns-port=0 \
    --dns-port-file="$CK_TMP/dns.dnsport" --federations=myfed=example.com --v=4 \
    >>"$CK_TMP/dns.log" 2>&1 &
CK_PIDS+=($!)
DNS_PID=$!
check "ckube-dns starts with --federations" eventually test -s "$CK_TMP/dns.dnsport"
DP=$(cat "$CK_TMP/dns.dnsport" 2>/dev/null)
q() { dig -p "$DP" @127.0.0.1 +tries=1 +time=2 "$@"; }
# ans NAME [TYPE]: the answer section as "name type data" lines joined by " | ".
ans() { q +noall +answer "$@" | awk '{print $1, $4, $5}' | paste -sd'|' | sed 's/|/ | /g'; }
status() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
is() { [ "$("${@:2}")" = "$1" ]; }
Z=svc.cluster.local
F=web.default.myfed.$Z

check "the server has synced (kubernetes.default answers)" eventually is NOERROR status "kubernetes.default.$Z"
expect "no labelled node: SERVFAIL" SERVFAIL "$(status "$F")"

check "create node n1 (legacy failure-domain labels)" post /api/v1/nodes '{"metadata":{"name":"n1",
  "labels":{"failure-domain.beta.kubernetes.io/zone":"c1-a",
  "failure-domain.beta.kubernetes.io/region":"c1"}}}'
check "no local service: CNAME to the zone record" eventually is \
    "$F. CNAME web.default.myfed.svc.c1-a.c1.example.com." ans "$F"

check "create service web" post "$NS/services" '{"metadata":{"name":"web"},
  "spec":{"ports":[{"port":80}]}}'
CIP=$(api GET "$NS/services/web" | grep -o '"clusterIP":"[^"]*"' | cut -d'"' -f4)
check "web has a cluster IP" test -n "$CIP"
check "a local service without endpoints: still the federation CNAME" eventually is \
    "$F. CNAME web.default.myfed.svc.c1-a.c1.example.com." ans "$F"
check "endpoints with only a not-ready address" post "$NS/endpoints" '{"metadata":{"name":"web"},
  "subsets":[{"notReadyAddresses":[{"ip":"10.2.0.9"}],"ports":[{"port":80}]}]}'
eventually -t 1 false
expect "a not-ready address is not enough" \
    "$F. CNAME web.default.myfed.svc.c1-a.c1.example.com." "$(ans "$F")"
api PUT "$NS/endpoints/web" -H "$J" -d '{"metadata":{"name":"web"},
  "subsets":[{"addresses":[{"ip":"10.2.0.10"}],"ports":[{"port":80}]}]}' >/dev/null
expect "endpoints get a ready address" 200 "$(code)"
check "ready endpoints: CNAME to the local name and its cluster IP" eventually is \
    "$F. CNAME web.default.$Z. | web.default.$Z. A $CIP" ans "$F"
ttl() { q +noall +answer "$F" | awk 'NR==1 {print $2}'; }
expect "with the server's TTL (30 s)" 30 "$(ttl)"
expect "uppercase queries match too" "$CIP" "$(q +short "WEB.Default.MyFed.$Z" | tail -1)"
expect "an unknown federation is NXDOMAIN" NXDOMAIN "$(status web.default.otherfed.$Z)"
expect "the plain service name still answers" "$CIP" "$(q +short "web.default.$Z")"

# Losing the ready address sends queries to the federation again.
api DELETE "$NS/endpoints/web" >/dev/null
check "endpoints gone: back to the federation CNAME" eventually is \
    "$F. CNAME web.default.myfed.svc.c1-a.c1.example.com." ans "$F"

# topology.kubernetes.io labels on an earlier node (by name) take over.
check "create node m0 (topology labels)" post /api/v1/nodes '{"metadata":{"name":"m0",
  "labels":{"topology.kubernetes.io/zone":"eu-b","topology.kubernetes.io/region":"eu"}}}'
check "the zone of the first labelled node (m0)" eventually is \
    "$F. CNAME web.default.myfed.svc.eu-b.eu.example.com." ans "$F"

stop_pid "$DNS_PID"
expect "SIGTERM: exits 0" 0 $?

# Authoritative mode (--dnsrecords-source) for the federation zone: this apiserver has no
# dnsrecords resource (the federation apiserver does), so the zone stays SERVFAIL (never
# synced) while names outside are REFUSED; the answers themselves are test_dnsrecord's.
setsid "$DNS" --master "$API_URL" --port 0 --dns-bind-address=127.0.0.1 --dns-port=0 \
    --dns-port-file="$CK_TMP/auth.dnsport" --dnsrecords-source --zone-name=example.com. \
    >>"$CK_TMP/auth.log" 2>&1 &
CK_PIDS+=($!)
AUTH_PID=$!
check "ckube-dns --dnsrecords-source starts" eventually test -s "$CK_TMP/auth.dnsport"
aq() { dig -p "$(cat "$CK_TMP/auth.dnsport")" @127.0.0.1 +tries=1 +time=2 "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
expect "no dnsrecords resource: the zone is SERVFAIL" SERVFAIL "$(aq nginx.default.myfed.svc.example.com)"
expect "outside the zone: REFUSED" REFUSED "$(aq web.default.svc.cluster.local)"
stop_pid "$AUTH_PID"
expect "SIGTERM: exits 0" 0 $?
"$DNS" --master "$API_URL" --port 0 --dns-port=0 --dnsrecords-source >"$CK_TMP/bad0.log" 2>&1
expect "--dnsrecords-source without --zone-name exits 1" 1 $?

"$DNS" --master "$API_URL" --port 0 --dns-port=0 --federations=my.fed=example.com \
    >"$CK_TMP/bad.log" 2>&1
expect "a bad --federations exits 1" 1 $?
check "and names the problem" grep -q 'bad --federations: my.fed: the federation name must be a DNS-1123 label' "$CK_TMP/bad.log"
finish
