#!/usr/bin/env bash
# local-cluster.sh: start, stop and inspect a whole ckube cluster on loopback, in one folder.
#
#   local-cluster.sh up --dir DIR [--port P] [--nodes N] [--kubelet-flags "..."]
#       [--daemon-flags NAME="..."]... [--foreground] [--secure [--user NAME]...] [--ha]
#   local-cluster.sh down --dir DIR
#   local-cluster.sh status --dir DIR
#
# `up` starts every ckube daemon found in the bin folder (BIN, default ../bin beside this
# script): the apiserver first (waiting for /readyz), then the others. Data lives in DIR/data,
# logs in DIR/logs/<daemon>.log, pid files in DIR/run/<daemon>.pid. It writes DIR/kubeconfig
# (for the real kubectl) and DIR/env (shell assignments: CKUBE_API_URL, CKUBE_DIR,
# CKUBE_KUBECONFIG, CKUBE_WATCH_BUS; CKUBE_DNS_ADDR=127.0.0.1:PORT when bin has ckube-dns,
# which serves cluster DNS on a free loopback port). It returns 0 once the cluster is ready (with kubelet-sim:
# N nodes Ready) within CKUBE_UP_TIMEOUT seconds (60), else non-zero with the failing log's tail.
# `up` on an existing DIR resumes its state. `down` stops every daemon (SIGTERM, then SIGKILL
# after CKUBE_STOP_GRACE seconds, 5) and keeps the data. `--daemon-flags NAME="..."` adds
# flags to ckube-NAME (e.g. metrics-server="--metric-resolution=2s"); repeatable.
#
# `--secure` (docs/security.md, "Running secure"): deploy/gen-pki.sh makes DIR/pki once (CA,
# serving certificate, ServiceAccount keys, tokens.csv with a token for ckube-admin, one per
# daemon identity and one per --user NAME); the apiserver serves HTTPS on a loopback port
# (DIR/run/apiserver.secure-port) with tokens, RBAC and no anonymous access, its insecure
# port on loopback only; DIR/kubeconfig is the admin's (https, CA embedded),
# DIR/kubeconfig-NAME each user's, DIR/kubeconfigs/D.kubeconfig daemon D's (0600); every
# file is created with umask 077 (the watch bus socket DIR/data/bus is 0600).
#
# `--ha` (docs/deploy.md, "High availability"; local-cluster-ha.sh): 3 etcd members
# (DIR/etcd-<i>), 2 apiservers on them, HAProxy on the front port (--port or a free one) and
# 2 leader-elected copies of every controller; DIR/kubeconfig points at HAProxy, DIR/env adds
# CKUBE_API_URLS and CKUBE_ETCD_ENDPOINTS; pid files DIR/run/<daemon>-<i>.pid. `status` shows
# the members' health and which copy of each daemon leads; `down` stops them all.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${BIN:-$here/../bin}
UP_TIMEOUT=${CKUBE_UP_TIMEOUT:-60}
STOP_GRACE=${CKUBE_STOP_GRACE:-5}
ME=local-cluster
# shellcheck source=deploy/daemons-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/daemons-lib.sh"

usage() {
	sed -n '4,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,3\}//' >&2
	exit 2
}

die() {
	echo "local-cluster: $*" >&2
	exit 1
}

cmd=${1:-}
[ -n "$cmd" ] || usage
case "$cmd" in
up|down|status) ;;
-h|--help) usage ;;
*) echo "local-cluster: unknown command: $cmd" >&2; usage ;;
esac
shift
dir="" port=0 nodes=3 kubelet_flags="" foreground=0 secure=0 ha=0
declare -A daemon_flags=()
users=()
while [ $# -gt 0 ]; do
	case "$1" in
	--dir) dir=${2:?--dir needs a value}; shift 2 ;;
	--dir=*) dir=${1#*=}; shift ;;
	--port) port=${2:?--port needs a value}; shift 2 ;;
	--port=*) port=${1#*=}; shift ;;
	--nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
	--nodes=*) nodes=${1#*=}; shift ;;
	--kubelet-flags) kubelet_flags=${2?--kubelet-flags needs a value}; shift 2 ;;
	--kubelet-flags=*) kubelet_flags=${1#*=}; shift ;;
	--daemon-flags) v=${2:?--daemon-flags needs NAME=FLAGS}; daemon_flags[${v%%=*}]=${v#*=}; shift 2 ;;
	--daemon-flags=*) v=${1#*=}; daemon_flags[${v%%=*}]=${v#*=}; shift ;;
	--foreground) foreground=1; shift ;;
	--secure) secure=1; shift ;;
	--ha) ha=1; shift ;;
	--user) users+=("${2:?--user needs a name}"); shift 2 ;;
	--user=*) users+=("${1#*=}"); shift ;;
	-h|--help) usage ;;
	*) die "unknown argument: $1" ;;
	esac
done
[ -n "$dir" ] || die "--dir is required"
[[ "$port" =~ ^[0-9]+$ ]] || die "--port must be a number"
[[ "$nodes" =~ ^[0-9]+$ ]] || die "--nodes must be a number"
[ ${#users[@]} -eq 0 ] || [ "$secure" = 1 ] || die "--user needs --secure"
# status and down of a secure cluster need no flag: DIR/pki says it is one.
[ "$cmd" != up ] && [ -s "$dir/pki/tokens.csv" ] && secure=1
# ... and DIR/ha-ports an HA one.
[ "$cmd" != up ] && [ -s "$dir/ha-ports" ] && ha=1
[ "$secure" = 1 ] && umask 077
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
BIN=$(cd "$BIN" 2>/dev/null && pwd) || die "no bin folder at $BIN (run make first)"

# Command-line tools (port "tool" in deploy/daemons.tsv, e.g. netpol) are no daemons.
TABLE=${CKUBE_DEPLOY_TABLE:-$here/daemons.tsv}
tools=$(sed -e 's/#.*//' "$TABLE" 2>/dev/null | awk '$2 == "tool" { print $1 }' || true)

# The daemons, in start order; the apiserver must be first. A daemon missing from bin/ is skipped.
daemons_in_bin() {
	local d
	if [ -n "${daemons_cache:-}" ]; then echo "$daemons_cache"; return; fi
	[ -x "$BIN/ckube-apiserver" ] && echo apiserver
	for d in "$BIN"/ckube-*; do
		[ -x "$d" ] || continue
		d=${d##*/ckube-}
		case "$d" in apiserver|federation-*) continue ;; esac
		[[ $'\n'$tools$'\n' == *$'\n'$d$'\n'* ]] && continue
		echo "$d"
	done
}
daemons_cache=$(daemons_in_bin)






# shellcheck source=deploy/local-cluster-ha.sh
. "$here/local-cluster-ha.sh"

# api_curl ARGS...: curl to the apiserver as the admin (CA and token on a secure cluster).
api_curl() {
	if [ "$secure" = 1 ]; then
		curl --cacert "$dir/pki/ca.crt" -H @"$dir/run/admin.header" "$@"
	else
		curl "$@"
	fi
}

api_ready() {
	local p
	pid_alive "$dir/run/apiserver.pid" || return 2
	[ -s "$dir/run/apiserver.port" ] || return 1
	p=$(cat "$dir/run/apiserver.port")
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$p/readyz" 2>/dev/null || return 1
	[ "$secure" = 1 ] || return 0
	[ -s "$dir/run/apiserver.secure-port" ] || return 1
	p=$(cat "$dir/run/apiserver.secure-port")
	api_curl -fsS -o /dev/null --max-time 2 "https://127.0.0.1:$p/readyz" 2>/dev/null
}

nodes_ready() {
	local n
	pid_alive "$dir/run/kubelet-sim.pid" || return 2
	n=$(api_curl -fsS --max-time 5 "$CKUBE_API_URL/api/v1/nodes" 2>/dev/null |
	    grep -o '"type": *"Ready", *"status": *"True"' | wc -l) || return 1
	[ "$n" -ge "$nodes" ]
}

# metrics_api: the aggregator reaches ckube-metrics-server (kubectl's discovery asks every
# APIService's group and prints an error for each one it cannot reach).
metrics_api() {
	pid_alive "$dir/run/metrics-server.pid" || return 2
	api_curl -fsS -o /dev/null --max-time 5 "$CKUBE_API_URL/apis/metrics.k8s.io/v1beta1" 2>/dev/null
}

write_client_files() {
	local url=$1 u
	if [ "$secure" = 1 ]; then
		"$PKI" kubeconfig "$dir/pki" "$url" ckube-admin "$dir/kubeconfig"
		for u in "${users[@]}"; do
			"$PKI" kubeconfig "$dir/pki" "$url" "$u" "$dir/kubeconfig-$u"
		done
		# shellcheck disable=SC2046 # one word per daemon
		"$PKI" daemon-kubeconfigs "$dir/pki" "$url" "$dir/kubeconfigs" \
		    $(daemons_in_bin | grep -vx apiserver)
		write_env "$url"
		return
	fi
	cat >"$dir/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: ckube
  cluster:
    server: $url
contexts:
- name: ckube
  context:
    cluster: ckube
    user: ckube-admin
    namespace: default
current-context: ckube
users:
- name: ckube-admin
  user: {}
KCFG
	write_env "$url"
}

write_env() {
	local url=$1
	cat >"$dir/env" <<ENV
CKUBE_DIR=$dir
CKUBE_API_URL=$url
CKUBE_KUBECONFIG=$dir/kubeconfig
CKUBE_WATCH_BUS=ipc://$dir/data/bus
ENV
	[ "$secure" = 1 ] && echo "CKUBE_CA_FILE=$dir/pki/ca.crt" >>"$dir/env"
	return 0
}

PKI=$here/gen-pki.sh
SECURE_FLAGS="secure-port secure-bind-address tls-cert-file tls-private-key-file client-ca-file
token-auth-file anonymous-auth service-account-key-file service-account-signing-key-file"

# secure_prepare: the credentials (DIR/pki, made once) and the secure port; dies when the
# apiserver lacks a flag secure mode needs.
secure_prepare() {
	local f help d p
	local -a args=()
	help=$("$BIN/ckube-apiserver" --help 2>&1 || true)
	for f in $SECURE_FLAGS; do
		grep -q -- "--${f}[ =]" <<<"$help" ||
		    die "--secure: ckube-apiserver has no --$f flag (build a tree with TLS, token authentication and RBAC)"
	done
	# Without RBAC every authenticated user may do everything: said, not fatal.
	authz_flag=--authorization-mode=RBAC
	if ! grep -q -- "--authorization-mode[ =]" <<<"$help"; then
		echo "local-cluster: warning: ckube-apiserver has no --authorization-mode: no RBAC," \
		    "every authenticated user may do everything" >&2
		authz_flag=
	fi
	for d in $(daemons_in_bin); do
		[ "$d" = apiserver ] || args+=(--daemon "$d")
	done
	for f in "${users[@]}"; do args+=(--user "$f"); done
	"$PKI" init "$dir/pki" "${args[@]}" || die "could not create $dir/pki"
	printf 'Authorization: Bearer %s\n' "$("$PKI" token "$dir/pki" ckube-admin)" >"$dir/run/admin.header"
	chmod 0700 "$dir/data" "$dir/run"
	# The secure port: the last one when it seems free, else 0 (the apiserver takes an
	# ephemeral one and writes it to run/apiserver.secure-port).
	secure_port=0
	if [ -s "$dir/run/apiserver.secure-port" ]; then
		p=$(cat "$dir/run/apiserver.secure-port")
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || secure_port=$p
	fi
}

# secure_flags: the apiserver's flags of a secure cluster.
secure_flags() {
	local k=$dir/pki
	echo "--secure-bind-address=127.0.0.1 --secure-port=$secure_port" \
	    "--secure-port-file=$dir/run/apiserver.secure-port" \
	    "--tls-cert-file=$k/apiserver.crt --tls-private-key-file=$k/apiserver.key" \
	    "--client-ca-file=$k/ca.crt --token-auth-file=$k/tokens.csv --anonymous-auth=false" \
	    "$authz_flag" \
	    "--service-account-key-file=$k/sa.pub --service-account-signing-key-file=$k/sa.key"
}

# kubeconfig_of NAME: the kubeconfig daemon ckube-NAME uses.
kubeconfig_of() {
	if [ "$secure" = 1 ]; then echo "$dir/kubeconfigs/$1.kubeconfig"; else echo "$dir/kubeconfig"; fi
}

# start_apiserver: ckube-apiserver on $port (and $secure_port), on the cluster's bus.
start_apiserver() {
	local sec_flags=
	if [ "$secure" = 1 ]; then
		rm -f "$dir/run/apiserver.secure-port"
		sec_flags=$(secure_flags)
	fi
	# shellcheck disable=SC2086 # a list of flags
	start_daemon apiserver --bind-address=127.0.0.1 --port="$port" \
	    --port-file="$dir/run/apiserver.port" --data-dir="$dir/data" \
	    --watch-bus="ipc://$dir/data/bus" --v="${CKUBE_V:-1}" $sec_flags ${daemon_flags[apiserver]:-}
}

do_up() {
	local deadline name p url dns_flag kept=0
	mkdir -p "$dir/data" "$dir/logs" "$dir/run"
	deadline=$(($(date +%s) + UP_TIMEOUT))
	[ -x "$BIN/ckube-apiserver" ] || die "no $BIN/ckube-apiserver (run make first)"
	[ "$secure" = 1 ] && secure_prepare

	# A resumed cluster keeps its ports when they seem free, so kubeconfigs stay valid.
	# "Seem": a port some client's connection holds answers no connect but fails bind, so
	# an apiserver that exits on a kept port is started once more on ephemeral ones.
	if [ "$port" = 0 ] && [ -s "$dir/run/apiserver.lastport" ] && ! pid_alive "$dir/run/apiserver.pid"; then
		p=$(cat "$dir/run/apiserver.lastport")
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p kept=1; fi
	fi
	[ "$secure" = 1 ] && [ "$secure_port" != 0 ] && kept=1
	start_apiserver
	if ! wait_for "$deadline" api_ready && [ "$kept" = 1 ] && ! pid_alive "$dir/run/apiserver.pid"; then
		echo "local-cluster: the apiserver exited on its last ports; starting it on new ones" >&2
		port=0 secure_port=0
		start_apiserver
	fi
	if ! wait_for "$deadline" api_ready; then
		pid_alive "$dir/run/apiserver.pid" || echo "local-cluster: ckube-apiserver exited" >&2
		log_tail "$dir/logs/apiserver.log"
		die "apiserver not ready within ${UP_TIMEOUT}s"
	fi
	[ "$secure" = 1 ] && secure_port=$(cat "$dir/run/apiserver.secure-port")
	p=$(cat "$dir/run/apiserver.port")
	cp "$dir/run/apiserver.port" "$dir/run/apiserver.lastport"
	url="http://127.0.0.1:$p"
	[ "$secure" = 1 ] && url="https://127.0.0.1:$secure_port"
	write_client_files "$url"
	export CKUBE_API_URL=$url

	for name in $(daemons_in_bin); do
		[ "$name" = apiserver ] && continue
		case "$name" in
		kubelet-sim)
			# Pods' resolv settings name ckube-dns (started before, in name order).
			dns_flag=
			if [ -x "$BIN/ckube-dns" ] && wait_for "$deadline" dns_serving; then
				dns_flag=--cluster-dns=127.0.0.1:$(cat "$dir/run/dns-server.port")
			fi
			# shellcheck disable=SC2086 # kubelet_flags is a list of flags
			start_daemon "$name" --kubeconfig="$(kubeconfig_of "$name")" \
			    --watch-bus="ipc://$dir/data/bus" --port=0 \
			    --port-file="$dir/run/$name.port" --nodes="$nodes" $dns_flag $kubelet_flags ;;
		dns)
			# Cluster DNS on a free loopback port (UDP and TCP), written to DIR/env below.
			pid_alive "$dir/run/dns.pid" || rm -f "$dir/run/dns-server.port"
			# shellcheck disable=SC2086 # a list of flags
			start_daemon "$name" --kubeconfig="$(kubeconfig_of "$name")" \
			    --watch-bus="ipc://$dir/data/bus" --port=0 \
			    --port-file="$dir/run/$name.port" --dns-bind-address=127.0.0.1 \
			    --dns-port=0 --dns-port-file="$dir/run/dns-server.port" \
			    ${daemon_flags[dns]:-} ;;
		*)
			# shellcheck disable=SC2086 # a list of flags
			start_daemon "$name" --kubeconfig="$(kubeconfig_of "$name")" \
			    --watch-bus="ipc://$dir/data/bus" --port=0 \
			    --port-file="$dir/run/$name.port" ${daemon_flags[$name]:-} ;;
		esac
	done
	for name in $(daemons_in_bin); do
		if ! wait_for "$deadline" serving "$name"; then
			log_tail "$dir/logs/$name.log"
			die "ckube-$name did not start"
		fi
	done
	if [ -x "$BIN/ckube-dns" ]; then
		if ! wait_for "$deadline" dns_serving; then
			log_tail "$dir/logs/dns.log"
			die "ckube-dns did not bind its DNS port"
		fi
		sed -i '/^CKUBE_DNS_ADDR=/d' "$dir/env"
		echo "CKUBE_DNS_ADDR=127.0.0.1:$(cat "$dir/run/dns-server.port")" >>"$dir/env"
	fi
	if [ -x "$BIN/ckube-kubelet-sim" ] && [ "$nodes" -gt 0 ]; then
		if ! wait_for "$deadline" nodes_ready; then
			log_tail "$dir/logs/kubelet-sim.log"
			die "fewer than $nodes nodes Ready within ${UP_TIMEOUT}s"
		fi
	fi
	if [ -x "$BIN/ckube-metrics-server" ] &&
	    [[ "${daemon_flags[metrics-server]:-}" != *register-apiservice=false* ]] &&
	    ! wait_for "$deadline" metrics_api; then
		log_tail "$dir/logs/metrics-server.log"
		die "the metrics API (APIService v1beta1.metrics.k8s.io) is not reachable"
	fi
	echo "local-cluster: ready at $url"
	echo "  kubectl --kubeconfig $dir/kubeconfig get namespaces"
}


# stop_tier TIER: stop (all at once) the pid files of one tier: 0 the daemons, 1 the
# apiservers, 2 HAProxy and etcd (--ha). Only the stoppers are waited for: a failed `up`
# runs this with the daemons still its own children.
stop_tier() {
	local f t stoppers=()
	for f in "$dir"/run/*.pid; do
		[ -e "$f" ] || continue
		case "$(basename "$f" .pid)" in
		apiserver|apiserver-[0-9]*) t=1 ;;
		haproxy|etcd-[0-9]*) t=2 ;;
		*) t=0 ;;
		esac
		[ "$t" = "$1" ] || continue
		stop_pidfile "$f" &
		stoppers+=($!)
	done
	[ "${#stoppers[@]}" = 0 ] || wait "${stoppers[@]}"
}

do_down() {
	[ -d "$dir/run" ] || return 0
	# The daemons first, so controllers never see the apiserver vanish
	# mid-write, and the apiservers before their storage.
	stop_tier 0
	stop_tier 1
	stop_tier 2
	rm -f "$dir"/run/*.port
	echo "local-cluster: stopped (data kept in $dir/data)"
}

do_status() {
	local f name any=1
	[ "$ha" = 1 ] && { do_status_ha; return; }
	for f in "$dir"/run/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		if pid_alive "$f"; then
			echo "$name: running (pid $(cat "$f"), port $(cat "$dir/run/$name.port" 2>/dev/null || echo ?))"
			any=0
		else
			echo "$name: not running"
		fi
	done
	[ -f "$dir/env" ] && sed -n 's/^CKUBE_API_URL=/api: /p' "$dir/env"
	return $any
}

case "$cmd" in
up)
	# A failed `up` stops what it started, so nothing half-started is left behind.
	up_ok=0
	trap '[ "$up_ok" = 1 ] || do_down >/dev/null' EXIT
	if [ "$ha" = 1 ]; then do_up_ha; else do_up; fi
	up_ok=1
	if [ "$foreground" = 1 ]; then
		trap 'trap - INT TERM EXIT; do_down; exit 0' INT TERM
		echo "local-cluster: running in the foreground; Ctrl-C stops it"
		front=apiserver
		[ "$ha" = 1 ] && front=haproxy
		while pid_alive "$dir/run/$front.pid"; do sleep 1; done
		echo "local-cluster: $front exited" >&2
		log_tail "$dir/logs/$front.log"
		do_down
		exit 1
	fi
	;;
down) do_down ;;
status) do_status ;;
*) usage ;;
esac
