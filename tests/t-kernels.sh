#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ./run.sh --kernels: the quick suite and every stress check on the host
# and in a Debian 6.1 guest with two emulated NUMA nodes, one results
# directory per variant and a side-by-side summary that never puts native
# and emulated numbers in one table; a guest that hangs during stress fails
# that check with the console as evidence and keeps the documents whole.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
export FAULTLINE=$FAULTLINE TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"

need_guest "run.sh --kernels"

# run.sh builds into build/: the guests run in the plain pass only.
out=$scratch/k
"$root/run.sh" --kernels host,debian-6.1 --suite quick --stress 0.5 --out "$out" \
	-- --repeat 1 --duration 0.2 --warmup 0.05 >"$scratch/run.out" 2>&1
st=$?
# tmpfs keeps stores past EOF after growth (eof_boundary on tmpfs on both
# kernels): the known-failures list makes that "known". A check that
# failed or did not run makes exit 1 right, and only then.
# Exit 5 is right when nothing failed but a document is untrustworthy.
fails=$(cat "$out"/*/stress*.json 2>/dev/null |
	jq -s '[.[].checks[] | select(.verdict == "fail" or .verdict == "not_run")] | length')
untrusted=$(cat "$out"/*/*.json 2>/dev/null |
	jq -s '[.[] | select(.validity.status? == "untrustworthy")] | length')
[ $st -eq 0 -a "$fails" = 0 -a "$untrusted" = 0 ] ||
	[ $st -eq 5 -a "$fails" = 0 -a "$untrusted" != 0 ] || [ $st -eq 1 -a "$fails" != 0 ]
ok $? "run.sh --kernels host,debian-6.1 completes (exit $st, $fails failed checks, $untrusted untrustworthy documents)"
[ $st -le 1 ] || sed 's/^/# /' "$scratch/run.out" | tail -20

g=$out/debian-6.1
jqv '.variant == "debian-6.1" and .accel == "tcg" and (.host.kernel.release | startswith("6.1."))
	and .host.cpu.nodes == 2 and (.runs | length) > 0
	and all(.runs[] | select(.threads == 2) | .nodes[]; .faults > 0 and .latency_ns.p99 > 0)' "$g/page_fault1.json"
ok $? "debian-6.1: accel tcg, variant, guest release, two NUMA nodes with faults and latency"
jqv '.variant == "host" and .accel == "native"' "$out/host/page_fault1.json"
ok $? "host: variant host, accel native"
good=1
for f in "$out"/*/*.json; do
	[ "${f##*/}" = boot.json ] && continue
	validate "$f" || { good=0; diag "invalid: $f"; }
done
[ $good = 1 ]
ok $? "every document of both variants validates against its schema"
for fs in ext4 tmpfs; do
	jqv --slurpfile l <("$FAULTLINE" stress --list | cut -f1 | jq -R . | jq -s .) \
		'.variant == "debian-6.1" and .accel == "tcg" and .test_fs == "'$fs'"
		 and [.checks[].name] == $l[0] and all(.checks[]; .verdict | IN("pass", "fail", "known", "not_run", "skip"))' \
		"$g/stress-$fs.json"
	ok $? "the guest's stress on $fs: a verdict for every check"
done
diag "guest stress: $(jq -c '[.checks[] | "\(.name)=\(.verdict)"]' "$g/stress-ext4.json" "$g/stress-tmpfs.json" 2>/dev/null | tr '\n' ' ')"

sum=$out/summary.md
tcg=$(sed -n '/^## tcg/,/^## /p' "$sum")
native=$(sed -n '/^## native/,/^## /p' "$sum")
grep -q '| debian-6.1 | tcg | 6.1' "$sum" && grep -q '| host | native |' "$sum" &&
	[ -n "$tcg" ] && [ -n "$native" ] &&
	! grep -q '| host |$' <<<"$(grep '^| threads' <<<"$tcg")" &&
	! grep -q 'debian-6.1' <<<"$(grep '^| threads' <<<"$native")"
ok $? "the side-by-side summary lists both and keeps native and tcg in separate tables"

# A guest silent during a stress check: that check fails, the rest were
# not run, and the documents are whole.
sed -e 's/^name = .*/name = silent/' -e 's/^timeout = .*/timeout = 15/' \
	"$root/kernels/debian-6.1.variant" >"$scratch/silent.variant"
"$root/kernels/suite.sh" "$scratch/silent.variant" "$scratch/s" --suite none --stress 60 >/dev/null 2>&1
st=$?
validate "$scratch/s/stress-ext4.json" && validate "$scratch/s/stress-tmpfs.json" &&
	jqv '.status == "failed" and .checks[0].verdict == "fail"
	     and (.checks[0].reason | test("hang")) and (.checks[0].kernel_log | length) > 0
	     and all(.checks[1:][]; .verdict == "error")' "$scratch/s/stress-ext4.json"
ok $? "a guest that hangs during a check: that check fails with the console, the rest are errors (exit $st)"
jqv '[.checks[0].kernel_log[].line] | any(test("sysrq: Show backtrace of all active CPUs"))' "$scratch/s/stress-ext4.json"
ok $? "R5: the hung check's kernel_log holds the guest's CPU backtraces (sysrq l), not only the console tail"
[ $st -eq 1 ]
ok $? "and suite.sh exits 1"

expect 2 'nope' "run.sh --kernels with an unknown variant: exit 2" -- "$root/run.sh" --kernels nope --out "$scratch/x"
expect 2 'goes with --kernels' "run.sh --stress without --kernels: exit 2" -- "$root/run.sh" --stress 5
expect 2 'not a number' "suite.sh --stress abc: exit 2" -- "$root/kernels/suite.sh" debian-6.1 "$scratch/y" --stress abc
done_testing
