#!/usr/bin/env bash
# e2e: ResourceQuota and LimitRange on a whole cluster with the real kubectl: a quota of 2
# pods refuses the third with the upstream 403, frees the place when a pod is deleted (the
# controller recalculates), a cpu quota refuses a pod without limits ("must specify") and one
# that would pass it, `kubectl get/describe quota` show Used/Hard, a LimitRange's defaults
# appear in a created pod and its minimum refuses a smaller one, and concurrent creates never
# exceed a quota (the charge is in the create's store transaction).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver resourcequota-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "quota e2e" "needs kubectl and bin/ckube-{apiserver,resourcequota-controller}"
	exit 0
fi
check "a cluster of 1 node comes up" e2e_up --nodes 1

is() { [ "$("${@:2}")" = "$1" ]; }
used() { kc -n "$1" get quota "$2" -o jsonpath="{.status.used.$3}"; }
hard() { kc -n "$1" get quota "$2" -o jsonpath="{.status.hard.$3}"; }

# --- a quota of 2 pods
kc create namespace q1 >/dev/null
out=$(kc -n q1 create quota q --hard=pods=2,configmaps=5 2>&1)
expect "kubectl create quota" "resourcequota/q created" "$out"
check "the controller sets status.hard from spec.hard" eventually -t 20 is 2 hard q1 q pods
check "and status.used (pods 0)" eventually -t 20 is 0 used q1 q pods
check "configmaps counted (kube-root-ca.crt absent: 0 or more)" eventually test -n "$(used q1 q configmaps)"
kc -n q1 run p1 --image=nginx >/dev/null 2>&1
kc -n q1 run p2 --image=nginx >/dev/null 2>&1
check "two pods admitted" is 2 sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' -n q1 get pods --no-headers | wc -l"
out=$(kc -n q1 run p3 --image=nginx 2>&1)
expect "the third pod is refused with the upstream message" \
    'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' "$out"
out=$(kc -n q1 run p3 --image=nginx --dry-run=server 2>&1)
expect "a server dry-run gets the same 403" \
    'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' "$out"
check "status.used.pods is 2" eventually is 2 used q1 q pods
desc=$(kc -n q1 describe quota q)
check "kubectl describe quota: Resource/Used/Hard header" grep -Eq '^Resource +Used +Hard' <<<"$desc"
check "kubectl describe quota: pods 2 2" grep -Eq '^pods +2 +2' <<<"$desc"
check "kubectl describe namespace lists the quota" grep -Eq '^ +Name: +q$' <<<"$(kc describe namespace q1)"
row=$(kc -n q1 get quota q --no-headers)
check "kubectl get quota: REQUEST pods: 2/2" grep -q 'pods: 2/2' <<<"$row"
kc -n q1 delete pod p1 --grace-period=0 --force >/dev/null 2>&1
check "usage drops after the delete" eventually -t 20 is 1 used q1 q pods
check "a new pod is admitted" eventually -t 20 kc -n q1 run p4 --image=nginx

# --- compute: a cpu quota
kc create namespace q2 >/dev/null
kc -n q2 create quota cq --hard=requests.cpu=1,limits.cpu=1 >/dev/null
check "cpu quota status" eventually -t 20 is 0 used q2 cq requests\\.cpu
out=$(kc -n q2 run nolim --image=nginx 2>&1)
expect "a pod without cpu request/limit: must specify" \
    'Error from server (Forbidden): pods "nolim" is forbidden: failed quota: cq: must specify limits.cpu for: nolim; requests.cpu for: nolim' "$out"
cpu_pod() {
	kc -n q2 create -f - 2>&1 <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers:
  - name: c
    image: nginx
    resources: {requests: {cpu: 600m}, limits: {cpu: 600m}}
YAML
}
expect "a pod of 600m is admitted" "pod/c1 created" "$(cpu_pod c1)"
check "requests.cpu used 600m" eventually is 600m used q2 cq requests\\.cpu
expect "a second 600m pod exceeds the quota" \
    'Error from server (Forbidden): error when creating "STDIN": pods "c2" is forbidden: exceeded quota: cq, requested: limits.cpu=600m,requests.cpu=600m, used: limits.cpu=600m,requests.cpu=600m, limited: limits.cpu=1,requests.cpu=1' \
    "$(cpu_pod c2)"

# --- LimitRange: defaults and minimum
kc create namespace q3 >/dev/null
kc -n q3 create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m}
    min: {cpu: 50m}
    max: {cpu: "1"}
YAML
check "kubectl get limitrange" eventually sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' -n q3 get limitrange lr | grep -q '^lr '"
check "LimitRange defaulting: defaultRequest.memory from default" is 256Mi \
    kc -n q3 get limitrange lr -o jsonpath='{.spec.limits[0].defaultRequest.memory}'
check "kubectl describe limitrange" sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' -n q3 describe limitrange lr | grep -Eq 'Container +cpu +50m +1 +100m +500m'"
kc -n q3 run d --image=nginx >/dev/null 2>&1
res=$(kc -n q3 get pod d -o jsonpath='{.spec.containers[0].resources.requests.cpu}/{.spec.containers[0].resources.limits.cpu}/{.spec.containers[0].resources.limits.memory}')
expect "LimitRange defaults appear in the created pod" "100m/500m/256Mi" "$res"
expect "the limit-ranger annotation" "LimitRanger plugin set: cpu, memory request for container d; cpu, memory limit for container d" \
    "$(kc -n q3 get pod d -o jsonpath='{.metadata.annotations.kubernetes\.io/limit-ranger}')"
out=$(kc -n q3 create -f - 2>&1 <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: small}
spec:
  containers:
  - {name: c, image: nginx, resources: {requests: {cpu: 10m}, limits: {cpu: 2}}}
YAML
)
expect "min and max violations -> 403 with both messages" \
    'Error from server (Forbidden): error when creating "STDIN": pods "small" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, maximum cpu usage per Container is 1, but limit is 2]' "$out"

# --- concurrent creates never exceed the quota
kc create namespace q4 >/dev/null
kc -n q4 create quota cc --hard=pods=3 >/dev/null
check "concurrent quota status" eventually -t 20 is 0 used q4 cc pods
for i in $(seq 1 10); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
	    "$API_URL/api/v1/namespaces/q4/pods" \
	    -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"cc$i\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}" \
	    >"$CK_TMP/cc$i.code" &
done
wait
expect "10 concurrent creates: 3 x 201, 7 x 403" "3 7" \
    "$(cat "$CK_TMP"/cc*.code | grep -c '^201$') $(cat "$CK_TMP"/cc*.code | grep -c '^403$')"
expect "exactly 3 pods exist" 3 "$(kc -n q4 get pods --no-headers | wc -l)"
check "used stays 3" eventually is 3 used q4 cc pods

finish
