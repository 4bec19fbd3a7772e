#!/usr/bin/env bash
# The API surface beyond the core kinds, against a real ckube-apiserver:
# discovery of every group, create/get/list of each kind, Kubernetes'
# defaults (pods, sets, jobs, cronjobs, services...), 422 Invalid with field
# causes, immutable fields on update, RBAC names with ':', pods/eviction and
# selfsubjectaccessreviews.
. "$(dirname "$0")/../../lib/lib.sh"

start_apiserver api || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts"
J='Content-Type: application/json'
NS=/api/v1/namespaces/default

# post PATH JSON: create, printing the reply (code in `code`).
post() { api POST "$1" -H "$J" -d "$2"; }
# cause OUT: "code reason field" of a Status with one cause.
cause() { echo "$(code) $(echo "$1" | json 'd["reason"]+" "+",".join(c["field"] for c in d["details"]["causes"])')"; }

# --- discovery
out=$(api GET /apis)
for gv in apps/v1 batch/v1 policy/v1 networking.k8s.io/v1 events.k8s.io/v1 \
    rbac.authorization.k8s.io/v1 authorization.k8s.io/v1 coordination.k8s.io/v1; do
	expect "/apis lists $gv" True "$(echo "$out" | json "str('$gv' in [v['groupVersion'] for g in d['groups'] for v in g['versions']])")"
done
out=$(api GET /apis/apps/v1)
expect "statefulsets with status and scale" "sts True True" \
    "$(echo "$out" | json '[r for r in d["resources"] if r["name"]=="statefulsets"][0]["shortNames"][0]+" "+str("statefulsets/status" in [r["name"] for r in d["resources"]])+" "+str("statefulsets/scale" in [r["name"] for r in d["resources"]])')"
out=$(api GET /apis/batch/v1)
expect "jobs and cronjobs in category all" '["all"] ["all"] cj' \
    "$(echo "$out" | json '" ".join([json.dumps([r for r in d["resources"] if r["name"]==n][0]["categories"]) for n in ("jobs","cronjobs")]+[[r for r in d["resources"] if r["name"]=="cronjobs"][0]["shortNames"][0]])')"
out=$(api GET /api/v1)
expect "pods/eviction is policy/v1 Eviction, create" 'Eviction policy v1 ["create"]' \
    "$(echo "$out" | json '(lambda r: r["kind"]+" "+r["group"]+" "+r["version"]+" "+json.dumps(r["verbs"]))([r for r in d["resources"] if r["name"]=="pods/eviction"][0])')"
out=$(api GET /apis/authorization.k8s.io/v1)
expect "selfsubjectaccessreviews: create only" '["create"]' "$(echo "$out" | json 'd["resources"][0]["verbs"]')"
out=$(api GET /apis/policy/v1)
expect "pdb short name" '["pdb"]' "$(echo "$out" | json '[r for r in d["resources"] if r["name"]=="poddisruptionbudgets"][0]["shortNames"]')"

# --- pods: defaults and QoS
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]},{"name":"d","image":"busybox:1.36"}]}}')
expect "create pod 201" 201 "$(code)"
expect "pod spec defaults" "Always ClusterFirst 30 default-scheduler" \
    "$(echo "$out" | json 'd["spec"]["restartPolicy"]+" "+d["spec"]["dnsPolicy"]+" "+str(d["spec"]["terminationGracePeriodSeconds"])+" "+d["spec"]["schedulerName"]')"
expect "container defaults" "Always IfNotPresent /dev/termination-log File TCP" \
    "$(echo "$out" | json '" ".join([d["spec"]["containers"][0]["imagePullPolicy"],d["spec"]["containers"][1]["imagePullPolicy"],d["spec"]["containers"][0]["terminationMessagePath"],d["spec"]["containers"][0]["terminationMessagePolicy"],d["spec"]["containers"][0]["ports"][0]["protocol"]])')"
expect "no resources: BestEffort, Pending" "BestEffort Pending" "$(echo "$out" | json 'd["status"]["qosClass"]+" "+d["status"]["phase"]')"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pg"},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"100m","memory":"64Mi"}}}],"initContainers":[{"name":"i","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"1","memory":"1Gi"}}}]}}')
expect "limits only (init too): Guaranteed, requests defaulted" "Guaranteed 100m" \
    "$(echo "$out" | json 'd["status"]["qosClass"]+" "+d["spec"]["containers"][0]["resources"]["requests"]["cpu"]')"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pb"},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}],"initContainers":[{"name":"i","image":"x","resources":{"requests":{"cpu":"10m"}}}]}}')
expect "an init container with requests only: Burstable" Burstable "$(echo "$out" | json 'd["status"]["qosClass"]')"

# --- pods: validation
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{}}')
expect "pod without containers 422" "422 Invalid spec.containers" "$(cause "$out")"
expect "pod 422 message" 'Pod "bad" is invalid: spec.containers: Required value' "$(echo "$out" | json 'd["message"]')"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"containers":[{"name":"c","image":"x","ports":[{"containerPort":70000}]}]}}')
expect "containerPort out of range 422" "422 Invalid spec.containers[0].ports[0].containerPort" "$(cause "$out")"
expect "port range message" "Invalid value: 70000: must be between 1 and 65535, inclusive" "$(echo "$out" | json 'd["details"]["causes"][0]["message"]')"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"lots"}}}]}}')
expect "bad quantity 422" "422 Invalid spec.containers[0].resources.requests[cpu]" "$(cause "$out")"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"restartPolicy":"Sometimes","containers":[{"name":"c","image":"x"}]}}')
expect "bad restartPolicy 422 NotSupported" "422 FieldValueNotSupported" "$(code) $(echo "$out" | json 'd["details"]["causes"][0]["reason"]')"
out=$(api PATCH $NS/pods/p1 -H 'Content-Type: application/strategic-merge-patch+json' -d '{"spec":{"containers":[{"name":"c","image":"nginx:2"}],"activeDeadlineSeconds":60}}')
expect "pod update of images and activeDeadlineSeconds 200" "200 nginx:2 60" "$(code) $(echo "$out" | json 'd["spec"]["containers"][0]["image"]+" "+str(d["spec"]["activeDeadlineSeconds"])')"
out=$(api PATCH $NS/pods/p1 -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"restartPolicy":"Never"}}')
expect "pod spec update 422 Forbidden" "422 Invalid spec" "$(cause "$out")"
out=$(api PUT $NS/pods/p1 -H "$J" -d "$(api GET $NS/pods/p1 | python3 -c 'import json,sys
d=json.load(sys.stdin); d["metadata"]["labels"]={"x":"y"}
for c in d["spec"]["containers"]: c.pop("terminationMessagePath")
print(json.dumps(d))')")
expect "PUT without defaulted fields keeps the spec (defaults re-applied)" "200 /dev/termination-log" "$(code) $(echo "$out" | json 'd["spec"]["containers"][0]["terminationMessagePath"]')"

# --- statefulsets
STS='{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"},"spec":{"serviceName":"web","selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}}}'
out=$(post /apis/apps/v1/namespaces/default/statefulsets "$STS")
expect "create statefulset 201" 201 "$(code)"
expect "statefulset defaults" "1 OrderedReady RollingUpdate 0 10 Always" \
    "$(echo "$out" | json '" ".join(str(x) for x in [d["spec"]["replicas"],d["spec"]["podManagementPolicy"],d["spec"]["updateStrategy"]["type"],d["spec"]["updateStrategy"]["rollingUpdate"]["partition"],d["spec"]["revisionHistoryLimit"],d["spec"]["template"]["spec"]["restartPolicy"]])')"
out=$(api GET /apis/apps/v1/namespaces/default/statefulsets/web/scale)
expect "statefulset scale" "Scale 1" "$(echo "$out" | json 'd["kind"]+" "+str(d["spec"]["replicas"])')"
out=$(api PATCH /apis/apps/v1/namespaces/default/statefulsets/web -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}')
expect "statefulset selector immutable 422" "422 Invalid spec.selector,spec" "$(cause "$out")"
out=$(api PATCH /apis/apps/v1/namespaces/default/statefulsets/web -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"replicas":3}}')
expect "statefulset replicas patch 200" "200 3" "$(code) $(echo "$out" | json 'd["spec"]["replicas"]')"
out=$(post /apis/apps/v1/namespaces/default/statefulsets "$(echo "$STS" | sed 's/"name":"web"}/"name":"bad"}/; s/"matchLabels":{"app":"web"}/"matchLabels":{"app":"nope"}/')")
expect "selector not matching template labels 422" "422 Invalid spec.template.metadata.labels" "$(cause "$out")"
out=$(post /apis/apps/v1/namespaces/default/statefulsets "$(echo "$STS" | sed 's/"name":"web"}/"name":"bad"}/; s/"serviceName"/"replicas":-1,"serviceName"/')")
expect "replicas < 0 422" "422 Invalid spec.replicas" "$(cause "$out")"
out=$(post /apis/apps/v1/namespaces/default/statefulsets "$(echo "$STS" | sed 's/"name":"web"}/"name":"bad"}/; s/"spec":{"containers"/"spec":{"restartPolicy":"Never","containers"/')")
expect "statefulset pods must restart Always 422" "422 Invalid spec.template.spec.restartPolicy" "$(cause "$out")"
out=$(post /apis/apps/v1/namespaces/default/deployments '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}')
expect "deployment selector mismatch 422" "422 Invalid spec.template.metadata.labels" "$(cause "$out")"

# --- jobs and cronjobs
out=$(post /apis/batch/v1/namespaces/default/jobs '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j1"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}')
expect "create job 201" 201 "$(code)"
uid=$(echo "$out" | json 'd["metadata"]["uid"]')
expect "job defaults" "1 1 6 NonIndexed False" \
    "$(echo "$out" | json '" ".join(str(x) for x in [d["spec"]["parallelism"],d["spec"]["completions"],d["spec"]["backoffLimit"],d["spec"]["completionMode"],d["spec"]["suspend"]])')"
expect "job selector and labels generated from its uid" "$uid $uid j1 j1" \
    "$(echo "$out" | json '" ".join([d["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],d["spec"]["template"]["metadata"]["labels"]["controller-uid"],d["spec"]["template"]["metadata"]["labels"]["job-name"],d["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"]])')"
out=$(api PATCH /apis/batch/v1/namespaces/default/jobs/j1 -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"selector":{"matchLabels":{"x":"y"}}}}')
expect "job selector immutable 422" 422 "$(code)"
out=$(post /apis/batch/v1/namespaces/default/jobs '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j2"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}')
expect "job with restartPolicy Always 422" "422 Invalid spec.template.spec.restartPolicy" "$(cause "$out")"
out=$(post /apis/batch/v1/namespaces/default/cronjobs '{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj"},"spec":{"schedule":"*/1 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}')
expect "create cronjob 201" 201 "$(code)"
expect "cronjob defaults" "Allow False 3 1" \
    "$(echo "$out" | json '" ".join(str(x) for x in [d["spec"]["concurrencyPolicy"],d["spec"]["suspend"],d["spec"]["successfulJobsHistoryLimit"],d["spec"]["failedJobsHistoryLimit"]])')"
out=$(post /apis/batch/v1/namespaces/default/cronjobs '{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad"},"spec":{"schedule":"* * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}')
expect "cronjob schedule with 3 fields 422" "422 Invalid spec.schedule" "$(cause "$out")"
long=$(printf 'c%.0s' $(seq 53))
out=$(post /apis/batch/v1/namespaces/default/cronjobs "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":\"$long\"},\"spec\":{\"schedule\":\"@daily\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}}}")
expect "cronjob name over 52 characters 422" "422 Invalid metadata.name" "$(cause "$out")"

# --- policy, networking, events
out=$(post /apis/policy/v1/namespaces/default/poddisruptionbudgets '{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"pdb"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"web"}}}}')
expect "create pdb 201" "201 0" "$(code) $(echo "$out" | json 'd["status"]["disruptionsAllowed"]')"
out=$(post /apis/policy/v1/namespaces/default/poddisruptionbudgets '{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"bad"},"spec":{"minAvailable":1,"maxUnavailable":"10%"}}')
expect "pdb with both minAvailable and maxUnavailable 422" "422 Invalid spec" "$(cause "$out")"
out=$(post /apis/networking.k8s.io/v1/namespaces/default/networkpolicies '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np"},"spec":{"podSelector":{},"egress":[{}]}}')
expect "networkpolicy policyTypes defaulted" '201 ["Ingress", "Egress"]' "$(code) $(echo "$out" | json 'd["spec"]["policyTypes"]')"
out=$(post /apis/networking.k8s.io/v1/namespaces/default/networkpolicies '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"bad"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["192.168.0.0/16"]}},{}],"ports":[{"port":80,"endPort":70}]}]}}')
expect "networkpolicy peers and ports 422" "422 Invalid spec.ingress[0].ports[0].endPort,spec.ingress[0].from[0].ipBlock.except[0],spec.ingress[0].from[1]" "$(cause "$out")"
post /apis/events.k8s.io/v1/namespaces/default/events '{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1"},"eventTime":"2024-01-01T00:00:00.000000Z","reportingController":"x","reportingInstance":"y","action":"A","reason":"R","regarding":{"kind":"Pod","name":"p1"}}' >/dev/null
expect "create events.k8s.io event 201" 201 "$(code)"

# --- RBAC
out=$(post /apis/rbac.authorization.k8s.io/v1/clusterroles '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]},{"nonResourceURLs":["/healthz"],"verbs":["get"]}]}')
expect "clusterrole named system:reader 201" 201 "$(code)"
expect "get clusterrole with ':' in its name" system:reader "$(api GET /apis/rbac.authorization.k8s.io/v1/clusterroles/system:reader | json 'd["metadata"]["name"]')"
out=$(post /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},"rules":[{"resources":["pods"]},{"nonResourceURLs":["/x"],"verbs":["get"]}]}')
expect "role rules shape 422" "422 Invalid rules[0].verbs,rules[0].apiGroups,rules[1].nonResourceURLs" "$(cause "$out")"
out=$(post /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:reader"},"subjects":[{"kind":"User","name":"alice"}]}')
expect "create rolebinding 201" 201 "$(code)"
out=$(api PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/rb -H 'Content-Type: application/merge-patch+json' -d '{"roleRef":{"name":"other"}}')
expect "roleRef immutable 422" "422 Invalid roleRef" "$(cause "$out")"
out=$(post /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"crb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}')
expect "clusterrolebinding to a Role 422" "422 Invalid roleRef.kind" "$(cause "$out")"

# --- selfsubjectaccessreviews
out=$(post /apis/authorization.k8s.io/v1/selfsubjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods","namespace":"default"}}}')
expect "access review answered allowed" "201 True" "$(code) $(echo "$out" | json 'str(d["status"]["allowed"])')"
api GET /apis/authorization.k8s.io/v1/selfsubjectaccessreviews >/dev/null
expect "access reviews cannot be listed" 405 "$(code)"
post /apis/authorization.k8s.io/v1/selfsubjectaccessreviews '{"spec":{}}' >/dev/null
expect "access review without attributes 422" 422 "$(code)"

# --- PVC
out=$(post $NS/persistentvolumeclaims '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}')
expect "create pvc 201" 201 "$(code)"
out=$(api PATCH $NS/persistentvolumeclaims/c -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"accessModes":["ReadWriteMany"]}}')
expect "pvc spec immutable 422" "422 Invalid spec" "$(cause "$out")"
post $NS/persistentvolumeclaims '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"d"},"spec":{}}' >/dev/null
expect "pvc without accessModes 422" 422 "$(code)"

# --- eviction
out=$(post $NS/pods/p1/eviction '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p1"},"deleteOptions":{"gracePeriodSeconds":0}}')
expect "eviction 201 Success" "201 Success" "$(code) $(echo "$out" | json 'd["status"]')"
api GET $NS/pods/p1 >/dev/null
expect "evicted pod is gone" 404 "$(code)"
out=$(post $NS/pods/nosuch/eviction '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"nosuch"}}')
expect "eviction of a missing pod 404" '404 pods "nosuch" not found' "$(code) $(echo "$out" | json 'd["message"]')"

# --- the 1.3 names over the stored versions
out=$(api GET /apis/apps)
expect "apps prefers v1, serves v1alpha1 too" "apps/v1 apps/v1,apps/v1alpha1" \
    "$(echo "$out" | json 'd["preferredVersion"]["groupVersion"]+" "+",".join(v["groupVersion"] for v in d["versions"])')"
api GET /apis/batch/v2alpha1 >"$CK_TMP/b.json"
expect "batch/v2alpha1 lists scheduledjobs" True "$(json 'str("scheduledjobs" in [r["name"] for r in d["resources"]])' <"$CK_TMP/b.json")"
PET='{"apiVersion":"apps/v1alpha1","kind":"PetSet","metadata":{"name":"pets"},"spec":{"serviceName":"pets","replicas":2,"template":{"metadata":{"labels":{"app":"pets"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}}}'
out=$(post /apis/apps/v1alpha1/namespaces/default/petsets "$PET")
expect "create a PetSet: answered as a PetSet" "201 PetSet apps/v1alpha1" "$(code) $(echo "$out" | json 'd["kind"]+" "+d["apiVersion"]')"
expect "PetSet selector defaulted from the template labels" '{"app": "pets"}' "$(echo "$out" | json 'd["spec"]["selector"]["matchLabels"]')"
out=$(api GET /apis/apps/v1/namespaces/default/statefulsets/pets)
expect "the PetSet is a StatefulSet in apps/v1" "200 StatefulSet apps/v1 2" "$(code) $(echo "$out" | json 'd["kind"]+" "+d["apiVersion"]+" "+str(d["spec"]["replicas"])')"
out=$(api GET /apis/apps/v1alpha1/namespaces/default/petsets)
expect "petsets list holds sets created under either name" "PetSetList apps/v1alpha1 pets,web PetSet" \
    "$(echo "$out" | json 'd["kind"]+" "+d["apiVersion"]+" "+",".join(sorted(i["metadata"]["name"] for i in d["items"]))+" "+d["items"][0].get("kind","PetSet")')"
out=$(api PATCH /apis/apps/v1alpha1/namespaces/default/petsets/pets -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"replicas":3}}')
expect "patch through petsets" "200 PetSet 3" "$(code) $(echo "$out" | json 'd["kind"]+" "+str(d["spec"]["replicas"])')"
out=$(post /apis/apps/v1alpha1/namespaces/default/petsets '{"apiVersion":"apps/v1alpha1","kind":"PetSet","metadata":{"name":"badpet"},"spec":{"replicas":-1,"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}')
expect "invalid PetSet 422 worded as a PetSet" "422 True" "$(code) $(echo "$out" | json 'str(d["message"].startswith("PetSet \"badpet\" is invalid"))')"
curl -sN "$API_URL/apis/apps/v1alpha1/namespaces/default/petsets?watch=1&timeoutSeconds=2" >"$CK_TMP/w.json" &
wpid=$!
eventually test -s "$CK_TMP/w.json"
wait "$wpid"
expect "watch of petsets carries PetSet events" "PetSet apps/v1alpha1" "$(head -1 "$CK_TMP/w.json" | json 'd["object"]["kind"]+" "+d["object"]["apiVersion"]')"
SJ='{"apiVersion":"batch/v2alpha1","kind":"ScheduledJob","metadata":{"name":"sj"},"spec":{"schedule":"0 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}'
out=$(post /apis/batch/v2alpha1/namespaces/default/scheduledjobs "$SJ")
expect "create a ScheduledJob (no v1 history-limit defaults)" "201 ScheduledJob False" "$(code) $(echo "$out" | json 'd["kind"]+" "+str("successfulJobsHistoryLimit" in d["spec"])')"
out=$(api GET /apis/batch/v2alpha1/namespaces/default/scheduledjobs)
expect "scheduledjobs lists cronjobs too" "cj,sj" "$(echo "$out" | json '",".join(sorted(i["metadata"]["name"] for i in d["items"]))')"
expect "the ScheduledJob is a batch/v1 CronJob" "CronJob batch/v1" "$(api GET /apis/batch/v1/namespaces/default/cronjobs/sj | json 'd["kind"]+" "+d["apiVersion"]')"
out=$(post /apis/policy/v1alpha1/namespaces/default/poddisruptionbudgets '{"apiVersion":"policy/v1alpha1","kind":"PodDisruptionBudget","metadata":{"name":"old"},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"web"}}}}')
expect "policy/v1alpha1 PDB: boolean disruptionAllowed" "201 policy/v1alpha1 False" "$(code) $(echo "$out" | json 'd["apiVersion"]+" "+str(d["status"]["disruptionAllowed"])')"
expect "the same PDB in policy/v1" "0" "$(api GET /apis/policy/v1/namespaces/default/poddisruptionbudgets/old | json 'd["status"]["disruptionsAllowed"]')"
out=$(post /apis/extensions/v1beta1/namespaces/default/deployments '{"apiVersion":"extensions/v1beta1","kind":"Deployment","metadata":{"name":"ext"},"spec":{"template":{"metadata":{"labels":{"app":"ext"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}')
expect "extensions/v1beta1 deployment stored as apps/v1" "201 apps/v1" "$(code) $(api GET /apis/apps/v1/namespaces/default/deployments/ext | json 'd["apiVersion"]')"
post /apis/extensions/v1beta1/namespaces/default/networkpolicies '{"apiVersion":"extensions/v1beta1","kind":"NetworkPolicy","metadata":{"name":"old"},"spec":{"podSelector":{}}}' >/dev/null
expect "extensions/v1beta1 networkpolicy stored in the v1 shape" '201 ["Ingress"]' "$(code) $(api GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/old | json 'd["spec"]["policyTypes"]')"
ICS='[{"name":"init","image":"busybox"}]'
out=$(post $NS/pods "$(python3 -c 'import json,sys; print(json.dumps({"apiVersion":"v1","kind":"Pod","metadata":{"name":"ann","annotations":{"pod.beta.kubernetes.io/init-containers":sys.argv[1]}},"spec":{"containers":[{"name":"c","image":"x"}]}}))' "$ICS")")
expect "init-containers annotation fills spec.initContainers" "201 init" "$(code) $(echo "$out" | json 'd["spec"]["initContainers"][0]["name"]')"
post $NS/pods "$(python3 -c 'import json,sys; print(json.dumps({"apiVersion":"v1","kind":"Pod","metadata":{"name":"ann2","annotations":{"pod.alpha.kubernetes.io/init-containers":sys.argv[1]}},"spec":{"initContainers":[{"name":"other","image":"y"}],"containers":[{"name":"c","image":"x"}]}}))' "$ICS")" >/dev/null
expect "annotation and spec.initContainers disagreeing 422" 422 "$(code)"
out=$(api PUT $NS/pods/ann/status -H "$J" -d "$(api GET $NS/pods/ann | python3 -c 'import json,sys
d=json.load(sys.stdin); d["status"]["initContainerStatuses"]=[{"name":"init","ready":False,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{}}}]; print(json.dumps(d))')")
expect "init container statuses mirrored into the beta annotation" "200 init" \
    "$(code) $(echo "$out" | json 'json.loads(d["metadata"]["annotations"]["pod.beta.kubernetes.io/init-container-statuses"])[0]["name"]')"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"initContainers":[{"name":"i","image":"x","readinessProbe":{"exec":{"command":["true"]}}}],"containers":[{"name":"c","image":"x"}]}}')
expect "init container with a readinessProbe 422" "422 Invalid spec.initContainers[0].readinessProbe" "$(cause "$out")"
out=$(post $NS/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"initContainers":[{"name":"c","image":"x"}],"containers":[{"name":"c","image":"x"}]}}')
expect "init and app container with one name 422 Duplicate" "422 FieldValueDuplicate" "$(code) $(echo "$out" | json 'd["details"]["causes"][0]["reason"]')"
if command -v kubectl >/dev/null; then
	printf 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "%s"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n' "$API_URL" >"$CK_TMP/kubeconfig"
	k() { kubectl --kubeconfig "$CK_TMP/kubeconfig" "$@"; }
	expect "kubectl get petsets lists both names' objects" "pets web" "$(k get petsets -o name 2>&1 | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//')"
	expect "kubectl get scheduledjobs lists both names' objects" "cj sj" "$(k get scheduledjobs -o name 2>&1 | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//')"
	expect "kubectl get statefulsets sees the PetSet" "pets web" "$(k get statefulsets -o name 2>&1 | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//')"
else
	skip "kubectl get petsets / scheduledjobs" "no kubectl"
fi

# --- services: defaults, ClusterIPs and NodePorts
out=$(api GET $NS/services/kubernetes)
expect "the kubernetes service exists" '10.96.0.1 ["10.96.0.1"] 443 https' "$(echo "$out" | json 'd["spec"]["clusterIP"]+" "+json.dumps(d["spec"]["clusterIPs"])+" "+str(d["spec"]["ports"][0]["port"])+" "+d["spec"]["ports"][0]["name"]')"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s1"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}')
expect "create service 201" 201 "$(code)"
expect "service defaults" "ClusterIP None TCP 80" \
    "$(echo "$out" | json '" ".join(str(x) for x in [d["spec"]["type"],d["spec"]["sessionAffinity"],d["spec"]["ports"][0]["protocol"],d["spec"]["ports"][0]["targetPort"]])')"
ip1=$(echo "$out" | json 'd["spec"]["clusterIP"]')
expect "clusterIP from 10.96.0.0/12, clusterIPs too" "True True" \
    "$(echo "$out" | python3 -c 'import json,sys,ipaddress
d=json.load(sys.stdin); ip=d["spec"]["clusterIP"]
print(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12"), d["spec"]["clusterIPs"]==[ip])')"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"hl"},"spec":{"clusterIP":"None","selector":{"app":"web"}}}')
expect "headless service keeps None" "201 None" "$(code) $(echo "$out" | json 'd["spec"]["clusterIP"]')"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s2"},"spec":{"clusterIP":"10.96.7.7","ports":[{"port":80}]}}')
expect "requested clusterIP honoured" '201 10.96.7.7 ["10.96.7.7"]' "$(code) $(echo "$out" | json 'd["spec"]["clusterIP"]+" "+json.dumps(d["spec"]["clusterIPs"])')"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s3"},"spec":{"clusterIP":"10.96.7.7","ports":[{"port":80}]}}')
expect "taken clusterIP 422" "422 Invalid spec.clusterIPs" "$(cause "$out")"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s3"},"spec":{"clusterIP":"192.168.0.1","ports":[{"port":80}]}}')
expect "clusterIP out of range 422" "422 Invalid spec.clusterIPs" "$(cause "$out")"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"np"},"spec":{"type":"NodePort","ports":[{"name":"a","port":80},{"name":"b","port":81,"nodePort":30080}]}}')
expect "NodePort service: allocated and requested nodePorts" "201 True 30080" \
    "$(code) $(echo "$out" | json 'str(30000<=d["spec"]["ports"][0]["nodePort"]<=32767)+" "+str(d["spec"]["ports"][1]["nodePort"])')"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"np2"},"spec":{"type":"LoadBalancer","ports":[{"port":80,"nodePort":30080}]}}')
expect "taken nodePort 422" "422 Invalid spec.ports[0].nodePort" "$(cause "$out")"
out=$(post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"np2"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":1}]}}')
expect "nodePort out of range 422" "422 Invalid spec.ports[0].nodePort" "$(cause "$out")"
post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad"},"spec":{"ports":[{"port":0}]}}' >/dev/null
expect "service port 0 422" 422 "$(code)"
out=$(api PATCH $NS/services/s1 -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"clusterIP":"10.96.9.9"}}')
expect "clusterIP immutable 422" "422 Invalid spec.clusterIPs[0]" "$(cause "$out")"
out=$(api PUT $NS/services/s1 -H "$J" -d "$(api GET $NS/services/s1 | python3 -c 'import json,sys
d=json.load(sys.stdin); del d["spec"]["clusterIP"]; del d["spec"]["clusterIPs"]; d["metadata"]["labels"]={"a":"b"}; print(json.dumps(d))')")
expect "PUT without clusterIP keeps it" "200 $ip1" "$(code) $(echo "$out" | json 'd["spec"]["clusterIP"]')"
out=$(api PATCH $NS/services/s1 -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"type":"NodePort"}}')
expect "ClusterIP -> NodePort gets a nodePort" "200 True" "$(code) $(echo "$out" | json 'str(d["spec"]["ports"][0]["nodePort"]>=30000)')"
api DELETE $NS/services/s2 >/dev/null
api DELETE $NS/services/np >/dev/null
post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s4"},"spec":{"clusterIP":"10.96.7.7","type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}' >/dev/null
expect "IP and nodePort released on delete" 201 "$(code)"
# Allocations are the stored services: a restart hands out no duplicates.
stop_apiserver
start_apiserver api || not_ok "apiserver restarts"
post $NS/services '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s5"},"spec":{"clusterIP":"10.96.7.7","ports":[{"port":80}]}}' >/dev/null
expect "after a restart, a taken IP is still taken" 422 "$(code)"
for i in 1 2 3 4 5 6 7 8; do
	post $NS/services "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"m$i\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}" >/dev/null
done
out=$(api GET $NS/services)
expect "no clusterIP or nodePort handed out twice" "True True" "$(echo "$out" | json '(lambda ips, ports: str(len(ips)==len(set(ips)))+" "+str(len(ports)==len(set(ports))))([i["spec"]["clusterIP"] for i in d["items"] if i["spec"].get("clusterIP") not in (None,"None")], [p["nodePort"] for i in d["items"] for p in i["spec"].get("ports",[]) if p.get("nodePort")])')"

stop_apiserver
finish
