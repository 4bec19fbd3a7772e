#!/usr/bin/env bash
# e2e: a secure cluster (local-cluster.sh up --secure --user alice) with the real kubectl:
# HTTPS only on the secure port, 401 without credentials, the admin kubeconfig works; alice
# (no bindings) is Forbidden until a RoleBinding to view lets her list pods but not create
# them or read secrets, and `kubectl auth can-i` agrees; `kubectl create token` prints a
# ServiceAccount token that authenticates and dies with its ServiceAccount; every daemon has
# its own identity and the cluster still runs a Deployment's pods; keys, tokens, kubeconfigs
# and the watch bus socket are owner-only; status, down and a restart reusing the PKI.
# Checks needing RBAC are skipped while ckube-apiserver has no --authorization-mode.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"

need=(apiserver scheduler kubelet-sim replicaset-controller deployment-controller
    serviceaccount-controller)
if ! has_bin "${need[@]}" || ! command -v "$KUBECTL" >/dev/null || ! command -v openssl >/dev/null; then
	skip "secure e2e" "needs kubectl, openssl and bin/ckube-{scheduler,kubelet-sim,...-controller}"
	exit 0
fi
help=$("$CK_BIN/ckube-apiserver" --help 2>&1)
if ! grep -q -- "--secure-port " <<<"$help"; then
	skip "secure e2e" "ckube-apiserver has no --secure-port"
	exit 0
fi
rbac=0
grep -q -- "--authorization-mode " <<<"$help" && rbac=1
# rbac_check NAME CMD...: a check that needs RBAC (SKIP while the apiserver has none).
rbac_check() {
	if [ "$rbac" = 1 ]; then check "$@"; else skip "$1" "ckube-apiserver has no --authorization-mode"; fi
}

check "a secure cluster with user alice comes up" e2e_up --secure --user alice --nodes 2
SPORT=$(cat "$E2E_DIR/run/apiserver.secure-port")
PKI=$E2E_DIR/pki
ALICE=$E2E_DIR/kubeconfig-alice
ka() { "$KUBECTL" --kubeconfig "$ALICE" --cache-dir "$CK_TMP/kcache-alice" "$@"; }
is() { [ "$("${@:2}")" = "$1" ]; }
has() { "${@:2}" 2>&1 | grep -q -- "$1"; }

check "the API URL is https on the secure port" test "$API_URL" = "https://127.0.0.1:$SPORT"
check "plain http to the secure port gets no answer" \
    sh -c "! curl -fs -o /dev/null --max-time 5 http://127.0.0.1:$SPORT/api"
check "an anonymous request gets 401" is 401 \
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$PKI/ca.crt" "$API_URL/api/v1/pods"
check "a wrong token gets 401" is 401 curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    --cacert "$PKI/ca.crt" -H "Authorization: Bearer nope" "$API_URL/api/v1/pods"
check "the server certificate verifies against the cluster CA" \
    curl -fsS -o /dev/null --max-time 5 --cacert "$PKI/ca.crt" "$API_URL/readyz"
check "kubectl with DIR/kubeconfig lists namespaces" has kube-system kc get namespaces
check "the admin is ckube-admin in system:masters" has system:masters kc auth whoami
check "alice's kubeconfig authenticates alice" \
    is alice ka auth whoami -o jsonpath='{.status.userInfo.username}'

# Every daemon talks with its own identity.
whoami_of() {
	"$KUBECTL" --kubeconfig "$E2E_DIR/kubeconfigs/$1.kubeconfig" --cache-dir "$CK_TMP/kcache-$1" \
	    auth whoami -o jsonpath='{.status.userInfo.username}'
}
check "the scheduler is system:kube-scheduler" is system:kube-scheduler whoami_of scheduler
check "kubelet-sim is system:node:kubelet-sim" is system:node:kubelet-sim whoami_of kubelet-sim
check "the replicaset controller is system:ckube:replicaset-controller" \
    is system:ckube:replicaset-controller whoami_of replicaset-controller

# Owner-only files.
mode() { stat -c %a "$1"; }
check "tokens.csv and the private keys are 0600" \
    sh -c "[ $(mode "$PKI/tokens.csv") = 600 ] && [ $(mode "$PKI/ca.key") = 600 ] && [ $(mode "$PKI/sa.key") = 600 ]"
check "the daemons' kubeconfigs are 0600" is 600 mode "$E2E_DIR/kubeconfigs/scheduler.kubeconfig"
check "the watch bus socket is 0600" is 600 mode "$E2E_DIR/data/bus"

# RBAC: alice has no binding, then view in default.
rbac_check "alice may not list pods (Forbidden)" has 'pods is forbidden: User "alice" cannot list' \
    ka get pods
kc create rolebinding alice-view --clusterrole=view --user=alice >/dev/null 2>&1
rbac_check "with the view RoleBinding alice lists pods" eventually ka get pods
rbac_check "but may not create pods" has Forbidden ka run p --image=nginx
rbac_check "nor read secrets" has Forbidden ka get secrets
rbac_check "auth can-i list pods: yes" is yes ka auth can-i list pods
rbac_check "auth can-i create pods: no" is no ka auth can-i create pods
rbac_check "auth can-i get secrets: no" is no ka auth can-i get secrets

# ServiceAccount tokens.
kc create serviceaccount robot >/dev/null
TOK=$(kc create token robot 2>&1)
check "kubectl create token prints a JWT" grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' <<<"$TOK"
check "the token authenticates as the ServiceAccount" is system:serviceaccount:default:robot \
    ka --token="$TOK" auth whoami -o jsonpath='{.status.userInfo.username}'
check "kubectl create token default works too" sh -c "kubectl --kubeconfig '$E2E_KUBECONFIG' create token default | grep -q '^eyJ'"
check "a duration under 10 minutes is refused" has "may not specify a duration less than 10 minutes" \
    kc create token robot --duration=1m
kc delete serviceaccount robot >/dev/null
check "deleting the ServiceAccount revokes its token" has Unauthorized ka --token="$TOK" auth whoami

# The cluster runs workloads with its own identities.
kc create deployment web --image=nginx:1.10 --replicas=2 >/dev/null
rollout() { kc rollout status deploy/web --timeout=60s >/dev/null; }
check "a Deployment's 2 pods become available" rollout
running() { kc get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase}{" "}{end}'; }
check "its pods are scheduled and Running" eventually is "Running Running " running

# status, down, and a restart that keeps the PKI.
check "status shows the https API" has "api: https://127.0.0.1:$SPORT" \
    bash "$E2E_LC" status --dir "$E2E_DIR"
ca_sum=$(sha256sum <"$PKI/ca.crt")
tok_sum=$(sha256sum <"$PKI/tokens.csv")
check "down stops the secure cluster" sh -c "bash '$E2E_LC' down --dir '$E2E_DIR' >/dev/null"
check "up --secure restarts it" e2e_up --secure --user alice --nodes 2
check "the restart kept the CA and the tokens" \
    sh -c "[ '$(sha256sum <"$PKI/ca.crt")' = '$ca_sum' ] && [ '$(sha256sum <"$PKI/tokens.csv")' = '$tok_sum' ]"
check "alice's old kubeconfig still works" is alice ka auth whoami -o jsonpath='{.status.userInfo.username}'
check "the Deployment is still available" rollout
finish
