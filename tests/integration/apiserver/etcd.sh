#!/usr/bin/env bash
# The etcd3 storage backend with a real etcd (/usr/bin/etcd, random ports):
# the flags' checks, Kubernetes' key layout (etcdctl sees the objects), two
# apiservers on one etcd (a write through A reaches B's watchers and B's
# namespace cache; preconditions span both), failover past a dead member,
# and a killed etcd: 503 naming etcd, /readyz failing, no hang, then
# recovery (watches resume) once etcd is back. Skips without etcd.
. "$(dirname "$0")/../../lib/lib.sh"

J='Content-Type: application/json'
NS=/api/v1/namespaces/default
if [ ! -x /usr/bin/etcd ]; then
	skip "etcd backend" "/usr/bin/etcd is not installed"
	exit 0
fi

# Flags: each mistake is a usage error (exit 2) with its reason.
flag_err() {
	"$CK_BIN/ckube-apiserver" --port 0 --data-dir "$CK_TMP/bad" "$@" 2>&1
	echo "rc=$?"
}
out=$(flag_err --storage-backend etcd2)
check "flags: unknown backend refused" grep -q "want sqlite or etcd3" <<<"$out"
out=$(flag_err --storage-backend etcd3)
check "flags: etcd3 needs --etcd-servers" grep -q "needs --etcd-servers" <<<"$out"
out=$(flag_err --storage-backend etcd3 --etcd-servers http://127.0.0.1:1 --storage-sync full)
check "flags: --storage-sync is sqlite only" grep -q "sqlite only" <<<"$out"
out=$(flag_err --etcd-servers http://127.0.0.1:1)
check "flags: --etcd-servers needs the etcd3 backend" grep -q "needs --storage-backend etcd3" <<<"$out"
dead=$(free_port)
out=$(timeout 30 "$CK_BIN/ckube-apiserver" --port 0 --data-dir "$CK_TMP/bad" \
    --storage-backend etcd3 --etcd-servers "http://127.0.0.1:$dead" 2>&1; echo "rc=$?")
check "no etcd at start: a clear fatal error" grep -q "etcd: no member reachable" <<<"$out"

start_etcd || { not_ok "etcd starts"; exit 1; }
ETCD_FLAGS=(--storage-backend etcd3 --etcd-servers "$ETCD_URL")
start_apiserver a "${ETCD_FLAGS[@]}" || { not_ok "apiserver a starts"; exit 1; }
A=$API_URL A_PID=$API_PID
# b lists a dead member first: every request fails over to the live one
start_apiserver b --storage-backend etcd3 \
    --etcd-servers "http://127.0.0.1:$dead,$ETCD_URL" || { not_ok "apiserver b starts"; exit 1; }
B=$API_URL
ok "two apiservers start on one etcd (the second finds the defaults there)"
expect "default namespaces exist once" 4 \
    "$(curl -s "$B/api/v1/namespaces" | json 'len(d["items"])')"

curl -s -X POST "$A$NS/configmaps" -H "$J" -d '{"metadata":{"name":"cm1"},"data":{"k":"v"}}' >/dev/null
keys=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" get --prefix /registry/configmaps --keys-only 2>&1)
check "etcdctl sees /registry/configmaps/default/cm1" grep -qx /registry/configmaps/default/cm1 <<<"$keys"
val=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" get /registry/configmaps/default/cm1 --print-value-only)
expect "the value is the object's JSON" v "$(json 'd["data"]["k"]' <<<"$val")"
rv_a=$(curl -s "$A$NS/configmaps/cm1" | json 'd["metadata"]["resourceVersion"]')
rev=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" get /registry/configmaps/default/cm1 -w json |
    json 'd["kvs"][0]["mod_revision"]')
expect "resourceVersion is etcd's mod_revision" "$rev" "$rv_a"
expect "b reads a's write" "$rv_a" "$(curl -s "$B$NS/configmaps/cm1" | json 'd["metadata"]["resourceVersion"]')"

# A watch on b sees writes made through a (from rv_a: no race with its start).
curl -sN "$B$NS/configmaps?watch=1&resourceVersion=$rv_a&timeoutSeconds=3" >"$CK_TMP/wb.out" &
wpid=$!
curl -s -X PATCH "$A$NS/configmaps/cm1" -H 'Content-Type: application/merge-patch+json' \
    -d '{"data":{"k":"w"}}' >/dev/null
curl -s -X DELETE "$A$NS/configmaps/cm1" >/dev/null
wait $wpid
expect "b's watcher sees a's MODIFIED and DELETED" "MODIFIED DELETED" \
    "$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["type"] for l in open(sys.argv[1]) if l.strip()))' "$CK_TMP/wb.out")"

# b's namespace cache learns a's namespace from the watch.
curl -s -X POST "$A/api/v1/namespaces" -H "$J" -d '{"metadata":{"name":"shared"}}' >/dev/null
check "b creates in a namespace a just made" eventually -t 10 curl -sf -X POST \
    "$B/api/v1/namespaces/shared/configmaps" -H "$J" -d '{"metadata":{"name":"x"}}'
# Preconditions span apiservers.
rv=$(curl -s "$A/api/v1/namespaces/shared/configmaps/x" | json 'd["metadata"]["resourceVersion"]')
curl -s -X PUT "$B/api/v1/namespaces/shared/configmaps/x" -H "$J" \
    -d "{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"$rv\"},\"data\":{\"n\":\"1\"}}" >/dev/null
c=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$A/api/v1/namespaces/shared/configmaps/x" -H "$J" \
    -d "{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"$rv\"},\"data\":{\"n\":\"2\"}}")
expect "a stale resourceVersion from the other apiserver: 409" 409 "$c"
c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$A/api/v1/namespaces/shared/configmaps" \
    -H "$J" -d '{"metadata":{"name":"x"}}')
expect "a create of b's object through a: 409 AlreadyExists" 409 "$c"

# ClusterIPs and NodePorts across apiservers: creates racing through a and b
# never share one (each allocating write changes one guard key in its txn).
svc_burst() {	# URL PREFIX
	local i
	for i in $(seq 1 12); do
		curl -s -o /dev/null -X POST "$1/api/v1/namespaces/shared/services" -H "$J" \
		    -d "{\"metadata\":{\"name\":\"$2-$i\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}" &
	done
	wait
}
svc_burst "$A" sa & p1=$!
svc_burst "$B" sb & p2=$!
wait $p1 $p2
svcs=$(curl -s "$B/api/v1/namespaces/shared/services")
expect "every racing Service was created" 24 "$(json 'len(d["items"])' <<<"$svcs")"
expect "no two Services share a ClusterIP" 24 \
    "$(json 'len({s["spec"]["clusterIP"] for s in d["items"]})' <<<"$svcs")"
expect "no two Services share a NodePort" 24 \
    "$(json 'len({p["nodePort"] for s in d["items"] for p in s["spec"]["ports"]})' <<<"$svcs")"
# An update that takes new node ports races too: type changes through both.
for i in $(seq 1 6); do
	curl -s -o /dev/null -X POST "$A/api/v1/namespaces/shared/services" -H "$J" \
	    -d "{\"metadata\":{\"name\":\"u-$i\"},\"spec\":{\"ports\":[{\"port\":80}]}}"
done
pids=()
for i in $(seq 1 6); do
	[ $((i % 2)) = 0 ] && u=$A || u=$B
	curl -s -o /dev/null -X PATCH "$u/api/v1/namespaces/shared/services/u-$i" \
	    -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"type":"NodePort"}}' &
	pids+=($!)
done
wait "${pids[@]}"
svcs=$(curl -s "$A/api/v1/namespaces/shared/services")
expect "no NodePort shared after racing type changes" 30 \
    "$(json 'len({p["nodePort"] for s in d["items"] for p in s["spec"]["ports"] if p.get("nodePort")})' <<<"$svcs")"

# Past etcd's own request limit (1.5 MiB): 413 naming etcd, not a 500.
python3 -c 'import json; print(json.dumps({"metadata": {"name": "huge"}, "template": {"spec":
    {"containers": [{"name": "c", "image": "x", "args": ["x" * 1700000]}]}}}))' >"$CK_TMP/huge.json"
out=$(curl -s -w '\n%{http_code}' -X POST "$A$NS/podtemplates" -H "$J" --data-binary @"$CK_TMP/huge.json")
expect "an object over etcd's request limit: 413" 413 "${out##*$'\n'}"
check "the 413 names etcd" grep -q "etcdserver: request is too large" <<<"${out%$'\n'*}"

# etcd killed: errors name etcd, /readyz fails, nothing hangs.
stop_etcd KILL
out=$(curl -s -m 30 -w '\n%{http_code}' "$A$NS/configmaps")
expect "reads while etcd is down: 503" 503 "${out##*$'\n'}"
check "the 503 names etcd" grep -q "etcd: no member reachable" <<<"${out%$'\n'*}"
out=$(curl -s -m 30 -w '\n%{http_code}' -X POST "$A$NS/configmaps" -H "$J" -d '{"metadata":{"name":"down"}}')
expect "writes while etcd is down: 503" 503 "${out##*$'\n'}"
out=$(curl -s -m 30 -w '\n%{http_code}' "$A/readyz")
expect "/readyz fails while etcd is down" 500 "${out##*$'\n'}"
check "/readyz says why" grep -q "etcd" <<<"${out%$'\n'*}"
check "/livez still answers" curl -sf -o /dev/null -m 30 "$A/livez"

# etcd back (same data): ready again, watches of a resume.
start_etcd || { not_ok "etcd restarts"; exit 1; }
check "a is ready again once etcd is back" eventually -t 30 curl -sf "$A/readyz"
rv=$(curl -s "$A$NS/configmaps" | json 'd["metadata"]["resourceVersion"]')
curl -sN "$A$NS/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=5" >"$CK_TMP/wa.out" &
wpid=$!
curl -s -X POST "$B$NS/configmaps" -H "$J" -d '{"metadata":{"name":"after"}}' >/dev/null
wait $wpid
check "a's watch (resumed after the outage) sees b's write" grep -q '"name":"after"' "$CK_TMP/wa.out"

stop_apiserver
expect "b stops cleanly" 0 "$?"
stop_pid "$A_PID"
expect "a stops cleanly" 0 "$?"
finish
