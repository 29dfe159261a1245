#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `faultline stress`: every check runs clean on this kernel, on the default
# filesystem and on tmpfs (where eof_boundary's failure is a known kernel
# behaviour); the kernel log is judged; a check that ran nothing fails;
# errors and interrupts.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
nr_checks=$("$fl" stress --help | awk '/^Options:/ { exit } /^  [a-z_]+ / { n++ } END { print n }')
diag "$nr_checks checks"

r=$scratch/stress.json
"$fl" stress --duration 1 --dir "$scratch" --out "$r" >"$scratch/out" 2>&1
st=$?
cat "$scratch/out" | sed 's/^/# /'
[ $st -eq 0 ]
ok $? "stress, every check: exit 0"
validate "$r" && jqv '.schema == "faultline-stress/1" and .status == "ok" and (.checks | length) == '"$nr_checks"'
	and all(.checks[]; (.verdict == "pass" or .verdict == "skip") and .iterations >= 0
		and .oracle.violations == 0 and (.kernel_log | type) == "array")' "$r"
ok $? "stress: every check passed or was skipped with a reason, 0 violations, kernel log read"
jqv '.validity == {status: "ok", reasons: []} and all(.checks[]; .validity.status == "ok")
	and .counts.pass + .counts.skip == '"$nr_checks"' and .counts.known == 0 and .counts.not_run == 0
	and .known_failures.built_in and .known_failures.entries >= 1' "$r"
ok $? "stress: validity ok for the document and every check; verdicts counted"
jqv 'all(.checks[]; .verdict != "pass" or .iterations > 0)' "$r"
ok $? "stress: every passing check did work"
grep -Eq '^check +iterations +violations +bad SIGBUS +kernel +verdict' "$scratch/out"
ok $? "stress prints a table"

# tmpfs keeps bytes stored through a mapping past EOF when the file grows
# again (6.1 and 6.18; ext4 zeroes them): eof_boundary reports it as
# eof_data_reappeared, and the built-in known-failures list makes that
# "known": counted and shown, exit 0. Should a kernel fix it, this fails:
# close the entry's kernel range then. Every other check must pass.
if tmpfs_dir size=256M; then
	t=$scratch/tmpfs.json
	"$fl" stress --duration 0.5 --dir "$mnt" --out "$t" >"$scratch/out" 2>&1
	st=$?
	sed 's/^/# /' "$scratch/out"
	[ $st -eq 0 ] && validate "$t" && jqv '.host.test_fs.type == "tmpfs" and .status == "ok"
		and .counts.known == 1 and .counts.fail == 0 and .counts.not_run == 0
		and all(.checks[] | select(.name != "eof_boundary"); .oracle.violations == 0
			and (.verdict == "pass" or .verdict == "skip"))' "$t"
	ok $? "stress on tmpfs: exit 0, every check but eof_boundary clean (got $st)"
	jqv '.checks[] | select(.name == "eof_boundary") | .verdict == "known"
		and .oracle.by_kind.eof_data_reappeared > 0
		and .oracle.violations == .oracle.by_kind.eof_data_reappeared
		and (.oracle.details[0].text | startswith("eof_data_reappeared: "))
		and (.known.entry | test("^workloads/checks/known-failures:[0-9]+$"))
		and .known.kinds == ["eof_data_reappeared"] and .known.fs == "tmpfs"
		and (.known.reference | test("generic/363")) and (.known.reason | test("past EOF"))
		and .validity.status == "ok"' "$t"
	ok $? "eof_boundary on tmpfs: known, every violation eof_data_reappeared, the entry's reason and reference"
	grep -Eq '^eof_boundary +[0-9]+ +[0-9]+ +0 +[0-9n/a]+ +known: tmpfs keeps bytes .*; reference: fstests generic/363' "$scratch/out" &&
		grep -Eq '^checks:.* 1 known' "$scratch/out"
	ok $? "the table shows known with the reason and counts it"

	# Anything the list does not cover still fails: another filesystem,
	# another kernel, another kind, or no list at all.
	k=$scratch/known
	entry() {	# entry FS KERNEL KINDS: one eof_boundary entry
		printf '# fabricated\ncheck: eof_boundary\nfs: %s\nkernel: %s\nkinds: %s\nreason: r\nreference: t-stress\n' "$@"
	}
	entry tmpfs 6.1.. eof_data_reappeared >"$k.same"
	entry ext4 6.1.. eof_data_reappeared >"$k.fs"
	entry tmpfs ..5.0 eof_data_reappeared >"$k.kernel"
	entry tmpfs .. torn,garbage >"$k.kind"
	"$fl" stress eof_boundary --duration 0.3 --dir "$mnt" --known "$k.same" --out "$scratch/k.json" >/dev/null 2>&1 &&
		validate "$scratch/k.json" &&
		jqv --arg e "$k.same:2" '.checks[0].verdict == "known" and .checks[0].known.entry == $e
			and .known_failures == {list: ($e | rtrimstr(":2")), built_in: false, entries: 1}' "$scratch/k.json"
	ok $? "--known FILE: its entry makes the failure known, exit 0, named FILE:LINE"
	for why in fs kernel kind; do
		"$fl" stress eof_boundary --duration 0.3 --dir "$mnt" --known "$k.$why" --out "$scratch/k.json" >/dev/null 2>&1
		st=$?
		[ $st -eq 1 ] && validate "$scratch/k.json" &&
			jqv '.status == "failed" and .checks[0].verdict == "fail" and (.checks[0] | has("known") | not)
				and .counts.fail == 1 and .counts.known == 0' "$scratch/k.json"
		ok $? "an entry for another $why does not cover it: fail, exit 1 (got $st)"
	done
	jqv --arg e "$k.kind:2" '.checks[0].reason == "not only the known behaviour of \($e): also eof_data_reappeared"' \
		"$scratch/k.json"
	ok $? "a failure beyond the entry's kinds names the entry and the kinds it lacks"
	"$fl" stress eof_boundary --duration 0.3 --dir "$mnt" --known /dev/null --out "$scratch/k.json" >/dev/null 2>&1
	st=$?
	[ $st -eq 1 ] && jqv '.checks[0].verdict == "fail" and .known_failures.entries == 0' "$scratch/k.json"
	ok $? "--known /dev/null: no known behaviour, eof_boundary on tmpfs fails (got $st)"
else
	skip "stress on tmpfs" "cannot mount tmpfs"
fi

# A bad list is refused before anything runs, naming the file and line.
printf 'check: eof_boundary\nfs: tmpfs\ncolour: red\n' >"$scratch/bad.list"
expect 2 "stress: $scratch/bad.list:3: unknown key \"colour\"" "a bad known-failures list: exit 2, file:line" -- \
	"$fl" stress eof_boundary --known "$scratch/bad.list" --out "$scratch/bad.json"
[ ! -e "$scratch/bad.json" ]
ok $? "a bad known-failures list: no result written"
expect 2 "stress: $scratch/none.list: No such file" "a missing known-failures list: exit 2" -- \
	"$fl" stress eof_boundary --known "$scratch/none.list"

# Issue 14: an unwritable result fails before the checks run, not after.
for bad in /nonexistent/x.json "$scratch" "$scratch/sub/" ""; do
	expect 2 "stress: --out " "check first: stress --out '$bad': exit 2 before any check" -- \
		"$fl" stress eof_boundary --duration 5 --out "$bad"
	! grep -q '^stress: 1 check' "$scratch/stdout"
	ok $? "check first: stress --out '$bad': no check started"
done
"$fl" stress --help | grep -q 'Known kernel behaviours: workloads/checks/known-failures'
ok $? "stress --help says where the known-failures list is"

# A check that ran no iteration checked nothing: not_run, untrustworthy,
# exit 1, never pass (FAULTLINE_STRESS_MAX_ITERATIONS is the test hook).
n=$scratch/notrun.json
FAULTLINE_STRESS_MAX_ITERATIONS=0 "$fl" stress trunc_fault_shared eof_boundary --duration 0.3 \
	--out "$n" >"$scratch/out" 2>&1
st=$?
[ $st -eq 1 ] && validate "$n" && jqv '.status == "failed" and .exit_code == 1
	and .counts == {pass: 0, fail: 0, known: 0, not_run: 2, skip: 0, error: 0}
	and all(.checks[]; .verdict == "not_run" and .iterations == 0 and (.reason | test("no iteration ran"))
		and .validity.status == "untrustworthy" and .validity.reasons[0].code == "check_not_run"
		and .validity.reasons[0].metrics == ["all"])
	and .validity.status == "untrustworthy"
	and ([.validity.reasons[].text | split(":")[0]] == ["trunc_fault_shared", "eof_boundary"])' "$n"
ok $? "0 iterations: not_run, check_not_run in the check and the document, exit 1 (got $st)"
grep -Eq '^trunc_fault_shared +0 +0 +0 +[0-9n/a]+ +not_run: no iteration ran' "$scratch/out" &&
	grep -Eq '^checks: 2 not_run$' "$scratch/out"
ok $? "the table shows not_run with its reason"
jq '.checks[0].verdict = "pass"' "$n" >"$scratch/pass0.json"
jq '.checks[0] |= del(.validity)' "$n" >"$scratch/novalidity.json"
! validate "$scratch/pass0.json" 2>/dev/null && ! validate "$scratch/novalidity.json" 2>/dev/null
ok $? "the schema refuses a pass with 0 iterations and a check without validity"
FAULTLINE_STRESS_MAX_ITERATIONS=3 "$fl" stress eof_boundary --duration 5 --out "$scratch/three.json" >/dev/null 2>&1 &&
	jqv '.checks[0].verdict == "pass" and .checks[0].iterations == 3' "$scratch/three.json"
ok $? "FAULTLINE_STRESS_MAX_ITERATIONS=3: the check stops after 3 iterations"
expect 2 'FAULTLINE_STRESS_MAX_ITERATIONS="x": not a count' "a bad iteration hook: exit 2" -- \
	env FAULTLINE_STRESS_MAX_ITERATIONS=x "$fl" stress eof_boundary
# A filesystem that cannot punch holes skips the check: skip is no failure.
rmnt=$scratch/ramfs
if mkdir -p "$rmnt" && mount -t ramfs faultline-test "$rmnt" 2>/dev/null; then
	mounts+=("$rmnt")
	"$fl" stress punch_fault_zero --duration 0.3 --dir "$rmnt" --out "$scratch/skip.json" >/dev/null 2>&1 &&
		validate "$scratch/skip.json" && jqv '.checks[0].verdict == "skip" and .checks[0].iterations == 0
			and .validity.status == "ok" and .counts.skip == 1' "$scratch/skip.json"
	ok $? "punch_fault_zero on ramfs: skip (no hole punching), validity ok, exit 0"
else
	skip "skip is no failure" "cannot mount ramfs"
fi

# summary.md shows known and not_run, the known reason, and the validity mark.
if [ -f "$scratch/tmpfs.json" ]; then
	mkdir -p "$scratch/sum" && cp "$scratch/tmpfs.json" "$n" "$scratch/sum/" &&
		"$fl" summary "$scratch/sum" >/dev/null 2>&1
	s=$scratch/sum/summary.md
	grep -q '^### stress: ok (.*1 known' "$s" &&
		grep -q '^| eof_boundary | [0-9]* | [0-9]* | 0 | [0-9n/a]* | known: tmpfs keeps bytes .*; reference: fstests generic/363' "$s" &&
		grep -q '^### stress: failed (2 not_run)' "$s" &&
		grep -q '^| trunc_fault_shared | 0 | 0 | 0 | [0-9n/a]* | not_run!: no iteration ran' "$s" &&
		grep -q '^- trunc_fault_shared, eof_boundary: check_not_run \[all\]: no iteration ran' "$s"
	ok $? "summary.md: known with its reason, not_run, the counts and the validity mark"
else
	skip "summary.md shows known and not_run" "no tmpfs result"
fi

# tmpfs with huge pages may map a huge folio past EOF: allowed, not a violation.
if tmpfs_dir size=256M,huge=always; then
	"$fl" stress trunc_fault_shared trunc_cow_private --duration 0.5 \
		--dir "$mnt" --out "$scratch/huge.json" >/dev/null 2>&1 &&
		jqv '(.host.test_fs.options | test("huge=always")) and all(.checks[]; .oracle.violations == 0)' \
		"$scratch/huge.json"
	ok $? "stress on tmpfs huge=always: EOF slack, 0 violations"
else
	skip "stress on tmpfs huge=always" "cannot mount tmpfs"
fi

"$fl" stress eof_boundary trunc_fault_shared --duration 0.3 --out "$scratch/two.json" >/dev/null 2>&1 &&
	jqv '[.checks[].name] == ["eof_boundary", "trunc_fault_shared"]' "$scratch/two.json"
ok $? "stress runs the checks named, in order"
expect 2 'unknown check "nope"' "unknown check: exit 2" -- "$fl" stress nope
expect 2 'unknown option --bogus' "unknown option: exit 2" -- "$fl" stress --bogus 1

# A kernel-log finding in the window fails the run, with the line as evidence.
if [ -w /dev/kmsg ]; then
	"$fl" stress trunc_fault_shared --duration 2 --out "$scratch/kmsg.json" >/dev/null 2>&1 &
	pid=$!
	sleep 0.7
	echo "faultline-test: BUG: injected by tests/t-stress.sh, not a kernel bug" >/dev/kmsg
	wait $pid
	st=$?
	[ $st -eq 1 ] && validate "$scratch/kmsg.json" && jqv '.status == "failed" and .checks[0].verdict == "fail"
		and (.checks[0].kernel_log[0].line | test("injected by tests"))
		and .checks[0].kernel_log[0].fails' "$scratch/kmsg.json"
	ok $? "a BUG line in the kernel log during a check: verdict fail, exit 1 (got $st)"
else
	skip "kernel-log finding fails the check" "/dev/kmsg not writable"
fi

# remote_coherence on clusterfs; with invalidation left out it must fail.
if [ -c /dev/fuse ] && [ "$(id -u)" = 0 ]; then
	"$fl" stress remote_coherence --duration 1 --dir "$scratch" --out "$scratch/rc.json" >/dev/null 2>&1 &&
		validate "$scratch/rc.json" &&
		jqv '.checks[0].verdict == "pass" and .checks[0].iterations > 10
			and .checks[0].oracle.violations == 0' "$scratch/rc.json"
	ok $? "remote_coherence: every node sees every write after the barrier"
	FAULTLINE_CLUSTERFS_FAULT=skip-invalidation "$fl" stress remote_coherence --duration 1 --dir "$scratch" \
		--out "$scratch/rc-bad.json" >/dev/null 2>&1
	st=$?
	[ $st -eq 1 ] && validate "$scratch/rc-bad.json" &&
		jqv '.checks[0].verdict == "fail" and .checks[0].oracle.by_kind.incoherent > 0
			and (.checks[0].oracle.details[0].text | test("due, saw"))' "$scratch/rc-bad.json"
	ok $? "remote_coherence with clusterfs skipping invalidation: incoherent, exit 1 (got $st)"
	"$fl" stress cow_survives_remote --duration 1 --dir "$scratch" --out "$scratch/cr.json" >/dev/null 2>&1 &&
		validate "$scratch/cr.json" &&
		jqv '.checks[0].verdict == "pass" and .checks[0].iterations > 5
			and .checks[0].oracle.checked > 0 and .checks[0].oracle.violations == 0' "$scratch/cr.json"
	ok $? "cow_survives_remote: COWed pages survive the remote write, the others show it"
	FAULTLINE_CLUSTERFS_FAULT=skip-invalidation "$fl" stress cow_survives_remote --duration 1 \
		--dir "$scratch" --out "$scratch/cr-stale.json" >/dev/null 2>&1
	st=$?
	[ $st -eq 1 ] && jqv '.checks[0].verdict == "fail" and .checks[0].oracle.by_kind.incoherent > 0
		and .checks[0].oracle.by_kind.lost_marker == 0' "$scratch/cr-stale.json"
	ok $? "cow_survives_remote without invalidation: pages never COWed are stale, incoherent (exit $st)"
	FAULTLINE_CLUSTERFS_FAULT=zap-even-cows "$fl" stress cow_survives_remote --duration 1 \
		--dir "$scratch" --out "$scratch/cr-zap.json" >/dev/null 2>&1
	st=$?
	[ $st -eq 1 ] && jqv '.checks[0].verdict == "fail" and .checks[0].oracle.by_kind.lost_marker > 0
		and .checks[0].oracle.by_kind.incoherent == 0' "$scratch/cr-zap.json"
	ok $? "cow_survives_remote with COWed pages zapped: lost markers (exit $st)"
	! grep " $scratch/" /proc/self/mountinfo | grep -q clusterfs
	ok $? "remote_coherence and cow_survives_remote leave no clusterfs mount"
else
	skip "remote_coherence" "needs /dev/fuse and root"
fi

# R5: the document is rewritten after every check, marked partial until
# the end, so a process (or guest) that dies keeps the checks that
# finished. The row is printed after the document is written: once it is
# on stdout, the document holds that check.
"$fl" stress trunc_fault_shared hole_first_touch eof_boundary --duration 3 --dir "$scratch" \
	--out "$scratch/partial.json" >"$scratch/partial.out" 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q '^trunc_fault_shared ' "$scratch/partial.out" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
validate "$scratch/partial.json" && jqv '.status == "partial" and .exit_code == 5
	and [.checks[].name] == ["trunc_fault_shared"] and .pending == ["hole_first_touch", "eof_boundary"]
	and .validity.status == "untrustworthy" and .validity.reasons[-1].code == "partial"
	and (.validity.reasons[-1].text | test("1 of 3 checks"))' "$scratch/partial.json"
ok $? "R5: stress killed in its second check keeps a valid document marked partial with the first check"
! ls "$scratch" | grep -q 'partial\.json\.tmp'
ok $? "R5: the rewrites leave no temporary file behind"

# A full filesystem is a resource unavailable: one line, exit 3, "failed".
if tmpfs_dir size=1M; then
	dd if=/dev/zero of="$mnt/fill" bs=64k 2>/dev/null
	expect 3 "^faultline: stress: $mnt/faultline\.[^:/]+: [0-9]+ MiB needed for test files, 0 MiB free: No space left on device$" \
		"stress --dir on a full tmpfs: exit 3 and one line naming the directory and ENOSPC" \
		-- "$fl" stress --duration 0.3 --dir "$mnt" --out "$scratch/full.json"
	[ "$(wc -l <"$scratch/stderr")" -eq 1 ] && validate "$scratch/full.json" &&
		jqv '.status == "failed" and .exit_code == 3' "$scratch/full.json" &&
		[ "$(ls -A "$mnt")" = fill ]
	ok $? "stress on a full tmpfs: the result says failed, exit_code 3; nothing left in --dir"
else
	skip "stress on a full filesystem" "cannot mount tmpfs (not root?)"
fi

"$fl" stress --duration 20 --out "$scratch/int.json" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
st=$?
[ $st -eq 4 ] && validate "$scratch/int.json" && jqv '.status == "interrupted" and .exit_code == 4
	and .checks[-1].validity.reasons[-1].code == "interrupted" and .validity.status == "untrustworthy"' "$scratch/int.json"
ok $? "SIGINT during stress: exit 4, result marked interrupted, the cut check untrustworthy (got $st)"
done_testing
