#!/usr/bin/env bash
# The apiserver publishes every committed change on its watch bus: a
# subscriber sees every create in order with no gap; one that stops reading
# while large objects are written misses messages and detects the gap.
. "$(dirname "$0")/../../lib/lib.sh"

BUS_SUB=$CK_ROOT/build/${MODE:-debug}/tests/integration/apiserver/bus_sub
if [ ! -x "$BUS_SUB" ]; then
	not_ok "bus_sub is built" "missing $BUS_SUB"
	exit 1
fi
J='Content-Type: application/json'
NS=/api/v1/namespaces/default
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
BUS=ipc://$(cd "$API_DATA/data" && pwd)/bus

# sub_start FILE ARGS...: run bus_sub in the background, wait until it hears
# the publisher (creates "probe-FILE" until the first message arrives).
sub_start() {
	local f=$1 i
	shift
	"$BUS_SUB" "$BUS" configmaps/ "$@" >"$CK_TMP/$f" 2>&1 &
	SUB_PID=$!
	eventually grep -q ready "$CK_TMP/$f" || return 1
	for i in $(seq 50); do
		api POST $NS/configmaps -H "$J" -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"probe-$f-$i\"}}" >/dev/null
		eventually -t 1 grep -q '^first' "$CK_TMP/$f" && return 0
	done
	return 1
}
cm() { echo "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"$1\"}}"; }

sub_start all.out --until last-0 --timeout-ms 30000 || not_ok "subscriber connects"
for i in $(seq 1 50); do api POST $NS/configmaps -H "$J" -d "$(cm n-$i)" >/dev/null; done
api POST $NS/configmaps -H "$J" -d "$(cm last-0)" >/dev/null
wait $SUB_PID
res=$(grep '^done' "$CK_TMP/all.out")
expect "bus: every create seen, in order, no gap" "received=52 gaps=0 missed=0 order=ok" "${res#done }"

# A stalled subscriber: 24 objects of ~1 MiB overrun its buffers.
sub_start stall.out --stall-ms 100 --stall-until "$CK_TMP/stall.go" --until last-1 --timeout-ms 30000 || not_ok "stalled subscriber connects"
python3 -c 'import json; print(json.dumps({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME"},"data":{"blob":"x"*1000000}}))' >"$CK_TMP/big.json"
for i in $(seq 1 24); do
	sed "s/NAME/big-$i/" "$CK_TMP/big.json" >"$CK_TMP/big-$i.json"
	api POST $NS/configmaps -H "$J" --data-binary @"$CK_TMP/big-$i.json" >/dev/null
done
: >"$CK_TMP/stall.go"
eventually -t 15 grep -q resumed "$CK_TMP/stall.out"
api POST $NS/configmaps -H "$J" -d "$(cm last-1)" >/dev/null
wait $SUB_PID
res=$(grep '^done' "$CK_TMP/stall.out")
echo "# stalled subscriber: $res"
gaps=$(echo "$res" | sed -n 's/.*gaps=\([0-9]*\).*/\1/p')
missed=$(echo "$res" | sed -n 's/.*missed=\([0-9]*\).*/\1/p')
expect "bus: a stalled subscriber detects the gap" "True" "$(python3 -c "print(${gaps:-0} >= 1 and ${missed:-0} >= 1)")"
check "bus: the message after the gap still arrives" grep -q '^done' "$CK_TMP/stall.out"
stop_apiserver
finish
