#!/usr/bin/env bash
# Run test binaries and script suites, print each one's output, and end with one line
# "N passed, N failed, N skipped". Exits non-zero if anything failed or died.
#   cmocka binaries: counts from their [  PASSED  ]/[  FAILED  ]/[  SKIPPED ] summary.
#   *.sh suites: TAP-like lines "ok - name", "not ok - name", "ok - name # SKIP why".
# VALGRIND=1 runs the binaries under valgrind (leaks are errors).
set -u
pass=0 fail=0 skip=0 bad=""
for t in "$@"; do
	echo "== $t"
	if [[ "$t" == *.sh ]]; then
		out=$(bash "$t" 2>&1); rc=$?
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | grep -E '^ok - ' | grep -vc '# SKIP')
		s=$(printf '%s\n' "$out" | grep -E '^ok - ' | grep -c '# SKIP')
		f=$(printf '%s\n' "$out" | grep -cE '^not ok - ')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	else
		if [ "${VALGRIND:-0}" = 1 ]; then
			out=$(valgrind -q --error-exitcode=99 --leak-check=full \
			    --errors-for-leak-kinds=definite,indirect "$t" 2>&1); rc=$?
		else
			out=$("$t" 2>&1); rc=$?
		fi
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0} f=${f:-0} s=${s:-0}
		if [ -z "$(printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED)  \]')" ] || [ "$rc" -ne 0 ]; then
			[ "$f" -eq 0 ] && f=1
		fi
	fi
	[ "$rc" -ne 0 ] && bad="$bad $t"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
echo "== $# suites; failing:${bad:- none}"
echo "$pass passed, $fail failed, $skip skipped"
[ -z "$bad" ] && [ "$fail" -eq 0 ]
