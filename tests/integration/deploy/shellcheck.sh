#!/usr/bin/env bash
# Runs shellcheck: it must pass on deploy/*.sh and scripts/*.sh at every severity and on
# tests/**/*.sh at warning and above (settings in .shellcheckrc). deps.sh installs it.
. "$(dirname "$0")/../../lib/lib.sh"

cd "$CK_ROOT" || exit 1
if ! command -v shellcheck >/dev/null; then
	skip "shellcheck deploy/*.sh" "no shellcheck (scripts/deps.sh installs it)"
	skip "shellcheck tests/**/*.sh" "no shellcheck (scripts/deps.sh installs it)"
	exit 0
fi
mapfile -t deploy_sh < <(find deploy scripts -name '*.sh' | sort)
mapfile -t tests_sh < <(find tests -name '*.sh' | sort)
if out=$(shellcheck "${deploy_sh[@]}" 2>&1); then
	ok "shellcheck deploy/*.sh scripts/*.sh (${#deploy_sh[@]} files)"
else
	not_ok "shellcheck deploy/*.sh scripts/*.sh" "$(printf '%s\n' "$out" | head -40)"
fi
if out=$(shellcheck -S warning "${tests_sh[@]}" 2>&1); then
	ok "shellcheck -S warning tests/**/*.sh (${#tests_sh[@]} files)"
else
	not_ok "shellcheck -S warning tests/**/*.sh" "$(printf '%s\n' "$out" | head -40)"
fi
finish
