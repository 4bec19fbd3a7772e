#!/usr/bin/env bash
# make install into a temp DESTDIR (PREFIX=/usr/local) installs every binary, unit and env
# file; systemd-analyze verify prints nothing for any installed unit, and security rates
# each at most 2.0. The real /usr/local is never touched: each installed unit must name
# /usr/local/bin/ckube-NAME, and a copy with ExecStart= pointing into DESTDIR is verified.
# The unit template of a non-apiserver daemon is verified too, on a stand-in daemon.
. "$(dirname "$0")/../../lib/lib.sh"

top=$CK_ROOT
dest=$CK_TMP/dest
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify of the installed units" \
	    "no systemd-analyze: make deps (scripts/deps.sh installs the systemd package)"
	exit 0
fi
if ! out=$(make -C "$top" --no-print-directory MODE="${MODE:-debug}" install \
    PREFIX=/usr/local DESTDIR="$dest" 2>&1); then
	not_ok "make install PREFIX=/usr/local DESTDIR=..." "$(printf '%s\n' "$out" | tail -20)"
	exit 1
fi
ok "make install PREFIX=/usr/local DESTDIR=..."

bad=""
for u in "$top"/deploy/systemd/*.service "$top"/deploy/systemd/*.target; do
	[ -f "$dest/usr/local/lib/systemd/system/${u##*/}" ] || bad="$bad unit:${u##*/}"
done
for e in "$top"/deploy/systemd/env/*.env; do
	[ -f "$dest/usr/local/share/ckube/env/${e##*/}" ] || bad="$bad example:${e##*/}"
	[ -f "$dest/etc/ckube/${e##*/}" ] || bad="$bad etc:${e##*/}"
done
for b in "$CK_BIN"/ckube-*; do
	[ -x "$dest/usr/local/bin/${b##*/}" ] || bad="$bad bin:${b##*/}"
done
expect "binaries, units, example env files and docs installed" "" "${bad# }"

# deploy/Dockerfile's runtime stage copies from the build stage's `make install DESTDIR=/out`:
# each COPY --from=build source must be something make install produced.
bad=""
while read -r src; do
	[ -e "$dest${src#/out}" ] || bad="$bad $src"
done < <(sed -n 's|^COPY --from=build \(/out/[^ ]*\) .*|\1|p' "$top/deploy/Dockerfile")
grep -q 'DESTDIR=/out' "$top/deploy/Dockerfile" || bad="$bad no-DESTDIR=/out"
expect "the Dockerfile copies what make install DESTDIR=/out produces" "" "${bad# }"

# verify_units DIR: systemd-analyze verify every unit in DIR (ExecStart pointed into dest).
verify_units() {
	local dir=$1 vdir=$CK_TMP/verify.$RANDOM u name exe want bad="" out
	mkdir -p "$vdir"
	for u in "$dir"/*.service "$dir"/*.target; do
		name=${u##*/}
		if [ "${name%.service}" != "$name" ]; then
			exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
			want=/usr/local/bin/${name%.service}
			# the credentials' oneshot runs deploy/gen-pki.sh
			[ "$name" = ckube-pki.service ] && want=/usr/local/bin/ckube-gen-pki
			[ "$exe" = "$want" ] ||
			    bad="$bad $name:ExecStart=$exe"
			[ -x "$dest$exe" ] || bad="$bad $name:no-$dest$exe"
		fi
		sed "s|^ExecStart=/usr/local/|ExecStart=$dest/usr/local/|" "$u" >"$vdir/$name"
	done
	for u in "$vdir"/*; do
		out=$(systemd-analyze verify --man=no "$u" 2>&1) || bad="$bad ${u##*/}:rc"
		[ -z "$out" ] || bad="$bad ${u##*/}: $out"
	done
	for u in "$vdir"/*.service; do
		score=$(cd "$vdir" && systemd-analyze security --offline=yes --man=no "${u##*/}" 2>&1 |
		    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
		awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }' ||
		    bad="$bad ${u##*/}:exposure=${score:-unknown}"
	done
	printf '%s' "${bad# }"
}

expect "systemd-analyze verify: no output for any installed unit; exposure <= 2.0" "" \
    "$(verify_units "$dest/usr/local/lib/systemd/system")"

# PREFIX and SYSCONFDIR are rewritten into the units.
out=$(make -C "$top" --no-print-directory MODE="${MODE:-debug}" install PREFIX=/opt/ckube \
    SYSCONFDIR=/etc/opt DESTDIR="$CK_TMP/dest2" 2>&1)
u=$CK_TMP/dest2/opt/ckube/lib/systemd/system/ckube-apiserver.service
# (the apiserver's ExecStart names its credentials, %d/..., before $CKUBE_FLAGS)
expect "PREFIX=/opt/ckube rewrites ExecStart= and EnvironmentFile=" \
    "ExecStart=/opt/ckube/bin/ckube-apiserver \$CKUBE_FLAGS EnvironmentFile=/etc/opt/ckube/apiserver.env" \
    "$(grep -h '^ExecStart=' "$u" 2>/dev/null | sed 's/ --[a-z-]*=%d\/[a-z.]*//g') $(grep -h '^EnvironmentFile=' "$u" 2>/dev/null)"

# The template of every other daemon, on a stand-in: a copy of the apiserver binary.
fake=$CK_TMP/fake
mkdir -p "$fake/bin" "$fake/out/docs"
cp "$CK_BIN/ckube-apiserver" "$fake/bin/ckube-apiserver"
cp "$CK_BIN/ckube-apiserver" "$fake/bin/ckube-example"
cp "$CK_BIN/ckube-apiserver" "$fake/bin/ckube-federation-example"
cp "$CK_BIN/ckube-apiserver" "$fake/bin/ckube-exampletool"
# example has no line (its --port default is used); a line for an absent daemon is ignored;
# a tool gets no unit.
printf 'apiserver 8080\nfederation-example 8081 --v=2\nabsent 1234\nexampletool tool\n' >"$fake/daemons.tsv"
if out=$(BIN=$fake/bin CKUBE_DEPLOY_TABLE=$fake/daemons.tsv bash "$top/deploy/gen.sh" \
    --out "$fake/out" 2>&1); then
	mkdir -p "$dest/usr/local/bin"
	cp "$fake/bin/ckube-example" "$fake/bin/ckube-federation-example" "$dest/usr/local/bin/"
	expect "a new daemon's generated units verify" "" "$(verify_units "$fake/out/deploy/systemd")"
	u=$fake/out/deploy/systemd/ckube-example.service
	expect "a daemon in bin/ without a table line is picked up; absent ones and tools are not" \
	    "apiserver example federation-example" \
	    "$(for f in "$fake"/out/deploy/systemd/env/*.env; do
	    f=${f##*/}; printf '%s ' "${f%.env}"; done | sed 's/ $//')"
	expect "a table line's extra flags reach the env file" 1 \
	    "$(grep -c -- '--port=8081 --v=1 --v=2"$' "$fake/out/deploy/systemd/env/federation-example.env")"
	expect "a new daemon's unit wants the apiserver and its credentials" "3" \
	    "$(grep -c '^\(After=network-online.target ckube-pki.service\|Wants=network-online.target\) ckube-apiserver.service$\|^Requires=ckube-pki.service$' "$u")"
	grep -q -- '--port=8080' "$fake/out/deploy/systemd/env/example.env"
	expect "no table line: the binary's --port default" 0 "$?"
	c=$fake/out/deploy/docker-compose.yml
	if command -v docker-compose >/dev/null; then
		check "a new daemon's compose file validates" docker-compose -f "$c" config -q
		profiles=$(docker-compose -f "$c" config 2>/dev/null | python3 -c 'import sys,yaml
s=yaml.safe_load(sys.stdin)["services"]
print(" ".join("%s=%s" % (n, s[n].get("profiles")) for n in sorted(s)))')
		expect "federation-* daemons (only) are in the federation profile" \
		    "apiserver=None example=None federation-example=['federation'] pki=None" \
		    "$(tr ' ' '\n' <<<"$profiles" | grep -v '^ha-' | paste -sd' ')"
		expect "the ha profile: etcd, apiservers, the balancer, the new daemon, no federation daemon" \
		    "ha-apiserver-0=['ha'] ha-apiserver-1=['ha'] ha-etcd-0=['ha'] ha-etcd-1=['ha'] ha-etcd-2=['ha'] ha-example-0=['ha'] ha-lb=['ha']" \
		    "$(tr ' ' '\n' <<<"$profiles" | grep '^ha-' | paste -sd' ')"
	fi
else
	not_ok "deploy/gen.sh with a new daemon" "$out"
fi
finish
