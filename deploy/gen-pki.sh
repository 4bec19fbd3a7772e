#!/usr/bin/env bash
# gen-pki.sh: the credentials of a secure ckube cluster, made with openssl, each created only
# when missing (a restarted cluster keeps its CA, keys and tokens).
#
#   gen-pki.sh init DIR [--san DNS-or-IP]... [--daemon D]... [--user NAME]...
#           [--kubeconfigs SERVER] [--admin-kubeconfig SERVER]
#       DIR (mode 0700): ca.crt/ca.key (the cluster CA), apiserver.crt/apiserver.key (serving
#       certificate; SANs 127.0.0.1, localhost, kubernetes, kubernetes.default,
#       kubernetes.default.svc(.cluster.local) and every --san), sa.key/sa.pub (the
#       ServiceAccount token key pair) and tokens.csv (--token-auth-file: token,user,uid[,"groups"])
#       with a random token for ckube-admin (group system:masters), for the identity of each
#       --daemon D (see `identity`) and for each --user NAME (no groups). Keys and tokens 0600.
#       --kubeconfigs also writes DIR/kubeconfigs/D.kubeconfig for each --daemon, and
#       --admin-kubeconfig DIR/admin.kubeconfig (ckube-admin), naming SERVER (see kubeconfig),
#       unless the file exists (a kubeconfig copied from another machine is kept).
#   gen-pki.sh identity D       prints "USER[ GROUPS]", the identity daemon ckube-D uses
#   gen-pki.sh token DIR USER   prints USER's token from DIR/tokens.csv
#   gen-pki.sh kubeconfig DIR SERVER USER OUT
#       writes OUT (mode 0600): SERVER with DIR/ca.crt embedded, USER's bearer token
#   gen-pki.sh daemon-kubeconfigs DIR SERVER OUTDIR D...
#       the same for each daemon D's identity, into OUTDIR/D.kubeconfig
set -euo pipefail
umask 077

die() {
	echo "gen-pki: $*" >&2
	exit 1
}

usage() {
	sed -n '5,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,3\}//' >&2
	exit 2
}

# identity D: the user (and groups) of daemon D; RBAC's bootstrap bindings name these.
identity() {
	case "$1" in
	admin) echo "ckube-admin system:masters" ;;
	scheduler) echo "system:kube-scheduler" ;;
	kubelet-sim) echo "system:node:kubelet-sim system:nodes" ;;
	*) echo "system:ckube:$1" ;;
	esac
}

# token_of DIR USER: the token of USER in DIR/tokens.csv ("" when absent).
token_of() {
	[ -f "$1/tokens.csv" ] || return 0
	awk -F, -v u="$2" '$2 == u { print $1; exit }' "$1/tokens.csv"
}

# add_token DIR USER [GROUPS]: a random token for USER unless it has one.
add_token() {
	local dir=$1 user=$2 groups=${3:-} tok
	[[ "$user" =~ ^[A-Za-z0-9:._@-]+$ ]] || die "bad user name: $user"
	[ -n "$(token_of "$dir" "$user")" ] && return 0
	tok=$(openssl rand -hex 24)
	if [ -n "$groups" ]; then
		echo "$tok,$user,$user,\"$groups\"" >>"$dir/tokens.csv"
	else
		echo "$tok,$user,$user" >>"$dir/tokens.csv"
	fi
}

gen_ca() {
	local dir=$1
	[ -s "$dir/ca.crt" ] && [ -s "$dir/ca.key" ] && return 0
	openssl genrsa -out "$dir/ca.key" 2048 2>/dev/null
	openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=ckube-ca" \
	    -out "$dir/ca.crt" 2>/dev/null
	rm -f "$dir/apiserver.crt"	# a new CA: the serving certificate is re-issued
}

gen_serving() {
	local dir=$1 sans=$2 ext
	[ -s "$dir/apiserver.crt" ] && [ -s "$dir/apiserver.key" ] &&
	    [ "$(cat "$dir/apiserver.sans" 2>/dev/null)" = "$sans" ] && return 0
	ext=$(mktemp)
	cat >"$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans
EXT
	openssl genrsa -out "$dir/apiserver.key" 2048 2>/dev/null
	openssl req -new -key "$dir/apiserver.key" -subj "/CN=kube-apiserver" \
	    -out "$dir/apiserver.csr" 2>/dev/null
	openssl x509 -req -in "$dir/apiserver.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
	    -CAcreateserial -days 825 -sha256 -extfile "$ext" -out "$dir/apiserver.crt" 2>/dev/null
	rm -f "$ext" "$dir/apiserver.csr" "$dir/ca.srl"
	echo "$sans" >"$dir/apiserver.sans"
}

gen_sa() {
	local dir=$1
	[ -s "$dir/sa.key" ] && [ -s "$dir/sa.pub" ] && return 0
	openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
	openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
}

do_init() {
	local dir=${1:?gen-pki init needs DIR} sans d u g kc_server="" admin_server=""
	local -a daemons=() users=()
	shift
	sans="IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
	sans="$sans,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
	while [ $# -gt 0 ]; do
		case "$1" in
		--san)
			[[ "${2:-}" =~ ^[A-Za-z0-9.:-]+$ ]] || die "bad --san: ${2:-}"
			if [[ "$2" =~ ^[0-9.]+$ ]] || [[ "$2" == *:* ]]; then sans="$sans,IP:$2"
			else sans="$sans,DNS:$2"; fi
			shift 2 ;;
		--daemon) daemons+=("${2:?--daemon needs a name}"); shift 2 ;;
		--user) users+=("${2:?--user needs a name}"); shift 2 ;;
		--kubeconfigs) kc_server=${2:?--kubeconfigs needs a server URL}; shift 2 ;;
		--admin-kubeconfig) admin_server=${2:?--admin-kubeconfig needs a server URL}; shift 2 ;;
		*) die "unknown argument: $1" ;;
		esac
	done
	command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
	mkdir -p "$dir"
	chmod 0700 "$dir"
	gen_ca "$dir"
	gen_serving "$dir" "$sans"
	gen_sa "$dir"
	touch "$dir/tokens.csv"
	add_token "$dir" ckube-admin system:masters
	for d in "${daemons[@]}"; do
		read -r u g <<<"$(identity "$d")"
		add_token "$dir" "$u" "${g:-}"
	done
	for u in "${users[@]}"; do
		[ "$u" = ckube-admin ] && die "--user ckube-admin: that is the admin"
		add_token "$dir" "$u"
	done
	chmod 0600 "$dir"/*.key "$dir/tokens.csv"
	chmod 0644 "$dir/ca.crt" "$dir/apiserver.crt" "$dir/sa.pub"
	if [ -n "$kc_server" ]; then
		mkdir -p "$dir/kubeconfigs"
		for d in "${daemons[@]}"; do
			read -r u _ <<<"$(identity "$d")"
			[ -s "$dir/kubeconfigs/$d.kubeconfig" ] ||
			    do_kubeconfig "$dir" "$kc_server" "$u" "$dir/kubeconfigs/$d.kubeconfig"
		done
	fi
	[ -z "$admin_server" ] || [ -s "$dir/admin.kubeconfig" ] ||
	    do_kubeconfig "$dir" "$admin_server" ckube-admin "$dir/admin.kubeconfig"
}

do_kubeconfig() {
	local dir=$1 server=$2 user=$3 out=$4 tok
	tok=$(token_of "$dir" "$user")
	[ -n "$tok" ] || die "no token for $user in $dir/tokens.csv"
	[ -n "${ca:-}" ] || ca=$(base64 -w0 <"$dir/ca.crt")
	rm -f "$out.tmp"
	cat >"$out.tmp" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: ckube
  cluster:
    server: $server
    certificate-authority-data: $ca
contexts:
- name: ckube
  context:
    cluster: ckube
    user: $user
    namespace: default
current-context: ckube
users:
- name: $user
  user:
    token: $tok
KCFG
	chmod 0600 "$out.tmp"
	mv "$out.tmp" "$out"
}

case "${1:-}" in
init) shift; do_init "$@" ;;
identity) identity "${2:?gen-pki identity needs a daemon name}" ;;
token)
	t=$(token_of "${2:?gen-pki token needs DIR}" "${3:?gen-pki token needs USER}")
	[ -n "$t" ] || die "no token for $3 in $2/tokens.csv"
	echo "$t" ;;
kubeconfig)
	[ $# -eq 5 ] || usage
	do_kubeconfig "$2" "$3" "$4" "$5" ;;
daemon-kubeconfigs)
	[ $# -ge 4 ] || usage
	dir=$2 server=$3 outdir=$4
	shift 4
	mkdir -p "$outdir"
	for d in "$@"; do
		read -r u _ <<<"$(identity "$d")"
		do_kubeconfig "$dir" "$server" "$u" "$outdir/$d.kubeconfig"
	done ;;
*) usage ;;
esac
