#!/usr/bin/env bash
# Object semantics over REST against a real ckube-apiserver: create/get/
# update/patch/delete, errors as Status (400/404/409/413/415/422), YAML bodies,
# generateName, selectors, paging, the status subresource, finalizers,
# graceful pod deletion, namespaces and pods/binding.
. "$(dirname "$0")/../../lib/lib.sh"

start_apiserver api --max-request-bytes 64Ki || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts"
J='Content-Type: application/json'
NS=/api/v1/namespaces/default

# --- discovery and defaults
out=$(api GET /version)
expect "version minor 3" "1 3 v1.3.0" "$(echo "$out" | json 'd["major"]+" "+d["minor"]+" "+d["gitVersion"]')"
out=$(api GET /api/v1/namespaces)
expect "default namespaces exist" "default kube-node-lease kube-public kube-system" \
    "$(echo "$out" | json '" ".join(sorted(i["metadata"]["name"] for i in d["items"]))')"
expect "namespace list rv is a string" "str" "$(echo "$out" | json 'type(d["metadata"]["resourceVersion"]).__name__')"
out=$(api GET /api)
expect "/api lists v1" '["v1"]' "$(echo "$out" | json 'd["versions"]')"
out=$(api GET /apis)
expect "/apis lists coordination.k8s.io" "coordination.k8s.io/v1" "$(echo "$out" | json '[v["groupVersion"] for g in d["groups"] for v in g["versions"] if v["groupVersion"].startswith("coordination")][0]')"
out=$(api GET /api/v1)
expect "/api/v1 has pods/status and pods/binding" "True True" \
    "$(echo "$out" | json 'str("pods/status" in [r["name"] for r in d["resources"]])+" "+str("pods/binding" in [r["name"] for r in d["resources"]])')"
expect "/api/v1 pods shortName po" '["po"]' "$(echo "$out" | json '[r for r in d["resources"] if r["name"]=="pods"][0]["shortNames"]')"
out=$(api GET /apis/coordination.k8s.io/v1)
expect "/apis/coordination.k8s.io/v1 lists leases" "Lease" "$(echo "$out" | json 'd["resources"][0]["kind"]')"
api GET /api/v1/namespaces/default/configmaps/%00x >/dev/null
expect "a %00 in a name is a 404, not a list" 404 "$(code)"
api GET /apis/nosuch.io/v1 >/dev/null
expect "unknown group is 404" 404 "$(code)"
api GET /apis/coordination.k8s.io/v9 >/dev/null
expect "unknown version is 404" 404 "$(code)"
out=$(api GET /openapi/v3)
expect "openapi v3 index has api/v1" "True" "$(echo "$out" | json 'str("api/v1" in d["paths"])')"
out=$(api GET /openapi/v2)
expect "openapi v2 is swagger 2.0 JSON with definitions" "200 2.0 True" \
    "$(code) $(echo "$out" | json 'd["swagger"]+" "+str("io.k8s.api.core.v1.Pod" in d["definitions"])')"
expect "healthz" "ok" "$(api GET /healthz)"
out=$(api GET /metrics)
check "metrics has request counters" grep -q apiserver_request_total <<<"$out"

# --- create, errors
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1","labels":{"app":"a"},"uid":"client","resourceVersion":"77","creationTimestamp":null},"data":{"k":"v"}}')
expect "create configmap 201" 201 "$(code)"
uid=$(echo "$out" | json 'd["metadata"]["uid"]')
expect "server sets uid" "True" "$(echo "$out" | json 'str(len(d["metadata"]["uid"])==36 and d["metadata"]["uid"]!="client")')"
# A ConfigMap has no spec, so no generation (as in Kubernetes).
expect "server sets rv, creationTimestamp; no generation" "True" \
    "$(echo "$out" | json 'str(d["metadata"]["resourceVersion"]!="77" and "generation" not in d["metadata"] and d["metadata"]["creationTimestamp"].endswith("Z"))')"
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"}}')
expect "duplicate create 409 AlreadyExists" "409 AlreadyExists configmaps \"c1\" already exists" \
    "$(code) $(echo "$out" | json 'd["reason"]+" "+d["message"]')"
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":')
expect "malformed JSON 400 BadRequest" "400 BadRequest Status" "$(code) $(echo "$out" | json 'd["reason"]+" "+d["kind"]')"
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}')
expect "kind mismatch 400" "400 BadRequest" "$(code) $(echo "$out" | json 'd["reason"]')"
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}')
expect "apiVersion mismatch 400" 400 "$(code)"
out=$(api POST /api/v1/namespaces/kube-system/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"default"}}')
expect "body namespace differing from URL 400" 400 "$(code)"
out=$(api POST /api/v1/namespaces/nosuch/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}')
expect "create in missing namespace 404" "404 namespaces \"nosuch\" not found" "$(code) $(echo "$out" | json 'd["message"]')"
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}')
expect "invalid name 422 with causes" "422 Invalid metadata.name FieldValueInvalid" \
    "$(code) $(echo "$out" | json 'd["reason"]+" "+d["details"]["causes"][0]["field"]+" "+d["details"]["causes"][0]["reason"]')"
expect "invalid message worded like Kubernetes" "True" "$(echo "$out" | json 'str(d["message"].startswith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value"))')"
out=$(api GET /api/v1/namespaces/default/nosuchresources)
expect "unknown resource 404" 404 "$(code)"
out=$(api GET $NS/configmaps/nosuch)
expect "missing object 404 NotFound" "404 NotFound configmaps \"nosuch\" not found" "$(code) $(echo "$out" | json 'd["reason"]+" "+d["message"]')"
out=$(api GET /apis/coordination.k8s.io/v1/namespaces/default/leases/nosuch)
expect "grouped not found names the group" 'leases.coordination.k8s.io "nosuch" not found coordination.k8s.io' \
    "$(echo "$out" | json 'd["message"]+" "+d["details"]["group"]')"
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"%s"}}' "$big" >"$CK_TMP/big.json"
out=$(api POST $NS/configmaps -H "$J" --data-binary @"$CK_TMP/big.json")
expect "body over --max-request-bytes 413" 413 "$(code)"
out=$(api POST $NS/configmaps -H "$J" -H 'Transfer-Encoding: chunked' --data-binary @"$CK_TMP/big.json")
expect "chunked body over the limit 413" 413 "$(code)"
out=$(api POST $NS/configmaps -H 'Content-Type: application/xml' -d '<x/>')
expect "unsupported body type 415" 415 "$(code)"
out=$(api POST $NS/configmaps -H 'Content-Type: application/vnd.kubernetes.protobuf' -d 'k8s')
expect "malformed protobuf body 400" 400 "$(code)"

# --- YAML and generateName
out=$(api POST $NS/configmaps -H 'Content-Type: application/yaml' --data-binary $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\ndata:\n  quoted: "123"\n  flag: "true"\n')
expect "YAML create 201" 201 "$(code)"
expect "YAML quoted 123 stays a string" '"123"' "$(echo "$out" | json 'json.dumps(d["data"]["quoted"])')"
expect "generateName adds 5 chars" "True" "$(echo "$out" | json 'str(d["metadata"]["name"].startswith("gen-") and len(d["metadata"]["name"])==9)')"
out=$(api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}' '-G' -d dryRun=All)
api GET $NS/configmaps/dry >/dev/null
expect "dryRun=All does not store" 404 "$(code)"

# --- update
out=$(api GET $NS/configmaps/c1)
rv=$(echo "$out" | json 'd["metadata"]["resourceVersion"]')
out=$(api PUT $NS/configmaps/c1 -H "$J" -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c1\",\"resourceVersion\":\"$rv\",\"labels\":{\"app\":\"a\"},\"uid\":\"changed\"},\"data\":{\"k\":\"v2\"}}")
expect "update with a different uid 409 (uid is a precondition)" 409 "$(code)"
out=$(api PUT $NS/configmaps/c1 -H "$J" -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c1\",\"resourceVersion\":\"$rv\",\"labels\":{\"app\":\"a\"},\"creationTimestamp\":\"2000-01-01T00:00:00Z\"},\"data\":{\"k\":\"v2\"}}")
expect "update with current rv 200" 200 "$(code)"
expect "uid and creationTimestamp are kept" "$uid True" "$(echo "$out" | json 'd["metadata"]["uid"]+" "+str(not d["metadata"]["creationTimestamp"].startswith("2000"))')"
out=$(api PUT $NS/configmaps/c1 -H "$J" -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c1\",\"resourceVersion\":\"$rv\"},\"data\":{\"k\":\"v3\"}}")
expect "stale update 409 Conflict" "409 Conflict" "$(code) $(echo "$out" | json 'd["reason"]')"
expect "conflict message" 'Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again' \
    "$(echo "$out" | json 'd["message"]')"
out=$(api PUT $NS/configmaps/c1 -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1","labels":{"app":"a"}},"data":{"k":"v4"}}')
expect "update without rv is unconditional" "200 v4" "$(code) $(echo "$out" | json 'd["data"]["k"]')"

# --- patch
out=$(api PATCH $NS/configmaps/c1 -H 'Content-Type: application/merge-patch+json' -d '{"data":{"m":"1","k":null}}')
expect "merge patch" "200 {\"m\": \"1\"}" "$(code) $(echo "$out" | json 'd["data"]')"
out=$(api PATCH $NS/configmaps/c1 -H 'Content-Type: application/json-patch+json' -d '[{"op":"add","path":"/data/j","value":"2"},{"op":"test","path":"/data/m","value":"1"}]')
expect "json patch" "200 2" "$(code) $(echo "$out" | json 'd["data"]["j"]')"
out=$(api PATCH $NS/configmaps/c1 -H 'Content-Type: application/json-patch+json' -d '[{"op":"test","path":"/data/m","value":"nope"}]')
expect "failed json patch test is 422 and changes nothing" "422 2" "$(code) $(api GET $NS/configmaps/c1 | json 'd["data"]["j"]')"
out=$(api PATCH $NS/configmaps/c1 -H 'Content-Type: application/strategic-merge-patch+json' -d '{"data":{"s":"1"}}')
expect "strategic merge patch" "200 1 2" "$(code) $(echo "$out" | json 'd["data"]["s"]+" "+d["data"]["j"]')"
out=$(api PATCH $NS/configmaps/c1 -H 'Content-Type: application/xml' -d '<x/>')
expect "unknown patch type 415" "415 UnsupportedMediaType" "$(code) $(echo "$out" | json 'd["reason"]')"
out=$(api PATCH "$NS/configmaps/applied?fieldManager=t" -H 'Content-Type: application/apply-patch+yaml' --data-binary $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n')
expect "server-side apply creates" "201 1" "$(code) $(echo "$out" | json 'd["data"]["a"]')"
out=$(api PATCH "$NS/configmaps/applied?fieldManager=u" -H 'Content-Type: application/apply-patch+yaml' -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"b":"2"}}')
expect "server-side apply of another manager merges" "200 1 2" "$(code) $(echo "$out" | json 'd["data"]["a"]+" "+d["data"]["b"]')"

# --- selectors and paging
for i in 1 2 3 4 5; do
	api POST $NS/configmaps -H "$J" -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"p$i\",\"labels\":{\"tier\":\"t$((i % 2))\"}}}" >/dev/null
done
out=$(api GET "$NS/configmaps?labelSelector=tier%3Dt1")
expect "labelSelector =" "p1 p3 p5" "$(echo "$out" | json '" ".join(i["metadata"]["name"] for i in d["items"])')"
out=$(api GET "$NS/configmaps?labelSelector=tier%20in%20(t0),tier!%3Dt1")
expect "labelSelector set-based" "p2 p4" "$(echo "$out" | json '" ".join(i["metadata"]["name"] for i in d["items"])')"
out=$(api GET "$NS/configmaps?fieldSelector=metadata.name%3Dp2")
expect "fieldSelector metadata.name=" "p2" "$(echo "$out" | json '" ".join(i["metadata"]["name"] for i in d["items"])')"
out=$(api GET "/api/v1/configmaps?fieldSelector=metadata.namespace!%3Ddefault")
expect "fieldSelector metadata.namespace!=" "0" "$(echo "$out" | json 'len(d["items"])')"
out=$(api GET "$NS/configmaps?fieldSelector=spec.nodeName%3Dx")
expect "fieldSelector on a field the kind lacks 400" 400 "$(code)"
names=""
cont=""
pages=0
while :; do
	out=$(api GET "$NS/configmaps?limit=2&labelSelector=tier&continue=$cont")
	names="$names $(echo "$out" | json '" ".join(i["metadata"]["name"] for i in d["items"])')"
	pages=$((pages + 1))
	cont=$(echo "$out" | json 'd["metadata"].get("continue","")')
	[ -z "$cont" ] || [ $pages -gt 5 ] && break
done
expect "paging with limit and continue" "3 p1 p2 p3 p4 p5" "$pages$names"
api GET "$NS/configmaps?continue=garbage" >/dev/null
expect "bad continue token 400" 400 "$(code)"

# --- pods: status subresource, generation, binding, graceful deletion
POD='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]},"status":{"phase":"Running"}}'
out=$(api POST $NS/pods -H "$J" -d "$POD")
expect "pod created Pending (status ignored on create)" "201 Pending" "$(code) $(echo "$out" | json 'd["status"]["phase"]')"
out=$(api PATCH $NS/pods/web -H 'Content-Type: application/merge-patch+json' -d '{"status":{"phase":"Running"},"metadata":{"labels":{"x":"y"}}}')
expect "main resource patch ignores status" "Pending y 1" "$(echo "$out" | json 'd["status"]["phase"]+" "+d["metadata"]["labels"]["x"]+" "+str(d["metadata"]["generation"])')"
out=$(api PATCH $NS/pods/web/status -H 'Content-Type: application/merge-patch+json' -d '{"status":{"phase":"Running"},"spec":{"nodeName":"sneaky"}}')
expect "status patch changes only status" "Running None" "$(echo "$out" | json 'd["status"]["phase"]+" "+str(d["spec"].get("nodeName"))')"
# podStatusStrategy: a pod's labels and annotations go with its status; ownerReferences do not.
out=$(api PATCH $NS/pods/web/status -H 'Content-Type: application/merge-patch+json' -d '{"status":{"message":"m"},"metadata":{"annotations":{"a":"b"},"labels":{"x":"z"},"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"o","uid":"u"}]}}')
expect "pods/status keeps annotations and labels, not ownerReferences" "m b z None" \
    "$(echo "$out" | json 'd["status"]["message"]+" "+d["metadata"]["annotations"]["a"]+" "+d["metadata"]["labels"]["x"]+" "+str(d["metadata"].get("ownerReferences"))')"
out=$(api PATCH $NS/pods/web -H 'Content-Type: application/json-patch+json' -d '[{"op":"add","path":"/spec/activeDeadlineSeconds","value":5}]')
expect "spec change bumps generation" 2 "$(echo "$out" | json 'd["metadata"]["generation"]')"
out=$(api GET "$NS/pods?fieldSelector=status.phase%3DRunning")
expect "fieldSelector status.phase" 1 "$(echo "$out" | json 'len(d["items"])')"
out=$(api POST $NS/pods/web/binding -H "$J" -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web"},"target":{"kind":"Node","name":"node-1"}}')
expect "binding 201" 201 "$(code)"
out=$(api GET "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1")
expect "fieldSelector spec.nodeName" "web" "$(echo "$out" | json '" ".join(i["metadata"]["name"] for i in d["items"])')"
out=$(api POST $NS/pods/web/binding -H "$J" -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web"},"target":{"kind":"Node","name":"node-2"}}')
expect "second binding 409" 409 "$(code)"
out=$(api DELETE $NS/pods/web)
expect "bound pod gets graceful deletion" "200 30 True" "$(code) $(echo "$out" | json 'str(d["metadata"]["deletionGracePeriodSeconds"])+" "+str("deletionTimestamp" in d["metadata"])')"
api GET $NS/pods/web >/dev/null
expect "gracefully deleted pod still there" 200 "$(code)"
out=$(api DELETE $NS/pods/web -H "$J" -d '{"gracePeriodSeconds":0}')
expect "grace 0 deletes the pod" "200 404" "$(code) $(api GET $NS/pods/web >/dev/null; code)"
api POST $NS/pods -H "$J" -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"unbound"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}' >/dev/null
out=$(api DELETE $NS/pods/unbound)
expect "unbound pod deleted at once" "200 404" "$(code) $(api GET $NS/pods/unbound >/dev/null; code)"

# --- finalizers and delete preconditions
api POST $NS/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fin","finalizers":["example.com/hold"]}}' >/dev/null
out=$(api DELETE $NS/configmaps/fin -H "$J" -d '{"preconditions":{"uid":"wrong"}}')
expect "delete precondition uid mismatch 409" 409 "$(code)"
out=$(api DELETE $NS/configmaps/fin)
expect "delete with finalizers only marks" "200 True" "$(code) $(echo "$out" | json 'str("deletionTimestamp" in d["metadata"])')"
api GET $NS/configmaps/fin >/dev/null
expect "object with finalizers still there" 200 "$(code)"
out=$(api PATCH $NS/configmaps/fin -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"finalizers":null}}')
expect "removing the last finalizer deletes" "200 404" "$(code) $(api GET $NS/configmaps/fin >/dev/null; code)"
api PATCH "$NS/configmaps/c1?dryRun=All" -H 'Content-Type: application/merge-patch+json' -d '{"data":{"dry":"1"}}' >/dev/null
api DELETE "$NS/configmaps/c1?dryRun=All" >/dev/null
expect "dryRun=All patch and delete change nothing" "200 None" "$(code) $(api GET $NS/configmaps/c1 | json 'str(d["data"].get("dry"))')"
out=$(api DELETE $NS/configmaps/c1)
expect "delete returns the object" "200 c1" "$(code) $(echo "$out" | json 'd["metadata"]["name"]')"
out=$(api DELETE $NS/configmaps/c1)
expect "delete again 404" 404 "$(code)"
out=$(api DELETE "$NS/configmaps?labelSelector=tier%3Dt0")
expect "deletecollection by selector" "200 p1 p3 p5" "$(code) $(api GET "$NS/configmaps?labelSelector=tier" | json '" ".join(i["metadata"]["name"] for i in d["items"])')"

# --- cluster-scoped and grouped kinds, namespaces
out=$(api POST /api/v1/nodes -H "$J" -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1","namespace":"ignored"}}')
expect "cluster-scoped create drops namespace" "201 null" "$(code) $(echo "$out" | json 'd["metadata"].get("namespace")')"
out=$(api POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases -H "$J" -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"node-1"},"spec":{"holderIdentity":"node-1"}}')
expect "lease create" 201 "$(code)"
out=$(api POST /api/v1/namespaces -H "$J" -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"tmp"}}')
expect "namespace create Active" "201 Active" "$(code) $(echo "$out" | json 'd["status"]["phase"]')"
out=$(api DELETE /api/v1/namespaces/tmp)
expect "namespace delete marks Terminating" "200 Terminating" "$(code) $(echo "$out" | json 'd["status"]["phase"]')"
out=$(api POST /api/v1/namespaces/tmp/configmaps -H "$J" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}')
expect "create in terminating namespace refused" 403 "$(code)"
out=$(api PUT /api/v1/namespaces/tmp/finalize -H "$J" -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"tmp"},"spec":{"finalizers":[]}}')
expect "namespace finalize then gone" "200 404" "$(code) $(api GET /api/v1/namespaces/tmp >/dev/null; code)"
api DELETE /api/v1/namespaces >/dev/null
expect "deletecollection of namespaces is not allowed (405)" 405 "$(code)"
out=$(api GET /api/v1/namespaces -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io')
expect "namespace Table columns" "Name Status Age" "$(echo "$out" | json '" ".join(c["name"] for c in d["columnDefinitions"])')"
out=$(api GET $NS/configmaps -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io')
expect "configmaps Table (Data column) with PartialObjectMetadata" "Name Data Age PartialObjectMetadata" \
    "$(echo "$out" | json '" ".join(c["name"] for c in d["columnDefinitions"])+" "+d["rows"][0]["object"]["kind"]')"

# --- the recent writes answer a GET of what was just written (sqlite only)
recent_hits() { api GET /metrics | sed -n 's/^apiserver_store_recent_hits_total \([0-9]*\).*/\1/p'; }
get_after_create() {
	local before
	before=$(recent_hits)
	api POST $NS/configmaps -H "$J" -d "{\"metadata\":{\"name\":\"$1\"}}" >/dev/null
	api GET $NS/configmaps/$1 >/dev/null
	echo "$(code) $(( $(recent_hits) - before ))"
}
if [ "${CKUBE_TEST_STORAGE:-sqlite}" = sqlite ]; then
	expect "a GET of what was just written reads no page" "200 1" "$(get_after_create recent-1)"
fi

stop_apiserver
expect "SIGTERM exits 0" 0 "$?"

if [ "${CKUBE_TEST_STORAGE:-sqlite}" = sqlite ]; then
	start_apiserver norecent --storage-recent-bytes 0 || not_ok "apiserver starts with --storage-recent-bytes 0"
	expect "--storage-recent-bytes 0: every GET reads the database" "200 0" "$(get_after_create recent-2)"
	stop_apiserver
fi
finish
