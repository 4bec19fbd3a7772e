#!/usr/bin/env bash
# The real kubectl over the served OpenAPI schemas (one apiserver): explain
# (v3, and v2 protobuf), `kind: List` files under default validation (kubectl
# validates them itself against /openapi/v2), and strict validation errors.
. "$(dirname "$0")/../lib/lib.sh"

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
if [ ! -x "$KUBECTL" ]; then
	skip "explain" "no $KUBECTL"
	exit 0
fi
# The committed table is what the generator makes (when its input is here).
if [ -d /usr/lib/python3/dist-packages/kubernetes/client/models ] && command -v python3 >/dev/null; then
	check "apiserver/openapi_schema.c is current (scripts/gen_openapi_schema.py)" \
	    cmp -s "$CK_ROOT/apiserver/openapi_schema.c" <(python3 "$CK_ROOT/scripts/gen_openapi_schema.py")
else
	skip "apiserver/openapi_schema.c is current" "no python3-kubernetes"
fi
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
k() { "$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" "$@"; }
# has TEXT LINE-REGEX: a line of TEXT matches (tabs as kubectl prints them).
has() { grep -Eq "$2" <<<"$1"; }
# lines NAME TEXT REGEX...: ok if every REGEX matches a line of TEXT.
lines() {
	local name=$1 text=$2 re
	shift 2
	for re in "$@"; do
		if ! has "$text" "$re"; then
			not_ok "$name" "no line matches: $re" "${text//$'\n'/ | }"
			return
		fi
	done
	ok "$name"
}

out=$(k explain pods 2>&1)
lines "explain pods: kind, our description, top-level fields typed" "$out" \
    "^KIND: +Pod$" \
    "^VERSION: +v1$" \
    "^    A Pod is a group of containers" \
    "^  spec	<PodSpec>$" \
    "^  metadata	<ObjectMeta>$" \
    "^    The desired state, as set by the user"

out=$(k explain pods.spec.containers 2>&1)
lines "explain pods.spec.containers: <[]Container>, required name, nested types" "$out" \
    "^FIELD: containers <\[\]Container>$" \
    "^  name	<string> -required-$" \
    "^  ports	<\[\]ContainerPort>$" \
    "^  resources	<ResourceRequirements>$" \
    "^  livenessProbe	<Probe>$" \
    "^  env	<\[\]EnvVar>$"

out=$(k explain deployment.spec.strategy --recursive 2>&1)
lines "explain deployment.spec.strategy --recursive" "$out" \
    "^GROUP: +apps$" \
    "^  rollingUpdate	<RollingUpdateDeployment>$" \
    "^    maxSurge	<IntOrString>$" \
    "^    maxUnavailable	<IntOrString>$" \
    "^  type	<string>$"

out=$(k explain cronjobs.spec 2>&1)
lines "explain cronjobs.spec: schedule and jobTemplate required, 1.32 timeZone" "$out" \
    "^  schedule	<string> -required-$" \
    "^  jobTemplate	<JobTemplateSpec> -required-$" \
    "^  timeZone	<string>$" \
    "^  suspend	<boolean>$"

out=$(k explain pods.spec.containers.resources 2>&1)
lines "explain: maps of Quantity" "$out" "^  limits	<map\[string\]Quantity>$"

out=$(k explain ds.spec.updateStrategy 2>&1)
lines "explain ds.spec.updateStrategy" "$out" \
    "^GROUP: +apps$" \
    "^FIELD: updateStrategy <DaemonSetUpdateStrategy>$" \
    "^  rollingUpdate	<RollingUpdateDaemonSet>$" \
    "^  type	<string>$"

out=$(k explain hpa.spec 2>&1)
lines "explain hpa.spec: autoscaling/v2 (from v2beta2 models)" "$out" \
    "^GROUP: +autoscaling$" \
    "^VERSION: +v2$" \
    "^  maxReplicas	<integer> -required-$" \
    "^  scaleTargetRef	<CrossVersionObjectReference> -required-$" \
    "^  metrics	<\[\]MetricSpec>$" \
    "^  behavior	<HorizontalPodAutoscalerBehavior>$"

out=$(k explain hpa.spec --api-version=autoscaling/v1 2>&1)
lines "explain hpa.spec --api-version=autoscaling/v1" "$out" \
    "^VERSION: +v1$" \
    "^  targetCPUUtilizationPercentage	<integer>$"

out=$(k explain quota.spec 2>&1)
lines "explain quota.spec" "$out" \
    "^  hard	<map\[string\]Quantity>$" \
    "^  scopeSelector	<ScopeSelector>$" \
    "^  scopes	<\[\]string>$"

out=$(k explain limits.spec.limits 2>&1)
lines "explain limits.spec.limits" "$out" \
    "^  default	<map\[string\]Quantity>$" \
    "^  type	<string> -required-$"

out=$(k explain apiservices.spec 2>&1)
lines "explain apiservices.spec" "$out" \
    "^  groupPriorityMinimum	<integer> -required-$" \
    "^  service	<ServiceReference>$"

out=$(k explain pods.spec.nosuch 2>&1) && rc=0 || rc=$?
expect "explain of an unknown field fails as upstream" \
    '1 error: field "nosuch" does not exist' "$rc ${out##*$'\n'}"

out=$(k explain deployment.spec --output plaintext-openapiv2 2>&1)
lines "explain --output plaintext-openapiv2 (the v2 protobuf)" "$out" \
    "^RESOURCE: spec <Object>$" \
    "^   template	<Object> -required-$"

cat >"$CK_TMP/list.yaml" <<'Y'
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: l1}
  data: {a: b}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: l2}
  spec:
    replicas: 1
    selector: {matchLabels: {app: l2}}
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}}
    template:
      metadata: {labels: {app: l2}}
      spec:
        containers:
        - name: c
          image: nginx
          ports: [{containerPort: 80}]
          resources: {limits: {cpu: 100m}}
          livenessProbe: {httpGet: {port: 80, path: /}}
Y
out=$(k create -f "$CK_TMP/list.yaml" 2>&1)
expect "create -f of a kind: List under default validation" \
    "configmap/l1 created deployment.apps/l2 created" "${out//$'\n'/ }"

sed -e 's/name: l1/name: l3/' -e 's/name: l2}/name: l4}/' -e 's/    replicas: 1/    replicas: 1\n    bogus: 2/' \
    "$CK_TMP/list.yaml" >"$CK_TMP/badlist.yaml"
out=$(k create -f "$CK_TMP/badlist.yaml" 2>&1) && rc=0 || rc=$?
expect "a List with an unknown field: kubectl's validation error, nothing created" \
    '1 error: error validating "'"$CK_TMP"'/badlist.yaml": error validating data: ValidationError(Deployment.spec): unknown field "bogus" in io.k8s.api.apps.v1.DeploymentSpec; if you choose to ignore these errors, turn validation off with --validate=false NotFound' \
    "$rc $out $(api GET /api/v1/namespaces/default/configmaps/l3 | json 'd["reason"]')"

cat >"$CK_TMP/dep.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: s1}
spec:
  selector: {matchLabels: {app: s1}}
  template:
    metadata: {labels: {app: s1}}
    spec:
      containers:
      - {name: c, image: nginx, imagee: x}
Y
out=$(k apply --validate=strict -f "$CK_TMP/dep.yaml" 2>&1) && rc=0 || rc=$?
expect "apply --validate=strict of an unknown field: the server's strict decoding error" \
    '1 Error from server (BadRequest): error when creating "'"$CK_TMP"'/dep.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee"' \
    "$rc $out"
sed -i 's/imagee: x/imagePullPolicy: Always/' "$CK_TMP/dep.yaml"
out=$(k apply -f "$CK_TMP/dep.yaml" 2>&1)
expect "apply of the fixed file" "deployment.apps/s1 created" "$out"

finish
