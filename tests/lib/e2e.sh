#!/usr/bin/env bash
# e2e.sh: helpers for end-to-end suites (source after lib.sh). One whole cluster per suite
# through deploy/local-cluster.sh in $CK_TMP/cluster, the real kubectl through `kc`, and
# the cluster stopped (logs shown on failure) by lib.sh's cleanup.

E2E_DIR=$CK_TMP/cluster
E2E_LC=$CK_ROOT/deploy/local-cluster.sh
KUBECTL=${KUBECTL:-kubectl}

# shellcheck disable=SC2034 # API_URL is lib.sh's, used by api()
# e2e_up [local-cluster.sh up flags...]: start the cluster; sets API_URL, E2E_KUBECONFIG.
e2e_up() {
	BIN=$CK_BIN bash "$E2E_LC" up --dir "$E2E_DIR" "$@" >"$CK_TMP/up.log" 2>&1 || return 1
	# shellcheck disable=SC1091 # written by local-cluster.sh
	. "$E2E_DIR/env"
	API_URL=$CKUBE_API_URL
	E2E_KUBECONFIG=$E2E_DIR/kubeconfig
}

# e2e_down: stop every daemon of the cluster (idempotent).
e2e_down() {
	[ -d "$E2E_DIR" ] && bash "$E2E_LC" down --dir "$E2E_DIR" >/dev/null 2>&1
	return 0
}

# e2e_daemon_pid NAME: pid of ckube-NAME in the cluster.
e2e_daemon_pid() { cat "$E2E_DIR/run/$1.pid" 2>/dev/null; }

# kc ARGS...: the real kubectl against the cluster.
kc() { "$KUBECTL" --kubeconfig "$E2E_KUBECONFIG" --cache-dir "$CK_TMP/kcache" "$@"; }

# has_bin NAME...: all of bin/ckube-NAME exist.
has_bin() {
	local n
	for n in "$@"; do [ -x "$CK_BIN/ckube-$n" ] || return 1; done
}

e2e_cleanup() {
	local f
	e2e_down
	if [ "$CK_FAILED" != 0 ]; then
		for f in "$E2E_DIR"/logs/*.log; do show_log "$f"; done
	fi
	ck_cleanup
}
trap e2e_cleanup EXIT
