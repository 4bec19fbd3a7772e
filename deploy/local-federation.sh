#!/usr/bin/env bash
# local-federation.sh: start and stop a ckube federation on loopback, in one folder.
#
#   local-federation.sh up --dir F [--clusters N] [--nodes N] [--monitor-period D]
#       [--federation-name NAME] [--zone-name ZONE]
#   local-federation.sh down --dir F
#
# `up` starts N member clusters (default 2) with deploy/local-cluster.sh in F/cluster-<i>/
# (i = 0..N-1, --nodes each, default 1; nodes labelled zone cluster-<i>-a, region cluster-<i>;
# with bin/ckube-service-lb-controller, load-balancer range 10.250.<i>.0/24), then
# ckube-federation-apiserver (data in F/data) and ckube-federation-controller-manager
# (--cluster-monitor-period D, default 40s), registers each member as Cluster cluster-<i>,
# and writes F/kubeconfig (context "federation", the current one, plus a context per
# member) and F/env (CKUBE_FED_NAME, CKUBE_FED_ZONE, CKUBE_FED_API_URL,
# CKUBE_FED_KUBECONFIG, CKUBE_FED_CLUSTERS, CKUBE_FED_DNS_ADDR). With bin/ckube-dns, the
# federation's DNS is ckube-dns --dnsrecords-source --zone-name=ZONE over the federation
# apiserver on a free loopback port (CKUBE_FED_DNS_ADDR=127.0.0.1:PORT), and each member's
# ckube-dns gets --federations=NAME=ZONE. It returns once every Cluster is Ready. `down`
# stops the federation, then every member; data is kept. Logs: F/logs/ and F/cluster-<i>/logs/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${BIN:-$here/../bin}
UP_TIMEOUT=${CKUBE_UP_TIMEOUT:-90}
STOP_GRACE=${CKUBE_STOP_GRACE:-5}
ME=local-federation
# shellcheck source=deploy/daemons-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/daemons-lib.sh"

usage() {
	sed -n '4,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,3\}//' >&2
	exit 2
}

die() {
	echo "local-federation: $*" >&2
	exit 1
}

cmd=${1:-}
case "$cmd" in
up|down) shift ;;
-h|--help|"") usage ;;
*) echo "local-federation: unknown command: $cmd" >&2; usage ;;
esac
dir="" clusters=2 nodes=1 monitor=40s fedname=federation zone=example.com.
while [ $# -gt 0 ]; do
	case "$1" in
	--dir) dir=${2:?--dir needs a value}; shift 2 ;;
	--clusters) clusters=${2:?--clusters needs a value}; shift 2 ;;
	--nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
	--monitor-period) monitor=${2:?--monitor-period needs a value}; shift 2 ;;
	--federation-name) fedname=${2:?--federation-name needs a value}; shift 2 ;;
	--zone-name) zone=${2:?--zone-name needs a value}; shift 2 ;;
	-h|--help) usage ;;
	*) die "unknown argument: $1" ;;
	esac
done
[ -n "$dir" ] || die "--dir is required"
[[ "$clusters" =~ ^[1-9][0-9]?$ ]] || die "--clusters must be a number from 1 to 99"
[[ "$nodes" =~ ^[0-9]+$ ]] || die "--nodes must be a number"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
BIN=$(cd "$BIN" 2>/dev/null && pwd) || die "no bin folder at $BIN (run make first)"
export BIN







fed_url() { echo "http://127.0.0.1:$(cat "$dir/run/federation-apiserver.port")"; }

# all_ready: every Cluster has Ready=True.
all_ready() {
	local n
	n=$(curl -fsS --max-time 5 "$(fed_url)/apis/federation/v1beta1/clusters" 2>/dev/null |
	    grep -o '"type": *"Ready", *"status": *"True"' | wc -l) || return 1
	[ "$n" -ge "$clusters" ]
}

write_client_files() {
	local url=$1 i
	{
		echo "apiVersion: v1"
		echo "kind: Config"
		echo "clusters:"
		echo "- name: federation"
		echo "  cluster: {server: \"$url\"}"
		for ((i = 0; i < clusters; i++)); do
			echo "- name: cluster-$i"
			echo "  cluster: {server: \"$(sed -n 's/^CKUBE_API_URL=//p' "$dir/cluster-$i/env")\"}"
		done
		echo "contexts:"
		echo "- name: federation"
		echo "  context: {cluster: federation, user: ckube-admin, namespace: default}"
		for ((i = 0; i < clusters; i++)); do
			echo "- name: cluster-$i"
			echo "  context: {cluster: cluster-$i, user: ckube-admin, namespace: default}"
		done
		echo "current-context: federation"
		echo "users:"
		echo "- name: ckube-admin"
		echo "  user: {}"
	} >"$dir/kubeconfig"
	cat >"$dir/env" <<ENV
CKUBE_FED_NAME=$fedname
CKUBE_FED_ZONE=$zone
CKUBE_FED_API_URL=$url
CKUBE_FED_KUBECONFIG=$dir/kubeconfig
CKUBE_FED_CLUSTERS=$clusters
ENV
}

# register I: create (or update the address of) Cluster cluster-I.
register() {
	local i=$1 url body
	url=$(sed -n 's/^CKUBE_API_URL=//p' "$dir/cluster-$i/env")
	body="{\"apiVersion\":\"federation/v1beta1\",\"kind\":\"Cluster\",\"metadata\":{\"name\":\"cluster-$i\"},\
\"spec\":{\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"${url#http://}\"}]}}"
	if curl -fsS -o /dev/null "$(fed_url)/apis/federation/v1beta1/clusters/cluster-$i" 2>/dev/null; then
		curl -fsS -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
		    --data "$body" "$(fed_url)/apis/federation/v1beta1/clusters/cluster-$i"
	else
		curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
		    --data "$body" "$(fed_url)/apis/federation/v1beta1/clusters"
	fi
}

do_up() {
	local deadline i pids=() lb rc=0 url has_dns=0
	mkdir -p "$dir/data" "$dir/logs" "$dir/run"
	deadline=$(($(date +%s) + UP_TIMEOUT))
	for b in federation-apiserver federation-controller-manager; do
		[ -x "$BIN/ckube-$b" ] || die "no $BIN/ckube-$b (run make first)"
	done
	[ -x "$BIN/ckube-dns" ] && has_dns=1
	# The members start at once, each in its folder, with distinct load-balancer ranges.
	for ((i = 0; i < clusters; i++)); do
		lb=()
		if [ -x "$BIN/ckube-service-lb-controller" ]; then
			lb=(--daemon-flags "service-lb-controller=--lb-ip-range=10.250.$i.0/24")
		fi
		if [ "$has_dns" = 1 ]; then
			lb+=(--daemon-flags "dns=--federations=$fedname=$zone")
		fi
		CKUBE_UP_TIMEOUT=$UP_TIMEOUT bash "$here/local-cluster.sh" up --dir "$dir/cluster-$i" \
		    --nodes "$nodes" --kubelet-flags "--node-zone=cluster-$i-a --node-region=cluster-$i" \
		    "${lb[@]}" >"$dir/logs/cluster-$i.up.log" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < clusters; i++)); do
		if ! wait "${pids[$i]}"; then
			log_tail "$dir/logs/cluster-$i.up.log"
			rc=1
		fi
	done
	[ "$rc" = 0 ] || die "a member cluster did not start"

	start_daemon federation-apiserver --bind-address=127.0.0.1 --port=0 \
	    --port-file="$dir/run/federation-apiserver.port" --data-dir="$dir/data" \
	    --watch-bus="ipc://$dir/data/bus" --v="${CKUBE_V:-1}"
	if ! wait_for "$deadline" serving federation-apiserver; then
		log_tail "$dir/logs/federation-apiserver.log"
		die "ckube-federation-apiserver did not start"
	fi
	url=$(fed_url)
	write_client_files "$url"
	start_daemon federation-controller-manager --master="$url" \
	    --watch-bus="ipc://$dir/data/bus" --port=0 \
	    --port-file="$dir/run/federation-controller-manager.port" \
	    --cluster-monitor-period="$monitor" --federation-name="$fedname" \
	    --zone-name="$zone" --v="${CKUBE_V:-1}"
	if ! wait_for "$deadline" serving federation-controller-manager; then
		log_tail "$dir/logs/federation-controller-manager.log"
		die "ckube-federation-controller-manager did not start"
	fi
	if [ "$has_dns" = 1 ]; then
		# The federation zone, served from the DNSRecords, on a free loopback port.
		pid_alive "$dir/run/dns.pid" || rm -f "$dir/run/dns-server.port"
		start_daemon dns --master="$url" --watch-bus="ipc://$dir/data/bus" --port=0 \
		    --port-file="$dir/run/dns.port" --dns-bind-address=127.0.0.1 --dns-port=0 \
		    --dns-port-file="$dir/run/dns-server.port" --dnsrecords-source \
		    --zone-name="$zone" --v="${CKUBE_V:-1}"
		if ! wait_for "$deadline" serving dns || ! wait_for "$deadline" dns_serving; then
			log_tail "$dir/logs/dns.log"
			die "the federation's ckube-dns did not start"
		fi
		echo "CKUBE_FED_DNS_ADDR=127.0.0.1:$(cat "$dir/run/dns-server.port")" >>"$dir/env"
	fi
	for ((i = 0; i < clusters; i++)); do
		register "$i" || die "cannot register cluster-$i"
	done
	if ! wait_for "$deadline" all_ready; then
		log_tail "$dir/logs/federation-controller-manager.log"
		die "not every Cluster Ready within ${UP_TIMEOUT}s"
	fi
	echo "local-federation: ready at $url with $clusters clusters"
	echo "  kubectl --kubeconfig $dir/kubeconfig get clusters"
	if [ "$has_dns" = 1 ]; then
		echo "  dig -p $(cat "$dir/run/dns-server.port") @127.0.0.1 <svc>.<ns>.$fedname.svc.${zone%.}"
	fi
}


do_down() {
	local c
	# The controller manager first (it writes to both sides), then the rest at once.
	stop_pidfile "$dir/run/federation-controller-manager.pid"
	stop_pidfile "$dir/run/dns.pid" &
	stop_pidfile "$dir/run/federation-apiserver.pid" &
	for c in "$dir"/cluster-*/; do
		[ -d "$c" ] || continue
		bash "$here/local-cluster.sh" down --dir "$c" >/dev/null &
	done
	wait
	rm -f "$dir"/run/*.port
	echo "local-federation: stopped (data kept in $dir)"
}

case "$cmd" in
up)
	up_ok=0
	trap '[ "$up_ok" = 1 ] || do_down >/dev/null' EXIT
	do_up
	up_ok=1
	;;
down) do_down ;;
esac
