#!/usr/bin/env bash
# The real kubectl against ckube-apiserver: discovery, get (Tables), create -f,
# get -o yaml, label, delete, and errors printed as Kubernetes prints them; PriorityClasses
# (built-ins, validation, one global default on create and update) and pod priority admission
# and immutability; Ingresses and DefaultIngressClass admission; APIService columns.
. "$(dirname "$0")/../../lib/lib.sh"

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
if [ ! -x "$KUBECTL" ]; then
	skip "kubectl" "no $KUBECTL"
	exit 0
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
J='Content-Type: application/json'
post() { api POST "$1" -H "$J" -d "$2"; }
cause() { echo "$(code) $(echo "$1" | json 'd["reason"]+" "+",".join(c["field"] for c in d["details"]["causes"])')"; }
k() { "$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" "$@"; }

out=$(k get namespaces -o name 2>&1)
expect "kubectl get namespaces -o name" \
    "namespace/default namespace/kube-node-lease namespace/kube-public namespace/kube-system" "$(echo $out)"
out=$(k get ns 2>&1)
check "kubectl get ns prints STATUS column" grep -q '^default  *Active' <<<"$out"
out=$(k version 2>&1)
check "kubectl version sees v1.3.0" grep -q 'Server Version: v1.3.0' <<<"$out"
out=$(k api-resources 2>&1)
check "kubectl api-resources lists leases" grep -q '^leases .*coordination.k8s.io/v1' <<<"$out"
cat >"$CK_TMP/cm.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: x
  labels:
    app: demo
data:
  num: "123"
Y
out=$(k create -f "$CK_TMP/cm.yaml" 2>&1)
expect "kubectl create -f (validation on)" "configmap/x created" "$out"
out=$(k create -f "$CK_TMP/cm.yaml" 2>&1)
check "kubectl create twice: AlreadyExists" grep -q 'Error from server (AlreadyExists).*configmaps "x" already exists' <<<"$out"
out=$(k get cm x -o yaml 2>&1)
check "kubectl get cm x -o yaml keeps \"123\" a string" grep -q "num: \"123\"" <<<"$out"
out=$(k get cm -l app=demo 2>&1)
check "kubectl get cm -l app=demo" grep -q '^x ' <<<"$out"
out=$(k label cm x tier=web 2>&1)
expect "kubectl label (merge patch)" "configmap/x labeled" "$out"
out=$(k get cm x -o jsonpath='{.metadata.labels.tier}' 2>&1)
expect "label applied" "web" "$out"
out=$(k get cm nosuch 2>&1)
expect "kubectl get missing object" 'Error from server (NotFound): configmaps "nosuch" not found' "$out"
out=$(k delete cm x 2>&1)
expect "kubectl delete" 'configmap "x" deleted' "$out"
out=$(k get cm x 2>&1)
check "deleted object is gone" grep -q NotFound <<<"$out"
cat >"$CK_TMP/lease.yaml" <<'Y'
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: l1
  namespace: kube-node-lease
spec:
  holderIdentity: me
Y
out=$(k apply -f "$CK_TMP/lease.yaml" 2>&1)
expect "kubectl apply -f creates a lease" "lease.coordination.k8s.io/l1 created" "$out"
out=$(k get leases -n kube-node-lease -o name 2>&1)
expect "kubectl get leases" "lease.coordination.k8s.io/l1" "$out"
# Generators POST protobuf bodies (kubectl-protocol.md 0.3).
out=$(k create configmap gen-cm --from-literal=n=123 2>&1)
expect "kubectl create configmap (protobuf body)" "configmap/gen-cm created" "$out"
expect "protobuf configmap data" "123" "$(k get cm gen-cm -o jsonpath='{.data.n}' 2>&1)"
out=$(k create secret generic gen-sec --from-literal=pw=hunter2 2>&1)
expect "kubectl create secret generic (protobuf body)" "secret/gen-sec created" "$out"
expect "protobuf secret data is base64" "aHVudGVyMg==" "$(k get secret gen-sec -o jsonpath='{.data.pw}' 2>&1)"
out=$(k create namespace gen-ns 2>&1)
expect "kubectl create namespace (protobuf body)" "namespace/gen-ns created" "$out"
out=$(k create service clusterip gen-svc --tcp=80:8080 2>&1)
expect "kubectl create service (protobuf body)" "service/gen-svc created" "$out"
expect "protobuf service ports" "80 8080 TCP" \
    "$(k get svc gen-svc -o json | json '" ".join(str(d["spec"]["ports"][0][k]) for k in ("port","targetPort","protocol"))')"
# A Deployment: a pod's ports are immutable, a template's are not.
cat >"$CK_TMP/pod.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: a
        image: nginx:1.25
        ports:
        - containerPort: 80
        - containerPort: 443
Y
out=$(k apply -f "$CK_TMP/pod.yaml" 2>&1)
expect "kubectl apply creates a deployment" "deployment.apps/web created" "$out"
sed -i 's/nginx:1.25/nginx:1.26/; /containerPort: 443/d' "$CK_TMP/pod.yaml"
out=$(k apply -f "$CK_TMP/pod.yaml" 2>&1)
expect "second kubectl apply (strategic merge patch)" "deployment.apps/web configured" "$out"
expect "apply changed the image and removed a port" "nginx:1.26 [80]" \
    "$(k get deploy web -o json | json '(lambda c: c["image"]+" "+str([p["containerPort"] for p in c["ports"]]))(d["spec"]["template"]["spec"]["containers"][0])')"
out=$(k apply -f "$CK_TMP/pod.yaml" 2>&1)
expect "third kubectl apply is unchanged" "deployment.apps/web unchanged" "$out"
out=$(k apply --server-side -f "$CK_TMP/cm.yaml" 2>&1)
expect "kubectl apply --server-side" "configmap/x serverside-applied" "$out"
out=$(timeout 5 "$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" get cm -w --request-timeout=3s 2>&1 & sleep 1; \
    k label cm x more=1 >/dev/null; wait)
expect "kubectl get -w prints the row, then the change" "True" "$(python3 -c "import sys; print(sys.stdin.read().count('\nx ') >= 2)" <<<"$out")"
out=$(k delete cm gen-cm --dry-run=server 2>&1)
expect "kubectl delete --dry-run=server" 'configmap "gen-cm" deleted (server dry run)' "$out"
expect "server dry run kept the object" "123" "$(k get cm gen-cm -o jsonpath='{.data.n}' 2>&1)"
out=$(k run r1 --image=nginx 2>&1)
expect "kubectl run" "pod/r1 created" "$out"
out=$(k get all 2>&1)
check "kubectl get all lists pods and services" eval 'grep -q "^pod/r1 " <<<"$out" && grep -q "^service/gen-svc " <<<"$out"'
out=$(k get pods -A -o wide 2>&1)
check "kubectl get pods -A shows the namespace column" grep -q '^default  *r1 ' <<<"$out"
out=$(k delete pod r1 2>&1)
expect "kubectl delete of an unbound pod" 'pod "r1" deleted' "$out"
# fieldValidation, Warning headers, OpenAPI, pods/log and managedFields over plain HTTP.
P=/api/v1/namespaces/default/configmaps
J='Content-Type: application/json'
body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv","lables":{"a":"b"}},"data":{"k":"v"},"extra":1}'
out=$(api POST "$P?fieldValidation=Strict" -H "$J" -d "$body")
expect "fieldValidation=Strict: 400 with every unknown field" \
    '400 ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.lables", unknown field "extra"' \
    "$(code) $(json 'd["message"]' <<<"$out")"
hdrs=$(curl -s -D - -o /dev/null -X POST -H "$J" -d "$body" "$API_URL$P?fieldValidation=Warn")
check "fieldValidation=Warn: a quoted Warning header per unknown field" \
    grep -q '^Warning: 299 - "unknown field \\"metadata.lables\\""' <<<"$hdrs"
expect "fieldValidation=Warn dropped the unknown fields" "None v" \
    "$(api GET $P/fv | json 'str(d["metadata"].get("lables"))+" "+d["data"]["k"]')"
api POST "$P?fieldValidation=Bogus" -H "$J" -d "$body" >/dev/null
expect "fieldValidation=Bogus is 400" 400 "$(code)"
hdrs=$(curl -s -D - -o /dev/null -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf' "$API_URL/openapi/v2")
check "/openapi/v2 as kubectl asks: gnostic protobuf" \
    grep -q "^Content-Type: application/com.github.proto-openapi.spec.v2.v1.0+protobuf" <<<"$hdrs"
check "/openapi/v2 has an ETag" grep -q '^ETag: "[0-9A-F]\{16\}"' <<<"$hdrs"
check "/openapi/v3 index URLs carry a hash of the documents" \
    grep -Eq '"/openapi/v3/api/v1\?hash=[0-9A-F]{16}"' <<<"$(api GET /openapi/v3)"
api POST /api/v1/namespaces/default/pods -H "$J" \
    -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"lg"},"spec":{"containers":[{"name":"c","image":"x"}]}}' >/dev/null
out=$(k logs lg 2>&1) && rc=0 || rc=$?
expect "kubectl logs of a pod not yet on a node: empty, as Kubernetes answers" "0:" "$rc:$out"
expect "pods/log of a missing pod is 404" 404 "$(api GET /api/v1/namespaces/default/pods/nosuch/log >/dev/null; code)"
expect "server-side apply records an Apply entry for its manager" "kubectl Apply FieldsV1 True" \
    "$(k get cm x -o json --show-managed-fields | json '" ".join([[e["manager"],e["operation"],e["fieldsType"],str("f:data" in e["fieldsV1"])] for e in d["metadata"]["managedFields"] if e["operation"]=="Apply"][0])')"
out=$(k get pods 2>&1)
expect "pod Table columns" "NAME READY STATUS RESTARTS AGE" "$(head -n 1 <<<"$out" | tr -s ' ')"
check "an unbound pod prints 0/1 Pending" grep -Eq '^lg +0/1 +Pending +0 ' <<<"$out"

# --- scheduling.k8s.io/v1 PriorityClass and pod priority admission
out=$(k get pc 2>&1)
expect "kubectl get pc columns" "NAME VALUE GLOBAL-DEFAULT AGE" "$(head -n 1 <<<"$out" | tr -s ' ')"
check "built-in system-node-critical 2000001000" grep -Eq '^system-node-critical +2000001000 +false' <<<"$out"
check "built-in system-cluster-critical 2000000000" grep -Eq '^system-cluster-critical +2000000000 +false' <<<"$out"
expect "kubectl create priorityclass high --value=1000" "priorityclass.scheduling.k8s.io/high created" \
    "$(k create priorityclass high --value=1000 2>&1)"
check "-o wide: PREEMPTION-POLICY PreemptLowerPriority" grep -Eq '^high +1000 +false +[0-9a-z]+ +PreemptLowerPriority$' \
    <<<"$(k get pc -o wide 2>&1)"
out=$(k create priorityclass huge --value=1000000001 2>&1)
check "a user value above 1e9 is refused" grep -q 'value: Forbidden: maximum allowed value of a user defined priority is 1000000000' <<<"$out"
out=$(k create priorityclass system-mine --value=1 2>&1)
check "the system- prefix is reserved" grep -q "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class" <<<"$out"
expect "a globalDefault class" "priorityclass.scheduling.k8s.io/dflt created" \
    "$(k create priorityclass dflt --value=7 --global-default 2>&1)"
out=$(k create priorityclass dflt2 --value=8 --global-default 2>&1)
check "a second globalDefault is 403" grep -q 'priorityclasses.scheduling.k8s.io "dflt2" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist' <<<"$out"
out=$(k patch priorityclass high -p '{"globalDefault":true}' 2>&1)
check "an update to a second globalDefault is 403" grep -q 'priorityclasses.scheduling.k8s.io "high" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist' <<<"$out"
expect "the default itself may be updated" "priorityclass.scheduling.k8s.io/dflt patched" \
    "$(k patch priorityclass dflt -p '{"description":"d"}' 2>&1)"
out=$(k run ph --image=x --overrides='{"spec":{"priorityClassName":"high"}}' 2>&1)
expect "a pod of class high gets priority 1000" "1000 PreemptLowerPriority" \
    "$(k get pod ph -o jsonpath='{.spec.priority} {.spec.preemptionPolicy}' 2>&1)"
k run pd --image=x >/dev/null 2>&1
expect "a pod without class gets the global default" "dflt 7" \
    "$(k get pod pd -o jsonpath='{.spec.priorityClassName} {.spec.priority}' 2>&1)"
out=$(k run pn --image=x --overrides='{"spec":{"priorityClassName":"nope"}}' 2>&1)
check "an unknown class is 403" grep -q 'Error from server (Forbidden): pods "pn" is forbidden: no PriorityClass with name nope was found' <<<"$out"
out=$(k run pp --image=x --overrides='{"spec":{"priorityClassName":"high","priority":3}}' 2>&1)
check "a disagreeing client priority is 403" grep -q 'the integer value of priority (3) must not be provided in pod spec; priority admission controller computed 1000' <<<"$out"
out=$(k patch pod ph -p '{"spec":{"priority":5}}' 2>&1)
check "a pod's priority cannot change" grep -q 'The Pod "ph" is invalid: spec: Forbidden: pod updates may not change fields' <<<"$out"
out=$(k patch pod ph -p '{"spec":{"priorityClassName":"dflt"}}' 2>&1)
check "a pod's priorityClassName cannot change" grep -q 'The Pod "ph" is invalid: spec: Forbidden: pod updates may not change fields' <<<"$out"
# The classes are cached for pod admission: a change must show on the next pod.
k create priorityclass late --value=42 >/dev/null 2>&1
expect "a class created after pods were admitted is found" "late 42" \
    "$(k run pl --image=x --overrides='{"spec":{"priorityClassName":"late"}}' >/dev/null 2>&1;
       k get pod pl -o jsonpath='{.spec.priorityClassName} {.spec.priority}' 2>&1)"
k delete priorityclass dflt >/dev/null 2>&1
expect "without the global default a pod gets priority 0" " 0" \
    "$(k run p0 --image=x >/dev/null 2>&1; k get pod p0 -o jsonpath='{.spec.priorityClassName} {.spec.priority}' 2>&1)"

# --- networking.k8s.io/v1 Ingress (and the 1.3 extensions/v1beta1 form)
expect "kubectl create ingress (protobuf body)" "ingress.networking.k8s.io/web created" \
    "$(k create ingress web --class=ckube --rule='foo.com/bar=svc1:8080,tls=cert' --rule='*.b.com/*=s2:http' 2>&1)"
out=$(k get ing 2>&1)
expect "kubectl get ingress columns" "NAME CLASS HOSTS ADDRESS PORTS AGE" "$(head -n 1 <<<"$out" | tr -s ' ')"
check "a row: class, hosts, TLS ports" grep -Eq '^web +ckube +foo.com,\*.b.com +80, 443 ' <<<"$out"
expect "v1beta1 reads serviceName/servicePort" "svc1 8080 s2 http" \
    "$(api GET /apis/extensions/v1beta1/namespaces/default/ingresses/web | json '" ".join(str(p["backend"][k]) for r in d["spec"]["rules"] for p in r["http"]["paths"] for k in ("serviceName","servicePort"))')"
post /apis/extensions/v1beta1/namespaces/default/ingresses \
    '{"apiVersion":"extensions/v1beta1","kind":"Ingress","metadata":{"name":"old"},"spec":{"backend":{"serviceName":"s","servicePort":80}}}' >/dev/null
expect "a v1beta1 create is stored as v1 (defaultBackend.service)" "s 80" \
    "$(k get ing old -o jsonpath='{.spec.defaultBackend.service.name} {.spec.defaultBackend.service.port.number}' 2>&1)"
out=$(k create ingress bad --rule='1.2.3.4/x=svc:80' 2>&1)
check "an IP host is refused" grep -q 'spec.rules\[0\].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address' <<<"$out"
out=$(post /apis/networking.k8s.io/v1/namespaces/default/ingresses '{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"np"},"spec":{"rules":[{"http":{"paths":[{"path":"rel","backend":{"service":{"name":"s","port":{"number":80}}}},{"path":"rel","pathType":"Prefix","backend":{}}]}}]}}')
expect "pathType required, absolute path, one backend" \
    "422 Invalid spec.rules[0].http.paths[0].pathType,spec.rules[0].http.paths[1].path,spec.rules[0].http.paths[1].backend" "$(cause "$out")"
# DefaultIngressClass admission: the newest default class (same age: the first name).
ic() { printf 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: %s\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: "%s"\nspec:\n  controller: x.io/c\n' "$1" "$2" | k create -f - >/dev/null 2>&1; }
k create ingress nc0 --rule='a.com/=s:80' >/dev/null 2>&1
expect "no default IngressClass: no class" "" "$(k get ing nc0 -o jsonpath='{.spec.ingressClassName}' 2>&1)"
ic notdef false; ic zdef true
k create ingress nc1 --rule='a.com/=s:80' >/dev/null 2>&1
expect "an Ingress without a class gets the default IngressClass" "zdef" "$(k get ing nc1 -o jsonpath='{.spec.ingressClassName}' 2>&1)"
ic adef true
k create ingress nc2 --rule='a.com/=s:80' >/dev/null 2>&1
expect "several defaults: the newest, then the first name" "adef" "$(k get ing nc2 -o jsonpath='{.spec.ingressClassName}' 2>&1)"
k create ingress nc3 --rule='a.com/=s:80' --annotation=kubernetes.io/ingress.class=other >/dev/null 2>&1
expect "the kubernetes.io/ingress.class annotation: left alone" "" "$(k get ing nc3 -o jsonpath='{.spec.ingressClassName}' 2>&1)"
expect "an explicit class is kept" "ckube" "$(k get ing web -o jsonpath='{.spec.ingressClassName}' 2>&1)"
# apiregistration.k8s.io APIServices: kube-aggregator's columns.
asvc() { printf 'apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1.%s.example.com\nspec:\n  group: %s.example.com\n  version: v1\n  groupPriorityMinimum: 100\n  versionPriority: 10\n%b' "$1" "$1" "${2:-}" | k create -f - >/dev/null 2>&1; }
asvc loc; asvc far '  service: {namespace: default, name: missing}\n'
out=$(k get apiservices 2>&1)
expect "kubectl get apiservices columns" "NAME SERVICE AVAILABLE AGE" "$(head -n 1 <<<"$out" | tr -s ' ')"
check "a Local APIService is available" eventually -t 20 eval "k get apiservices v1.loc.example.com --no-headers 2>&1 | grep -Eq '^v1.loc.example.com +Local +True +[0-9]'"
check "a missing Service: False (ServiceNotFound)" eventually -t 20 eval "k get apiservices v1.far.example.com --no-headers 2>&1 | grep -Eq '^v1.far.example.com +default/missing +False \(ServiceNotFound\) +[0-9]'"
stop_apiserver
finish
