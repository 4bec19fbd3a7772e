#!/usr/bin/env bash
# The deploy files match the daemons: every ckube-* binary in bin/ has its unit, env file
# and docs page; deploy/gen.sh output (units, env files, compose file, docs/daemons/, the
# exposure table in docs/deploy.md) is current; docker-compose validates the compose file
# and has a healthy-checked service per daemon; the Dockerfile's slim stage has every
# library the binaries link.
. "$(dirname "$0")/../../lib/lib.sh"

top=$CK_ROOT
# Command-line tools (port "tool" in deploy/daemons.tsv) get a docs page but no unit.
tools=$(sed -e 's/#.*//' "$top/deploy/daemons.tsv" | awk '$2 == "tool" { print $1 }')
mapfile -t bins < <(for b in "$CK_BIN"/ckube-*; do
	[ -x "$b" ] || continue
	grep -qxF -- "${b##*/ckube-}" <<<"$tools" || echo "${b##*/ckube-}"
done | sort)
if [ ${#bins[@]} -eq 0 ]; then
	not_ok "bin/ has ckube daemons" "none in $CK_BIN (run make)"
	exit 1
fi
missing=""
for d in "${bins[@]}"; do
	for f in "deploy/systemd/ckube-$d.service" "deploy/systemd/env/$d.env" "docs/daemons/$d.md"; do
		[ -f "$top/$f" ] || missing="$missing $f"
	done
done
if [ -z "$missing" ]; then
	ok "every daemon in bin/ has a unit, an env file and a docs page (${bins[*]})"
else
	not_ok "every daemon in bin/ has a unit, an env file and a docs page" \
	    "missing:$missing" "run make deploy-gen (ports and extra flags: deploy/daemons.tsv)"
fi
bad=""
for t in $tools; do
	[ -x "$CK_BIN/ckube-$t" ] || continue
	[ -f "$top/docs/daemons/$t.md" ] || bad="$bad docs/daemons/$t.md"
	for f in "deploy/systemd/ckube-$t.service" "deploy/systemd/env/$t.env"; do
		[ ! -e "$top/$f" ] || bad="$bad unexpected:$f"
	done
	grep -q "^  $t:\$" "$top/deploy/docker-compose.yml" && bad="$bad unexpected:compose:$t"
done
expect "tools in bin/ (${tools//$'\n'/ }) have a docs page and no unit, env file or compose service" "" "${bad# }"

# Generated files: regenerate into a temp tree and diff.
gen=$CK_TMP/gen
mkdir -p "$gen/docs"
cp "$top/docs/deploy.md" "$gen/docs/deploy.md"
if ! command -v systemd-analyze >/dev/null; then
	skip "generated deploy files are current" "no systemd-analyze (scripts/deps.sh installs systemd)"
elif out=$(BIN=$CK_BIN bash "$top/deploy/gen.sh" --out "$gen" 2>&1); then
	d=$(diff -ru "$top/deploy/systemd" "$gen/deploy/systemd" 2>&1
	    diff -u "$top/deploy/docker-compose.yml" "$gen/deploy/docker-compose.yml" 2>&1
	    diff -ru "$top/docs/daemons" "$gen/docs/daemons" 2>&1
	    diff -u "$top/docs/deploy.md" "$gen/docs/deploy.md" 2>&1)
	if [ -z "$d" ]; then
		ok "generated deploy files and docs/daemons/ are current"
	else
		not_ok "generated deploy files and docs/daemons/ are current (run make deploy-gen)" \
		    "$(printf '%s\n' "$d" | head -40)"
	fi
else
	not_ok "deploy/gen.sh runs" "$out"
fi

# Every example env file's CKUBE_FLAGS is accepted by its binary (flags before --help are
# parsed and validated; --help then stops it).
bad=""
for e in "$top"/deploy/systemd/env/*.env; do
	name=${e##*/}
	name=${name%.env}
	[ -x "$CK_BIN/ckube-$name" ] || continue
	flags=$(sed -n 's/^CKUBE_FLAGS="\(.*\)"$/\1/p' "$e")
	# shellcheck disable=SC2086 # systemd splits $CKUBE_FLAGS on spaces the same way
	"$CK_BIN/ckube-$name" $flags --help >/dev/null 2>"$CK_TMP/err" ||
	    bad="$bad $name: $(head -1 "$CK_TMP/err")"
done
expect "every example env file's flags are accepted by its daemon" "" "${bad# }"

compose=$top/deploy/docker-compose.yml
if ! command -v docker-compose >/dev/null; then
	skip "docker-compose config -q" "no docker-compose (scripts/deps.sh installs it)"
	exit 0
fi
check "docker-compose config -q accepts deploy/docker-compose.yml" \
    docker-compose -f "$compose" config -q
services=$(docker-compose -f "$compose" config --services 2>&1 | sort)
nosvc=$(comm -23 <(printf '%s\n' "${bins[@]}") <(printf '%s\n' "$services"))
expect "every daemon in bin/ has a compose service" "" "$nosvc"

# The normalised file, as JSON, for per-service checks.
cfg=$(docker-compose -f "$compose" config 2>/dev/null | python3 -c 'import json,sys,yaml
print(json.dumps(yaml.safe_load(sys.stdin)))')
bad=$(printf '%s' "$cfg" | python3 -c 'import json,sys
c=json.load(sys.stdin); bad=[]
p=c["services"].pop("pki",None)
for n in [n for n in c["services"] if n.startswith("ha-")]: del c["services"][n]	# below
if p is None or p.get("entrypoint") != ["ckube-gen-pki"]:
    bad.append("pki: no service running ckube-gen-pki")
for n,s in c["services"].items():
    if s.get("depends_on",{}).get("pki" if n == "apiserver" else "apiserver") is None:
        bad.append(n+": does not wait for its credentials")
    if "8080" in json.dumps(s.get("ports",[])): bad.append(n+": publishes the insecure port")
    t=" ".join(s.get("healthcheck",{}).get("test",[]))
    if "/healthz" not in t: bad.append(n+": no /healthz healthcheck")
    if s.get("user") == "root": bad.append(n+": runs as root")
    if n != "apiserver" and s.get("depends_on",{}).get("apiserver",{}).get("condition") != "service_healthy":
        bad.append(n+": does not wait for a healthy apiserver")
    cmd=" ".join(s.get("command",[]))
    if "--watch-bus=tcp://" not in cmd: bad.append(n+": watch bus not over tcp://")
a=c["services"].get("apiserver",{})
if not any("ckube-data" in json.dumps(v) for v in a.get("volumes",[])):
    bad.append("apiserver: no named volume ckube-data")
print("\n".join(bad))')
expect "compose services: /healthz checks, wait for a healthy apiserver, tcp:// bus, named volume, a pki service, no insecure port published" "" "$bad"

# Every service's entrypoint and command (after interpolation) is accepted by its binary.
bad=$(printf '%s' "$cfg" | python3 -c 'import json,subprocess,sys
c=json.load(sys.stdin); bad=[]
import re
c["services"].pop("pki",None)	# ckube-gen-pki, a script: checked above
etcd=subprocess.run([sys.argv[1]+"/ckube-apiserver","--help"],capture_output=True,text=True).stdout
for n,s in sorted(c["services"].items()):
    exe=s.get("entrypoint",[""])[0]
    if n in ("ha-lb",) or n.startswith("ha-etcd-"): continue	# not ckube
    if n.startswith("ha-apiserver-") and "--storage-backend" not in etcd: continue
    if n.startswith("ha-"): n=re.sub("-[0-9]+$","",n[3:])
    if exe != "ckube-"+n: bad.append(n+": entrypoint "+exe); continue
    r=subprocess.run([sys.argv[1]+"/"+exe]+s.get("command",[])+["--help"], capture_output=True, text=True)
    if r.returncode != 0: bad.append(n+": "+r.stderr.splitlines()[0])
print("\n".join(bad))' "$CK_BIN")
expect "every compose service's command is accepted by its daemon" "" "$bad"

# The profile "ha": every daemon has its copies, reaching ha-lb with no bus, the elected
# ones with --leader-elect; the apiservers on the etcd members.
bad=$(printf '%s' "$cfg" | python3 -c 'import json,re,sys
c=json.load(sys.stdin)["services"]; bad=[]
ha={n:s for n,s in c.items() if n.startswith("ha-")}
for n,s in ha.items():
    if s.get("profiles") != ["ha"]: bad.append(n+": not in the profile ha")
    cmd=" ".join(s.get("command",[]))
    if n.startswith("ha-apiserver-"):
        if "--storage-backend=etcd3" not in cmd: bad.append(n+": not on etcd")
        if any(d not in s.get("depends_on",{}) for d in ("ha-etcd-0","ha-etcd-1","ha-etcd-2")):
            bad.append(n+": does not wait for the etcd members")
    elif re.match("ha-.*-[0-9]$",n) and not n.startswith("ha-etcd-"):
        if "--master=https://ha-lb:" not in cmd: bad.append(n+": not through ha-lb")
        if "--watch-bus= " not in cmd+" ": bad.append(n+": uses a bus")
        if "ha-lb" not in s.get("depends_on",{}): bad.append(n+": does not wait for ha-lb")
        if "/healthz" not in " ".join(s.get("healthcheck",{}).get("test",[])): bad.append(n+": no /healthz healthcheck")
        if n.endswith("-1") and not n.startswith("ha-dns-") and "--leader-elect" not in cmd:
            bad.append(n+": a second copy without --leader-elect")
for d in sys.argv[1:]:
    if d != "apiserver" and "ha-"+d+"-0" not in ha: bad.append(d+": no ha-"+d+"-0 service")
if "ha-lb" not in ha: bad.append("no ha-lb service")
print("\n".join(bad))' "${bins[@]}")
expect "compose profile ha: every daemon through ha-lb with no bus, second copies leader-elected, apiservers on etcd" "" "$bad"

# The slim stage installs `deps.sh runtime`: it must hold every library the binaries link.
ma=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
runtime=$(bash "$top/scripts/deps.sh" --list runtime)
need=""
for b in "${bins[@]}"; do
	for so in $(readelf -d "$CK_BIN/ckube-$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
	    grep -v '^lib[a-z]*san\.so'); do	# sanitizer runtimes of MODE=asan/tsan
		pkg=$(dpkg -S "/usr/lib/$ma/$so" "/lib/$ma/$so" 2>/dev/null | head -1 | cut -d: -f1)
		case "$pkg" in
		libc6|libgcc-s1|"") ;;	# in every Debian image
		*) printf '%s\n' "$runtime" | grep -qx "$pkg" || need="$need $b:$pkg" ;;
		esac
	done
done
expect "scripts/deps.sh runtime holds every library the binaries link" "" "${need# }"
grep -q 'deps.sh build' "$top/deploy/Dockerfile" && grep -q 'deps.sh runtime' "$top/deploy/Dockerfile" &&
    grep -q '^USER ckube$' "$top/deploy/Dockerfile"
expect "the Dockerfile uses deps.sh build/runtime and runs as ckube" 0 "$?"
finish
