#!/usr/bin/env bash
# Run test binaries and script suites, print each one's output, and end with one line
# "N passed, N failed, N skipped". Exits non-zero if anything failed or died.
#   cmocka binaries: counts from their [  PASSED  ]/[  FAILED  ]/[  SKIPPED ] summary.
#   *.sh suites: TAP-like lines "ok - name", "not ok - name", "ok - name # SKIP why".
# VALGRIND=1 runs the binaries under valgrind (leaks are errors).
# TEST_JOBS=N runs up to N suites at once (default 1). Each suite's output is printed
# whole, in the order given, as soon as it and every suite before it have ended; the
# suites wait on daemons more than they compute, so 2-3 jobs fit a 2-core box.
# Each suite's output ends with "# took Ns".
set -u
jobs=${TEST_JOBS:-1}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: TEST_JOBS must be a positive integer" >&2; exit 2; }
pass=0 fail=0 skip=0 bad=""
work=$(mktemp -d "${TMPDIR:-/tmp}/ckube-run.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# run_one I T: run suite T, its output in work/I.out and its exit code in work/I.rc.
run_one() {
	local i=$1 t=$2 rc start
	start=$(date +%s)
	if [[ "$t" == *.sh ]]; then
		bash "$t" >"$work/$i.out" 2>&1; rc=$?
	elif [ "${VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect "$t" >"$work/$i.out" 2>&1; rc=$?
	else
		"$t" >"$work/$i.out" 2>&1; rc=$?
	fi
	echo "# took $(($(date +%s) - start))s" >>"$work/$i.out"
	echo "$rc" >"$work/$i.rc.tmp" && mv "$work/$i.rc.tmp" "$work/$i.rc"
}

# report I T: print suite T's output and add its counts.
report() {
	local t=$2 out rc p f s
	out=$(cat "$work/$1.out"); rc=$(cat "$work/$1.rc")
	echo "== $t"
	printf '%s\n' "$out"
	if [[ "$t" == *.sh ]]; then
		p=$(printf '%s\n' "$out" | grep -E '^ok - ' | grep -vc '# SKIP')
		s=$(printf '%s\n' "$out" | grep -E '^ok - ' | grep -c '# SKIP')
		f=$(printf '%s\n' "$out" | grep -cE '^not ok - ')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	else
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0} f=${f:-0} s=${s:-0}
		if ! printf '%s\n' "$out" | grep -qE '^\[  (PASSED|FAILED)  \]' || [ "$rc" -ne 0 ]; then
			[ "$f" -eq 0 ] && f=1
		fi
	fi
	[ "$rc" -ne 0 ] && bad="$bad $t"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

suites=("$@")
next=0 printed=0 running=0
while [ "$printed" -lt "${#suites[@]}" ]; do
	while [ "$running" -lt "$jobs" ] && [ "$next" -lt "${#suites[@]}" ]; do
		run_one "$next" "${suites[$next]}" &
		next=$((next + 1)) running=$((running + 1))
	done
	wait -n 2>/dev/null
	running=0
	for ((i = printed; i < next; i++)); do [ -e "$work/$i.rc" ] || running=$((running + 1)); done
	while [ "$printed" -lt "$next" ] && [ -e "$work/$printed.rc" ]; do
		report "$printed" "${suites[$printed]}"
		printed=$((printed + 1))
	done
done
echo "== $# suites; failing:${bad:- none}"
echo "$pass passed, $fail failed, $skip skipped"
[ -z "$bad" ] && [ "$fail" -eq 0 ]
