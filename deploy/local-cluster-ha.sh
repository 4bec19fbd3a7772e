# shellcheck shell=bash
# shellcheck disable=SC2154 # dir, BIN, port, nodes, daemon_flags... are local-cluster.sh's
# local-cluster-ha.sh: `local-cluster.sh up --ha` (docs/deploy.md, "High availability"),
# sourced by local-cluster.sh. A 3-member etcd cluster, 2 apiservers on it
# (--storage-backend=etcd3), HAProxy in front of them (TCP, health-checked on /readyz) and
# 2 copies of every leader-elected daemon, all on loopback. The daemons reach the apiservers
# only through HAProxy and use no watch bus (HTTP watches only): each apiserver's bus carries
# its own epochs and sequence numbers, so a daemon moving to the other apiserver could not
# resume on it (docs/architecture.md, "High availability").
#
# Ports are chosen once (free loopback ports) and kept in DIR/ha-ports, so members restart
# on the same URLs and `up --ha` on a folder with a dead member starts just that member.

HA_ETCD=3
HA_APISERVERS=${CKUBE_HA_APISERVERS:-2}	# fewer only to try the deploy side
HA_COPIES=2
# A short lease for a local cluster: a standby leads within 8 s of its leader's death. The
# renew deadline (6 s) outlasts the relist storm on the surviving apiserver when one dies on a
# busy 2-core box (with 3 s a leader could lose its lease there and exit).
HA_LEADER_FLAGS="--leader-elect --leader-elect-lease-duration=8s
--leader-elect-renew-deadline=6s --leader-elect-retry-period=1s"

# pick_port KEY: hp[KEY] = a loopback port nobody listens on now and not handed out by
# this run (no $(...): the list of those handed out must survive the call). Below Linux's
# ephemeral range (32768 up), where a client's connection could hold it unseen.
ha_taken=" "
pick_port() {
	local p
	while true; do
		p=$((20000 + RANDOM % 12000))
		case "$ha_taken" in *" $p "*) continue ;; esac
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		ha_taken="$ha_taken$p "
		hp[$1]=$p
		return
	done
}

# ha_ports: read DIR/ha-ports (KEY=PORT lines), writing it first with free ports (then
# ha_fresh=1: nothing runs on them yet, so a clash may pick others).
ha_fresh=0
ha_ports() {
	local f=$dir/ha-ports i k
	declare -gA hp=()
	if [ ! -s "$f" ]; then
		ha_fresh=1
		for ((i = 0; i < HA_ETCD; i++)); do
			pick_port "etcd_client_$i"
			pick_port "etcd_peer_$i"
		done
		for ((i = 0; i < HA_APISERVERS; i++)); do pick_port "apiserver_$i"; done
		if [ "$port" != 0 ]; then hp[front]=$port; else pick_port front; fi
		hp[etcd_token]=ckube-$RANDOM$RANDOM
		ha_save_ports
	fi
	while IFS='=' read -r k i; do
		[[ "$k" =~ ^[a-z_0-9]+$ ]] && hp[$k]=$i
	done <"$f"
	# The apiservers this folder was made with.
	HA_APISERVERS=0
	while [ -n "${hp[apiserver_$HA_APISERVERS]:-}" ]; do HA_APISERVERS=$((HA_APISERVERS + 1)); done
	[ "$port" = 0 ] || [ "$port" = "${hp[front]}" ] ||
	    die "--port $port: this cluster's front port is ${hp[front]} ($f)"
}

# ha_save_ports: write hp back to DIR/ha-ports.
ha_save_ports() {
	local k
	for k in "${!hp[@]}"; do echo "$k=${hp[$k]}"; done | sort >"$dir/ha-ports.tmp"
	mv "$dir/ha-ports.tmp" "$dir/ha-ports"
}

# clashed NAME: NAME's last start failed to bind (a free port taken meanwhile by another
# program: choosing a free port and binding it cannot be one step from a shell).
clashed() {
	awk '/^=== /{ buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
	    "$dir/logs/$1.log" 2>/dev/null | grep -qi 'address already in use'
}

# start_etcd_all: the members, healthy; a fresh cluster whose port was taken starts over
# on other ports (up to 3 times).
start_etcd_all() {
	local i try bad
	for try in 1 2 3; do
		bad=""
		for ((i = 0; i < HA_ETCD; i++)); do start_etcd "$i"; done
		for ((i = 0; i < HA_ETCD; i++)); do
			wait_for "$deadline" etcd_healthy "$i" || { bad=$i; break; }
		done
		[ -z "$bad" ] && return 0
		local clash=0
		for ((i = 0; i < HA_ETCD; i++)); do clashed "etcd-$i" && clash=1; done
		if [ "$ha_fresh" != 1 ] || [ "$clash" != 1 ] || [ "$try" = 3 ]; then break; fi
		echo "$ME: an etcd port was taken meanwhile; other ports" >&2
		for ((i = 0; i < HA_ETCD; i++)); do
			stop_pidfile "$dir/run/etcd-$i.pid"
			rm -rf "$dir/etcd-$i"
			pick_port "etcd_client_$i"
			pick_port "etcd_peer_$i"
		done
		ha_save_ports
	done
	log_tail "$dir/logs/etcd-$bad.log"
	die "etcd-$bad not healthy within ${UP_TIMEOUT}s"
}

start_apiserver_i() {
	local i=$1
	mkdir -p "$dir/data/apiserver-$i"
	# shellcheck disable=SC2086 # a list of flags
	start_proc "apiserver-$i" "$BIN/ckube-apiserver" --bind-address=127.0.0.1 \
	    --port="${hp[apiserver_$i]}" --port-file="$dir/run/apiserver-$i.port" \
	    --data-dir="$dir/data/apiserver-$i" \
	    --watch-bus="ipc://$dir/data/apiserver-$i/bus" \
	    --storage-backend=etcd3 --etcd-servers="$(etcd_endpoints)" \
	    --etcd-prefix=/registry --v="${CKUBE_V:-1}" ${daemon_flags[apiserver]:-}
}

# start_apiservers: each ready; one whose port was taken gets another (HAProxy's
# configuration follows, written after).
start_apiservers() {
	local i try
	for ((i = 0; i < HA_APISERVERS; i++)); do start_apiserver_i "$i"; done
	for ((i = 0; i < HA_APISERVERS; i++)); do
		for try in 1 2 3; do
			wait_for "$deadline" apiserver_ready "$i" && continue 2
			if ! clashed "apiserver-$i" || [ "$try" = 3 ]; then break; fi
			echo "$ME: apiserver-$i's port was taken meanwhile; another port" >&2
			pick_port "apiserver_$i"
			ha_save_ports
			start_apiserver_i "$i"
		done
		log_tail "$dir/logs/apiserver-$i.log"
		die "apiserver-$i not ready within ${UP_TIMEOUT}s"
	done
}

# start_haproxy: (re)start it when its configuration changed; a fresh front port that was
# taken is chosen again unless --port named it.
start_haproxy() {
	local try old=""
	for try in 1 2 3; do
		[ -f "$dir/haproxy.cfg" ] && old=$(cat "$dir/haproxy.cfg")
		write_haproxy_cfg
		[ "$old" = "$(cat "$dir/haproxy.cfg")" ] || stop_pidfile "$dir/run/haproxy.pid"
		start_proc haproxy haproxy -db -f "$dir/haproxy.cfg"
		wait_for "$deadline" front_ready && return 0
		if ! clashed haproxy || [ "$ha_fresh" != 1 ] || [ "$port" != 0 ] || [ "$try" = 3 ]; then
			break
		fi
		echo "$ME: the front port was taken meanwhile; another port" >&2
		pick_port front
		ha_save_ports
	done
	log_tail "$dir/logs/haproxy.log"
	die "haproxy does not reach an apiserver on port ${hp[front]}"
}

etcd_endpoints() {
	local i sep='' out=''
	for ((i = 0; i < HA_ETCD; i++)); do
		out="$out${sep}http://127.0.0.1:${hp[etcd_client_$i]}"
		sep=,
	done
	echo "$out"
}

api_urls() {
	local i sep='' out=''
	for ((i = 0; i < HA_APISERVERS; i++)); do
		out="$out${sep}http://127.0.0.1:${hp[apiserver_$i]}"
		sep=" "
	done
	echo "$out"
}

# ha_check: what --ha needs is there; dies saying what is missing.
ha_check() {
	[ "$secure" = 0 ] || die "--ha with --secure is not supported yet"
	command -v etcd >/dev/null || die "--ha needs etcd (Debian: etcd-server; scripts/deps.sh)"
	command -v haproxy >/dev/null || die "--ha needs haproxy (Debian: haproxy; scripts/deps.sh)"
	"$BIN/ckube-apiserver" --help 2>&1 | grep -q -- '--storage-backend[ =]' ||
	    die "--ha: ckube-apiserver has no --storage-backend flag (build a tree with the etcd3 backend)"
}

start_etcd() {
	local i=$1 j cluster='' sep='' state=new
	for ((j = 0; j < HA_ETCD; j++)); do
		cluster="$cluster${sep}etcd-$j=http://127.0.0.1:${hp[etcd_peer_$j]}"
		sep=,
	done
	[ -d "$dir/etcd-$i/member" ] && state=existing
	mkdir -p "$dir/etcd-$i"
	chmod 0700 "$dir/etcd-$i"
	start_proc "etcd-$i" etcd --name "etcd-$i" --data-dir "$dir/etcd-$i" \
	    --listen-client-urls "http://127.0.0.1:${hp[etcd_client_$i]}" \
	    --advertise-client-urls "http://127.0.0.1:${hp[etcd_client_$i]}" \
	    --listen-peer-urls "http://127.0.0.1:${hp[etcd_peer_$i]}" \
	    --initial-advertise-peer-urls "http://127.0.0.1:${hp[etcd_peer_$i]}" \
	    --initial-cluster "$cluster" --initial-cluster-state "$state" \
	    --initial-cluster-token "${hp[etcd_token]}" --log-level warn
}

# etcd_healthy I: member I answers /health with true; 2 once it has exited.
etcd_healthy() {
	pid_alive "$dir/run/etcd-$1.pid" || return 2
	curl -fsS --max-time 2 "http://127.0.0.1:${hp[etcd_client_$1]}/health" 2>/dev/null |
	    grep -q '"health": *"true"'
}

apiserver_ready() {
	pid_alive "$dir/run/apiserver-$1.pid" || return 2
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${hp[apiserver_$1]}/readyz" 2>/dev/null
}

front_ready() {
	pid_alive "$dir/run/haproxy.pid" || return 2
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${hp[front]}/readyz" 2>/dev/null
}

# write_haproxy_cfg: kubeadm's HA guide's balancer, for loopback. TCP mode (TLS would pass
# through), /readyz checked every 500 ms; a server marked down has its sessions cut so its
# watchers reconnect to the other one; tunnel timeout long enough for watches.
write_haproxy_cfg() {
	local i
	{
		cat <<CFG
global
	maxconn 4096
	log stderr format short local0 warning

defaults
	mode tcp
	log global
	option dontlognull
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	timeout tunnel 1h
	timeout client-fin 5s

frontend ckube-api
	bind 127.0.0.1:${hp[front]}
	default_backend ckube-apiservers

backend ckube-apiservers
	balance roundrobin
	option httpchk GET /readyz
	option redispatch
	retries 3
	http-check expect status 200
	default-server inter 500ms downinter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
CFG
		for ((i = 0; i < HA_APISERVERS; i++)); do
			echo "	server apiserver-$i 127.0.0.1:${hp[apiserver_$i]} check"
		done
	} >"$dir/haproxy.cfg"
}

# leader_elected NAME: ckube-NAME has --leader-elect (every controller_main daemon); asked
# once per daemon (a loaded machine makes each --help slow).
declare -A ha_elected=()
leader_elected() {
	if [ -z "${ha_elected[$1]:-}" ]; then
		ha_elected[$1]=0
		"$BIN/ckube-$1" --help 2>&1 | grep -q -- '--leader-elect[ =]' && ha_elected[$1]=1
	fi
	[ "${ha_elected[$1]}" = 1 ]
}

# inst_names NAME: its instance names (pid files): NAME-0 NAME-1, or NAME alone. 2 copies
# of every leader-elected daemon and of ckube-dns (it only reads: two active copies, as
# kube-dns replicas), 1 of kubelet-sim (kubelets are not elected: each is its nodes) and
# metrics-server (one APIService backend).
inst_names() {
	local n i
	case "$1" in
	kubelet-sim|metrics-server) n=1 ;;
	dns) n=$HA_COPIES ;;
	*) if leader_elected "$1"; then n=$HA_COPIES; else n=1; fi ;;
	esac
	if [ "$n" = 1 ]; then echo "$1"; return; fi
	for ((i = 0; i < n; i++)); do echo "$1-$i"; done
}

# ha_start_daemon NAME INST: one copy of ckube-NAME, through the balancer, no bus.
ha_start_daemon() {
	local name=$1 inst=$2 lflags='' dns_flag=''
	local -a common=(--kubeconfig="$dir/kubeconfig" --watch-bus= --port=0
	    --port-file="$dir/run/$inst.port")
	[ "$name" != dns ] && [ "$name" != kubelet-sim ] && leader_elected "$name" &&
	    lflags=$HA_LEADER_FLAGS
	case "$name" in
	kubelet-sim)
		if [ -x "$BIN/ckube-dns" ] && wait_for "$deadline" dns_inst_serving dns-0; then
			dns_flag=--cluster-dns=127.0.0.1:$(cat "$dir/run/dns-0-server.port")
		fi
		# shellcheck disable=SC2086 # lists of flags
		start_daemon_as "$inst" "$name" "${common[@]}" --nodes="$nodes" $dns_flag \
		    $kubelet_flags ;;
	dns)
		pid_alive "$dir/run/$inst.pid" || rm -f "$dir/run/$inst-server.port"
		# shellcheck disable=SC2086 # a list of flags
		start_daemon_as "$inst" "$name" "${common[@]}" --dns-bind-address=127.0.0.1 \
		    --dns-port=0 --dns-port-file="$dir/run/$inst-server.port" ${daemon_flags[dns]:-} ;;
	*)
		# shellcheck disable=SC2086 # lists of flags
		start_daemon_as "$inst" "$name" "${common[@]}" $lflags ${daemon_flags[$name]:-} ;;
	esac
}

start_daemon_as() {
	local inst=$1 name=$2
	shift 2
	start_proc "$inst" "$BIN/ckube-$name" "$@"
}

dns_inst_serving() {
	pid_alive "$dir/run/$1.pid" || return 2
	test -s "$dir/run/$1-server.port"
}

ha_nodes_ready() {
	local n
	pid_alive "$dir/run/kubelet-sim.pid" || return 2
	n=$(curl -fsS --max-time 5 "$CKUBE_API_URL/api/v1/nodes" 2>/dev/null |
	    grep -o '"type": *"Ready", *"status": *"True"' | wc -l) || return 1
	[ "$n" -ge "$nodes" ]
}

write_ha_env() {
	local url=$1
	write_client_files "$url"
	cat >>"$dir/env" <<ENV
CKUBE_API_URLS="$(api_urls)"
CKUBE_ETCD_ENDPOINTS=$(etcd_endpoints)
ENV
	sed -i 's/^CKUBE_WATCH_BUS=.*/CKUBE_WATCH_BUS=/' "$dir/env"
}

do_up_ha() {
	local deadline i name inst url
	ha_check
	mkdir -p "$dir/data" "$dir/logs" "$dir/run"
	deadline=$(($(date +%s) + UP_TIMEOUT))
	ha_ports
	start_etcd_all
	start_apiservers
	start_haproxy
	url="http://127.0.0.1:${hp[front]}"
	write_ha_env "$url"
	export CKUBE_API_URL=$url

	for name in $(daemons_in_bin); do
		leader_elected "$name" || true	# fills the cache $(inst_names) reads
	done
	for name in $(daemons_in_bin); do
		[ "$name" = apiserver ] && continue
		for inst in $(inst_names "$name"); do ha_start_daemon "$name" "$inst"; done
	done
	for name in $(daemons_in_bin); do
		[ "$name" = apiserver ] && continue
		for inst in $(inst_names "$name"); do
			if ! wait_for "$deadline" serving "$inst"; then
				log_tail "$dir/logs/$inst.log"
				die "$inst did not start"
			fi
		done
	done
	if [ -x "$BIN/ckube-dns" ]; then
		wait_for "$deadline" dns_inst_serving dns-0 || die "ckube-dns did not bind its DNS port"
		sed -i '/^CKUBE_DNS_ADDR=/d' "$dir/env"
		echo "CKUBE_DNS_ADDR=127.0.0.1:$(cat "$dir/run/dns-0-server.port")" >>"$dir/env"
	fi
	if [ -x "$BIN/ckube-kubelet-sim" ] && [ "$nodes" -gt 0 ] &&
	    ! wait_for "$deadline" ha_nodes_ready; then
		log_tail "$dir/logs/kubelet-sim.log"
		die "fewer than $nodes nodes Ready within ${UP_TIMEOUT}s"
	fi
	if [ -x "$BIN/ckube-metrics-server" ] &&
	    [[ "${daemon_flags[metrics-server]:-}" != *register-apiservice=false* ]] &&
	    ! wait_for "$deadline" metrics_api; then
		log_tail "$dir/logs/metrics-server.log"
		die "the metrics API (APIService v1beta1.metrics.k8s.io) is not reachable"
	fi
	echo "local-cluster: HA cluster ready at $url (apiservers: $(api_urls))"
	echo "  kubectl --kubeconfig $dir/kubeconfig get namespaces"
}

# lease_holder NAME: holderIdentity of the Lease kube-system/NAME ("" when none).
lease_holder() {
	curl -fsS --max-time 3 \
	    "$CKUBE_API_URL/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/$1" 2>/dev/null |
	    sed -n 's/.*"holderIdentity": *"\([^"]*\)".*/\1/p' | head -n 1
}

# do_status_ha: etcd members (health), apiservers (readyz), the balancer, and for each
# leader-elected daemon the copy that leads (its pid ends the Lease's holderIdentity).
do_status_ha() {
	local i f name inst holder pid rc=0 line
	ha_ports
	# shellcheck disable=SC1091 # written by up
	CKUBE_API_URL=$(sed -n 's/^CKUBE_API_URL=//p' "$dir/env" 2>/dev/null)
	for ((i = 0; i < HA_ETCD; i++)); do
		if etcd_healthy "$i"; then
			echo "etcd-$i: healthy (pid $(cat "$dir/run/etcd-$i.pid"), client port ${hp[etcd_client_$i]})"
		elif pid_alive "$dir/run/etcd-$i.pid"; then
			echo "etcd-$i: running, unhealthy"; rc=1
		else
			echo "etcd-$i: not running"; rc=1
		fi
	done
	for ((i = 0; i < HA_APISERVERS; i++)); do
		if apiserver_ready "$i"; then
			echo "apiserver-$i: ready (pid $(cat "$dir/run/apiserver-$i.pid"), port ${hp[apiserver_$i]})"
		elif pid_alive "$dir/run/apiserver-$i.pid"; then
			echo "apiserver-$i: running, not ready"; rc=1
		else
			echo "apiserver-$i: not running"; rc=1
		fi
	done
	if front_ready; then echo "haproxy: serving on port ${hp[front]}"
	else echo "haproxy: not serving"; rc=1; fi
	for f in "$dir"/run/*.pid; do
		[ -e "$f" ] || continue
		inst=$(basename "$f" .pid)
		case "$inst" in etcd-*|apiserver-*|haproxy) continue ;; esac
		name=${inst%-[0-9]}
		line="$inst: not running"
		if pid_alive "$f"; then
			pid=$(cat "$f")
			line="$inst: running (pid $pid)"
			if [ "$name" != "$inst" ] && [ "$name" != dns ]; then
				holder=$(lease_holder "$name")
				case "$holder" in
				*_"$pid") line="$line, leader" ;;
				*) line="$line, standby (leader: ${holder:-none})" ;;
				esac
			fi
		else
			rc=1
		fi
		echo "$line"
	done
	echo "api: $CKUBE_API_URL (apiservers: $(api_urls))"
	return $rc
}
