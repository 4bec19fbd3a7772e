#!/usr/bin/env bash
# dns_qps.sh: queries per second ckube-dns answers with N Services (default 10,000) in its
# table, measured by dnsperf (Debian's, `scripts/deps.sh bench`) over UDP on loopback: a
# mix of ClusterIP A lookups over every service, SRV lookups and NXDOMAINs. Real apiserver
# and ckube-dns; prints the figure (and one JSON line last), asserts nothing.
# Usage: bench/dns_qps.sh [N] [SECONDS]
. "$(dirname "$0")/../tests/lib/lib.sh"

N=${1:-10000}
SECS=${2:-10}
command -v dnsperf >/dev/null || { echo "dns_qps: no dnsperf (scripts/deps.sh bench)"; exit 1; }
start_apiserver api --v=0 || { echo "apiserver did not start"; exit 1; }
setsid "$CK_BIN/ckube-dns" --master "$API_URL" --watch-bus "ipc://$API_DATA/data/bus" \
    --port 0 --port-file "$CK_TMP/dns.port" --dns-bind-address=127.0.0.1 --dns-port=0 \
    --dns-port-file "$CK_TMP/dns.dnsport" >>"$CK_TMP/dns.log" 2>&1 &
CK_PIDS+=("$!")
eventually -t 20 test -s "$CK_TMP/dns.dnsport" || { echo "ckube-dns did not start"; exit 1; }
DNS_PORT=$(cat "$CK_TMP/dns.dnsport")

# Create the services over one keep-alive connection, and write dnsperf's query file.
python3 - "$API_PORT" "$N" "$CK_TMP/queries" <<'PY' || exit 1
import http.client, json, sys
port, n, qfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(n):
    body = {"metadata": {"name": "svc-%d" % i},
            "spec": {"ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}
    c.request("POST", "/api/v1/namespaces/default/services", json.dumps(body),
              {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 201:
        sys.exit("service %d: HTTP %d" % (i, r.status))
with open(qfile, "w") as f:
    for i in range(n):
        f.write("svc-%d.default.svc.cluster.local A\n" % i)
        if i % 10 == 0:
            f.write("_http._tcp.svc-%d.default.svc.cluster.local SRV\n" % i)
        if i % 20 == 0:
            f.write("nope-%d.default.svc.cluster.local A\n" % i)
PY
last() { dig -p "$DNS_PORT" @127.0.0.1 +short +tries=1 +time=1 "svc-$((N - 1)).default.svc.cluster.local" | grep -q .; }
eventually -t 120 last || { echo "ckube-dns did not learn the last service"; exit 1; }

dnsperf -s 127.0.0.1 -p "$DNS_PORT" -d "$CK_TMP/queries" -l "$SECS" -c 4 -T 1 -q 100 \
    >"$CK_TMP/dnsperf.out" 2>&1 || { cat "$CK_TMP/dnsperf.out"; exit 1; }
qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' "$CK_TMP/dnsperf.out")
lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$CK_TMP/dnsperf.out")
lat=$(sed -n 's/^ *Average Latency (s): *\([0-9.]*\).*/\1/p' "$CK_TMP/dnsperf.out")
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/${CK_PIDS[-1]}/status")
echo "dns_qps: $N services, ${qps:-?} queries/s, ${lost:-?} lost, average latency ${lat:-?} s, ckube-dns RSS $rss KiB"
echo "{\"services\":$N,\"qps\":${qps:-0},\"lost\":${lost:-0},\"avg_latency_s\":${lat:-0},\"rss_kib\":${rss:-0}}"
