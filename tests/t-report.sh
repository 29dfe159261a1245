#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `faultline report`: figures (PNG and SVG) and report pages from two
# variants' results (one real, one relabelled copy with a second NUMA
# node), a fabricated compare document and nightly history; the reasons
# given for figures without data; exit codes for a missing DIR, a missing
# gnuplot and a gnuplot that fails.
. "$(dirname "$0")/lib.sh"
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
"$fl" run fault --map anon --threads 1,2 --repeat 3 --duration 0.3 --warmup 0.1 \
	--size 16M --out "$res/host/page_fault1.json" >/dev/null 2>"$scratch/run.err"
ok $? "a 1,2-thread run with 3 repetitions for the host series"
"$fl" run fault --map shared --invalidator truncate --threads 1,2 --repeat 2 --duration 0.2 \
	--warmup 0.1 --size 8M --out "$res/host/inval-truncate.json" >/dev/null 2>>"$scratch/run.err"
ok $? "a run with an invalidator (and its baseline)"
[ -s "$res/host/page_fault1.json" ] || { diag "$(tail -5 "$scratch/run.err")"; done_testing; }

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

expect 2 "report: $scratch/missing: No such file or directory" \
	"a missing DIR: exit 2 naming it" -- "$fl" report "$scratch/missing" --out "$scratch/x"
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

done_testing
