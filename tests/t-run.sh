#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real runs of the fault workload: result documents, what they contain,
# fault counting, cleanup, and interrupted runs.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
short=(--duration 1 --warmup 0.2)

# Shared write, two thread counts: every field the issue names is there.
r=$scratch/shared.json
"$fl" run fault --map shared --access write --threads 1,2 "${short[@]}" --size 32M \
	--dir "$scratch" --out "$r" >"$scratch/out" 2>&1
ran $?
ok $? "shared write, threads 1,2: exit 0 (5 if the machine was busy: see t-validity)"
validate "$r"
ok $? "shared write: result matches results/schema.json"
jqv '[.runs[].threads] == [1,2]' "$r"
ok $? "shared write: one run per thread count"
jqv 'all(.runs[]; .nodes[0].latency_ns.p99 > 0 and .totals.ops_per_sec > 0
	and .totals.faults_per_sec > 0 and .totals.faults_per_op > 0)' "$r"
ok $? "shared write: p99 per node, ops/s, faults/s, faults/op in every run"
jqv '.host.test_fs.type != "?" and .variant == "host" and .accel == "native"
	and .workload.params.map == "shared" and .status == "ok"' "$r"
ok $? "shared write: filesystem, variant, accel, params, status recorded"
jqv 'all(.runs[].actors[]; .cpu_first == .pu and .cpu_last == .pu
	and .node_last == .node and .cpu_off_plan == 0 and .cpu_checks > 0)' "$r"
ok $? "actors ran on their planned CPUs"
grep -Eq '^ *threads +invalidator +node +ops/s' "$scratch/out"
ok $? "a run prints a summary table"
[ -z "$(ls "$scratch" | grep faultline-fault)" ]
ok $? "no test file left in --dir"

# Anonymous write faults once per touch (THP off so a huge page cannot map 512).
r=$scratch/anon.json
"$fl" run fault --map anon --access write --thp off --threads 1 "${short[@]}" \
	--out "$r" >/dev/null 2>&1
ran $?
ok $? "anon write: exit 0 (or 5)"
fpo=$(jq '.runs[0].totals.faults_per_op' "$r")
diag "anon write faults/op = $fpo"
jqv '.runs[0].totals.faults_per_op | . > 0.95 and . < 1.05' "$r"
ok $? "anon write: faults per op within 5% of 1"
jqv '.runs[0].kernel.faults_vs_vmstat | . > 0.5 and . <= 1.01' "$r"
ok $? "anon write: perf fault count agrees with /proc/vmstat"

# Both fault counters count the same kernel events.
r=$scratch/perf.json
"$fl" run fault --map anon --fault-counter perf --threads 1 "${short[@]}" --size 16M \
	--out "$r" >/dev/null 2>&1
jqv '.runs[0].kernel.fault_counter == {"source": "perf", "status": "ok"}
	and (.runs[0].totals.faults_per_op | . > 0.95 and . < 1.05)' "$r"
ok $? "--fault-counter perf: perf software counters count one fault per anon touch"

# Every mode runs and releases its memory as asked.
for mode in "--map private --access write" "--map shared --access read --pattern rand" \
	    "--map shared --unmap dontneed" "--map private --unmap never --file shared"; do
	r=$scratch/mode.json
	# shellcheck disable=SC2086
	"$fl" run fault $mode --threads 2 --duration 0.5 --warmup 0 --size 8M \
		--dir "$scratch" --out "$r" >/dev/null 2>&1
	ran $? && validate "$r" && jqv '.runs[0].totals.ops > 0' "$r"
	ok $? "mode $mode: runs and writes a valid result"
done
r=$scratch/never.json
"$fl" run fault --map shared --unmap never --threads 1 "${short[@]}" --size 8M \
	--dir "$scratch" --out "$r" >/dev/null 2>&1
jqv '.runs[0].totals.faults_per_op < 0.01' "$r"
ok $? "--unmap never: pages stay mapped, so almost no faults"
"$fl" run fault --map anon --no-latency --threads 1 --duration 0.5 --warmup 0 \
	--out "$scratch/nolat.json" >/dev/null 2>&1
ran $? && jqv '.runs[0].latency_ns == null and .runs[0].totals.ops > 0' "$scratch/nolat.json"
ok $? "--no-latency: no latency recorded, ops still counted"

# Default test directory: created under TMPDIR and removed afterwards.
mkdir -p "$scratch/tmp"
TMPDIR=$scratch/tmp "$fl" run fault --map shared "${short[@]}" --size 8M \
	--out "$scratch/tmpdir.json" >/dev/null 2>&1
ran $? && [ -z "$(ls -A "$scratch/tmp")" ] &&
	jqv '.host.test_fs.path | startswith("'"$scratch/tmp"'/faultline.")' "$scratch/tmpdir.json"
ok $? "default --dir is a fresh directory under TMPDIR, removed afterwards"

# Issue 14 (S2): --out naming a device or a link to /proc/self/fd/1 is
# written in place, never replaced by a file; a full device exits 3.
tiny=(--threads 1 --duration 0.2 --warmup 0 --size 1M --repeat 1)
mknod "$scratch/null" c 1 3 && mknod "$scratch/full" c 1 7
"$fl" run fault "${tiny[@]}" --out "$scratch/null" >/dev/null 2>&1
ran $? && [ -c "$scratch/null" ]
ok $? "S2: run --out on a null device: it ran, still a device"
expect 3 "faultline: write $scratch/full: No space left on device" \
	"S2: run --out on a full device: exit 3 naming it" -- "$fl" run fault "${tiny[@]}" --out "$scratch/full"
[ -c "$scratch/full" ]
ok $? "S2: run --out on a full device: still a device"
ln -s /proc/self/fd/1 "$scratch/out-link"
"$fl" run fault "${tiny[@]}" --out "$scratch/out-link" >"$scratch/linked" 2>/dev/null
ran $? && [ -L "$scratch/out-link" ] &&
	sed -n '/^{/,/^}/p' "$scratch/linked" | jq -e '.schema == "faultline-result/1"' >/dev/null
ok $? "S2: run --out on a link to /proc/self/fd/1: still a link, the result on stdout"

# Interrupted runs: partial JSON marked as such, files removed, exit 4.
for sig in INT TERM; do
	r=$scratch/int-$sig.json
	mkdir -p "$scratch/tmp-$sig"
	TMPDIR=$scratch/tmp-$sig "$fl" run fault --map shared --threads 1,2 \
		--duration 30 --warmup 0.2 --size 8M --out "$r" >/dev/null 2>"$scratch/int.err" &
	pid=$!
	sleep 1.5
	kill -"$sig" $pid
	wait $pid
	st=$?
	[ $st -eq 4 ]
	ok $? "SIG$sig during a run: exit 4 (got $st)"
	validate "$r" && jqv '.status == "interrupted" and .exit_code == 4
		and (.error | test("interrupted")) and (.runs | length) == 1
		and .runs[0].interrupted and .runs[0].duration_s < 29
		and .runs[0].totals.ops > 0' "$r"
	ok $? "SIG$sig: the partial result is valid JSON marked interrupted"
	[ -z "$(ls -A "$scratch/tmp-$sig")" ]
	ok $? "SIG$sig: test files and directory removed"
	grep -q 'partial result kept' "$scratch/int.err"
	ok $? "SIG$sig: the user is told the result is partial"
done

# A signal during warm-up: nothing measured, still a valid document.
r=$scratch/warm.json
"$fl" run fault --map anon --threads 1 --duration 5 --warmup 30 --size 8M \
	--out "$r" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
st=$?
[ $st -eq 4 ] && validate "$r" && jqv '.status == "interrupted" and .runs == []' "$r"
ok $? "SIGINT during warm-up: exit 4, valid document with no runs"

# On a terminal a progress line is drawn; it is gone when output is a file.
if command -v script >/dev/null; then
	script -qec "$fl run fault --map anon --threads 1 --duration 1.5 --warmup 0 --size 8M --out $scratch/tty.json" \
		/dev/null >"$scratch/tty.out" 2>&1
	grep -q 'run 1/1  threads 1  repeat 1/1  measuring' "$scratch/tty.out"
	ok $? "progress line on a terminal"
else
	skip "progress line on a terminal" "script(1) not installed"
fi
r=$scratch/repeat.json
"$fl" run fault --map anon --threads 1,2 --repeat 2 --duration 0.3 --warmup 0 --size 8M \
	--out "$r" >"$scratch/repeat.out" 2>&1
jqv '[.runs[] | [.repeat, .threads]] == [[0,1],[0,2],[1,1],[1,2]]' "$r" &&
	grep -Eq '^ +1 +- +0 +[0-9.]+[kM]? \([0-9.]+[kM]?-[0-9.]+[kM]?\)' "$scratch/repeat.out"
ok $? "--repeat: repetitions outermost; the summary shows the median and min-max"

# Placement is recorded; the suite writes a summary.
r=$scratch/compact.json
"$fl" run fault --map anon --threads 2 --placement compact --duration 0.5 \
	--warmup 0 --size 8M --out "$r" >/dev/null 2>&1
jqv '.workload.run_options.placement == "compact" and (.runs[0].actors | length) == 2' "$r"
ok $? "placement and actors recorded"
mkdir -p "$scratch/suite"
"$fl" suite quick --out-dir "$scratch/suite" --dir "$scratch" --repeat 2 --duration 0.1 --warmup 0.05 \
	>/dev/null 2>&1
st=$?
ran $st
ok $? "suite quick: exit 0 (or 5, its documents saying why)"
[ $st -eq 5 ] && diag "untrustworthy: $(jq -c '[.validity.reasons[]?.code] | unique' "$scratch"/suite/*.json | sort -u | tr '\n' ' ')"
validate "$scratch"/suite/*.json
ok $? "suite quick: every result is valid"
grep -c '^### fault' "$scratch/suite/summary.md" | grep -qx 12 &&
	grep -q '| threads | invalidator | node |' "$scratch/suite/summary.md" &&
	grep -q '^### stress: ok' "$scratch/suite/summary.md"
ok $? "suite quick: summary.md has a table per workload and the stress verdicts"
done_testing
