#!/usr/bin/env bash
# API fidelity that real clients trip on (issue 15): query parameters parsed
# as kube-apiserver parses them (the Python client's watch=True), protected
# namespaces, Secret/ConfigMap typing and size, Status details, dry run,
# defaults and managedFields, driven by kubectl, the Python client and curl.
. "$(dirname "$0")/../../lib/lib.sh"

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
PY=${CK_PYTHON:-/usr/bin/python3}
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
k() { "$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" "$@"; }
has_kubectl() { [ -x "$KUBECTL" ]; }
msg() { json 'd.get("message")'; }
# pyj CODE: run python CODE with d = the JSON document on stdin.
pyj() { python3 -c 'import json,sys
d=json.load(sys.stdin)
exec(sys.argv[1])' "$1"; }
CM=/api/v1/namespaces/default/configmaps

# --- query parameters
out=$("$PY" "$(dirname "$0")/py_watch.py" "$API_URL" default 2>&1)
if [ $? = 3 ]; then
	skip "python client watch sees ADDED events" "no kubernetes module"
else
	expect "python client watch sees ADDED events" "ADDED py-a ADDED py-b" "$(echo $out)"
fi
api GET "$CM?watch=1&timeoutSeconds=1" >/dev/null
expect "watch=1 streams" 200 "$(code)"
out=$(api GET "$CM?watch=False")
expect "watch=False is a list" ConfigMapList "$(json 'd["kind"]' <<<"$out")"
for b in t T TRUE True; do
	api GET "$CM?watch=$b&timeoutSeconds=1" >/dev/null
	expect "watch=$b streams" 200 "$(code)"
done
for b in 0 f F FALSE false; do
	out=$(api GET "$CM?watch=$b")
	expect "watch=$b is a list" ConfigMapList "$(json 'd["kind"]' <<<"$out")"
done
out=$(api GET "$CM?watch=yes")
expect "watch=yes: 400 ParseBool" "400 invalid value for query parameter watch: strconv.ParseBool: parsing \"yes\": invalid syntax" "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?allowWatchBookmarks=maybe&watch=1")
expect "allowWatchBookmarks=maybe: 400" 400 "$(code)"
out=$(api GET "$CM?limit=abc")
expect "limit=abc: 400" 400 "$(code)"
expect "limit=abc: ParseInt message" 'strconv.ParseInt: parsing "abc": invalid syntax' "$(msg <<<"$out")"
out=$(api GET "$CM?timeoutSeconds=1e3&watch=true")
expect "timeoutSeconds=1e3: 400" "400 strconv.ParseInt: parsing \"1e3\": invalid syntax" "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?resourceVersion=abc")
expect "list resourceVersion=abc: 400" "400 invalid resource version: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax" "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?resourceVersion=-1&watch=1")
expect "watch resourceVersion=-1: 400" 400 "$(code)"
out=$(api GET "$CM?resourceVersionMatch=Exact")
expect "resourceVersionMatch without resourceVersion: 422" \
    "422 ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided" \
    "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?resourceVersionMatch=Bogus&resourceVersion=1")
check "resourceVersionMatch=Bogus: Unsupported value" grep -q 'Unsupported value: \\"Bogus\\"' <<<"$out"
# --- protected namespaces; Status details
if has_kubectl; then
	out=$(k delete ns default 2>&1)
	expect "kubectl delete ns default: Forbidden" \
	    'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted' "$out"
	for n in kube-system kube-public kube-node-lease; do
		api DELETE "/api/v1/namespaces/$n" >/dev/null
		expect "delete ns $n: 403" 403 "$(code)"
	done
	expect "default is still Active" Active "$(k get ns default -o jsonpath='{.status.phase}' 2>&1)"
	k run dbg --image=nginx >/dev/null 2>&1
	out=$(k debug dbg --image=busybox 2>&1)
	check "kubectl debug POD does not panic on our 404" \
	    grep -q 'ephemeral containers are disabled for this cluster' <<<"$out"
else
	skip "protected namespaces, kubectl debug" "no $KUBECTL"
fi
out=$(api GET /api/v1/namespaces/default/pods/nosuch)
expect "404 of an object: details" '{"name": "nosuch", "kind": "pods"}' "$(json 'd.get("details")' <<<"$out")"
out=$(api GET /api/v1/nosuchresource)
expect "404 of an unknown path: empty details" '{}' "$(json 'd.get("details")' <<<"$out")"

# --- Secret and ConfigMap: typed data, stringData, size, generation
J='Content-Type: application/json'
SEC=/api/v1/namespaces/default/secrets
out=$(api POST $SEC -H "$J" -d '{"metadata":{"name":"s1"},"data":{"x":"eA=="},"stringData":{"a":"b"}}')
expect "stringData merged into data, type Opaque, no generation" \
    '{"x": "eA==", "a": "Yg=="} Opaque None None' \
    "$(json 'json.dumps(d.get("data"))+" "+str(d.get("type"))+" "+str(d.get("stringData"))+" "+str(d["metadata"].get("generation"))' <<<"$out")"
out=$(api PUT $SEC/s1 -H "$J" -d '{"metadata":{"name":"s1"},"stringData":{"q":"r"}}')
expect "stringData on update" '{"q": "cg=="}' "$(json 'json.dumps(d.get("data"))' <<<"$out")"
expect "stringData is never stored" null "$(api GET $SEC/s1 | json 'd.get("stringData")')"
out=$(api POST $SEC -H "$J" -d '{"metadata":{"name":"s2"},"data":{"x":"not base64!"}}')
expect "Secret data must be base64: 400" \
    '400 Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3' "$(code) $(msg <<<"$out")"
out=$(api POST $CM -H "$J" -d '{"metadata":{"name":"typed"},"data":{"a":5}}')
expect "ConfigMap data {a: 5}: 400" \
    '400 ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string' \
    "$(code) $(msg <<<"$out")"
out=$(api POST $CM -H "$J" -d '{"metadata":{"name":"plain"},"data":{"a":"5"}}')
expect "ConfigMap: no generation" "201 null" "$(code) $(json 'd["metadata"].get("generation")' <<<"$out")"
python3 -c 'import json; print(json.dumps({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"x"*(1024*1024+1)}}))' >"$CK_TMP/big.json"
python3 -c 'import json; print(json.dumps({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"a":"x"*(4*1024*1024)}}))' >"$CK_TMP/huge.json"
out=$(api POST $CM -H "$J" --data-binary @"$CK_TMP/big.json")
expect "ConfigMap data over 1 MiB: 422 Too long" \
    '422 ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes' "$(code) $(msg <<<"$out")"
if has_kubectl; then
	out=$(k create -f "$CK_TMP/huge.json" 2>&1)
	check "kubectl: a body over --max-request-bytes is 413 (not a broken pipe)" \
	    grep -q 'Request entity too large: limit is 3145728' <<<"$out"
	out=$(k create secret generic gen --from-literal=a=b -o jsonpath='{.type} {.data.a}' 2>&1)
	expect "kubectl create secret generic" "Opaque Yg==" "$out"
else
	skip "kubectl 413, secrets" "no $KUBECTL"
fi

# --- dry run never writes
cat >"$CK_TMP/dr.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: dr
data:
  a: b
Y
if has_kubectl; then
	out=$(k apply --server-side --dry-run=server -f "$CK_TMP/dr.yaml" 2>&1)
	expect "kubectl apply --server-side --dry-run=server" "configmap/dr serverside-applied (server dry run)" "$out"
	k diff --server-side -f "$CK_TMP/dr.yaml" >/dev/null 2>&1
	k create --dry-run=server -f "$CK_TMP/dr.yaml" >/dev/null 2>&1
	api GET $CM/dr >/dev/null
	expect "dry-run apply, diff --server-side and create store nothing" 404 "$(code)"
fi
api POST "$CM?dryRun=All" -H "$J" -d '{"metadata":{"name":"dr2"}}' >/dev/null
expect "POST dryRun=All answers 201" 201 "$(code)"
api POST $CM -H "$J" -d '{"metadata":{"name":"live"},"data":{"a":"1"}}' >/dev/null
rv1=$(api GET $CM/live | json 'd["metadata"]["resourceVersion"]')
api PUT "$CM/live?dryRun=All" -H "$J" -d '{"metadata":{"name":"live"},"data":{"a":"2"}}' >/dev/null
api PATCH "$CM/live?dryRun=All" -H 'Content-Type: application/merge-patch+json' -d '{"data":{"a":"3"}}' >/dev/null
api PATCH "$CM/live?dryRun=All&fieldManager=t" -H 'Content-Type: application/apply-patch+yaml' \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"live"},"data":{"a":"4"}}' >/dev/null
api DELETE "$CM/live?dryRun=All" >/dev/null
api DELETE "$CM?dryRun=All" >/dev/null
expect "PUT/PATCH/apply/DELETE/deletecollection dryRun=All write nothing" "$rv1 1" \
    "$(api GET $CM/live | json 'd["metadata"]["resourceVersion"]+" "+d["data"]["a"]')"
api GET $CM/dr2 >/dev/null
expect "dry-run create stored nothing" 404 "$(code)"
out=$(api POST "$CM?dryRun=all" -H "$J" -d '{"metadata":{"name":"dr3"}}')
expect "dryRun=all: 422 Unsupported value" \
    '422 CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"' "$(code) $(msg <<<"$out")"

# --- defaults: Deployment, ReplicationController, volumes, fieldRef
out=$(api POST /apis/apps/v1/namespaces/default/deployments -H "$J" -d '{"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}')
expect "apps/v1 Deployment defaults" \
    'RollingUpdate 25% 25% 10 600 1 Always' \
    "$(pyj 's=d["spec"]; r=s["strategy"]; print(r["type"], r["rollingUpdate"]["maxUnavailable"], r["rollingUpdate"]["maxSurge"], s["revisionHistoryLimit"], s["progressDeadlineSeconds"], s["replicas"], s["template"]["spec"]["restartPolicy"])' <<<"$out")"
out=$(api POST /apis/extensions/v1beta1/namespaces/default/deployments -H "$J" -d '{"metadata":{"name":"old"},"spec":{"template":{"metadata":{"labels":{"app":"old"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}')
expect "extensions/v1beta1 Deployment defaults" "RollingUpdate 10 600" \
    "$(json 'd["spec"]["strategy"]["type"]+" "+str(d["spec"]["revisionHistoryLimit"])+" "+str(d["spec"]["progressDeadlineSeconds"])' <<<"$out")"
cat >"$CK_TMP/rc.yaml" <<'Y'
apiVersion: v1
kind: ReplicationController
metadata:
  name: rc1
spec:
  replicas: 1
  template:
    metadata:
      labels: {app: rc1}
    spec:
      volumes: [{name: scratch}]
      containers:
      - name: c
        image: nginx
        ports: [{containerPort: 80}]
        env: [{name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
Y
if has_kubectl; then
	k create -f "$CK_TMP/rc.yaml" >/dev/null 2>&1
	out=$(k get rc rc1 -o json 2>&1)
	expect "RC selector and labels from its template; emptyDir; fieldRef v1" \
	    '{"app": "rc1"} {"app": "rc1"} {} v1' \
	    "$(pyj 's=d["spec"]; t=s["template"]["spec"]; print(json.dumps(s["selector"]), json.dumps(d["metadata"]["labels"]), json.dumps(t["volumes"][0].get("emptyDir")), t["containers"][0]["env"][0]["valueFrom"]["fieldRef"]["apiVersion"])' <<<"$out")"
	out=$(k expose rc rc1 --port=80 2>&1)
	expect "kubectl expose rc" "service/rc1 exposed" "$out"
fi

# --- managedFields: an Update entry per manager; CSA -> SSA
cat >"$CK_TMP/mf.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: mf
data:
  a: b
Y
managers() { k get cm mf -o json --show-managed-fields | pyj 'print(" ".join(e["manager"]+":"+e["operation"] for e in d["metadata"]["managedFields"]))'; }
if has_kubectl; then
	k apply -f "$CK_TMP/mf.yaml" >/dev/null 2>&1
	k label cm mf x=y >/dev/null 2>&1
	k annotate cm mf note=hi >/dev/null 2>&1
	k patch cm mf -p '{"data":{"p":"q"}}' >/dev/null 2>&1
	expect "kubectl apply/label/annotate/patch each appear as a manager" \
	    "kubectl-client-side-apply:Update kubectl-label:Update kubectl-annotate:Update kubectl-patch:Update" "$(managers)"
	k get cm mf -o json | pyj 'd["data"]["p"]="r"; print(json.dumps(d))' >"$CK_TMP/mf-put.json"
	k replace -f "$CK_TMP/mf-put.json" >/dev/null 2>&1
	check "PUT keeps the list and adds kubectl-replace" grep -q "kubectl-label:Update.*kubectl-replace:Update" <<<"$(managers)"
	expect "data.p moved from kubectl-patch to kubectl-replace" "True False" \
	    "$(k get cm mf -o json --show-managed-fields | pyj 'm={e["manager"]:e["fieldsV1"] for e in d["metadata"]["managedFields"]}; print("f:p" in m["kubectl-replace"]["f:data"], "kubectl-patch" in m)')"
	out=$(k diff --server-side -f "$CK_TMP/mf.yaml" 2>&1)
	expect "kubectl diff --server-side after kubectl apply is clean" "" "$out"
	sed -i 's/a: b/a: c/' "$CK_TMP/mf.yaml"
	out=$(k apply --server-side -f "$CK_TMP/mf.yaml" 2>&1)
	expect "client-side apply upgrades to server-side apply without conflict" "configmap/mf serverside-applied" "$out"
	expect "the server-side apply took the value" c "$(k get cm mf -o jsonpath='{.data.a}')"
fi

# --- exec needs a bound pod (tests/e2e/exec.sh runs it on a cluster); attach and
# port-forward are not simulated and say so
if has_kubectl; then
	out=$(k exec dbg -- ls 2>&1)
	check "kubectl exec on an unbound pod: ExecLocation's message (not a 404)" \
	    grep -q 'Error from server (BadRequest): pod dbg does not have a host assigned' <<<"$out"
	out=$(k exec dbg -c nope -- ls 2>&1)
	check "kubectl exec -c nope: container nope is not valid for pod dbg" \
	    grep -q 'container nope is not valid for pod dbg' <<<"$out"
	out=$(k cp dbg:/etc/hosts "$CK_TMP/hosts" 2>&1)
	check "kubectl cp: the same message" grep -q 'pod dbg does not have a host assigned' <<<"$out"
	out=$(api POST /api/v1/namespaces/default/pods/dbg/portforward)
	expect "pods/portforward: 400 ckube does not simulate port-forward" "400 true" \
	    "$(code) $(json '"ckube does not simulate port-forward" in d["message"]' <<<"$out")"
	out=$(api POST /api/v1/namespaces/default/pods/dbg/attach)
	expect "pods/attach: 400 ckube does not simulate attach" "400 true" \
	    "$(code) $(json '"ckube does not simulate attach" in d["message"]' <<<"$out")"
fi

# --- podtemplates are served
out=$(api POST /api/v1/namespaces/default/podtemplates -H "$J" -d '{"metadata":{"name":"pt1"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}')
expect "podtemplates: create with template defaults" "201 Always" "$(code) $(json 'd["template"]["spec"]["restartPolicy"]' <<<"$out")"

# --- discovery carries storageVersionHash (kube-apiserver's values)
expect "storageVersionHash of pods and deployments" "xPOwRZ+Yhw8= 8aSe+NMegvE=" \
    "$(api GET /api/v1 | json '[r["storageVersionHash"] for r in d["resources"] if r["name"]=="pods"][0]') $(api GET /apis/apps/v1 | json '[r["storageVersionHash"] for r in d["resources"] if r["name"]=="deployments"][0]')"

finish
