#!/usr/bin/env bash
# e2e: PetSets and StatefulSets (petset-controller) with their claims (volume-controller) on a
# whole cluster, driven by the real kubectl: the article's `web` example (headless service
# nginx, 2 replicas, claim template www) starts web-0 before web-1 and web-1 only once web-0
# is Ready, its claims are Bound, a deleted pet comes back with its claim, scaling 3 -> 1
# deletes web-2 then web-1 and scaling back reattaches their claims, a rolling update with a
# partition only touches the ordinals at or above it, an apps/v1alpha1 PetSet runs, and a pod
# on an unbound claim waits in ContainerCreating with FailedMount events.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim petset-controller volume-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "petset e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,petset-controller,volume-controller}"
	exit 0
fi
check "a cluster of 2 nodes comes up" e2e_up --nodes 2

is() { [ "$("${@:2}")" = "$1" ]; }
field() { kc get "$1" "$2" -o jsonpath="{$3}" 2>/dev/null; }
ready() { [ "$(field pod "$1" '.status.conditions[?(@.type=="Ready")].status')" = True ]; }
exists() { kc get pod "$1" -o name >/dev/null 2>&1; }
pvc_bound() { [ "$(field pvc "$1" .status.phase)" = Bound ]; }
default_sc() { kc get sc standard -o jsonpath='{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}'; }
check "the default StorageClass standard exists" eventually -t 20 is true default_sc

kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {app: nginx}}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata:
      labels: {app: nginx}
      annotations: {sim.ckube.io/ready-after: "2s"}
    spec:
      containers:
      - name: nginx
        image: "gcr.io/google_containers/nginx-slim:0.8"
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
YAML
check "kubectl apply creates the headless service and the StatefulSet" test $? = 0

# While web-0 is not Ready, web-1 must not exist; poll until web-0 is Ready.
# One LIST per poll: separate GETs could see web-0 still unready and then a
# web-1 created after web-0 turned Ready in between.
early=0
order() {
	local snap
	snap=" $(kc get pods -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}' 2>/dev/null)"
	if [[ $snap == *" web-0="* && $snap != *" web-0=True "* && $snap == *" web-1="* ]]; then
		early=1
	fi
	[[ $snap == *" web-0=True "* ]]
}
check "web-0 becomes Ready" eventually -t 40 order
check "web-1 did not exist before web-0 was Ready" test "$early" = 0
check "web-1 becomes Ready" eventually -t 40 ready web-1
w0_ready=$(field pod web-0 '.status.conditions[?(@.type=="Ready")].lastTransitionTime')
w1_created=$(field pod web-1 .metadata.creationTimestamp)
check "web-1 was created after web-0 turned Ready" test "$w1_created" \> "$w0_ready" -o "$w1_created" = "$w0_ready"
check "PVC www-web-0 is Bound" eventually -t 20 pvc_bound www-web-0
check "PVC www-web-1 is Bound" eventually -t 20 pvc_bound www-web-1
check "web-1 mounts www-web-1" is www-web-1 field pod web-1 '.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName'
check "web-0 has hostname web-0 and subdomain nginx" is "web-0 nginx" field pod web-0 '.spec.hostname} {.spec.subdomain'
sts_ready() { kc get sts web --no-headers | awk '{print $2}'; }
check "kubectl get sts shows READY 2/2" eventually -t 20 is 2/2 sts_ready

# A deleted pet comes back under its name with its claim.
uid0=$(field pod web-0 .metadata.uid)
kc delete pod web-0 --wait=false >/dev/null
back() { u=$(field pod web-0 .metadata.uid); [ -n "$u" ] && [ "$u" != "$uid0" ] && ready web-0; }
check "kubectl delete pod web-0: a new web-0 comes back Ready" eventually -t 60 back
check "the new web-0 mounts www-web-0" is www-web-0 field pod web-0 '.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName'

# Scale 3 -> 1: web-2 goes first, web-1 only once web-2 is gone.
kc scale sts web --replicas=3 >/dev/null
check "scaled to 3: web-2 Ready" eventually -t 40 ready web-2
pvc1=$(field pvc www-web-1 .metadata.uid)
pvc2=$(field pvc www-web-2 .metadata.uid)
kc scale sts web --replicas=1 >/dev/null
bad_order=0
down() {	# one LIST per poll, as order() above
	local snap
	snap=" $(kc get pods -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.deletionTimestamp} {end}' 2>/dev/null)"
	if [[ $snap == *" web-2="* && $snap == *" web-1="?* && $snap != *" web-1= "* ]]; then
		bad_order=1
	fi
	# web-0 stays: a failed LIST (no web-0) is not "deleted"
	[[ $snap == *" web-0="* && $snap != *" web-1="* && $snap != *" web-2="* ]]
}
check "scaled to 1: web-2 and web-1 are deleted" eventually -t 60 down
check "web-1 was not deleted while web-2 existed" test "$bad_order" = 0
check "web-0 is untouched" is true sh -c "[ \"\$(kubectl --kubeconfig '$E2E_KUBECONFIG' get pod web-0 -o jsonpath='{.status.phase}')\" = Running ] && echo true"
check "claims www-web-1 and www-web-2 are kept" is "$pvc1 $pvc2" sh -c "echo \$(kubectl --kubeconfig '$E2E_KUBECONFIG' get pvc www-web-1 www-web-2 -o jsonpath='{.items[*].metadata.uid}')"
kc scale sts web --replicas=3 >/dev/null
check "scaled back to 3: web-2 Ready" eventually -t 60 ready web-2
check "web-1 reattaches www-web-1" is www-web-1 field pod web-1 '.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName'
check "the claims are the same objects" is "$pvc1 $pvc2" sh -c "echo \$(kubectl --kubeconfig '$E2E_KUBECONFIG' get pvc www-web-1 www-web-2 -o jsonpath='{.items[*].metadata.uid}')"

# A rolling update with partition 2 replaces web-2 only.
kc patch sts web -p '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}' >/dev/null
check "kubectl patch sets partition 2" is 2 field sts web .spec.updateStrategy.rollingUpdate.partition
check "kubectl set image on the StatefulSet" kc set image sts/web nginx=nginx-slim:0.9
img() { field pod "$1" '.spec.containers[0].image'; }
updated() { [ "$(img web-2)" = nginx-slim:0.9 ] && ready web-2; }
check "web-2 is replaced on the new image" eventually -t 60 updated
upd_replicas() { field sts web .status.updatedReplicas; }
check "status.updatedReplicas is 1" eventually -t 20 is 1 upd_replicas
check "web-0 and web-1 keep the old image" is "gcr.io/google_containers/nginx-slim:0.8 gcr.io/google_containers/nginx-slim:0.8" sh -c "echo \$(kubectl --kubeconfig '$E2E_KUBECONFIG' get pod web-0 web-1 -o jsonpath='{.items[*].spec.containers[0].image}')"
revs() { kc get controllerrevisions -o name | wc -l; }
check "two ControllerRevisions" is 2 revs

# The 1.3 API: a PetSet through apps/v1alpha1.
kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1alpha1
kind: PetSet
metadata: {name: pet}
spec:
  serviceName: pets
  replicas: 2
  template:
    metadata:
      labels: {app: pet}
    spec:
      containers: [{name: c, image: busybox}]
YAML
check "kubectl apply creates an apps/v1alpha1 PetSet" test $? = 0
check "its pets pet-0 and pet-1 become Ready" eventually -t 60 ready pet-1
# One stored kind: the StatefulSet web is a PetSet too.
petsets() { kc get petsets --no-headers | awk '{print $1}' | sort | tr '\n' ' '; }
check "kubectl get petsets lists it (and web)" is "pet web " petsets
check "pet-1 carries the 1.3 hostname annotation" is pet-1 field pod pet-1 '.metadata.annotations.pod\.beta\.kubernetes\.io/hostname'
check "pet-1 carries the 1.3 subdomain annotation" is pets field pod pet-1 '.metadata.annotations.pod\.beta\.kubernetes\.io/subdomain'

# Orphaned pets are adopted by a new set with the same selector, not recreated (how a set's
# immutable fields are changed). The controller caches only its own pods and the orphans a
# set selects, so it lists the orphans that are older than the set.
uid0=$(field pod pet-0 .metadata.uid)
check "kubectl delete petset pet --cascade=orphan" kc delete petset pet --cascade=orphan --timeout=30s
owner() { field pod pet-0 '.metadata.ownerReferences[0].name'; }
check "pet-0 is left without an owner" eventually -t 30 is "" owner
kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pet}
spec:
  serviceName: pets
  replicas: 2
  selector: {matchLabels: {app: pet}}
  template:
    metadata:
      labels: {app: pet}
    spec:
      containers: [{name: c, image: busybox}]
YAML
check "a new set with the same selector adopts pet-0" eventually -t 30 is pet owner
check "pet-0 was adopted, not recreated" is "$uid0" field pod pet-0 .metadata.uid

# A claim nobody can bind keeps its pod in ContainerCreating, with FailedMount events.
kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: stuck}
spec:
  storageClassName: nosuchclass
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: mounter}
spec:
  containers: [{name: c, image: busybox, volumeMounts: [{name: d, mountPath: /d}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: stuck}}]
YAML
waiting() { field pod mounter '.status.containerStatuses[0].state.waiting.reason'; }
check "a pod on an unbound claim waits in ContainerCreating" eventually -t 30 is ContainerCreating waiting
failed_mount() { kc get events --field-selector involvedObject.name=mounter,reason=FailedMount -o name | grep -q .; }
check "with a FailedMount event" eventually -t 30 failed_mount
check "the claim stays Pending" is Pending field pvc stuck .status.phase

finish
