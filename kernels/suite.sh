#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a suite on one kernel variant into OUTDIR: natively for a `host`
# variant, else in a QEMU guest (boot.sh).
#   kernels/suite.sh NAME|PATH OUTDIR [--suite NAME] [--stress SECONDS]
#                    [-- RUN-OPTIONS...]
# --suite none runs only the stress checks.
# OUTDIR gets the suite's result files and summary.md, and with --stress
# stress-ext4.json and stress-tmpfs.json: every check for SECONDS on the
# guest's ext4 disk and on tmpfs (natively: on $TMPDIR's filesystem, named
# by its type, and on /dev/shm). In a guest each check is its own command,
# so a kernel that panics, oopses or hangs during one fails that check with
# the console tail as evidence (for a hang, boot.json's blocked tasks and
# CPU backtraces), and the checks after it are errors (not run): the
# documents stay whole. Guests also leave console.log and
# boot.json.
# Exit: the highest faultline exit code; 1 the guest failed; 2 usage;
# 3 a missing tool or kernel; 4 interrupted (INT, TERM, HUP: passed on to
# the running faultline or boot.sh, which is waited for).
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -uo pipefail

usage() { echo "usage: kernels/suite.sh NAME|PATH OUTDIR [--suite NAME] [--stress SECONDS] [-- RUN-OPTIONS...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
variant=$1 out=$2 suite=default stress=
shift 2
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--stress) stress=${2:?--stress needs seconds}; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) usage ;;
	esac
done
[ "$suite" != none ] || [ -n "$stress" ] ||
	{ echo "suite.sh: --suite none needs --stress" >&2; exit 2; }
[[ -z $stress || $stress =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	{ echo "suite.sh: --stress $stress: not a number of seconds" >&2; exit 2; }
load_variant "$variant" || exit 2
mkdir -p "$out" || exit 2
checks=$("$fl" stress --list | cut -f1)

if [ "$kind" = host ]; then
	export FAULTLINE_VARIANT=$name FAULTLINE_ACCEL=native
	worst=0
	if [ "$suite" != none ]; then
		fl_run "$fl" suite "$suite" --out-dir "$out" "${extra[@]}"
		worst=$?
		fl_stop_check suite.sh
	fi
	if [ -n "$stress" ]; then
		fl_run "$fl" stress --duration "$stress" --out "$out/stress-tmpdir.json"
		worst=$(worst $worst $?)
		fl_stop_check suite.sh
		fs=$(jq -r '.host.test_fs.type // "tmpdir"' "$out/stress-tmpdir.json" 2>/dev/null)
		[ "$fs" = tmpdir ] || mv "$out/stress-tmpdir.json" "$out/stress-$fs.json"
		if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && [ "$fs" != tmpfs ]; then
			shm=$(mktemp -d /dev/shm/faultline-stress.XXXXXX)
			fl_run "$fl" stress --duration "$stress" --dir "$shm" --out "$out/stress-tmpfs.json"
			worst=$(worst $worst $?)
			rm -rf "$shm"
			fl_stop_check suite.sh
		fi
		"$fl" summary "$out" >/dev/null
	fi
	exit $worst
fi

# In a guest: the suite, then each check on ext4 and on tmpfs.
runs=()
[ "$suite" = none ] ||
	runs+=(--run "suite $suite --out-dir /results$([ ${#extra[@]} -eq 0 ] || printf ' %q' "${extra[@]}")")
if [ -n "$stress" ]; then
	for fs in ext4 tmpfs; do
		fsdir=; [ $fs = tmpfs ] && fsdir="--dir /tmp"
		for c in $checks; do
			runs+=(--run "stress $c --duration $stress $fsdir --out /results/stress-$fs-$c.json")
		done
	done
fi
fl_run "$here/boot.sh" "$variant" "$out" "${runs[@]}"
worst=$?
fl_stop_check suite.sh
[ -f "$out/boot.json" ] || exit $worst

# One stress document per filesystem, in check order; a check the guest
# died in fails with the console tail, the ones after it are not run.
if [ -n "$stress" ]; then
	for fs in ext4 tmpfs; do
		# Tool and host (with the test filesystem) from a check that ran.
		template=
		for t in "$out"/stress-$fs-*.json "$out"/stress.json "$out"/*.json; do
			[ -f "$t" ] && [ "${t##*/}" != boot.json ] && { template=$t; break; }
		done
		docs=()
		for c in $checks; do
			f=$out/stress-$fs-$c.json
			if [ -f "$f" ]; then
				docs+=("$(jq -c '.checks[0]' "$f")")
				continue
			fi
			status=$(jq -r --arg c "/results/stress-$fs-$c.json" \
				'[.commands[] | select(.args | contains($c))][0].status' "$out/boot.json")
			docs+=("$(jq -c -n --arg c "$c" --arg s "$status" --slurpfile b "$out/boot.json" \
				--arg sum "$("$fl" stress --list | awk -F'\t' -v c="$c" '$1 == c { print $2 }')" '
				{name: $c, summary: $sum, iterations: 0, validity: {status: "ok", reasons: []},
				 oracle: {checked: 0, accesses: 0, sigbus_expected: 0, sigbus_unexpected: 0,
					  unjudged: 0, violations: 0, by_kind: {}, details: []}}
				+ if $s == "died" then
					{verdict: "fail",
					 reason: "the guest failed during this check: \($b[0].why // "unknown")",
					 kernel_log: [($b[0].hang.stacks // $b[0].console_tail) | split("\n")[] | select(length > 0) |
						      {pattern: "guest console", fails: true, line: .}]}
				  else
					{verdict: "error", reason: "not run: the guest died before this check",
					 kernel_log: "unavailable: the guest died before this check"}
				  end')")
		done
		printf '%s\n' "${docs[@]}" | jq -s --arg fs "$fs" --arg d "$stress" --arg cpus "$(jq .cpus <<<"$v")" \
			--slurpfile t "${template:-/dev/null}" --slurpfile b "$out/boot.json" '
			. as $checks | ($t[0] // {}) as $t |
			any($checks[]; .verdict | IN("fail", "error", "not_run")) as $failed |
			{schema: "faultline-stress/1", tool: ($t.tool // {}), host: ($t.host // {}),
			 variant: $b[0].variant, accel: $b[0].accel,
			 status: (if $failed then "failed" else "ok" end),
			 exit_code: (if $failed then 1 else 0 end),
			 validity: ([$checks[] | .name as $n | .validity.reasons[]? | .text = "\($n): \(.text)"] |
				    {status: (if length > 0 then "untrustworthy" else "ok" end), reasons: .}),
			 duration_s: ($d | tonumber), faulters: ($t.faulters // ([$cpus | tonumber, 2] | max)), test_fs: $fs,
			 checks: $checks}' >"$out/stress-$fs.json"
		for c in $checks; do rm -f "$out/stress-$fs-$c.json"; done
	done
	"$fl" summary "$out" >/dev/null
fi
exit $worst
