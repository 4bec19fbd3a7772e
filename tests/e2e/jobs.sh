#!/usr/bin/env bash
# e2e: the Job and CronJob controllers on a whole cluster, driven by the real kubectl: a Job of
# 3 completions / parallelism 2 completes with never more than 2 pods running; a failing Job
# with backoffLimit 1 fails with BackoffLimitExceeded; a `* * * * *` CronJob, a ScheduledJob
# created through batch/v2alpha1 and a suspended CronJob share one real minute: the first two
# create <name>-<minutes> and record lastScheduleTime, the suspended one creates nothing;
# `kubectl create job --from=cronjob/x`; schedule and name validation; the get columns.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim job-controller scheduledjob-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null; then
	skip "jobs e2e" "needs kubectl and bin/ckube-{scheduler,kubelet-sim,job-controller,...}"
	exit 0
fi
check "a cluster of 2 nodes comes up" e2e_up --nodes 2

is() { [ "$("${@:2}")" = "$1" ]; }

# The minute-bound scenarios first, so that they share one real minute with the rest.
kc apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: busybox, command: [sh, -c, "sleep 1; exit 0"]}]
---
apiVersion: batch/v2alpha1
kind: ScheduledJob
metadata: {name: legacy}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, "exit 0"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: sleepy}
spec:
  schedule: "* * * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, "exit 0"]}]
YAML
check "a CronJob, a v2alpha1 ScheduledJob and a suspended CronJob are created" test $? = 0

kc apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "sleep 2; exit 0"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: doomed}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "sleep 1; exit 3"]}]
YAML
check "two Jobs are created" test $? = 0

# Poll pi, remembering the most pods it ever had running or pending at once.
max_file=$CK_TMP/pi.max
echo 0 >"$max_file"
pi_done() {
	local n
	n=$(kc get pods -l job-name=pi -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' |
	    grep -c -v -e Succeeded -e Failed -e '^$')
	[ "$n" -gt "$(cat "$max_file")" ] && echo "$n" >"$max_file"
	[ "$(kc get job pi -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}')" = True ]
}
check "Job pi (completions 3, parallelism 2) completes" eventually -t 60 pi_done
expect "pi: 3 succeeded" 3 "$(kc get job pi -o jsonpath='{.status.succeeded}')"
expect "pi: 3 pods, all Succeeded" "3 Succeeded" "$(kc get pods -l job-name=pi \
    -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | sort | uniq -c | awk '{print $1, $2}')"
max=$(cat "$max_file")
if [ "$max" -le 2 ] && [ "$max" -ge 1 ]; then ok "pi never ran more than 2 pods ($max)"
else not_ok "pi never ran more than 2 pods" "max seen: $max"; fi
expect "pi has a completionTime" 1 "$(kc get job pi -o jsonpath='{.status.completionTime}' | grep -c T)"
expect "pods carry the job labels" pi "$(kc get pods -l batch.kubernetes.io/job-name=pi \
    -o jsonpath='{.items[0].metadata.labels.job-name}')"
expect "pods are controlled by the Job" "Job true true" "$(kc get pods -l job-name=pi \
    -o jsonpath='{.items[0].metadata.ownerReferences[0].kind} {.items[0].metadata.ownerReferences[0].controller} {.items[0].metadata.ownerReferences[0].blockOwnerDeletion}')"

doomed_failed() {
	[ "$(kc get job doomed -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')" = BackoffLimitExceeded ]
}
check "Job doomed (backoffLimit 1) fails with BackoffLimitExceeded" eventually -t 60 doomed_failed
expect "doomed: 2 failed pods" 2 "$(kc get job doomed -o jsonpath='{.status.failed}')"

header() { kc get "$1" | head -1 | tr -s ' '; }
expect "kubectl get jobs columns" "NAME STATUS COMPLETIONS DURATION AGE" "$(header jobs)"
expect "kubectl get jobs: pi row" "pi Complete 3/3" "$(kc get jobs pi --no-headers | awk '{print $1, $2, $3}')"
expect "kubectl get jobs: doomed row" "doomed Failed 0/1" "$(kc get jobs doomed --no-headers | awk '{print $1, $2, $3}')"
expect "kubectl get cronjobs columns" "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE" "$(header cronjobs)"

out=$(kc create cronjob bad --image=busybox --schedule='61 * * * *' 2>&1)
if [ $? != 0 ] && grep -q 'spec.schedule: Invalid value' <<<"$out"; then ok "schedule 61 * * * * is refused (422)"
else not_ok "schedule 61 * * * * is refused (422)" "$out"; fi
out=$(kc create cronjob bad --image=busybox --schedule='TZ=UTC * * * * *' 2>&1)
if [ $? != 0 ] && grep -q 'TZ' <<<"$out"; then ok "TZ= in the schedule is refused"
else not_ok "TZ= in the schedule is refused" "$out"; fi
long=$(printf 'c%.0s' $(seq 53))
out=$(kc create cronjob "$long" --image=busybox --schedule='* * * * *' 2>&1)
if [ $? != 0 ] && grep -q 'must be no more than 52 characters' <<<"$out"; then ok "a 53-character name is refused"
else not_ok "a 53-character name is refused" "$out"; fi

check "kubectl create job --from=cronjob/hello" kc create job manual-1 --from=cronjob/hello
manual_done() { [ "$(kc get job manual-1 -o jsonpath='{.status.succeeded}')" = 1 ]; }
check "the manual job runs to completion" eventually -t 30 manual_done

# The real minute: each scheduled CronJob gets <name>-<minutes of lastScheduleTime>.
scheduled() {
	local lst
	lst=$(kc get cronjob "$1" -o jsonpath='{.status.lastScheduleTime}')
	[ -n "$lst" ] || return 1
	kc get job "$1-$(( $(date -u -d "$lst" +%s) / 60 ))" >/dev/null
}
check "the * * * * * CronJob creates hello-<minutes> and records lastScheduleTime" eventually -t 70 scheduled hello
check "the v2alpha1 ScheduledJob does the same" eventually -t 10 scheduled legacy
expect "kubectl get scheduledjobs lists it" legacy "$(kc get scheduledjobs legacy --no-headers | awk '{print $1}')"
expect "the ScheduledJob reads back through batch/v2alpha1" ScheduledJob \
    "$(kc get scheduledjobs.v2alpha1.batch legacy -o jsonpath='{.kind}')"
job=$(kc get jobs -o name | grep '^job.batch/hello-' | head -1)
expect "the job is controlled by the CronJob" "CronJob hello true" "$(kc get "$job" \
    -o jsonpath='{.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].controller}')"
expect "the job has the scheduled-timestamp annotation" 1 "$(kc get "$job" \
    -o jsonpath='{.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}' | grep -c T)"
last_ok() { [ -n "$(kc get cronjob hello -o jsonpath='{.status.lastSuccessfulTime}')" ]; }
check "hello's job succeeds: lastSuccessfulTime is set" eventually -t 30 last_ok
expect "the suspended CronJob created nothing" 0 "$(kc get jobs -o name | grep -c '^job.batch/sleepy-')"
expect "kubectl get cronjobs: sleepy is suspended" "sleepy * * * * * <none> True" \
    "$(kc get cronjobs sleepy --no-headers | awk '{print $1, $2, $3, $4, $5, $6, $7, $8}')"
finish
