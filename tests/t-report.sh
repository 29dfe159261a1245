#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `faultline report`: figures (PNG and SVG) and report pages from two
# variants' results (one real, one relabelled copy with a second NUMA
# node), a fabricated compare document and nightly history; the reasons
# given for figures without data; validity: untrustworthy runs, checks,
# ranks and compare metrics drawn distinctly, named in the readings and
# listed in the Validity section; the A/B axis clipped around 0x and 94x
# ratios; stress A/B figures titled with their check and filesystem; exit
# codes for a missing DIR, a missing gnuplot and a gnuplot that fails.
. "$(dirname "$0")/lib.sh" || exit 1
once_per_make_test "the report (its parsing is fuzzed with sanitizers; its time goes to gnuplot)"
fl=$FAULTLINE

if ! command -v gnuplot >/dev/null; then
	"$FL_TESTS/../harness/install-deps.sh" plots >/dev/null 2>&1
fi
if ! command -v gnuplot >/dev/null; then
	skip "report" "gnuplot is not installed and could not be (apt-get install -y gnuplot-nox)"
	done_testing
fi

"$fl" report --help | grep -q '^usage: faultline report DIR'
ok $? "report --help shows the usage"
"$fl" report --help | grep -q '^3 gnuplot'
ok $? "report --help documents the exit codes"

# Two variants: a real host run and a copy relabelled patched (native),
# slower, with a second NUMA node whose latency is 3.2x worse.
res=$scratch/results
mkdir -p "$res/host" "$res/deb" "$res/cmp"
# Exit 5: a result this busy machine judged untrustworthy (spread...), still a result.
"$fl" run fault --map anon --threads 1,2 --repeat 3 --duration 0.3 --warmup 0.1 \
	--size 16M --out "$res/host/page_fault1.json" >/dev/null 2>"$scratch/run.err"
st=$?
[ $st -eq 0 ] || [ $st -eq 5 ]
ok $? "a 1,2-thread run with 3 repetitions for the host series (exit $st)"
"$fl" run fault --map shared --invalidator truncate --threads 1,2 --repeat 2 --duration 0.2 \
	--warmup 0.1 --size 8M --out "$res/host/inval-truncate.json" >/dev/null 2>>"$scratch/run.err"
st=$?
[ $st -eq 0 ] || [ $st -eq 5 ]
ok $? "a run with an invalidator (and its baseline) (exit $st)"
[ -s "$res/host/page_fault1.json" ] || { diag "$(tail -5 "$scratch/run.err")"; done_testing; }
# Validity is set here, not left to the machine: the figures below must not
# depend on how busy it was. The Validity tests further down spoil runs on purpose.
for f in "$res"/host/*.json; do
	jq '.validity = {status: "ok", reasons: []} |
	    .runs |= map(.validity = {status: "ok", reasons: []})' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done

locks=$(jq '[.runs[].nodes[].locks // [] | length] | add' "$res/host/page_fault1.json")
diag "host lock entries from the BPF collectors: $locks"
for f in "$res"/host/*.json; do
	jq --argjson fake "$([ "$locks" -gt 0 ] && echo false || echo true)" '
	def mul(k): if . == null then null else . * k end;
	def lat(k): if . == null then null else
		(.p50 |= mul(k) | .p90 |= mul(k) | .p99 |= mul(k) | .p999 |= mul(k) | .max |= mul(k)
		 | .mean |= mul(k) | .min |= mul(k)
		 | .hist |= (if . == null then null else map([.[0] * k, .[1] * k, .[2]]) end)) end;
	def fakelocks: if $fake then [
		{name: "mmap_lock", type: "rwsem:W", caller: "__vm_munmap", contended: 900,
		 wait_total_ns: 546000000, wait_max_ns: 2000000},
		{name: "mmap_lock", type: "rwsem:R", caller: "lock_mm_and_find_vma", contended: 400,
		 wait_total_ns: 120000000, wait_max_ns: 900000},
		{name: "i_mmap_rwsem", type: "rwsem:W", caller: "unmap_mapping_range", contended: 50,
		 wait_total_ns: 30000000, wait_max_ns: 800000}] else (.locks // []) end;
	.variant = "patched" | .accel = "native" |
	.runs |= map(.totals.ops_per_sec |= mul(0.6) | .totals.faults_per_sec |= mul(0.6) |
		.latency_ns |= lat(1.5) |
		.nodes |= (map(.faults_per_sec |= mul(0.35) | .ops_per_sec |= mul(0.35) |
				.latency_ns |= lat(1.2) | .locks = fakelocks) +
			   map(.node = 1 | .faults_per_sec |= mul(0.25) | .ops_per_sec |= mul(0.25) |
				.latency_ns |= lat(3.2) | .locks = (fakelocks | map(.wait_total_ns |= mul(2))))))' \
		"$f" >"$res/deb/$(basename "$f")"
done
ok $? "a \"patched\" copy with two NUMA nodes"

# The compare document (faultline-compare/1), as `faultline compare` writes it.
params=$(jq -r '.workload.params | to_entries | map("\(.key)=\(.value)") | join(",")' \
	"$res/host/page_fault1.json")
jq -n --arg p "$params" --arg base "$res/host" --arg cur "$res/deb" '
def m(t; node; metric; unit; dir; b; c; ci; v): {workload: "fault", params: $p, threads: t,
	node: node, metric: metric, unit: unit, direction: dir,
	base: {n: 3, median: b, min: (b * 0.97), max: (b * 1.02), values: [b * 0.97, b, b * 1.02]},
	cur: {n: 3, median: c, min: (c * 0.95), max: (c * 1.04), values: [c * 0.95, c, c * 1.04]},
	change_pct: ((c / b - 1) * 100), ci_pct: ci, verdict: v, why: "fabricated by t-report"};
{schema: "faultline-compare/1", method: "bootstrap", confidence: 0.95, threshold_pct: 5,
 base: {paths: [$base], variant: "host", accel: "native", kernel: "6.18.44"},
 cur: {paths: [$cur], variant: "patched", accel: "native", kernel: "6.18.44+"},
 verdict: "worse", counts: {better: 1, worse: 2, unchanged: 2, noisy: 1},
 metrics: [
	m(1; "all"; "ops_per_sec"; "ops/s"; "higher"; 520000; 312000; [-43.1, -36.8]; "worse"),
	m(2; "all"; "ops_per_sec"; "ops/s"; "higher"; 440000; 436000; [-3.2, 1.9]; "unchanged"),
	m(2; "all"; "faults_per_sec"; "faults/s"; "higher"; 440000; 452000; [0.9, 4.6]; "unchanged"),
	m(2; "all"; "latency_p99"; "ns"; "lower"; 4900; 4100; [-19.5, -12.2]; "better"),
	m(2; 0; "latency_p99"; "ns"; "lower"; 4900; 6300; [12.4, 45.0]; "worse"),
	m(2; 1; "latency_p99"; "ns"; "lower"; 4900; 5200; null; "noisy")]}' >"$res/cmp/compare.json"
ok $? "a fabricated compare.json"

# Ten nights of history beside the result directories (found in a DIR's parent).
for night in $(seq 1 10); do
	for t in 1 2; do
		jq -cn --arg p "$params" --argjson n "$night" --argjson t "$t" '
		($n | tostring | if length == 1 then "0" + . else . end) as $d |
		(if $n == 9 then 0.85 elif $n == 4 then 1.07 else 1 + ($n % 3 - 1) * 0.01 end) as $k |
		{time: "2026-11-\($d)T02:00:00Z", written_at: "2026-11-\($d)T02:30:00Z",
		 cur_path: "results/night-\($d)", base_path: "results/baseline", variant: "host",
		 accel: "native", kernel: "6.18.44", workload: "fault", params: $p, threads: $t,
		 node: "all", metric: "ops_per_sec", unit: "ops/s", direction: "higher",
		 median: (300000 * $t * $k), base_median: (300000 * $t), base_min: (290000 * $t),
		 base_max: (312000 * $t), change_pct: (($k - 1) * 100), ci_lo: (($k - 1) * 100 - 2),
		 ci_hi: (($k - 1) * 100 + 2),
		 verdict: (if $k < 0.95 then "worse" elif $k > 1.05 then "better" else "unchanged" end)}'
	done
done >"$res/history.jsonl"
ok $? "a fabricated history.jsonl"

out=$scratch/report
"$fl" report "$res/host" "$res/deb" "$res/cmp" --out "$out" >"$scratch/stdout" 2>"$scratch/stderr"
st=$?
[ $st -eq 0 ]
ok $? "report on two variants, compare and history exits 0 (got $st)"
[ $st -eq 0 ] || diag "$(head -c 1500 "$scratch/stderr")"

pngs=$(ls "$out"/*.png 2>/dev/null | wc -l)
[ "$pngs" -ge 9 ]
ok $? "figures drawn ($pngs PNGs)"
bad=
for kind in scaling latency nodes locks ab trend; do
	ls "$out"/$kind-*.png >/dev/null 2>&1 || bad+=" $kind"
done
[ -z "$bad" ]
ok $? "every kind of figure is drawn${bad:+ (missing:$bad)}"
bad=
for png in "$out"/*.png; do
	n=$(basename "$png" .png)
	[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || bad+=" $n.png"
	[ -s "$out/$n.svg" ] && grep -q '<svg' "$out/$n.svg" || bad+=" $n.svg"
	[ -s "$out/$n.dat" ] && [ -s "$out/$n.gp" ] || bad+=" $n.dat/gp"
	grep -q "src=\"$n.png\"" "$out/index.html" && grep -q "href=\"$n.svg\"" "$out/index.html" ||
		bad+=" index:$n"
	grep -q "($n.png)" "$out/report.md" && grep -q "($n.svg)" "$out/report.md" ||
		bad+=" md:$n"
done
[ -z "$bad" ]
ok $? "each figure is a PNG and an SVG with its data and script, linked from index.html and report.md${bad:+ (bad:$bad)}"

grep '^Reading: page_fault1: ' "$out/report.md" | grep -q 'host (native) scales to 2 threads at [0-9.]*x of 1-thread faults/s (linear: 2x' &&
	grep '^Reading: page_fault1: ' "$out/report.md" | grep -q 'patched (native) scales to 2 threads'
ok $? "the scaling reading names both variants and the linear factor"
grep -Eq '^Reading: page_fault1 at 2 threads: host \(native\) p50 .*patched \(native\): p99 on node 1 is 2\.[0-9]+x node 0.s' "$out/report.md"
ok $? "the latency reading compares the nodes' p99 (3.2x / 1.2x slower: about 2.7x)"
grep -Eq '^Reading: page_fault1 at 2 threads, 2 NUMA nodes; patched \(native\): p99 on node 1' "$out/report.md"
ok $? "the per-node reading names the slower node"
grep -Eq '^Reading: page_fault1 at 2 threads, top lock per run: .*on node [01] \(patched \(native\)\)' "$out/report.md"
ok $? "the lock reading names the top lock, its wait and node"
grep -Eq '^Reading: page_fault1, patched \(native\) against host \(native\): 1 better, 2 worse \(1 thread, all nodes: ops/s -40.0% \[-43.1%, -36.8%\]; 2 threads, node 0: latency_p99 .*\), 2 unchanged, 1 noisy' "$out/report.md"
ok $? "the A/B reading counts verdicts and names the worse metrics"
grep -Eq '^Reading: page_fault1: 10 nights from 2026-11-01 to 2026-11-10, 1 with a worse metric' "$out/report.md"
ok $? "the trend reading counts nights and worse ones"
[ "$(grep -c 'src="ab-page_fault1.png"' "$out/index.html")" -eq 1 ] &&
	grep -q 'compare: `'"$res/cmp/compare.json"'`, verdict \*\*worse\*\*' "$out/report.md"
ok $? "compare.json found in a DIR; its verdict in report.md"
grep -qF "history: \`$res/host/../history.jsonl\`, 20 entries" "$out/report.md"
ok $? "history.jsonl found in a DIR's parent"
grep -q '^All 4 documents are valid: every run, stress check and MPI rank' "$out/report.md" &&
	grep -q '<h2>Validity</h2>' "$out/index.html" && ! grep -q 'have_bad = 1' "$out"/*.gp &&
	! grep -q 'untrustworthy' "$scratch/stderr"
ok $? "all runs valid: the Validity section says so, no figure marks a point, no warning"

# Emulated and native never share a figure: each accelerator gets its own.
mkdir -p "$scratch/tcg"
for f in "$res"/deb/*.json; do
	jq '.variant = "debian-6.1" | .accel = "tcg"' "$f" >"$scratch/tcg/${f##*/}"
done
"$fl" report "$res/host" "$scratch/tcg" --out "$scratch/mixed" >/dev/null 2>&1
ok $? "report on a native and a tcg variant exits 0"
bad=
for kind in scaling latency nodes; do
	[ -s "$scratch/mixed/$kind-page_fault1-native.png" ] && [ -s "$scratch/mixed/$kind-page_fault1-tcg.png" ] ||
		bad+=" $kind"
	grep -q 'debian-6.1' "$scratch/mixed/$kind-page_fault1-native.dat" "$scratch/mixed/$kind-page_fault1-native.gp" &&
		bad+=" $kind-native-has-tcg"
	grep -q 'host (native)' "$scratch/mixed/$kind-page_fault1-tcg.gp" && bad+=" $kind-tcg-has-native"
done
[ -z "$bad" ]
ok $? "native and tcg series are drawn in separate figures${bad:+ (bad:$bad)}"

# One variant, no locks, no compare, no history: each figure says why not.
mkdir -p "$scratch/nolocks"
jq '.runs |= map(.nodes |= map(.locks = []) |
	.kernel.collectors = {lockcon: {status: "unavailable: lockcon: no BTF"},
			      mmaplock: {status: "unavailable: mmaplock: no BTF"}}) |
    .runs |= map(select(.threads == 1))' \
	"$res/host/page_fault1.json" >"$scratch/nolocks/page_fault1.json"
"$fl" report "$scratch/nolocks" >"$scratch/stdout" 2>"$scratch/stderr"
ok $? "report on one DIR writes DIR/report by default"
md=$scratch/nolocks/report/report.md
grep -q 'Not drawn: no lock contention data (collectors unavailable: host (native): lockcon unavailable: lockcon: no BTF' "$md"
ok $? "no lock data: the figure says the collectors were unavailable and why"
grep -q 'Not drawn: only 1 thread count measured; scaling needs two or more' "$md"
ok $? "one thread count: no scaling figure, and why"
grep -q 'Not drawn: no compare document' "$md" && grep -q 'Not drawn: no --history FILE' "$md"
ok $? "no compare document and no history: said so"
[ -s "$scratch/nolocks/report/latency-page_fault1.png" ] &&
	[ ! -e "$scratch/nolocks/report/locks-page_fault1.png" ]
ok $? "figures without data leave no files"

# Validity. A copy of the host series whose 2-thread runs 3 and 5 are
# spoiled, run 3 for everything (actor_idle), run 5 for its lock data only
# (collector_lost), with the same lock waits in every run; a stress
# document with a check not run and a known failure; an MPI document with
# an idle rank; a result that records no validity (an older faultline).
val=$scratch/val
mkdir -p "$val"
jq '.runs |= (reduce range(length) as $i (.;
	if .[$i].threads == 2 and .[$i].repeat == 1 then .[$i].validity = {status: "untrustworthy",
		reasons: [{code: "actor_idle", text: "1 of 2 actors did no op in the window", metrics: ["all"]}]}
	elif .[$i].threads == 2 and .[$i].repeat == 2 then .[$i].validity = {status: "untrustworthy",
		reasons: [{code: "collector_lost", text: "lockcon lost 12 events", metrics: ["locks", "kernel_latency"]}]}
	else . end)) |
    .runs |= map(.nodes |= map(.locks = [{name: "mmap_lock", type: "rwsem:W", caller: "__vm_munmap",
	contended: 10, wait_total_ns: 5000000, wait_max_ns: 900000}])) |
    .validity = {status: "untrustworthy", reasons: [{code: "actor_idle", text: "run 3: 1 of 2 actors did no op", metrics: ["all"]}]}' \
	"$res/host/page_fault1.json" >"$val/page_fault1.json"
jq -n '{schema: "faultline-stress/1", variant: "host", accel: "native", status: "failed", exit_code: 1,
	host: {hostname: "h", test_fs: {path: "/tmp/x", type: "tmpfs"}}, duration_s: 3, faulters: 2,
	checks: [
	 {name: "trunc_fault_shared", verdict: "pass", iterations: 120, validity: {status: "ok", reasons: []}},
	 {name: "remote_coherence", verdict: "not_run", iterations: 0, reason: "no iteration in 3 s",
	  validity: {status: "untrustworthy", reasons: [{code: "check_not_run", text: "0 iterations in 3 s", metrics: ["all"]}]}},
	 {name: "eof_boundary", verdict: "known", iterations: 40, validity: {status: "ok", reasons: []},
	  known: {entry: "known-failures:3", fs: "tmpfs", reason: "tmpfs keeps bytes stored past EOF", reference: "fstests generic/363"}}],
	validity: {status: "untrustworthy", reasons: [{code: "check_not_run", text: "remote_coherence: 0 iterations", metrics: ["all"]}]}}' \
	>"$val/stress.json"
jq -n '{schema: "faultline-mpi/1", variant: "host", accel: "native", status: "ok", workload: {name: "mpi-faultstorm"},
	ranks: [{rank: 0, host: "h", validity: {status: "ok", reasons: []}},
		{rank: 1, host: "h", validity: {status: "untrustworthy",
		 reasons: [{code: "rank_idle", text: "rank 1 touched nothing in its window", metrics: ["all"]}]}}],
	validity: {status: "untrustworthy", reasons: [{code: "rank_idle", text: "rank 1: idle", metrics: ["all"]}]}}' \
	>"$val/mpi-faultstorm.json"
jq 'del(.validity) | .runs |= map(del(.validity))' "$res/host/inval-truncate.json" >"$val/inval-truncate.json"
# Three nights: the second untrustworthy, the third with a verdict no report knows.
for night in 1 2 3; do
	jq -cn --arg p "$params" --argjson n "$night" '{time: "2026-11-0\($n)T02:00:00Z", workload: "fault",
		params: $p, threads: 2, node: "all", metric: "ops_per_sec", unit: "ops/s", direction: "higher",
		median: 300000, base_median: 300000, base_min: 290000, base_max: 310000, change_pct: 0,
		verdict: (if $n == 2 then "untrustworthy" elif $n == 3 then "sideways" else "unchanged" end)}'
done >"$scratch/val-history.jsonl"
"$fl" report "$val" --out "$scratch/valrep" --history "$scratch/val-history.jsonl" \
	>/dev/null 2>"$scratch/stderr"
st=$?
[ $st -eq 0 ] && grep -q 'report: 3 untrustworthy documents among the inputs' "$scratch/stderr"
ok $? "untrustworthy inputs: the report exits 0 (got $st) and warns about 3 documents"
vr=$scratch/valrep
# mawk has no CSV: strip the quoted strings of a .dat line before splitting it.
unq() { sed 's/"[^"]*"//g' "$@"; }
[ "$(awk '/^# untrustworthy/ { exit } $1 == 2 { print $11, $12 } $1 == 1 { print $11, $12 }' \
	"$vr/scaling-page_fault1.dat" | sort -u | tr '\n' ,)" = "0 0,1 1," ] &&
	[ "$(sed -n '/^# untrustworthy/,$p' "$vr/scaling-page_fault1.dat" | grep -vc '^#')" -eq 1 ] &&
	grep -q '^have_bad = 1' "$vr/scaling-page_fault1.gp"
ok $? "scaling: the 2-thread medians are hollow, 1-thread ones not, and only the actor_idle run is a cross (collector_lost spoils locks, not ops)"
grep -q '^Reading: page_fault1: .*; untrustworthy (crosses; hollow medians include them): host (native) at 2 threads: 1 of 3 runs (actor_idle)$' "$vr/report.md"
ok $? "scaling reading names the point, how many runs and the reason code"
grep -q "labels\[1\] = \['host (native) (node 0) (untrustworthy)'\]" "$vr/latency-page_fault1.gp" &&
	[ "$(sed -n '/^# untrustworthy/,$p' "$vr/latency-page_fault1.dat" | awk '$3 == 1' | wc -l)" -eq 4 ] &&
	grep -q '^Reading: page_fault1 at 2 threads: .*untrustworthy latency (crosses) merged in: host (native): 1 of 3 runs (actor_idle)$' "$vr/report.md"
ok $? "latency: the merged curve is named untrustworthy, crossed at 4 percentiles, and its reading says why"
[ "$(grep -v '^#' "$vr/nodes-page_fault1.dat" | unq | awk 'NF { print $9, $10 }')" = "1 1" ] &&
	grep -q '^Reading: page_fault1 at 2 threads, one NUMA node (0): .*; untrustworthy runs in the medians (hatched): host (native): 1 of 3 runs (actor_idle)$' "$vr/report.md"
ok $? "per node: both bars hatched, the reading names the run's reason"
[ "$(sed -n '/^# totals/,$p' "$vr/locks-page_fault1.dat" | grep -v '^#' | unq | awk '{ print $3 }')" = 1 ] &&
	grep -q '^Reading: page_fault1 at 2 threads, top lock per run: .*; untrustworthy lock data (hatched): host (native): 2 of 3 runs (actor_idle, collector_lost)$' "$vr/report.md"
ok $? "locks: hatched, and both runs whose lock data is spoiled are named"
grep -q '^Reading: page_fault1: 3 nights .*; untrustworthy nights (crosses): 2026-11-02 (ops/s, 2 threads)$' "$vr/report.md" &&
	[ "$(grep -v '^#' "$vr/trend-page_fault1.dat" | awk 'NF { print $7 }' | tr -d '\n')" = 010 ] &&
	grep -q '^have_other = 1' "$vr/trend-page_fault1.gp"
ok $? "trend: the untrustworthy night is crossed and named; an unknown verdict is drawn, not a crash"
md=$vr/report.md
grep -q '^3 of 4 documents are untrustworthy (2 runs, 1 check not run, 1 MPI rank)\. 1 stress check failed as known (expected, not a failure)\. 1 document records no validity' "$md"
ok $? "Validity: the summary counts untrustworthy documents, runs, checks, ranks, known failures and unjudged documents"
grep -A3 "^\*\*\`$val/page_fault1.json\`\*\* (host (native)):" "$md" | grep -q '^- run 3 (2 threads, repetition 1): actor_idle: 1 of 2 actors did no op in the window$' &&
	grep -q '^- run 5 (2 threads, repetition 2): collector_lost: lockcon lost 12 events$' "$md" &&
	grep -q '^- check remote_coherence: not run, so it fails: check_not_run: 0 iterations in 3 s$' "$md" &&
	grep -q '^- check eof_boundary: known failure, counted but not failing: tmpfs keeps bytes stored past EOF (fstests generic/363)$' "$md" &&
	grep -q '^- rank 1 (h): rank_idle: rank 1 touched nothing in its window$' "$md" &&
	grep -q "^- \`$val/inval-truncate.json\`$" "$md" && ! grep -q 'check trunc_fault_shared' "$md"
ok $? "Validity: one line per run, check and rank with its reasons, grouped by document; valid parts not listed"
grep -q '<li>run 3 (2 threads, repetition 1): actor_idle: 1 of 2 actors did no op in the window</li>' "$vr/index.html" &&
	grep -q '<li>check remote_coherence: not run, so it fails' "$vr/index.html"
ok $? "Validity in index.html too"

# A/B: a 0x and a 94x lock wait beside ordinary +-3% rows, a metric compare
# could not judge, a verdict no report knows; a configuration of +-3% rows
# only; two stress checks, each side's stress documents on disk (CUR ran
# eof_boundary on tmpfs, everything else ran on ext4).
abdir=$scratch/ab
mkdir -p "$abdir"
stressdoc() {	# FS CHECK...
	local fs=$1; shift
	jq -n --arg fs "$fs" '$ARGS.positional | {schema: "faultline-stress/1", host: {test_fs: {type: $fs}},
		duration_s: 3, faulters: 2, checks: map({name: ., verdict: "pass"})}' --args "$@"
}
stressdoc ext4 trunc_fault_shared eof_boundary >"$abdir/base-stress.json"
stressdoc ext4 trunc_fault_shared >"$abdir/cur-stress.json"
stressdoc tmpfs eof_boundary >"$abdir/cur-stress-tmpfs.json"
jq -n --arg p "$params" --arg d "$abdir" '
def m(p; t; node; metric; b; c; ci; v): {workload: "fault", params: p, options: "duration=0.3",
	threads: t, node: node, metric: metric, unit: "x", direction: "higher",
	base: {n: 3, median: b}, cur: {n: 3, median: c},
	change_pct: (if b == 0 then null else (c / b - 1) * 100 end), ci_pct: ci, verdict: v,
	why: "fabricated by t-report"};
def s(check; metric; b; c; v): {workload: "stress", params: "check=\(check)", options: "duration=3",
	threads: 2, node: "all", metric: metric, unit: "count", direction: "lower",
	base: {n: 3, median: b}, cur: {n: 3, median: c}, change_pct: null, ci_pct: null, verdict: v,
	why: "fabricated by t-report"};
{schema: "faultline-compare/1", confidence: 0.95, threshold_pct: 5, verdict: "worse",
 base: {paths: ["\($d)/base-stress.json"], variant: "host", accel: "native"},
 cur: {paths: ["\($d)/cur-stress.json", "\($d)/cur-stress-tmpfs.json"], variant: "patched", accel: "native"},
 metrics: [
	m($p; 1; "all"; "ops_per_sec"; 100000; 97000; [-4.5, -1.2]; "unchanged"),
	m($p; 2; "all"; "ops_per_sec"; 180000; 185400; [1.0, 5.2]; "unchanged"),
	m($p; 2; 0; "lock_wait_ns"; 250000; 0; [-100, -100]; "better"),
	m($p; 2; 0; "lock_wait_ns[mmap_lock/rwsem:W]"; 1000; 94000; [8000, 12000]; "worse"),
	m($p; 2; "all"; "faults_per_sec"; 180000; 150000; [-25, -10]; "untrustworthy"),
	m($p; 2; "all"; "latency_p999"; 100000; 103000; [-1, 7]; "sideways"),
	(m($p + ",baseline"; 1; "all"; "ops_per_sec"; 100000; 103000; [1.5, 4.4]; "unchanged") | .baseline = true),
	(m($p + ",baseline"; 2; "all"; "ops_per_sec"; 100000; 97000; [-4.1, -1.8]; "unchanged") | .baseline = true),
	s("trunc_fault_shared"; "integrity_violations"; 0; 3; "worse"),
	s("trunc_fault_shared"; "check_failed"; 0; 0; "unchanged"),
	s("eof_boundary"; "check_failed"; 0; 1; "worse")]}' >"$abdir/compare.json"
ok $? "a fabricated compare.json with 0x and 94x rows and two stress checks"
for k in 1 2; do
	"$fl" report "$res/host" --compare "$abdir/compare.json" --out "$abdir/r$k" >/dev/null 2>&1
done
ab=$abdir/r1/ab-page_fault1
gpv() { awk -F' = ' -v k="$1" '$1 == k { print $2 }' "$2"; }
[ "$(gpv clip_lo "$ab.gp")" = 0.5 ] && [ "$(gpv clip_hi "$ab.gp")" = 2 ] && [ "$(gpv have_clip "$ab.gp")" = 1 ] &&
	awk -v lo="$(gpv xmin "$ab.gp")" -v hi="$(gpv xmax "$ab.gp")" 'BEGIN { exit !(lo > 0.3 && lo < 0.5 && hi > 2 && hi <= 4) }'
ok $? "A/B axis: clipped to 0.5x-2x (xmin $(gpv xmin "$ab.gp"), xmax $(gpv xmax "$ab.gp")), not stretched to 0x and 94x"
[ "$(grep 'mmap_lock/rwsem:W' "$ab.dat" | unq | awk '{ print $2, $7, $10 }')" = "2 1 94" ] &&
	[ "$(grep 'node 0: lock_wait_ns"' "$ab.dat" | unq | awk '{ print $2, $7, $10 }')" = "0.5 -1 0" ] &&
	[ "$(grep 'ops/s"' "$ab.dat" | unq | awk '{ print $2, $7 }' | tr '\n' ,)" = "0.97 0,1.03 0," ] &&
	grep -q '"94x worse"' "$ab.dat" && grep -q '"0x better"' "$ab.dat"
ok $? "A/B data: 94x and 0x drawn at the edges with an arrow and their true ratio; +-3% rows where they are"
grep -q '^Reading: page_fault1, patched (native) against host (native): 1 better, 1 worse (2 threads, node 0: lock_wait_ns\[mmap_lock/rwsem:W\] 94x \[+8000.0%, +12000.0%\]), 2 unchanged, 0 noisy, 1 untrustworthy, not judged (hatched: 2 threads, all nodes: faults/s (fabricated by t-report)), 1 with a verdict this report does not know (black: 2 threads, all nodes: latency_p999 "sideways"); 2 beyond the 0.5x-2x axis, drawn at its edge with an arrow: 2 threads, node 0: lock_wait_ns 0x; 2 threads, node 0: lock_wait_ns\[mmap_lock/rwsem:W\] 94x$' "$abdir/r1/report.md"
ok $? "A/B reading: the clipped rows with their true ratio, the untrustworthy and the unknown verdict"
[ "$(grep 'faults/s"' "$ab.dat" | unq | awk '{ print $5, $9 }')" = "8073876 1" ] &&
	[ "$(grep 'latency_p999"' "$ab.dat" | unq | awk '{ print $5 }')" = 0 ] &&
	[ "$(gpv have_bad "$ab.gp")" = 1 ] && [ "$(gpv have_other "$ab.gp")" = 1 ]
ok $? "A/B: the untrustworthy metric in its own colour, hatched; the unknown verdict black"
awk -v lo="$(gpv xmin "$ab-baseline.gp")" -v hi="$(gpv xmax "$ab-baseline.gp")" 'BEGIN { exit !(lo > 0.85 && hi < 1.3) }' &&
	[ "$(gpv have_clip "$ab-baseline.gp")" = 0 ]
ok $? "A/B axis of +-3% rows only stays narrow (xmin $(gpv xmin "$ab-baseline.gp"), xmax $(gpv xmax "$ab-baseline.gp"))"
bad=
for f in "$abdir"/r1/ab-*.gp "$abdir"/r1/ab-*.dat; do
	cmp -s "$f" "$abdir/r2/${f##*/}" || bad+=" ${f##*/}"
done
[ -z "$bad" ]
ok $? "A/B figures are deterministic: two reports of one document write the same data and scripts${bad:+ (differ:$bad)}"
grep -q '^### stress trunc_fault_shared on ext4: patched (native) against host (native)$' "$abdir/r1/report.md" &&
	grep -q '^### stress eof_boundary: patched (native) on tmpfs against host (native) on ext4$' "$abdir/r1/report.md" &&
	[ -s "$abdir/r1/ab-stress-trunc_fault_shared.png" ] && [ -s "$abdir/r1/ab-stress-eof_boundary.png" ] &&
	! grep -q '^### stress: ' "$abdir/r1/report.md"
ok $? "stress A/B figures are named and titled with their check and each side's filesystem"
jq '.base.paths = ["/nonexistent/base.json"] | .cur.paths = ["/nonexistent/cur.json"]' \
	"$abdir/compare.json" >"$abdir/compare-gone.json"
"$fl" report "$val" --compare "$abdir/compare-gone.json" --out "$abdir/r3" >/dev/null 2>&1 &&
	grep -q '^### stress eof_boundary on tmpfs: patched (native) against host (native)$' "$abdir/r3/report.md"
ok $? "stress A/B: with compare's documents gone, the filesystem comes from the stress documents among the inputs"

# S1: a string from a document is data to gnuplot, never command text.
# Each hostile string tries a backquoted command, a command on a line of
# its own, system() after closing a single- or a double-quoted string,
# $ and an @ macro. gnuplot runs in the output directory: whatever it
# would touch lands there as pwned-*.
hostile() {	# TAG
	printf '%s`touch pwned-%s`\n!touch pwned-%s-nl\n'"'"' . system('"'"'touch pwned-%s-sq'"'"') . '"'"'" . system("touch pwned-%s-dq") . "$HOME @hatch \\' \
		"$1" "$1" "$1" "$1" "$1"
}
# A workload name must fit the report's 64 bytes to be matched with the history.
hostile_short() { printf '%s`touch pwned-%s`\n!touch pwned-%s-nl' "$1" "$1" "$1"; }
hd=$scratch/hostile
mkdir -p "$hd/in"
locks_of='.runs |= map(.nodes |= map(.locks = [{name: $l, type: $l, caller: $l, contended: 10,
	wait_total_ns: 5000000, wait_max_ns: 900000}]))'
jq --arg v "$(hostile variant)" --arg a "$(hostile accel)" --arg w "$(hostile_short wl)" \
	--arg l "$(hostile lock)" ".variant = \$v | .accel = \$a | .workload.name = \$w | $locks_of" \
	"$res/deb/page_fault1.json" >"$hd/in/p\`touch pwned-file\`.json" &&
jq --arg v "$(hostile variant)" --arg a "$(hostile accel)" --arg w "$(hostile_short inv)" \
	--arg l "$(hostile lock2)" --arg k "$(hostile kind)" \
	".variant = \$v | .accel = \$a | .workload.name = \$w | $locks_of |
	 .runs |= map(if .invalidator then .invalidator.kind = \$k else . end)" \
	"$res/host/inval-truncate.json" >"$hd/in/inval.json" &&
jq -n --arg b "$(hostile base)" --arg c "$(hostile cur)" --arg w "$(hostile_short wl)" \
	--arg chk "$(hostile check)" --arg m "$(hostile metric)" --arg v "$(hostile verdict)" '
def m(wl; p; metric; v): {workload: wl, params: p, threads: 2, node: "all", metric: metric,
	unit: "x", direction: "higher", base: {n: 3, median: 100}, cur: {n: 3, median: 90},
	change_pct: -10, ci_pct: [-12, -8], verdict: v, why: "t-report S1"};
{schema: "faultline-compare/1", confidence: 0.95, threshold_pct: 5, verdict: "worse",
 base: {paths: [], variant: $b, accel: "native"}, cur: {paths: [], variant: $c, accel: "native"},
 metrics: [m($w; ""; "ops_per_sec"; "worse"), m($w; ""; $m; $v),
	   m("stress"; "check=" + $chk; "check_failed"; "worse")]}' >"$hd/compare.json" &&
for n in 1 2; do
	jq -cn --arg w "$(hostile_short wl)" --arg m "$(hostile hmetric)" --arg u "$(hostile unit)" \
		--argjson n $n '{time: "2026-11-0\($n)T02:00:00Z", workload: $w, params: "", threads: 2,
		node: "all", metric: $m, unit: $u, direction: "higher", median: 300000,
		base_median: 300000, base_min: 290000, base_max: 310000, change_pct: 0,
		verdict: "unchanged"}'
done >"$hd/history.jsonl"
ok $? "S1: results, a compare document and a history whose strings are gnuplot commands"
"$fl" report "$hd/in" --compare "$hd/compare.json" --history "$hd/history.jsonl" \
	--out "$hd/rep" >/dev/null 2>"$scratch/stderr"
st=$?
pwned=$(find "$scratch" -name 'pwned*' | tr '\n' ' ')
[ -z "$pwned" ]
ok $? "S1: no command from a variant, accel, workload, lock, invalidator, check, metric, verdict or unit name runs${pwned:+ (ran: $pwned)}"
bad=
for kind in scaling latency nodes locks ab ab-stress trend; do
	ls "$hd/rep/$kind"-*.png >/dev/null 2>&1 || bad+=" $kind"
done
[ $st -eq 0 ] && [ -z "$bad" ]
ok $? "S1: the report on hostile names still renders every figure (exit $st${bad:+, missing:$bad})"
[ $st -eq 0 ] || diag "$(head -c 1500 "$scratch/stderr")"
grep -qF 'variant`touch pwned-variant`' "$hd/rep"/scaling-*.svg
ok $? "S1: a hostile variant name is drawn as the text it is"

# R1: a thread count near INT_MAX made report loop for ever. Validate
# documents: results, compare documents and history lines out of bounds
# are refused with exit 2, naming the file (and line) and the field.
mkdir -p "$scratch/r1"
jq '.runs[0].threads = 2147483647' "$res/host/page_fault1.json" >"$scratch/r1/page_fault1.json"
expect 2 "report: $scratch/r1/page_fault1.json: runs\\[0\\]\\.threads = 2147483647: above 65536" \
	"R1: a result with threads near INT_MAX is refused (exit 2, file and field named), no hang" \
	-- timeout 120 "$fl" report "$scratch/r1" --out "$scratch/r1/rep"
jq '.metrics[0].threads = -1' "$res/cmp/compare.json" >"$scratch/r1-compare.json"
expect 2 "report: $scratch/r1-compare.json: metrics\\[0\\]\\.threads = -1: below 0" \
	"validate documents: a compare document out of bounds: exit 2" \
	-- "$fl" report "$res/host" --compare "$scratch/r1-compare.json" --out "$scratch/r1/rep2"
{ head -n 1 "$res/history.jsonl"; head -n 1 "$res/history.jsonl" | jq -c '.threads = 99999999'; } \
	>"$scratch/r1-history.jsonl"
expect 2 "report: $scratch/r1-history.jsonl:2: threads = 99999999: above 65536" \
	"validate documents: a history line out of bounds: exit 2 naming file and line" \
	-- "$fl" report "$res/host" --history "$scratch/r1-history.jsonl" --out "$scratch/r1/rep3"

# Validate documents: what bounds do not catch, sizes. A compare document
# of 150 configurations and a history of 200000 lines, each its own
# configuration: the report ends (it compared every line with every earlier
# one), draws at most 100 A/B figures and says how many it left out. A
# stand-in gnuplot writes the figures: what is tested is the report.
mkdir -p "$scratch/many/bin"
printf '#!/bin/sh\nn=${1%%.gp}; echo x >"$n.png"; echo x >"$n.svg"\n' >"$scratch/many/bin/gnuplot"
chmod +x "$scratch/many/bin/gnuplot"
jq -n '{schema: "faultline-compare/1", base: {variant: "a"}, cur: {variant: "b"},
	metrics: [range(150) | {workload: "w\(.)", params: "", threads: 1, node: "all",
	metric: "ops_per_sec", base: {n: 3, median: 1}, cur: {n: 3, median: 1}, change_pct: 0,
	verdict: "unchanged"}]}' >"$scratch/many/compare.json"
awk 'BEGIN { for (i = 0; i < 200000; i++)
	printf "{\"time\": \"2026-11-01T02:00:00Z\", \"workload\": \"w%d\", \"params\": \"\", \"threads\": 1, \"metric\": \"ops_per_sec\", \"median\": 1}\n", i }' \
	>"$scratch/many/history.jsonl"
PATH="$scratch/many/bin:$PATH" timeout 120 "$fl" report "$res/host" --compare "$scratch/many/compare.json" \
	--history "$scratch/many/history.jsonl" --out "$scratch/many/rep" >/dev/null 2>"$scratch/stderr"
st=$?
[ $st -eq 0 ] && [ "$(ls "$scratch/many/rep"/ab-w*.png | wc -l)" -eq 100 ] &&
	grep -q 'compare.json: 50 more configurations not drawn (at most 100)' "$scratch/many/rep/report.md"
ok $? "validate documents: 150 A/B configurations and 200000 history lines: the report ends (exit $st) with 100 A/B figures and the rest counted"

expect 2 "report: $scratch/missing: No such file or directory" \
	"a missing DIR: exit 2 naming it" -- "$fl" report "$scratch/missing" --out "$scratch/x"
: >"$scratch/a-file"
expect 2 "report: --out $scratch/a-file/rep: $scratch/a-file is not a directory" \
	"--out under a file: exit 2 before any input is read" -- "$fl" report "$scratch/missing" --out "$scratch/a-file/rep"
[ ! -e "$scratch/a-file/rep" ] && ! grep -q missing "$scratch/stderr"
ok $? "--out is checked before the inputs: the missing input is not what it names"
expect 2 'several inputs' "two DIRs without --out: exit 2" -- "$fl" report "$res/host" "$res/deb"
expect 2 'unknown option "--frob"' "an unknown option: exit 2" -- "$fl" report --frob "$res/host"

mkdir -p "$scratch/nognuplot"
ln -s "$(command -v jq)" "$scratch/nognuplot/jq"
expect 3 'report: gnuplot not found; run: apt-get install -y gnuplot-nox' \
	"no gnuplot on PATH: exit 3 with what to install" -- \
	env PATH="$scratch/nognuplot" "$fl" report "$res/host" --out "$scratch/y"

# A gnuplot that fails: every figure is listed as failed with its message.
mkdir -p "$scratch/badgnuplot"
printf '#!/bin/sh\necho "line 7: fake gnuplot refuses" >&2\nexit 1\n' >"$scratch/badgnuplot/gnuplot"
chmod +x "$scratch/badgnuplot/gnuplot"
PATH="$scratch/badgnuplot:$PATH" "$fl" report "$res/host" --out "$scratch/z" >/dev/null 2>"$scratch/stderr"
st=$?
[ $st -eq 1 ] && grep -q '^\*\*Failed\*\*: gnuplot: line 7: fake gnuplot refuses' "$scratch/z/report.md" &&
	grep -q 'gnuplot failed on' "$scratch/stderr"
ok $? "gnuplot failing on figures: exit 1 (got $st), each listed as failed with gnuplot's message"

# Issue 14: a full filesystem under --out: exit 3, one line naming the file,
# and no 0-byte or partial file left behind.
if tmpfs_dir size=12k; then
	expect 3 "report: write $mnt/rep/[a-z.]+: No space left on device" \
		"report --out on a full filesystem: exit 3 naming the file" -- \
		"$fl" report "$res/host" --out "$mnt/rep"
	[ -z "$(find "$mnt" -type f \( -size 0 -o -name '*.tmp.*' \))" ]
	ok $? "report --out on a full filesystem: no 0-byte or temp file left"
else
	skip "report --out on a full filesystem" "no tmpfs mount (needs root)"
fi

# A touch of 0 ns (a coarse clock under emulation puts one in bucket 0):
# the latency axis is logarithmic; the report must still end.
mkdir -p "$scratch/zero"
jq '.runs |= map(.latency_ns.min = 0 | .latency_ns.hist = [[0, 1, 5]] + .latency_ns.hist[1:]
	| .nodes |= map(.latency_ns.min = 0 | .latency_ns.hist = [[0, 1, 5]] + .latency_ns.hist[1:]))' \
	"$res/host/page_fault1.json" >"$scratch/zero/page_fault1.json"
timeout 120 "$fl" report "$scratch/zero" --out "$scratch/zero/report" >/dev/null 2>&1
st=$?
[ $st -eq 0 ] && [ -s "$scratch/zero/report/report.md" ]
ok $? "a latency of 0 ns: the report ends (exit $st) with its figures"

done_testing
