#!/usr/bin/env bash
# Install the Debian packages ckube needs, only those missing. Non-interactive; root or sudo.
set -euo pipefail
pkgs=(build-essential pkg-config libmicrohttpd-dev libcjson-dev libyaml-dev libnanomsg-dev
      libsqlite3-dev sqlite3 libcmocka-dev libcurl4-openssl-dev curl valgrind clang
      libclang-rt-14-dev procps python3)
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
