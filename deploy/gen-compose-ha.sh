# shellcheck shell=bash
# shellcheck disable=SC2154 # BIN, PKI, SECURE_PORT are gen.sh's
# gen-compose-ha.sh: the compose profile "ha" (docs/deploy.md section 4), sourced by gen.sh:
# a second, highly available cluster beside the default one: ha-etcd-0..2, ha-apiserver-0/1
# on them (--storage-backend=etcd3), ha-lb (HAProxy with deploy/haproxy-ha.cfg, TCP, checked
# on /readyz) and ha-<daemon>-<i>: two --leader-elect copies of every controller, reaching
# the apiservers through ha-lb with no watch bus (docs/architecture.md, "High availability").

HA_ETCD=3
HA_APISERVERS=2
ETCD_IMAGE=gcr.io/etcd-development/etcd:v3.5.17
HAPROXY_IMAGE=haproxy:2.6

# ha_copies NAME: copies of ckube-NAME in the profile, as local-cluster.sh up --ha: 2 of
# each leader-elected daemon and of dns (unelected), 1 of kubelet-sim and metrics-server.
ha_copies() {
	case "$1" in
	kubelet-sim|metrics-server) echo 1 ;;
	dns) echo 2 ;;
	*)
		if "$BIN/ckube-$1" --help 2>&1 | grep -q -- '--leader-elect[ =]'; then echo 2
		else echo 1; fi ;;
	esac
}

ha_healthcheck() {
	cat <<EOF
    healthcheck:
      test: $1
      interval: 10s
      timeout: 3s
      retries: 3
      start_period: 5s
EOF
}

ha_etcd_service() {
	local i=$1 cluster=$2
	cat <<EOF

  ha-etcd-$i:
    image: $ETCD_IMAGE
    profiles: ["ha"]
    restart: on-failure
    entrypoint: ["etcd"]
    command:
      - --name=ha-etcd-$i
      - --data-dir=/var/lib/etcd
      - --listen-client-urls=http://0.0.0.0:2379
      - --advertise-client-urls=http://ha-etcd-$i:2379
      - --listen-peer-urls=http://0.0.0.0:2380
      - --initial-advertise-peer-urls=http://ha-etcd-$i:2380
      - --initial-cluster=$cluster
      - --initial-cluster-state=new
      - --initial-cluster-token=ckube-ha
    volumes:
      - ha-etcd-$i:/var/lib/etcd
EOF
	ha_healthcheck '["CMD", "etcdctl", "--endpoints=http://127.0.0.1:2379", "endpoint", "health"]'
}

ha_apiserver_service() {
	local i=$1 servers=$2 f j
	cat <<EOF

  ha-apiserver-$i:
    <<: *ckube
    profiles: ["ha"]
    entrypoint: ["ckube-apiserver"]
    command:
      - --bind-address=127.0.0.1
      - --port=8080
      - --data-dir=/var/lib/ckube
      - --watch-bus=
      - --v=\${CKUBE_V:-1}
      - --secure-bind-address=0.0.0.0
      - --secure-port=$SECURE_PORT
      - --anonymous-auth=false
EOF
	for f in $(authz_flags) $(secure_file_flags "$PKI"); do
		echo "      - $f"
	done
	cat <<EOF
      - --storage-backend=etcd3
      - --etcd-servers=$servers
      - --etcd-prefix=/registry
    volumes:
      - ckube-pki:$PKI:ro
    depends_on:
      pki:
        condition: service_completed_successfully
EOF
	for ((j = 0; j < HA_ETCD; j++)); do
		echo "      ha-etcd-$j:"
		echo "        condition: service_healthy"
	done
	ha_healthcheck '["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]'
}

ha_lb_service() {
	local i
	cat <<EOF

  ha-lb:
    image: $HAPROXY_IMAGE
    profiles: ["ha"]
    restart: on-failure
    ports:
      - "\${CKUBE_HA_API_PORT:-6444}:$SECURE_PORT"
    volumes:
      - ./haproxy-ha.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro
    depends_on:
EOF
	for ((i = 0; i < HA_APISERVERS; i++)); do
		echo "      ha-apiserver-$i:"
		echo "        condition: service_started"
	done
}

# ha_daemon_service NAME I COPIES PORT EXTRA
ha_daemon_service() {
	local name=$1 i=$2 n=$3 port=$4 extra=$5 f
	cat <<EOF

  ha-$name-$i:
    <<: *ckube
    profiles: ["ha"]
    entrypoint: ["ckube-$name"]
    command:
      - --kubeconfig=$PKI/kubeconfigs/$name.kubeconfig
      - --master=https://ha-lb:$SECURE_PORT
      - --watch-bus=
      - --bind-address=0.0.0.0
      - --port=$port
      - --v=\${CKUBE_V:-1}
EOF
	[ "$n" = 2 ] && [ "$name" != dns ] && echo "      - --leader-elect"
	for f in $extra; do
		echo "      - $f"
	done
	cat <<EOF
    volumes:
      - ckube-pki:$PKI:ro
    depends_on:
      ha-lb:
        condition: service_started
EOF
	ha_healthcheck "[\"CMD\", \"curl\", \"-fsS\", \"-o\", \"/dev/null\", \"http://127.0.0.1:$port/healthz\"]"
}

# gen_compose_ha: the services of the profile (after the default cluster's).
gen_compose_ha() {
	local i cluster="" servers="" sep="" name port extra n
	for ((i = 0; i < HA_ETCD; i++)); do
		cluster="$cluster${sep}ha-etcd-$i=http://ha-etcd-$i:2380"
		servers="$servers${sep}http://ha-etcd-$i:2379"
		sep=,
	done
	for ((i = 0; i < HA_ETCD; i++)); do ha_etcd_service "$i" "$cluster"; done
	for ((i = 0; i < HA_APISERVERS; i++)); do ha_apiserver_service "$i" "$servers"; done
	ha_lb_service
	while read -r name port extra; do
		case $name in apiserver|federation-*) continue ;; esac	# federation: its own profile
		n=$(ha_copies "$name")
		for ((i = 0; i < n; i++)); do
			ha_daemon_service "$name" "$i" "$n" "$port" "$extra"
		done
	done < <(resolved_table)
}

# gen_compose_ha_volumes: the etcd members' named volumes.
gen_compose_ha_volumes() {
	local i
	for ((i = 0; i < HA_ETCD; i++)); do echo "  ha-etcd-$i: {}"; done
}
