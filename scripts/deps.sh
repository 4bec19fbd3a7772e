#!/usr/bin/env bash
# Install the Debian packages ckube needs, only those missing. Non-interactive; root or sudo.
#   deps.sh [all|build|runtime|bench|--list SET]
# build = compiler and -dev packages (the Dockerfile's build stage), runtime = the shared
# libraries the binaries link and curl for health checks (its slim stage), all (default) =
# build + runtime + the test and CI tools. --list SET prints the set, one package a line.
set -euo pipefail
build_pkgs=(build-essential pkg-config libmicrohttpd-dev libcjson-dev libyaml-dev libnanomsg-dev
            libsqlite3-dev libcurl4-openssl-dev libjemalloc-dev libldns-dev libgnutls28-dev libssl-dev)
runtime_pkgs=(libmicrohttpd12 libcjson1 libyaml-0-2 libnanomsg5 libsqlite3-0 libcurl4 libjemalloc2 libldns3 libgnutls30
              libssl3 curl openssl
              ca-certificates)
bench_pkgs=(etcd-server dnsperf)	# the peer make bench measures beside ckube; ckube-dns's load
tool_pkgs=(sqlite3 libcmocka-dev valgrind clang libclang-rt-14-dev procps
           docker-compose shellcheck systemd python3 ldnsutils bind9-dnsutils
           python3-kubernetes openssl
           etcd-server etcd-client haproxy)	# the etcd backend's tests and the HA cluster (local-cluster.sh up --ha, tests/e2e/ha.sh)

pkgs_of() {
	case "$1" in
	build) printf '%s\n' "${build_pkgs[@]}" ;;
	runtime) printf '%s\n' "${runtime_pkgs[@]}" ;;
	bench) printf '%s\n' "${bench_pkgs[@]}" ;;
	all) printf '%s\n' "${build_pkgs[@]}" "${runtime_pkgs[@]}" "${tool_pkgs[@]}" ;;
	*) echo "deps.sh: unknown set '$1' (all, build, runtime, bench)" >&2; return 2 ;;
	esac
}

if [ "${1:-}" = --list ]; then
	pkgs_of "${2:-all}"
	exit
fi
mapfile -t pkgs < <(pkgs_of "${1:-all}")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
