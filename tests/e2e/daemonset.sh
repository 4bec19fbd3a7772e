#!/usr/bin/env bash
# e2e: DaemonSets on a whole cluster of 5 simulated nodes with the real kubectl: one pod per
# node, pinned by a matchFields affinity and placed by the scheduler; `kubectl get ds`
# columns; a NoExecute taint moves the pod off its node and untainting brings it back (a
# NoSchedule taint leaves it running); a node that joins (a second kubelet-sim) gets one; a
# new image rolls out node by node and `kubectl rollout status` returns 0; `kubectl rollout
# history` lists the revisions; `kubectl drain --ignore-daemonsets` evicts the other pods and
# leaves the daemon pod; a maxSurge update; validation messages; the extensions/v1beta1 view.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim daemonset-controller replicaset-controller
    deployment-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "daemonset e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,...-controller}"
	exit 0
fi
check "a cluster of 5 nodes comes up" e2e_up --nodes 5

is() { [ "$("${@:2}")" = "$1" ]; }
mapfile -t nodes < <(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
check "5 nodes registered" test "${#nodes[@]}" = 5
n3=${nodes[3]}

kc apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "agent:1"}]
YAML
check "kubectl apply creates the DaemonSet" test $? = 0

# node names of the running agent pods, sorted, one line
agent_nodes() {
	kc get pods -l app=agent --field-selector=status.phase=Running \
	    -o jsonpath='{range .items[?(@.metadata.deletionTimestamp)]}X{"\n"}{end}{range .items[*]}{.spec.nodeName}{"\n"}{end}' |
	    sort | tr '\n' ' '
}
all_nodes() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
want5=$(all_nodes "${nodes[@]}")
check "one running pod on each of the 5 nodes" eventually -t 30 is "$want5" agent_nodes
check "kubectl rollout status ds/agent returns 0" kc rollout status ds/agent --timeout=30s

pod0=$(kc get pods -l app=agent -o json)
check "the pods are pinned by matchFields metadata.name In [node]" python3 -c '
import json,sys
d=json.loads(sys.argv[1])
for p in d["items"]:
    t=p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert t==[{"matchFields":[{"key":"metadata.name","operator":"In","values":[p["spec"]["nodeName"]]}]}], t
' "$pod0"
check "the pods carry the daemon tolerations, the hash and generation labels and the controller reference" python3 -c '
import json,sys
d=json.loads(sys.argv[1])
for p in d["items"]:
    tols={(t["key"],t.get("effect")) for t in p["spec"]["tolerations"]}
    for k,e in [("node.kubernetes.io/not-ready","NoExecute"),("node.kubernetes.io/unreachable","NoExecute"),
                ("node.kubernetes.io/disk-pressure","NoSchedule"),("node.kubernetes.io/memory-pressure","NoSchedule"),
                ("node.kubernetes.io/pid-pressure","NoSchedule"),("node.kubernetes.io/unschedulable","NoSchedule")]:
        assert (k,e) in tols, (k,e)
    l=p["metadata"]["labels"]
    assert l["controller-revision-hash"] and l["pod-template-generation"]=="1", l
    r=[o for o in p["metadata"]["ownerReferences"] if o.get("controller")]
    assert r[0]["kind"]=="DaemonSet" and r[0]["apiVersion"]=="apps/v1", r
' "$pod0"

ds_table() { kc get ds agent | awk 'NR==1 {print $1,$2,$3,$4,$5,$6,$7,$8,$9} NR==2 {print $1,$2,$3,$4,$5,$6,$7}'; }
check "kubectl get ds: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, 5 5 5 5 5 <none>" \
    eventually is "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE
agent 5 5 5 5 5 <none>" ds_table
check "SuccessfulCreate events name the pods" eventually sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' get events --field-selector involvedObject.kind=DaemonSet,reason=SuccessfulCreate -o jsonpath='{.items[*].message}' | grep -q 'Created pod: agent-'"

# NoSchedule does not evict a running daemon pod; NoExecute does.
kc taint node "$n3" k=v:NoSchedule >/dev/null
desired() { kc get ds agent -o jsonpath='{.status.desiredNumberScheduled}/{.status.currentNumberScheduled}/{.status.numberMisscheduled}'; }
check "a NoSchedule taint: desired 4, current 4, misscheduled 1" eventually -t 20 is 4/4/1 desired
on_n3() { kc get pods -l app=agent --field-selector "spec.nodeName=$n3" -o name | wc -l; }
check "  ... and the daemon pod on $n3 keeps running" is 1 on_n3
kc taint node "$n3" k=v:NoSchedule- >/dev/null
kc taint node "$n3" k=v:NoExecute >/dev/null
want4=$(all_nodes "${nodes[0]}" "${nodes[1]}" "${nodes[2]}" "${nodes[4]}")
check "a NoExecute taint moves the pod off $n3" eventually -t 20 is "$want4" agent_nodes
check "status: desired 4, current 4, misscheduled 0" eventually -t 20 is 4/4/0 desired
kc taint node "$n3" k=v:NoExecute- >/dev/null
check "untainted: the pod is back on $n3" eventually -t 20 is "$want5" agent_nodes

# A node joins: a second kubelet-sim with one node.
setsid "$CK_BIN/ckube-kubelet-sim" --master="$API_URL" --watch-bus="ipc://$E2E_DIR/data/bus" \
    --port=0 --nodes=1 --node-prefix=extra- >"$CK_TMP/kubelet-extra.log" 2>&1 &
CK_PIDS+=("$!")
want6=$(all_nodes "${nodes[@]}" extra-0)
check "a joining node gets a daemon pod" eventually -t 30 is "$want6" agent_nodes

# Rolling update to a new image.
old_hash=$(kc get pods -l app=agent -o jsonpath='{.items[0].metadata.labels.controller-revision-hash}')
kc set image ds/agent agent=agent:2 >/dev/null
check "kubectl set image starts a rolling update" test $? = 0
check "kubectl rollout status ds/agent returns 0 after the update" kc rollout status ds/agent --timeout=60s
images() { kc get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort | uniq -c | awk '{print $1, $2}'; }
check "all 6 pods run agent:2" eventually -t 20 is "6 agent:2" images
new_hash=$(kc get pods -l app=agent -o jsonpath='{.items[0].metadata.labels.controller-revision-hash}')
check "the pods' controller-revision-hash changed" test -n "$new_hash" -a "$new_hash" != "$old_hash"
st() { kc get ds agent -o jsonpath='{.status.updatedNumberScheduled}/{.status.numberAvailable}/{.status.numberUnavailable}/{.status.observedGeneration}'; }
check "status: updated 6, available 6, unavailable 0, observedGeneration 2" eventually is 6/6/0/2 st
check "two ControllerRevisions agent-<hash>, revisions 1 and 2" eventually is "1 2" sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' get controllerrevisions -l app=agent -o jsonpath='{.items[*].revision}' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ \$//'"
check "kubectl rollout history ds/agent lists revisions 1 and 2" sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' rollout history ds/agent | awk '\$1 ~ /^[0-9]+\$/ {print \$1}' | tr '\n' ' ' | grep -qx '1 2 '"
kc rollout undo ds/agent >/dev/null 2>"$CK_TMP/undo.err"
check "kubectl rollout undo ds/agent" test $? = 0
check "the undo rolls back to agent:1" eventually -t 60 is "6 agent:1" images
check "kubectl rollout status after the undo" kc rollout status ds/agent --timeout=60s

# maxSurge: the new pod starts beside the old one, which goes when the new one is available.
kc patch ds agent --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":1}},"template":{"spec":{"containers":[{"name":"agent","image":"agent:3"}]}}}}' >/dev/null
check "a maxSurge 1 update is accepted" test $? = 0
check "kubectl rollout status after the surge update" kc rollout status ds/agent --timeout=60s
check "all 6 pods run agent:3" eventually -t 20 is "6 agent:3" images
check "the SuccessfulDelete events name old pods" eventually sh -c \
    "kubectl --kubeconfig '$E2E_KUBECONFIG' get events --field-selector involvedObject.kind=DaemonSet,reason=SuccessfulDelete -o jsonpath='{.items[*].message}' | grep -q 'Deleted pod: agent-'"

# drain --ignore-daemonsets: the other pods go, the daemon pod stays.
kc create deployment web --image=nginx:1.10 --replicas=2 >/dev/null
check "a Deployment of 2 becomes available" kc rollout status deploy/web --timeout=30s
busy=$(kc get pods -l app=web -o jsonpath='{.items[0].spec.nodeName}')
check "kubectl drain without --ignore-daemonsets refuses" sh -c "! kubectl --kubeconfig '$E2E_KUBECONFIG' drain $busy --timeout=10s >'$CK_TMP/drain0.out' 2>&1"
check "  ... naming the DaemonSet-managed pod" grep -q 'DaemonSet-managed' "$CK_TMP/drain0.out"
kc drain "$busy" --ignore-daemonsets --timeout=30s >"$CK_TMP/drain.out" 2>&1
check "kubectl drain --ignore-daemonsets succeeds" test $? = 0
check "  ... warning that it ignores the daemon pod" grep -q 'Warning: ignoring DaemonSet-managed Pods: default/agent-' "$CK_TMP/drain.out"
web_on() { kc get pods -l app=web --field-selector "spec.nodeName=$busy" -o name | wc -l; }
check "no web pod is left on $busy" eventually -t 20 is 0 web_on
agent_on() { kc get pods -l app=agent --field-selector "spec.nodeName=$busy,status.phase=Running" -o name | wc -l; }
check "the daemon pod still runs on the cordoned $busy" is 1 agent_on
kc uncordon "$busy" >/dev/null

# Validation and the extensions/v1beta1 view of the same object. (Not `app: y`:
# YAML 1.1 reads y as true, which typed decoding refuses as upstream does.)
out=$(kc apply -f - 2>&1 <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: bad}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: other}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: i}]
YAML
)
check "an invalid DaemonSet is refused with the upstream messages" sh -c "
echo \"\$1\" | grep -q 'spec.template.metadata.labels: Invalid value: .*selector. does not match template .labels.' &&
echo \"\$1\" | grep -q 'spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"'" _ "$out"
out=$(kc patch ds agent --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":1}}}}' 2>&1)
check "maxUnavailable 1 with maxSurge 1 is refused" sh -c "echo \"\$1\" | grep -q 'may not be set when maxUnavailable is non-zero'" _ "$out"
curl -s "$API_URL/apis/extensions/v1beta1/namespaces/default/daemonsets/agent" >"$CK_TMP/ext.json"
check "extensions/v1beta1 serves the same DaemonSet" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["apiVersion"]=="extensions/v1beta1" and d["kind"]=="DaemonSet" and d["status"]["desiredNumberScheduled"]==6, d
' "$CK_TMP/ext.json"
kc apply -f - >/dev/null <<'YAML'
apiVersion: extensions/v1beta1
kind: DaemonSet
metadata: {name: legacy}
spec:
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: c, image: "legacy:1"}]
YAML
check "an extensions/v1beta1 DaemonSet without selector is created" test $? = 0
legacy() { kc get ds legacy -o jsonpath='{.spec.selector.matchLabels.app}/{.spec.updateStrategy.type}/{.status.numberAvailable}'; }
check "  ... with the selector from its labels, OnDelete, 6 available" eventually -t 30 is legacy/OnDelete/6 legacy
kc delete ds legacy >/dev/null

kc delete ds agent >/dev/null
check "deleting the DaemonSet removes its pods" eventually -t 30 is "" agent_nodes
finish
