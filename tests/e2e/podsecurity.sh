#!/usr/bin/env bash
# e2e: pod security with the real kubectl on one small cluster: a privileged container is
# refused by validation (422, --allow-privileged defaults to false), a namespace labelled
# pod-security.kubernetes.io/enforce=restricted refuses a plain pod with the upstream violation
# list (403) and admits a compliant one, warn=baseline gives kubectl a `Warning:` line, a
# Deployment in the restricted namespace is admitted with a warning, a bad securityContext
# (negative runAsUser) is a 422, invalid labels on a namespace are a 422, and a
# runAsNonRoot pod whose user is root stays Pending in CreateContainerConfigError.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "podsecurity e2e" "needs kubectl and bin/ckube-{apiserver,scheduler,kubelet-sim}"
	exit 0
fi
check "a cluster of 1 node comes up" e2e_up --nodes 1

# pod NAME NS CONTAINER-SECURITYCONTEXT [POD-SECURITYCONTEXT]: kubectl create a pod.
pod() {
	kc -n "$2" create -f - 2>&1 <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  securityContext: ${4:-{\}}
  containers:
  - name: c
    image: busybox
    securityContext: $3
YAML
}

# --- --allow-privileged=false (the default): validation refuses privileged containers
out=$(pod priv default '{privileged: true}')
expect "a privileged pod is refused (422)" \
    'The Pod "priv" is invalid: spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy' "$out"
out=$(kc create deployment privd --image=busybox --dry-run=client -o json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); d["spec"]["template"]["spec"]["containers"][0]["securityContext"]={"privileged":True}; print(json.dumps(d))' |
	kc create -f - 2>&1)
expect "so is a Deployment's privileged template" \
    'The Deployment "privd" is invalid: spec.template.spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy' "$out"

# --- securityContext validation
out=$(pod neg default '{runAsUser: -1}')
expect "a negative runAsUser is a 422" \
    'The Pod "neg" is invalid: spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive' "$out"
out=$(pod negfs default '{}' '{fsGroup: -5}')
expect "a negative fsGroup is a 422" \
    'The Pod "negfs" is invalid: spec.securityContext.fsGroup: Invalid value: -5: must be between 0 and 2147483647, inclusive' "$out"
out=$(pod ape default '{allowPrivilegeEscalation: false, privileged: true}')
check "allowPrivilegeEscalation=false with privileged=true is a 422" \
    grep -q 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true' <<<"$out"
sc='{runAsUser: 1000, runAsGroup: 3000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}, seccompProfile: {type: RuntimeDefault}, seLinuxOptions: {level: "s0:c123,c456"}}'
out=$(pod rt default "$sc" '{fsGroup: 2000, supplementalGroups: [4000], runAsUser: 1}')
expect "a pod with every securityContext field is created" "pod/rt created" "$out"
got=$(kc get pod rt -o jsonpath='{.spec.securityContext.fsGroup} {.spec.securityContext.supplementalGroups[0]} {.spec.containers[0].securityContext.runAsUser} {.spec.containers[0].securityContext.capabilities.drop[0]} {.spec.containers[0].securityContext.seccompProfile.type} {.spec.containers[0].securityContext.seLinuxOptions.level} {.spec.containers[0].securityContext.readOnlyRootFilesystem}')
expect "its securityContext round-trips" "2000 4000 1000 ALL RuntimeDefault s0:c123,c456 true" "$got"
check "and it runs (runAsUser 1000 satisfies runAsNonRoot)" eventually -t 30 \
    test "$(kc get pod rt -o jsonpath='{.status.phase}')" = Running

# --- kubelet: runAsNonRoot with root
out=$(pod root0 default '{runAsNonRoot: true, runAsUser: 0}')
expect "a runAsNonRoot pod with runAsUser 0 is admitted" "pod/root0 created" "$out"
status() { kc get pod "$1" --no-headers 2>/dev/null | awk '{print $3}'; }
check "kubectl get pod: STATUS CreateContainerConfigError" eventually -t 30 \
    test "$(status root0)" = CreateContainerConfigError
uid=$(kc get pod root0 -o jsonpath='{.metadata.uid}')
expect "the waiting message is the kubelet's" \
    "container's runAsUser breaks non-root policy (pod: \"root0_default($uid)\", container: c)" \
    "$(kc get pod root0 -o jsonpath='{.status.containerStatuses[0].state.waiting.message}')"
expect "the pod stays Pending" Pending "$(kc get pod root0 -o jsonpath='{.status.phase}')"
out=$(pod root default '{runAsNonRoot: true}')
check "no runAsUser: the image runs as root: CreateContainerConfigError" eventually -t 30 \
    test "$(status root)" = CreateContainerConfigError
uid=$(kc get pod root -o jsonpath='{.metadata.uid}')
expect "with the image-root message" \
    "container has runAsNonRoot and image will run as root (pod: \"root_default($uid)\", container: c)" \
    "$(kc get pod root -o jsonpath='{.status.containerStatuses[0].state.waiting.message}')"
check "a Warning event Failed is recorded" eventually -t 20 \
    grep -q 'container has runAsNonRoot and image will run as root' <<<"$(kc get events --field-selector involvedObject.name=root -o jsonpath='{.items[*].message}' 2>&1)"

# --- Pod Security Admission: enforce=restricted
kc create namespace strict >/dev/null
kc label namespace strict pod-security.kubernetes.io/enforce=restricted >/dev/null
out=$(kc -n strict run plain --image=busybox 2>&1)
expect "enforce=restricted refuses a plain pod with the violation list (403)" \
    'Error from server (Forbidden): pods "plain" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "plain" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "plain" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "plain" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "plain" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")' "$out"
out=$(pod good strict '{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}' '{runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}')
expect "a compliant pod is admitted" "pod/good created" "$out"
out=$(kc -n strict create deployment web --image=busybox 2>&1)
check "a Deployment in the restricted namespace is admitted" grep -q '^deployment.apps/web created$' <<<"$out"
check "with a Warning: would violate PodSecurity" grep -q '^Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "busybox" must set' <<<"$out"
rs_events() { kc -n strict get events --field-selector reason=FailedCreate -o jsonpath='{.items[*].message}' 2>/dev/null; }
failed_create() { rs_events | grep -q 'Error creating: pods "web-[a-z0-9-]*" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation'; }
check "its ReplicaSet's pods are refused: FailedCreate with the 403" eventually -t 30 failed_create

# --- warn=baseline
kc create namespace warned >/dev/null
kc label namespace warned pod-security.kubernetes.io/warn=baseline pod-security.kubernetes.io/warn-version=v1.32 >/dev/null
out=$(kc -n warned create -f - 2>&1 <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: hn}
spec:
  hostNetwork: true
  containers:
  - {name: c, image: busybox, ports: [{containerPort: 80, hostPort: 80}]}
YAML
)
expect "warn=baseline admits a hostNetwork pod with a Warning line" \
    'Warning: would violate PodSecurity "baseline:v1.32": host namespaces (hostNetwork), hostPort (container "c" uses hostPort 80)
pod/hn created' "$out"

# --- enforce=baseline: the privileged check's message (validation passes it only with
# --allow-privileged, so a hostPath volume stands in)
kc create namespace base >/dev/null
kc label namespace base pod-security.kubernetes.io/enforce=baseline >/dev/null
out=$(kc -n base create -f - 2>&1 <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  hostPID: true
  containers:
  - name: c
    image: busybox
    securityContext: {capabilities: {add: [NET_ADMIN, SYS_TIME]}}
    volumeMounts: [{name: h, mountPath: /h}]
  volumes: [{name: h, hostPath: {path: /tmp}}]
YAML
)
expect "enforce=baseline refuses host namespaces, capabilities and hostPath" \
    'Error from server (Forbidden): error when creating "STDIN": pods "hp" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID), non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add), hostPath volumes (volume "h")' "$out"

# --- invalid labels
out=$(kc label namespace base pod-security.kubernetes.io/enforce=strict --overwrite 2>&1)
expect "an invalid level label is a 422" \
    'The Namespace "base" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted' "$out"

# --- the labels are cached for admission: a change shows on the next pod
kc label namespace base pod-security.kubernetes.io/enforce- >/dev/null
out=$(kc -n base run plain --image=busybox 2>&1)
expect "without its enforce label the namespace admits a plain pod" "pod/plain created" "$out"
kc label namespace base pod-security.kubernetes.io/enforce=restricted >/dev/null
out=$(kc -n base run plain2 --image=busybox 2>&1)
check "labelled restricted again, it refuses the next one" grep -q '^Error from server (Forbidden): pods "plain2" is forbidden: violates PodSecurity "restricted:latest"' <<<"$out"

finish
