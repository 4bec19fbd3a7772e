#!/usr/bin/env bash
# Every ckube binary in bin/ behaves the same on its command line: --help and --version
# print to stdout and exit 0, the hidden --help-markdown prints its flag reference, and an
# unknown flag, a malformed value or a bad --config file is refused on stderr with exit 2.
. "$(dirname "$0")/../../lib/lib.sh"

# run BIN ARGS...: sets rc, out (stdout), err (stderr).
run() {
	out=$("$@" 2>"$CK_TMP/err") && rc=0 || rc=$?
	err=$(cat "$CK_TMP/err")
}

printf 'no-such-flag: 1\n' >"$CK_TMP/unknown.yaml"
printf 'port: 1\n---\nport: 2\n' >"$CK_TMP/two-docs.yaml"
printf 'v: loud\n' >"$CK_TMP/bad-value.yaml"
n=0 versions=""
for b in "$CK_BIN"/ckube-*; do
	[ -x "$b" ] || continue
	name=${b##*/}
	n=$((n + 1))
	run "$b" --help
	expect "$name --help exits 0 with usage and grouped flags" "0 yes yes" \
	    "$rc $(grep -q "^Usage:" <<<"$out" && echo yes) $(grep -q -- '--config string' <<<"$out" && echo yes)"
	run "$b" --version
	expect "$name --version" "0 yes" "$rc $(grep -q "^$name v" <<<"$out" && echo yes)"
	versions="$versions ${out#"$name "}"
	run "$b" --help-markdown
	expect "$name --help-markdown" "0 yes" "$rc $(grep -q "^# $name\$" <<<"$out" && echo yes)"
	run "$b" --no-such-flag
	expect "$name: an unknown flag exits 2 with a message" \
	    "2 $name: unknown flag: --no-such-flag" "$rc $(head -1 <<<"$err")"
	run "$b" --v=loud
	expect "$name: a malformed value exits 2 with a message" "2 yes" \
	    "$rc $(grep -q 'invalid argument "loud" for "--v" flag' <<<"$err" && echo yes)"
	run "$b" stray
	expect "$name: a positional argument exits 2" 2 "$rc"
	bad=""
	for f in unknown two-docs bad-value; do
		run "$b" --config "$CK_TMP/$f.yaml"
		[ "$rc" = 2 ] && grep -q -- "--config $CK_TMP/$f.yaml: " <<<"$err" || bad="$bad $f:$rc"
	done
	run "$b" --config "$CK_TMP/missing.yaml"
	[ "$rc" = 2 ] || bad="$bad missing:$rc"
	expect "$name: a bad --config file exits 2 with a message" "" "${bad# }"
	run "$b" --config "$CK_TMP/bad-value.yaml" --help
	expect "$name --config FILE --help prints help (the file is not read)" 0 "$rc"
done
expect "every binary reports the same version" 1 \
    "$(tr ' ' '\n' <<<"$versions" | sed '/^$/d' | sort -u | wc -l)"

# The apiserver from a config file, one key overridden on the command line.
if [ -x "$CK_BIN/ckube-apiserver" ]; then
	cat >"$CK_TMP/api.yaml" <<YAML
# ckube-apiserver flags
port: 1
data-dir: $CK_TMP/cfg-data
watch-bus: ""
v: 2
YAML
	rm -f "$CK_TMP/cfg.port"
	setsid "$CK_BIN/ckube-apiserver" --config "$CK_TMP/api.yaml" --port=0 \
	    --port-file="$CK_TMP/cfg.port" >"$CK_TMP/cfg.log" 2>&1 &
	CK_PIDS+=("$!")
	if eventually -t 20 test -s "$CK_TMP/cfg.port" &&
	    eventually -t 10 curl -fsS "http://127.0.0.1:$(cat "$CK_TMP/cfg.port")/healthz"; then
		expect "ckube-apiserver --config FILE: file values used, flags override them" \
		    "yes yes yes" "$(test -f "$CK_TMP/cfg-data/ckube.db" && echo yes) $(
		    grep -q 'bus (off)' "$CK_TMP/cfg.log" && echo yes) $(
		    [ "$(cat "$CK_TMP/cfg.port")" != 1 ] && echo yes)"
	else
		not_ok "ckube-apiserver starts from a --config file" "$(tail -5 "$CK_TMP/cfg.log")"
	fi
	stop_pid "${CK_PIDS[-1]}"
fi
[ "$n" -gt 0 ] || not_ok "bin/ has ckube binaries" "none in $CK_BIN"
finish
