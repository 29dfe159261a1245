#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `faultline compare`: real A/A runs, a real slowdown (a busy loop on every
# CPU), refusals, bad inputs, the JSON, Markdown and history outputs, and
# integrity violations and failed stress checks (made with jq).
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
run=(run fault --map private --access write --threads 1 --duration 1 --warmup 0.2
	--repeat 5 --size 32M)
hogs=()
trap 'kill "${hogs[@]}" 2>/dev/null; cleanup' EXIT

"$fl" compare --help | grep -q '^usage: faultline compare \[options\] BASE CUR'
ok $? "compare --help shows the usage"
"$fl" compare --help | grep -q '^Exit: 0 nothing worse, 1 at least one metric worse'
ok $? "compare --help documents the exit codes"
expect 2 'expected BASE and CUR' "compare without paths: exit 2" -- "$fl" compare
expect 2 'unknown option --frob' "unknown option: exit 2" -- "$fl" compare --frob a b
expect 2 'threshold' "bad --threshold: exit 2" -- "$fl" compare --threshold x a b

# A/A: the same workload, runs of the two sides alternating so that a
# disturbance from elsewhere on the machine (a load spike lasting seconds)
# falls on both; --repeat is not part of the match.
A=$scratch/A B=$scratch/B
mkdir -p "$A" "$B"
# A run on a busy machine may be untrustworthy (exit 5): compare then
# leaves its samples out, which is part of what is tested below.
st=0
for i in 1 2 3 4 5; do
	for d in "$A" "$B"; do
		"$fl" "${run[@]}" --repeat 1 --out "$d/$i.json" >/dev/null 2>&1
		case $? in 0|5) ;; *) st=1 ;; esac
	done
done
ok $st "A/A: 5 runs a side, alternating"
diag "A ops/s: $(jq -s -c '[.[].runs[].totals.ops_per_sec | floor]' "$A"/*.json)"
diag "B ops/s: $(jq -s -c '[.[].runs[].totals.ops_per_sec | floor]' "$B"/*.json)"

# Runs drift by a few % (in 2 of 8 consecutive A/A pairs here, p50 moved
# by 2-6%), so the A/A check allows 5%.
j=$scratch/aa.json
"$fl" compare --threshold 5 --json "$j" "$A" "$B" >"$scratch/out" 2>&1
st=$?
[ $st -eq 0 ] || [ $st -eq 5 ]
ok $? "A/A: exit 0, or 5 with a run untrustworthy (nothing worse; exit $st)"
[ $st -eq 0 ] || diag "$(tail -n 3 "$scratch/out")"
jqv '[.metrics[] | select(.metric == "ops_per_sec" and .node == "all")][0]
	| .verdict == "unchanged" or .verdict == "noisy" or .verdict == "untrustworthy"' "$j"
ok $? "A/A: throughput unchanged, noisy or untrustworthy ($(jq -r '.metrics[0] |
	"\(.change_pct | floor)% \(.ci_pct) \(.verdict)"' "$j"))"
grep -Eq '^workload +threads +node +metric +base +cur +change +95% CI +verdict' "$scratch/out"
ok $? "A/A: prints the table"

# The JSON the report relies on.
a=$A/1.json b=$B/1.json
jqv '.schema == "faultline-compare/1" and .tool.name == "faultline" and
	(.written | type) == "string" and (.method | test("Hodges-Lehmann")) and
	.confidence == 0.95 and .threshold_pct == 5 and
	(.counts | has("better") and has("worse") and has("unchanged") and has("noisy")) and
	(.base.paths | length) == 5 and (.cur.paths[0] | startswith($b)) and
	.base.accel == "native" and .base.variant == "host" and (.cur.kernel | length) > 0' \
	--arg b "$B/" "$j"
ok $? "--json: top-level keys"
jqv '(.metrics | length) > 3 and all(.metrics[]; has("workload") and
	(.params | test("^map=private,")) and .threads == 1 and
	(.node == "all" or (.node | type) == "number") and
	(.unit | IN("ops/s", "faults/s", "ns", "count")) and
	(.direction | IN("higher", "lower")) and
	.base.n + (.left_out.base // 0) == 5 and .cur.n + (.left_out.cur // 0) == 5 and
	(.base | has("median") and has("min") and has("max")) and
	(.cur.values | length) == .cur.n and has("change_pct") and has("ci_pct") and
	(.headline | type) == "boolean" and
	(.verdict | IN("better", "worse", "unchanged", "noisy", "untrustworthy")) and
	(.why | length) > 0)' "$j"
ok $? "--json: every metric has the keys, 5 samples a side (pooled, untrustworthy ones left out)"
jqv '[.metrics[].metric] | index("ops_per_sec") and index("faults_per_sec") and
	index("latency_p50") and index("latency_p99") and index("latency_p999")' "$j"
ok $? "--json: throughput and latency metrics"

# A real slowdown: a busy loop on every CPU the runs may use.
for c in $(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))'); do
	taskset -c "$c" bash -c 'while :; do :; done' &
	hogs+=($!)
done
slow=$scratch/slow.json
"$fl" "${run[@]}" --out "$slow" >/dev/null 2>&1
st=$?
[ $st -eq 0 ] || [ $st -eq 5 ]
ok $? "a run sharing every CPU with a busy loop (exit $st)"
kill "${hogs[@]}"
wait "${hogs[@]}" 2>/dev/null
hogs=()
diag "slow ops/s: $(jq -c '[.runs[].totals.ops_per_sec | floor]' "$slow")"
# Its repetitions may spread so much that the run is untrustworthy: then
# compare must not pass it (exit 5, never 0). The statistics below use its
# numbers as if they were trusted.
"$fl" compare "$A,$B" "$slow" >"$scratch/out" 2>&1
st=$?
[ $st -eq 1 ] || { [ $st -eq 5 ] && grep -q '^verdict: untrustworthy' "$scratch/out"; }
ok $? "slowdown: exit 1, or 5 when the run says it is untrustworthy; never 0 (got $st)"
# The statistics from here on take every number as trusted, BASE's too:
# load on the test machine must not decide them.
At=$scratch/At Bt=$scratch/Bt
mkdir -p "$At" "$Bt"
for f in "$A"/*.json; do jq 'del(.validity, .runs[].validity)' "$f" >"$At/${f##*/}"; done
for f in "$B"/*.json; do jq 'del(.validity, .runs[].validity)' "$f" >"$Bt/${f##*/}"; done
jq 'del(.validity, .runs[].validity)' "$slow" >"$scratch/slow-t.json"
slow=$scratch/slow-t.json
"$fl" compare --json "$scratch/slow-cmp.json" "$At,$Bt" "$slow" >"$scratch/out" 2>&1
st=$?
[ $st -eq 1 ]
ok $? "slowdown, its numbers trusted: exit 1 (got $st)"
m='[.metrics[] | select(.metric == "ops_per_sec" and .node == "all")][0]'
diag "slowdown: $(jq -r "$m | \"change \(.change_pct)% CI \(.ci_pct) \(.verdict) (base n=\(.base.n))\"" \
	"$scratch/slow-cmp.json")"
jqv "$m | .verdict == \"worse\" and .ci_pct[1] < 0 and .change_pct < -2 and
	.base.n + (.left_out.base // 0) == 10" "$scratch/slow-cmp.json"
ok $? "slowdown: throughput worse, CI below 0, both BASE directories pooled"
grep -Eq '^verdict: worse \([1-9][0-9]* worse' "$scratch/out"
ok $? "slowdown: the summary line says worse"
"$fl" compare --threshold 90 --json "$scratch/t90.json" "$At,$Bt" "$slow" >/dev/null 2>&1
jqv "$m | .verdict == \"unchanged\" and (.why | test(\"significant but within\"))" \
	"$scratch/t90.json"
ok $? "slowdown within --threshold 90: throughput unchanged"

# A fabricated 20% slowdown of quiet data: exact numbers.
jq '.runs |= [to_entries[] | .value.totals.ops_per_sec = 300000 + 1000 * .key | .value]' \
	"$slow" >"$scratch/q.json"
jq '.runs[].totals.ops_per_sec *= 0.8' "$scratch/q.json" >"$scratch/q80.json"
"$fl" compare --json "$scratch/c80.json" "$scratch/q.json" "$scratch/q80.json" >/dev/null 2>&1
st=$?
jqv "$m | .verdict == \"worse\" and (.change_pct + 20 | fabs) < 1e-6 and
	(.shift_pct + 20 | fabs) < 1e-6 and .ci_pct[0] > -22 and .ci_pct[1] < -18" "$scratch/c80.json"
ok $? "x0.8: worse, change -20%, CI within [-22, -18]%"
[ $st -eq 1 ]
ok $? "x0.8: exit 1"

# --history and --markdown.
h=$scratch/history.jsonl
"$fl" compare --history "$h" --markdown "$scratch/c.md" --json "$scratch/h1.json" \
	"$scratch/q.json" "$scratch/q80.json" >/dev/null 2>&1
n=$(jq '.metrics | length' "$scratch/h1.json")
"$fl" compare --history "$h" "$scratch/q.json" "$scratch/q80.json" >/dev/null 2>&1
[ "$(wc -l <"$h")" -eq $((2 * n)) ]
ok $? "--history appends one line per metric ($n) per run"
jq -e -s --arg w "$(jq -r .written "$scratch/q80.json")" 'all(.[]; .time == $w and
	has("written_at") and has("cur_path") and has("base_path") and .variant == "host" and
	.accel == "native" and has("kernel") and .workload == "fault" and has("params") and
	.threads == 1 and has("node") and has("metric") and has("unit") and has("direction") and
	has("median") and has("base_median") and has("base_min") and has("base_max") and
	has("change_pct") and has("ci_lo") and has("ci_hi") and has("verdict"))' "$h" >/dev/null
ok $? "--history lines are JSON with every key; time is CUR's written"
grep -q '^| workload | threads | node | metric ' "$scratch/c.md" &&
	grep -q '^\*\*verdict: worse\*\*' "$scratch/c.md"
ok $? "--markdown writes the table and the verdict"

# What follows tests compare's logic, not a measurement: A/1 and B/1 with
# their numbers trusted (as slow-t.json above), so that load on the test
# machine, which may make a real run untrustworthy, does not decide it.
jq 'del(.validity, .runs[].validity)' "$a" >"$scratch/a-t.json"
jq 'del(.validity, .runs[].validity)' "$b" >"$scratch/b-t.json"
a=$scratch/a-t.json b=$scratch/b-t.json

# Directories, and directories of directories, are pooled.
mkdir -p "$scratch/dir/sub" "$scratch/empty"
cp "$a" "$scratch/dir/" && cp "$b" "$scratch/dir/sub/"
"$fl" compare --json "$scratch/d.json" "$scratch/dir" "$b" >/dev/null 2>&1
jqv '.metrics[0].base.n == 2 and (.base.paths | length) == 2' "$scratch/d.json"
ok $? "a directory with a subdirectory: both files pooled"
expect 2 "$scratch/empty: no result files" "an empty directory: exit 2" \
	-- "$fl" compare "$scratch/empty" "$b"

# Refusals: emulated vs native, within or between sides.
jq '.accel = "tcg"' "$b" >"$scratch/tcg.json"
expect 2 'BASE ran natively and CUR under tcg: emulated and native CPUs are not comparable; --force to compare anyway' \
	"native vs tcg: refused, exit 2" -- "$fl" compare "$a" "$scratch/tcg.json"
expect 2 "BASE mixes runs made natively \\($a\\) and under tcg" \
	"native and tcg in one side: refused, exit 2" -- "$fl" compare "$a,$scratch/tcg.json" "$b"
"$fl" compare --force "$a" "$scratch/tcg.json" >"$scratch/out" 2>"$scratch/err"
st=$?
[ $st -ne 2 ] && grep -q 'warning: compare: BASE ran natively and CUR under tcg' "$scratch/err"
ok $? "--force compares anyway with a warning (exit $st)"

# Bad inputs name the file and the problem.
expect 2 "compare: $scratch/none.json: No such file or directory" "missing file: exit 2" \
	-- "$fl" compare "$scratch/none.json" "$b"
echo 'not json' >"$scratch/bad.json"
expect 2 "compare: $scratch/bad.json:1: not JSON" "not JSON: exit 2" \
	-- "$fl" compare "$a" "$scratch/bad.json"
echo '{"schema": "foo"}' >"$scratch/foo.json"
expect 2 "compare: $scratch/foo.json: not a faultline result \\(schema \"foo\"\\)" \
	"wrong schema: exit 2" -- "$fl" compare "$scratch/foo.json" "$b"
jq '.workload.params.size = 4096' "$b" >"$scratch/other.json"
expect 2 'compare: no matching runs' "no matching runs: exit 2" \
	-- "$fl" compare "$a" "$scratch/other.json"

# Validate documents (issue 14): a document out of its schema's bounds is
# refused before use, naming the file and the field; a FIFO is no document.
jq '.runs[0].threads = 2147483647' "$b" >"$scratch/huge.json"
expect 2 "compare: $scratch/huge.json: runs\\[0\\]\\.threads = 2147483647: above 65536" \
	"validate documents: threads near INT_MAX refused, exit 2, file and field named" \
	-- timeout 120 "$fl" compare "$a" "$scratch/huge.json"
mkdir -p "$scratch/oob"
jq '.variant = ("v" * 300)' "$b" >"$scratch/oob/long.json"
expect 2 "compare: $scratch/oob/long.json: variant is 300 bytes long: above 256" \
	"validate documents: a 300-byte variant in a directory: exit 2" \
	-- "$fl" compare "$a" "$scratch/oob"
jq -n '{schema: "faultline-stress/1", duration_s: 3, faulters: 100000, checks: []}' >"$scratch/stress-oob.json"
expect 2 "compare: $scratch/stress-oob.json: faulters = 100000: above 65536" \
	"validate documents: a stress document with 100000 faulters: exit 2" \
	-- "$fl" compare "$scratch/stress-oob.json" "$scratch/stress-oob.json"
mkfifo "$scratch/fifo.json"
expect 2 "compare: $scratch/fifo.json: not a regular file" \
	"validate documents: a FIFO named as a result is refused, not waited on" \
	-- timeout 120 "$fl" compare "$a" "$scratch/fifo.json"
# Issue 14: outputs. Devices and links are written, never replaced (S2);
# a planted temp link is not followed (S4); a bad output path fails before
# the inputs are read.
mknod "$scratch/null" c 1 3 && mknod "$scratch/full" c 1 7
"$fl" compare --json "$scratch/null" "$a" "$b" >/dev/null 2>&1
[ $? -eq 0 ] && [ -c "$scratch/null" ]
ok $? "S2: compare --json on a null device: exit 0, still a device"
expect 3 "compare: write $scratch/full: No space left on device" \
	"S2: compare --json on a full device: exit 3, one line" -- "$fl" compare --json "$scratch/full" "$a" "$b"
[ -c "$scratch/full" ] && [ "$(wc -l <"$scratch/stderr")" -eq 1 ]
ok $? "S2: the full device is still a device, the error one line"
ln -s /proc/self/fd/1 "$scratch/stdout-link"
"$fl" compare --json "$scratch/stdout-link" "$a" "$b" >"$scratch/via-link" 2>/dev/null
[ -L "$scratch/stdout-link" ] && grep -q '^verdict:' "$scratch/via-link" &&
	sed -n '/^{/,$p' "$scratch/via-link" | jq -e '.schema == "faultline-compare/1"' >/dev/null
ok $? "S2: compare --json on a link to /proc/self/fd/1: still a link, the JSON after the table"
echo precious >"$scratch/victim"
bash -c 'ln -s "$1" "$2.tmp.$$" && exec "$3" compare --json "$2" "$4" "$5"' _ \
	"$scratch/victim" "$scratch/s4.json" "$fl" "$a" "$b" >/dev/null 2>&1
[ "$(cat "$scratch/victim")" = precious ] && jqv '.schema == "faultline-compare/1"' "$scratch/s4.json"
ok $? "S4: a symlink planted at the temp name is not followed"
if tmpfs_dir size=1m; then
	echo '{"old": "line"}' >"$mnt/h.jsonl"
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null	# until ENOSPC
	expect 3 "compare: (append to|write) $mnt/h.jsonl: No space left on device" \
		"compare --history on a full filesystem: exit 3" -- "$fl" compare --history "$mnt/h.jsonl" "$a" "$b"
	[ "$(cat "$mnt/h.jsonl")" = '{"old": "line"}' ]
	ok $? "compare --history on a full filesystem: the history as it was, no half line"
else
	skip "compare --history on a full filesystem" "no tmpfs mount (needs root)"
fi
for bad in "$scratch" "$scratch/sub/" ""; do
	expect 2 "compare: --json " "bad outputs: --json '$bad' fails before the inputs are read, exit 2" \
		-- "$fl" compare --json "$bad" "$scratch/none.json" "$b"
done
expect 2 "compare: --markdown $scratch/bad.json/x.md: directory $scratch/bad.json: Not a directory" \
	"bad outputs: --markdown under a file: exit 2 first" -- "$fl" compare --markdown "$scratch/bad.json/x.md" "$scratch/none.json" "$b"
expect 2 "compare: --history $scratch/nodir/h.jsonl: directory $scratch/nodir: No such file" \
	"bad outputs: --history in a missing directory: exit 2 first" -- "$fl" compare --history "$scratch/nodir/h.jsonl" "$scratch/none.json" "$b"

# Issue 14: a result with no runs matches nothing: exit 2, one line, and
# no sort of an empty list (UBSan: qsort on NULL in the sanitizer build).
echo '{"schema":"faultline-result/1"}' >"$scratch/m.json"
expect 2 '^faultline: compare: no matching runs' "compare: a result without runs against itself: exit 2" \
	-- "$fl" compare "$scratch/m.json" "$scratch/m.json"
[ "$(wc -l <"$scratch/stderr")" -eq 1 ]
ok $? "compare: a result without runs: one line on stderr, no sanitizer report"

# Metrics on one side only are counted, not fatal.
jq '.runs[].latency_ns = null' "$a" >"$scratch/nolat.json"
"$fl" compare --json "$scratch/u.json" "$a" "$scratch/nolat.json" >"$scratch/out" 2>&1
ok $? "latency only in BASE: exit 0"
jqv '.counts.unmatched == 3 and ([.unmatched[] | select(.side == "base")] | length) == 3' \
	"$scratch/u.json" && grep -q 'only in BASE: fault .* latency_p99' "$scratch/out"
ok $? "latency only in BASE: 3 unmatched metrics, listed"

# Integrity: any violation in CUR is worse, whatever the throughput says.
verified='.runs[].integrity = {verified: true, checked: 1000, violations: 0}'
jq "$verified" "$scratch/q.json" >"$scratch/va.json"
jq "$verified | .runs[2].integrity.violations = 3" "$scratch/q.json" >"$scratch/vb.json"
"$fl" compare --json "$scratch/v.json" "$scratch/va.json" "$scratch/vb.json" >/dev/null 2>&1
st=$?
jqv '(.metrics[] | select(.metric == "integrity_violations") | .verdict == "worse"
	and (.why | test("3 violations"))) and ([.metrics[] | select(.metric == "ops_per_sec")][0]
	| .verdict == "unchanged")' "$scratch/v.json"
ok $? "violations in CUR: worse while throughput is unchanged"
[ $st -eq 1 ]
ok $? "violations in CUR: exit 1"
"$fl" compare "$scratch/vb.json" "$scratch/va.json" >/dev/null 2>&1
ok $? "violations in BASE only: exit 0 (better)"

# Untrustworthy samples are left out by the family their reason spoils.
spoil='.runs[0:2][] |= (.validity = {status: "untrustworthy",
	reasons: [{code: "clock", text: "made up", metrics: ["latency"]}]})'
jq "$spoil" "$scratch/q.json" >"$scratch/lat.json"
"$fl" compare --json "$scratch/lat-cmp.json" "$scratch/q.json" "$scratch/lat.json" >/dev/null 2>&1
st=$?
jqv '([.metrics[] | select(.metric == "ops_per_sec" and .node == "all")][0] |
	.cur.n == 5 and (has("left_out") | not)) and
	([.metrics[] | select(.metric == "latency_p50")][0] | .cur.n == 3 and
	.left_out == {base: 0, cur: 2, reasons: "clock"})' "$scratch/lat-cmp.json" && [ $st -eq 0 ]
ok $? "a run untrustworthy for latency: its latency left out, its ops/s kept (exit $st)"
jq '.runs[].validity = {status: "untrustworthy", reasons: [{code: "actor_idle", text: "made up",
	metrics: ["all"]}]} | .runs[].totals.ops_per_sec *= 0.5' "$scratch/q.json" >"$scratch/idle.json"
"$fl" compare --json "$scratch/idle-cmp.json" "$scratch/q.json" "$scratch/idle.json" >"$scratch/out" 2>&1
st=$?
[ $st -eq 5 ] && jqv '.verdict == "untrustworthy" and .counts.worse == 0 and .counts.untrustworthy > 0 and
	([.metrics[] | select(.metric == "ops_per_sec")][0] | .verdict == "untrustworthy" and
	 (.why | test("5 of 5 CUR samples untrustworthy \\(actor_idle\\)")))' "$scratch/idle-cmp.json" &&
	grep -Eq '^verdict: untrustworthy \(0 worse.* [1-9][0-9]* untrustworthy' "$scratch/out"
ok $? "every CUR run untrustworthy and halved: never worse, untrustworthy, exit 5 (exit $st)"

# A node without a lock list while lockcon worked waited on nothing: its
# lock wait is 0 in every repetition, not a missing sample.
jq '.runs |= map(.kernel.collectors.lockcon.status = "ok" | .nodes |= map(del(.locks, .locks_omitted)))' \
	"$slow" >"$scratch/nolocks.json"
"$fl" compare --json "$scratch/nl.json" "$scratch/nolocks.json" "$slow" >/dev/null 2>&1
jqv '[.metrics[] | select(.metric == "lock_wait_ns")] | length > 0 and
	all(.[]; .base.n == .cur.n and (.base.values | all(. == 0)))' "$scratch/nl.json"
ok $? "no lock list with lockcon ok: zero lock wait, as many samples as the other side"

# Stress checks: a failed check in CUR is worse.
stress() {	# stress VERDICT VIOLATIONS
	jq -n --arg v "$1" --argjson n "$2" '{schema: "faultline-stress/1", variant: "host",
		accel: "native", status: "ok", duration_s: 3, faulters: 2,
		checks: [{name: "dangling_page", verdict: $v, oracle: {violations: $n}}]}'
}
stress pass 0 >"$scratch/s-pass.json"
stress fail 2 >"$scratch/s-fail.json"
"$fl" compare --json "$scratch/s.json" "$scratch/s-pass.json" "$scratch/s-fail.json" >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "failed stress check in CUR: exit 1"
jqv '[.metrics[] | select(.workload == "stress" and .params == "check=dangling_page")
	| .verdict] == ["worse", "worse"]' "$scratch/s.json"
ok $? "failed stress check: check_failed and integrity_violations worse"
"$fl" compare "$scratch/s-pass.json,$scratch/s-pass.json" "$scratch/s-pass.json" >/dev/null 2>&1
ok $? "passing stress checks on both sides: exit 0"
done_testing
