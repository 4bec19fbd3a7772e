#!/usr/bin/env bash
# e2e: the real kubectl 1.32 against one whole cluster (deploy/local-cluster.sh, kubelet-sim
# nodes; pods are bound with the binding subresource while no scheduler runs): version and
# discovery, get in every output form (Tables with real columns, -o wide/yaml/json/jsonpath,
# --show-labels, -A, --sort-by, all, -w), describe, create -f, client-side apply three ways,
# server-side apply, the create generators (protobuf bodies), run, expose, label, annotate,
# patch (merge, json, strategic), scale, set image, edit, cordon/uncordon, delete --cascade,
# the errors kubectl prints, and the 1.3 names when the apiserver serves them.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

if ! has_bin apiserver kubelet-sim || ! command -v "$KUBECTL" >/dev/null; then
	skip "kubectl e2e" "needs kubectl and bin/ckube-{apiserver,kubelet-sim}"
	exit 0
fi
if ! e2e_up --nodes 2; then
	not_ok "a cluster of 2 nodes comes up"
	exit 1
fi
ok "a cluster of 2 nodes comes up"

first_line() { head -n 1 | tr -s ' '; }
has_resource() { kc api-resources --no-headers 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
# bind POD NODE: what the scheduler does (a no-op when a scheduler bound it first).
bind() {
	api POST "/api/v1/namespaces/${3:-default}/pods/$1/binding" -H 'Content-Type: application/json' \
	    -d "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"$1\"},\"target\":{\"kind\":\"Node\",\"name\":\"$2\"}}" >/dev/null
}
phase() { kc get pod "$1" -n "${2:-default}" -o jsonpath='{.status.phase}'; }
is() { [ "$("${@:2}")" = "$1" ]; }

# ---- version and discovery ----
out=$(kc version 2>&1)
check "version: Server Version: v1.3.0" grep -q '^Server Version: v1.3.0$' <<<"$out"
out=$(kc api-resources 2>&1)
check "api-resources: pods po v1 true Pod" grep -Eq '^pods +po +v1 +true +Pod$' <<<"$out"
check "api-resources: deployments deploy apps/v1" grep -Eq '^deployments +deploy +apps/v1 +true +Deployment$' <<<"$out"
out=$(kc api-versions 2>&1)
check "api-versions: v1, apps/v1, coordination.k8s.io/v1" \
    bash -c 'grep -qx v1 <<<"$1" && grep -qx apps/v1 <<<"$1" && grep -qx coordination.k8s.io/v1 <<<"$1"' _ "$out"

# ---- nodes ----
ready_nodes() { kc get nodes --no-headers | grep -c ' Ready '; }
check "kubelet-sim nodes are Ready" eventually -t 30 is 2 ready_nodes
expect "get nodes columns" "NAME STATUS ROLES AGE VERSION" "$(kc get nodes | first_line)"
expect "get nodes -o wide columns" \
    "NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME" \
    "$(kc get nodes -o wide | head -n 1 | sed 's/OS-IMAGE */OS-IMAGE /' | tr -s ' ')"
node0=$(kc get nodes -o jsonpath='{.items[0].metadata.name}')
node1=$(kc get nodes -o jsonpath='{.items[1].metadata.name}')
expect "cordon" "node/$node1 cordoned" "$(kc cordon "$node1" 2>&1)"
check "cordoned node prints Ready,SchedulingDisabled" \
    grep -Eq "^$node1 +Ready,SchedulingDisabled " <<<"$(kc get nodes)"
expect "cordon again: already cordoned" "node/$node1 already cordoned" "$(kc cordon "$node1" 2>&1)"
expect "uncordon" "node/$node1 uncordoned" "$(kc uncordon "$node1" 2>&1)"
check "uncordoned node prints Ready" grep -Eq "^$node1 +Ready " <<<"$(kc get nodes)"

# ---- run, pods and their Tables ----
expect "run" "pod/web created" "$(kc run web --image=nginx:1.25 --labels=app=web,tier=front 2>&1)"
bind web "$node0"
check "the bound pod becomes Running" eventually -t 30 is Running phase web
webnode=$(kc get pod web -o jsonpath='{.spec.nodeName}')
expect "get pods columns" "NAME READY STATUS RESTARTS AGE" "$(kc get pods | first_line)"
check "get pods: web 1/1 Running 0" grep -Eq '^web +1/1 +Running +0 ' <<<"$(kc get pods)"
out=$(kc get pods -o wide)
expect "get pods -o wide columns" "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES" \
    "$(first_line <<<"$out")"
check "get pods -o wide: IP and NODE" grep -Eq "^web +1/1 +Running +0 +[^ ]+ +[0-9]+\.[0-9.]+ +$webnode +<none> +<none>$" <<<"$out"
check "get pod -o yaml" grep -q '^kind: Pod$' <<<"$(kc get pod web -o yaml)"
# DefaultTolerationSeconds: the block a real cluster shows for a pod without tolerations.
expect "get pod -o yaml: the default tolerations" "  tolerations:
  - effect: NoExecute
    key: node.kubernetes.io/not-ready
    operator: Exists
    tolerationSeconds: 300
  - effect: NoExecute
    key: node.kubernetes.io/unreachable
    operator: Exists
    tolerationSeconds: 300" "$(kc get pod web -o yaml |
    awk '/^  tolerations:$/ { f = 1; print; next } f && /^ ?[^ ]|^  [^ -]/ { f = 0 } f')"
expect "get pods -o json" "web" "$(kc get pods -o json | json 'd["items"][0]["metadata"]["name"]')"
expect "get pod -o jsonpath" "nginx:1.25" "$(kc get pod web -o jsonpath='{.spec.containers[0].image}')"
expect "get pods -o name" "pod/web" "$(kc get pods -o name)"
check "get pods --show-labels" grep -Eq '^web +1/1 +Running .* app=web,tier=front$' <<<"$(kc get pods --show-labels)"
check "get pods -L tier" grep -Eq '^web .* front$' <<<"$(kc get pods -L tier)"
kc create namespace other >/dev/null 2>&1
kc run aaa -n other --image=busybox >/dev/null 2>&1
out=$(kc get pods -A)
expect "get pods -A columns" "NAMESPACE NAME READY STATUS RESTARTS AGE" "$(first_line <<<"$out")"
check "get pods -A lists both namespaces" bash -c 'grep -Eq "^default +web " <<<"$1" && grep -Eq "^other +aaa " <<<"$1"' _ "$out"
kc run zzz --image=busybox >/dev/null 2>&1
kc run mmm --image=busybox >/dev/null 2>&1
expect "get pods --sort-by=.metadata.name" "mmm web zzz" \
    "$(kc get pods --sort-by=.metadata.name --no-headers | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
expect "get pods --sort-by=.metadata.creationTimestamp keeps order" "web" \
    "$(kc get pods --sort-by=.metadata.creationTimestamp --no-headers | head -n 1 | awk '{print $1}')"
expect "get pods -l app=web" "web" "$(kc get pods -l app=web --no-headers | awk '{print $1}')"
expect "get pods --field-selector spec.nodeName" "web" \
    "$(kc get pods -l app=web --field-selector "spec.nodeName=$webnode" --no-headers | awk '{print $1}')"
check "get pods --field-selector spec.nodeName!=" bash -c '! grep -qx web <<<"$1"' _ \
    "$(kc get pods --field-selector "spec.nodeName!=$webnode" --no-headers | awk '{print $1}')"
kc run pend -n other --image=busybox --overrides='{"apiVersion":"v1","spec":{"nodeSelector":{"no-such":"node"}}}' >/dev/null 2>&1
check "a pod no node fits prints 0/1 Pending" grep -Eq '^pend +0/1 +Pending +0 ' <<<"$(kc get pods -n other)"
expect "get pods --field-selector status.phase=Pending" "pend" \
    "$(kc get pods -n other --field-selector status.phase=Pending --no-headers | awk '{print $1}')"

# ---- managedFields of status writes (1.32: subresource status) ----
mf() { kc get pod "$1" -n "${2:-default}" -o json --show-managed-fields |
    json '" ".join("%s:%s:%s" % (e["manager"], e["operation"], e.get("subresource", "-")) for e in d["metadata"]["managedFields"])'; }
check "the kubelet-sim's status writes: ckube-kubelet-sim Update subresource status" \
    grep -q 'ckube-kubelet-sim:Update:status' <<<"$(mf web)"
expect "status fields are the kubelet-sim's" true \
    "$(kc get pod web -o json --show-managed-fields | json '[("f:phase" in e["fieldsV1"]["f:status"]) for e in d["metadata"]["managedFields"] if e.get("subresource") == "status"][0]')"
kc patch pod pend -n other --subresource=status --type=merge -p '{"status":{"message":"held"}}' >/dev/null 2>&1
out=$(mf pend other)
check "kubectl patch --subresource=status: its own entry beside the create" \
    bash -c 'grep -q "^kubectl-run:Update:- .*kubectl-patch:Update:status" <<<"$1"' _ "$out"

# ---- get -w: one-row Table events ----
wfile=$CK_TMP/watch.out
# kubectl itself in the background (not the kc function's subshell), so kill reaches it.
"$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" --cache-dir "$CK_TMP/kcache" get pods -w --output-watch-events \
    >"$wfile" 2>&1 &
wpid=$!
check "get -w prints the initial rows" eventually -t 15 grep -Eq '^ADDED +web +1/1 +Running' "$wfile"
kc run watched --image=busybox >/dev/null 2>&1
check "get -w prints an added pod" eventually -t 15 grep -Eq '^ADDED +watched +0/1 +Pending' "$wfile"
bind watched "$node0"
check "get -w prints its changes" eventually -t 30 grep -Eq '^MODIFIED +watched +1/1 +Running' "$wfile"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null

# ---- get -w of one object ----
"$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" --cache-dir "$CK_TMP/kcache" get pod watched -w >"$wfile.1" 2>&1 &
wpid=$!
check "get pod NAME -w prints its row" eventually -t 15 grep -Eq '^watched +1/1 +Running' "$wfile.1"
kc label pod watched seen=yes >/dev/null
check "get pod NAME -w prints its change" eventually -t 15 is 2 grep -c '^watched ' "$wfile.1"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null

# ---- events: Table and describe ----
uid=$(kc get pod web -o jsonpath='{.metadata.uid}')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
api POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d "{\"apiVersion\":\"v1\",\"kind\":\"Event\",
    \"metadata\":{\"name\":\"web.1\"},\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"web\",\"uid\":\"$uid\"},
    \"reason\":\"Scheduled\",\"message\":\"Successfully assigned default/web to $webnode\",\"type\":\"Normal\",
    \"source\":{\"component\":\"default-scheduler\"},\"count\":1,\"firstTimestamp\":\"$now\",\"lastTimestamp\":\"$now\"}" >/dev/null
out=$(kc get events)
expect "get events columns" "LAST SEEN TYPE REASON OBJECT MESSAGE" "$(first_line <<<"$out")"
check "get events: Normal Scheduled pod/web" \
    grep -Eq "^[0-9]+s +Normal +Scheduled +pod/web +Successfully assigned default/web to $webnode$" <<<"$out"
check "get events -o wide: SOURCE, COUNT, NAME" \
    grep -Eq " default-scheduler .* 1 +web\.1$" <<<"$(kc get events -o wide)"

# ---- describe ----
out=$(kc describe pod web 2>&1)
check "describe pod: name, node, status" bash -c 'grep -Eq "^Name: +web$" <<<"$1" && grep -Eq "^Node: +$2/" <<<"$1" && grep -Eq "^Status: +Running$" <<<"$1"' _ "$out" "$webnode"
check "describe pod shows its event" \
    grep -Eq "^  Normal +Scheduled +[0-9]+s +default-scheduler +Successfully assigned default/web to $webnode$" <<<"$out"
out=$(kc describe node "$webnode" 2>&1)
check "describe node lists its pods" bash -c 'grep -Eq "^Name: +$2$" <<<"$1" && grep -q " web " <<<"$1"' _ "$out" "$webnode"

# ---- create -f and the errors kubectl prints ----
cat >"$CK_TMP/cm.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
Y
expect "create -f" "configmap/settings created" "$(kc create -f "$CK_TMP/cm.yaml" 2>&1)"
expect "create -f again: AlreadyExists" \
    "Error from server (AlreadyExists): error when creating \"$CK_TMP/cm.yaml\": configmaps \"settings\" already exists" \
    "$(kc create -f "$CK_TMP/cm.yaml" 2>&1)"
cat >"$CK_TMP/pt.yaml" <<'Y'
apiVersion: v1
kind: PodTemplate
metadata: {name: pt}
template:
  metadata: {labels: {tier: back, app: pt}}
  spec: {containers: [{name: web, image: nginx:1.25}, {name: log, image: busybox}]}
Y
expect "create -f podtemplate" "podtemplate/pt created" "$(kc create -f "$CK_TMP/pt.yaml" 2>&1)"
expect "get podtemplates columns (printPodTemplate)" "NAME CONTAINERS IMAGES POD LABELS" \
    "$(kc get podtemplates | first_line)"
expect "get podtemplates row" "pt web,log nginx:1.25,busybox app=pt,tier=back" \
    "$(kc get podtemplates pt --no-headers | tr -s ' ')"
expect "get missing: NotFound" 'Error from server (NotFound): pods "nosuch" not found' "$(kc get pod nosuch 2>&1)"
expect "get missing grouped: NotFound" 'Error from server (NotFound): deployments.apps "nosuch" not found' \
    "$(kc get deploy nosuch 2>&1)"
expect "delete missing: NotFound" 'Error from server (NotFound): configmaps "nosuch" not found' \
    "$(kc delete cm nosuch 2>&1)"
cat >"$CK_TMP/bad.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: Bad_Name
Y
out=$(kc create -f "$CK_TMP/bad.yaml" 2>&1)
check "invalid name: The ConfigMap \"Bad_Name\" is invalid: metadata.name" \
    grep -q '^The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of' <<<"$out"
cat >"$CK_TMP/unknown.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: typo
  lables: {a: b}
Y
expect "unknown field under Strict validation: BadRequest" \
    "Error from server (BadRequest): error when creating \"$CK_TMP/unknown.yaml\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.lables\"" \
    "$(kc create -f "$CK_TMP/unknown.yaml" 2>&1)"
out=$(kc create -f "$CK_TMP/unknown.yaml" --validate=warn 2>&1)
check "--validate=warn: a Warning, then created" \
    bash -c 'grep -qx "Warning: unknown field \"metadata.lables\"" <<<"$1" && grep -qx "configmap/typo created" <<<"$1"' _ "$out"

# ---- client-side apply: created, unchanged, configured (no field lost) ----
cat >"$CK_TMP/app.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: {app: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: a
        image: nginx:1.25
        env: [{name: FOO, value: "1"}, {name: BAR, value: "2"}]
        ports: [{containerPort: 80}, {containerPort: 443}]
      - name: b
        image: busybox
        command: [sleep, "3600"]
Y
expect "apply (1): created" "deployment.apps/app created" "$(kc apply -f "$CK_TMP/app.yaml" 2>&1)"
expect "apply (2): unchanged" "deployment.apps/app unchanged" "$(kc apply -f "$CK_TMP/app.yaml" 2>&1)"
sed -e 's/replicas: 2/replicas: 3/' -e 's/nginx:1.25/nginx:1.26/' -e 's/, {containerPort: 443}//' \
    -e 's/{name: FOO, value: "1"}, //' -e 's/type: RollingUpdate/type: Recreate/' -e '/rollingUpdate:/d' \
    "$CK_TMP/app.yaml" >"$CK_TMP/app2.yaml"
expect "apply (3): configured" "deployment.apps/app configured" "$(kc apply -f "$CK_TMP/app2.yaml" 2>&1)"
got=$(kc get deploy app -o json | json '"%s %s %s %s %s %s %s" % (d["spec"]["replicas"], d["spec"]["strategy"]["type"], "rollingUpdate" in d["spec"]["strategy"], d["spec"]["template"]["spec"]["containers"][0]["image"], [e["name"] for e in d["spec"]["template"]["spec"]["containers"][0]["env"]], [p["containerPort"] for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]], d["spec"]["template"]["spec"]["containers"][1]["command"])')
expect "apply (3) merged every change and lost nothing" \
    "3 Recreate False nginx:1.26 ['BAR'] [80] ['sleep', '3600']" "$got"
expect "apply (4) of the new file: unchanged" "deployment.apps/app unchanged" "$(kc apply -f "$CK_TMP/app2.yaml" 2>&1)"
expect "get deployments columns" "NAME READY UP-TO-DATE AVAILABLE AGE" "$(kc get deploy | first_line)"
check "get deployments -o wide: containers, images, selector" \
    grep -Eq '^app +[0-9]+/3 .* a,b +nginx:1.26,busybox +app=app$' <<<"$(kc get deploy app -o wide)"

# ---- server-side apply ----
cat >"$CK_TMP/ssa.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
data: {a: "1"}
Y
expect "apply --server-side creates" "configmap/ssa serverside-applied" "$(kc apply --server-side -f "$CK_TMP/ssa.yaml" 2>&1)"
sed -i 's/a: "1"/a: "2", b: "3"/' "$CK_TMP/ssa.yaml"
expect "apply --server-side updates" "configmap/ssa serverside-applied" "$(kc apply --server-side -f "$CK_TMP/ssa.yaml" 2>&1)"
expect "server-side apply merged" "2 3" "$(kc get cm ssa -o jsonpath='{.data.a} {.data.b}')"
expect "server-side apply records its field manager" "kubectl" \
    "$(kc get cm ssa -o jsonpath='{.metadata.managedFields[?(@.operation=="Apply")].manager}' --show-managed-fields)"
sed -i 's/a: "2", b: "3"/a: "2"/' "$CK_TMP/ssa.yaml"
kc apply --server-side -f "$CK_TMP/ssa.yaml" >/dev/null 2>&1
expect "server-side apply removes a field it no longer applies" '{"a":"2"}' "$(kc get cm ssa -o jsonpath='{.data}')"
kc create configmap owned --from-literal=k=v1 >/dev/null
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {k: v2}\n' >"$CK_TMP/owned.yaml"
out=$(kc apply --server-side -f "$CK_TMP/owned.yaml" 2>&1)
check "server-side apply over another manager's field: conflict" \
    grep -qx 'error: Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.k' <<<"$out"
expect "--force-conflicts takes the field" "configmap/owned serverside-applied v2" \
    "$(kc apply --server-side --force-conflicts -f "$CK_TMP/owned.yaml" 2>&1) $(kc get cm owned -o jsonpath='{.data.k}')"

# ---- create generators (protobuf request bodies) ----
gen() { expect "create $1" "$2" "$(kc create "${@:3}" 2>&1)"; }
gen namespace "namespace/gen-ns created" namespace gen-ns
gen configmap "configmap/gen-cm created" configmap gen-cm --from-literal=k=v
gen "secret generic" "secret/gen-sec created" secret generic gen-sec --from-literal=p=q
gen "secret docker-registry" "secret/gen-dr created" secret docker-registry gen-dr --docker-server=r --docker-username=u --docker-password=p
gen "service clusterip" "service/gen-svc created" service clusterip gen-svc --tcp=80:8080
gen "service nodeport" "service/gen-np created" service nodeport gen-np --tcp=81:8081
gen "service externalname" "service/gen-ext created" service externalname gen-ext --external-name=example.com
gen deployment "deployment.apps/gen-dep created" deployment gen-dep --image=nginx --replicas=2 --port=80
gen serviceaccount "serviceaccount/gen-sa created" serviceaccount gen-sa
expect "generated secret data" "cQ==" "$(kc get secret gen-sec -o jsonpath='{.data.p}')"
expect "generated deployment spec" "2 nginx 80 app=gen-dep" \
    "$(kc get deploy gen-dep -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.selector.matchLabels}' | sed 's/{"app":"gen-dep"}/app=gen-dep/')"
if kc get svc kubernetes >/dev/null 2>&1; then
	check "get svc kubernetes: ClusterIP 10.96.0.1 443/TCP" \
	    grep -Eq '^kubernetes +ClusterIP +10\.96\.0\.1 +<none> +443/TCP ' <<<"$(kc get svc kubernetes)"
fi
expect "auth can-i (SelfSubjectAccessReview, protobuf body)" "yes" "$(kc auth can-i list pods 2>&1)"
check "get services: TYPE, PORT(S)" grep -Eq '^gen-np +NodePort +[^ ]+ +<none> +81(:[0-9]+)?/TCP ' <<<"$(kc get svc gen-np)"
check "get secrets: TYPE DATA" grep -Eq '^gen-sec +Opaque +1 ' <<<"$(kc get secret gen-sec)"
check "get configmaps: DATA" grep -Eq '^gen-cm +1 ' <<<"$(kc get cm gen-cm)"
gen_if() {
	if has_resource "$1"; then gen "${@:2}"; else skip "create $2" "no $1 on this apiserver"; fi
}
gen_if jobs job "job.batch/gen-job created" job gen-job --image=busybox -- echo hi
# Once a year (Jan 1, 00:00): "*/5" fired when the suite crossed a fifth minute (ACTIVE 1).
gen_if cronjobs cronjob "cronjob.batch/gen-cj created" cronjob gen-cj --image=busybox --schedule="0 0 1 1 *"
gen_if poddisruptionbudgets pdb "poddisruptionbudget.policy/gen-pdb created" pdb gen-pdb --selector=app=web --min-available=1
gen_if roles role "role.rbac.authorization.k8s.io/gen-role created" role gen-role --verb=get --resource=pods
gen_if rolebindings rolebinding "rolebinding.rbac.authorization.k8s.io/gen-rb created" rolebinding gen-rb --role=gen-role --user=alice
gen_if clusterroles clusterrole "clusterrole.rbac.authorization.k8s.io/gen-cr created" clusterrole gen-cr --verb=get --resource=nodes
gen_if clusterrolebindings clusterrolebinding "clusterrolebinding.rbac.authorization.k8s.io/gen-crb created" clusterrolebinding gen-crb --clusterrole=gen-cr --group=devs
gen_if priorityclasses priorityclass "priorityclass.scheduling.k8s.io/gen-pc created" priorityclass gen-pc --value=10
gen_if resourcequotas quota "resourcequota/gen-q created" quota gen-q --hard=pods=5
if has_resource cronjobs; then
	check "get cronjobs: SCHEDULE TIMEZONE SUSPEND ACTIVE" \
	    grep -Eq '^gen-cj +0 0 1 1 \* +<none> +False +0 +<none> ' <<<"$(kc get cronjobs gen-cj)"
fi

# ---- expose, label, annotate, patch, scale, set image, edit ----
expect "expose" "service/app exposed" "$(kc expose deployment app --port=80 --target-port=8080 2>&1)"
expect "exposed service selects the deployment's pods" '{"app":"app"}' "$(kc get svc app -o jsonpath='{.spec.selector}')"
expect "label" "pod/web labeled" "$(kc label pod web env=prod 2>&1)"
expect "label --overwrite" "pod/web labeled" "$(kc label pod web env=dev --overwrite 2>&1)"
expect "label removal" "pod/web unlabeled" "$(kc label pod web env- 2>&1)"
expect "annotate" "pod/web annotated" "$(kc annotate pod web note=hello 2>&1)"
expect "annotation stored" "hello" "$(kc get pod web -o jsonpath='{.metadata.annotations.note}')"
expect "patch --type merge" "deployment.apps/app patched" \
    "$(kc patch deploy app --type merge -p '{"metadata":{"labels":{"patched":"merge"}}}' 2>&1)"
expect "patch --type json" "deployment.apps/app patched" \
    "$(kc patch deploy app --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"busybox:1.36"}]' 2>&1)"
expect "patch (strategic, by merge key)" "deployment.apps/app patched" \
    "$(kc patch deploy app -p '{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"Z","value":"9"}]}]}}}}' 2>&1)"
expect "strategic patch merged env by name (patch items first, as apimachinery orders them)" "Z BAR busybox:1.36 merge" \
    "$(kc get deploy app -o jsonpath='{.spec.template.spec.containers[0].env[*].name} {.spec.template.spec.containers[1].image} {.metadata.labels.patched}')"
expect "scale" "deployment.apps/app scaled" "$(kc scale deploy app --replicas=4 2>&1)"
expect "scaled replicas" "4" "$(kc get deploy app -o jsonpath='{.spec.replicas}')"
expect "scale --current-replicas (PUT without Content-Type)" "deployment.apps/app scaled" \
    "$(kc scale deploy app --current-replicas=4 --replicas=1 2>&1)"
expect "set image" "deployment.apps/app image updated" "$(kc set image deploy/app a=nginx:1.27 2>&1)"
expect "image set" "nginx:1.27 busybox:1.36" "$(kc get deploy app -o jsonpath='{.spec.template.spec.containers[*].image}')"
expect "edit via EDITOR" "configmap/settings edited" "$(EDITOR="sed -i s/fast/slow/" kc edit cm settings 2>&1)"
expect "edited value" "slow" "$(kc get cm settings -o jsonpath='{.data.mode}')"
expect "edit with no change" "Edit cancelled, no changes made." "$(EDITOR=true kc edit cm settings 2>&1)"

# ---- more Tables: volumes, claims, replication controllers ----
kc apply -f - >/dev/null 2>&1 <<'Y'
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/pv1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim1}
spec:
  storageClassName: manual  # no such class: the volume-controller leaves it Pending
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 0
  selector: {app: rc1}
  template:
    metadata: {labels: {app: rc1}}
    spec: {containers: [{name: c, image: busybox}]}
Y
expect "get pv columns" "NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE" \
    "$(kc get pv | first_line)"
check "get pv: 1Gi RWO,ROX Retain Available" grep -Eq '^pv1 +1Gi +RWO,ROX +Retain +Available +<unset> ' <<<"$(kc get pv)"
expect "get pvc columns" "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE" \
    "$(kc get pvc | first_line)"
check "get pvc: Pending" grep -Eq '^claim1 +Pending +manual +<unset> ' <<<"$(kc get pvc)"
check "get rc -o wide: DESIRED CURRENT READY ... SELECTOR" \
    grep -Eq '^rc1 +0 +0 +0 +[0-9a-z]+ +c +busybox +app=rc1$' <<<"$(kc get rc rc1 -o wide)"

# ---- get all ----
out=$(kc get all 2>&1)
check "get all: pod/web, deployment.apps/app, service/app" \
    bash -c 'grep -q "^pod/web " <<<"$1" && grep -q "^deployment.apps/app " <<<"$1" && grep -q "^service/app " <<<"$1"' _ "$out"

# ---- delete with each --cascade ----
kc create configmap del-bg --from-literal=a=b >/dev/null
kc create configmap del-fg --from-literal=a=b >/dev/null
kc create configmap del-or --from-literal=a=b >/dev/null
expect "delete --cascade=background" 'configmap "del-bg" deleted' "$(kc delete cm del-bg --cascade=background 2>&1)"
# Orphan and foreground deletions finish once the garbage collector removes their finalizer.
if has_bin gc-controller; then wait_flag=--wait=true; else wait_flag=--wait=false; fi
expect "delete --cascade=orphan" 'configmap "del-or" deleted' "$(kc delete cm del-or --cascade=orphan $wait_flag 2>&1)"
expect "delete --cascade=foreground" 'configmap "del-fg" deleted' \
    "$(kc delete cm del-fg --cascade=foreground $wait_flag 2>&1)"
left_cms() { kc get cm del-bg del-fg del-or --ignore-not-found -o name | tr '\n' ' '; }
if has_bin gc-controller; then
	check "deleted objects are gone" eventually -t 30 is "" left_cms
else
	check "background deletion is done; orphan and foreground wait for the collector" \
	    is "configmap/del-fg configmap/del-or " left_cms
fi
expect "delete a pod (waits for the DELETED event)" 'pod "mmm" deleted' "$(kc delete pod mmm 2>&1)"

# ---- the 1.3 names ----
if kc get petsets >/dev/null 2>&1 && has_resource statefulsets; then
	kc apply -f - >/dev/null 2>&1 <<'Y'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: redis}]}
Y
	check "get petsets lists a statefulset" grep -q '^db ' <<<"$(kc get petsets 2>&1)"
else
	skip "get petsets lists a statefulset" "no petsets on this apiserver"
fi
if kc get scheduledjobs >/dev/null 2>&1 && has_resource cronjobs; then
	check "get scheduledjobs lists a cronjob" grep -q '^gen-cj ' <<<"$(kc get scheduledjobs 2>&1)"
else
	skip "get scheduledjobs lists a cronjob" "no scheduledjobs on this apiserver"
fi

finish
