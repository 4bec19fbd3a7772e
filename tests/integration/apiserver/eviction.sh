#!/usr/bin/env bash
# pods/eviction against a real ckube-apiserver (no controllers: budgets' status is written
# by hand): 10 concurrent evictions at a budget allowing one give exactly one 201; the 429
# (message, DisruptionBudget cause, Retry-After); the budget consumed in the same
# transaction as the delete (a failed precondition consumes nothing); dry run; grace period;
# several budgets (500); Pending and unready pods; a budget not yet observed (429); metrics.
. "$(dirname "$0")/../../lib/lib.sh"

start_apiserver api || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts"
J='Content-Type: application/json'
M='Content-Type: application/merge-patch+json'
NS=/api/v1/namespaces/default
PDBS=/apis/policy/v1/namespaces/default/poddisruptionbudgets

# mkpod NAME APP [READY [PHASE]]: a pod bound to node n1, with that status (no PHASE: Pending).
mkpod() {
	api POST $NS/pods -H "$J" -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\",\"labels\":{\"app\":\"$2\"}},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}" >/dev/null
	[ "$(code)" = 201 ] || return 1
	[ -z "${4:-}" ] && return 0
	api PATCH $NS/pods/$1/status -H "$M" -d "{\"status\":{\"phase\":\"$4\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\"}]}}" >/dev/null
	[ "$(code)" = 200 ]
}
# mkpdb NAME APP ALLOWED CURRENT DESIRED [SPEC-EXTRA]: a budget over app=APP with that status.
mkpdb() {
	api POST $PDBS -H "$J" -d "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"app\":\"$2\"}}${6:-}}}" >/dev/null
	[ "$(code)" = 201 ] || return 1
	api PATCH $PDBS/$1/status -H "$M" -d "{\"status\":{\"observedGeneration\":1,\"disruptionsAllowed\":$3,\"currentHealthy\":$4,\"desiredHealthy\":$5,\"expectedPods\":$4}}" >/dev/null
	[ "$(code)" = 200 ]
}
# evict NAME [BODY-EXTRA] [curl args...]
evict() {
	api POST "$NS/pods/$1/eviction" -H "$J" "${@:3}" \
	    -d "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$1\"}${2:-}}"
}
pdbget() { api GET $PDBS/$1 | json "$2"; }
terminating() { api GET $NS/pods/$1 | json 'str("deletionTimestamp" in d["metadata"])'; }

# --- 10 concurrent evictions, one disruption allowed
ok=1
for i in $(seq 0 9); do mkpod c$i c True Running || ok=0; done
mkpdb c c 1 10 9 || ok=0
check "10 ready pods and a budget allowing 1" test $ok = 1
pids=()
for i in $(seq 0 9); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "$J" \
	    -d "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"c$i\"}}" \
	    "$API_URL$NS/pods/c$i/eviction" >"$CK_TMP/c$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
codes=$(cat "$CK_TMP"/c*.code | sort | uniq -c | awk '{print $2"x"$1}' | tr '\n' ' ')
expect "exactly one 201, nine 429" "201x1 429x9 " "$codes"
expect "the budget is spent: disruptionsAllowed 0" 0 "$(pdbget c 'd["status"]["disruptionsAllowed"]')"
expect "disruptedPods records the one evicted pod" 1 "$(pdbget c 'len(d["status"]["disruptedPods"])')"
won=$(pdbget c 'list(d["status"]["disruptedPods"])[0]')
nterm=0
for i in $(seq 0 9); do [ "$(terminating c$i)" = True ] && nterm=$((nterm + 1)); done
expect "exactly that pod is terminating" "1 True" "$nterm $(terminating "$won")"
expect "the condition turned False/InsufficientPods" "False InsufficientPods" \
    "$(pdbget c '[c["status"]+" "+c["reason"] for c in d["status"]["conditions"] if c["type"]=="DisruptionAllowed"][0]')"

# --- the 429
out=$(evict c0 '' -D "$CK_TMP/h")
[ "$won" = c0 ] && out=$(evict c1 '' -D "$CK_TMP/h")
expect "429 TooManyRequests, Kubernetes' message" \
    "429 TooManyRequests Cannot evict pod as it would violate the pod's disruption budget." \
    "$(code) $(echo "$out" | json 'd["reason"]+" "+d["message"]')"
expect "cause DisruptionBudget (status says 10 healthy, 9 needed: the generic wording)" "DisruptionBudget The disruption budget c does not allow evicting pods currently" \
    "$(echo "$out" | json 'd["details"]["causes"][0]["reason"]+" "+d["details"]["causes"][0]["message"]')"
check "Retry-After header" grep -qi '^Retry-After: ' "$CK_TMP/h"

# --- one transaction: a failed precondition consumes nothing
mkpod t1 t True Running && mkpdb t t 1 3 2
out=$(evict t1 ',"deleteOptions":{"preconditions":{"uid":"not-the-uid"}}')
expect "a wrong uid precondition: 409" 409 "$(code)"
expect "and the budget is untouched" "1 None" "$(pdbget t 'str(d["status"]["disruptionsAllowed"])+" "+str(d["status"].get("disruptedPods"))')"
api POST "$NS/pods/t1/eviction?dryRun=All" -H "$J" -d '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"t1"}}' >/dev/null
expect "dryRun=All: 201" 201 "$(code)"
expect "dry run: budget untouched, pod not terminating" "1 False" "$(pdbget t 'str(d["status"]["disruptionsAllowed"])') $(terminating t1)"
out=$(evict t1 ',"deleteOptions":{"dryRun":["All"]}')
expect "deleteOptions.dryRun: 201, nothing changes" "201 1 False" "$(code) $(pdbget t 'str(d["status"]["disruptionsAllowed"])') $(terminating t1)"
out=$(evict t1 ',"deleteOptions":{"gracePeriodSeconds":7}')
expect "evicted with the caller's grace period" "201 7" "$(code) $(api GET $NS/pods/t1 | json 'd["metadata"]["deletionGracePeriodSeconds"]')"
expect "budget consumed" "0 t1" "$(pdbget t 'str(d["status"]["disruptionsAllowed"])+" "+",".join(d["status"]["disruptedPods"])')"

# --- pods that need no budget
mkpod p1 t           # Pending (no status yet)
out=$(evict p1)
expect "a Pending pod is evicted although the budget allows 0" "201 0" "$(code) $(pdbget t 'd["status"]["disruptionsAllowed"]')"
mkpod s1 t True Succeeded && out=$(evict s1)
expect "a Succeeded pod too" 201 "$(code)"
mkpod n1 none True Running && out=$(evict n1)
expect "a pod no budget covers" 201 "$(code)"

# --- unhealthyPodEvictionPolicy
mkpod u1 u False Running && mkpdb u u 0 3 2
out=$(evict u1)
expect "IfHealthyBudget: an unready pod goes while the budget is healthy" "201 0" "$(code) $(pdbget u 'd["status"]["disruptionsAllowed"]')"
mkpod u2 v False Running && mkpdb v v 0 1 2
out=$(evict u2)
expect "IfHealthyBudget: not when the budget is unhealthy (429)" 429 "$(code)"
mkpod u3 w False Running && mkpdb w w 0 1 2 ',"unhealthyPodEvictionPolicy":"AlwaysAllow"'
out=$(evict u3)
expect "AlwaysAllow: an unready pod always goes" 201 "$(code)"

# --- several budgets, a budget not yet observed
mkpod m1 m True Running && mkpdb m1 m 1 3 2 && mkpdb m2 m 1 3 2
out=$(evict m1)
expect "two budgets: 500 and Kubernetes' message" \
    "500 This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." \
    "$(code) $(echo "$out" | json 'd["message"]')"
expect "and the pod stays" False "$(terminating m1)"
mkpod g1 g True Running && mkpdb g g 1 3 2
api PATCH $PDBS/g -H "$M" -d '{"spec":{"minAvailable":2}}' >/dev/null
out=$(evict g1)
expect "generation 2 > observedGeneration 1: 429 still being processed" \
    "429 The disruption budget g is still being processed by the server." \
    "$(code) $(echo "$out" | json 'd["details"]["causes"][0]["message"]')"

# --- bad input
out=$(api POST $NS/pods/c5/eviction -H "$J" -d '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other"}}')
expect "name mismatch 400" "400 name in URL does not match name in Eviction object" "$(code) $(echo "$out" | json 'd["message"]')"
out=$(api POST $NS/pods/c5/eviction -H "$J" -d '{"apiVersion":"policy/v1",')
expect "malformed body 400" 400 "$(code)"

metric() { api GET /metrics | awk -v k="apiserver_pod_evictions_total{result=\"$1\"}" '$1==k {print $2}'; }
check "/metrics: evictions counted by result" sh -c "[ '$(metric evicted)' -ge 8 ] && [ '$(metric blocked)' -ge 12 ]"
finish
