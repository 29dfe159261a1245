#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Nightly mode (./run.sh --nightly, harness/nightly.sh): its exit codes.
# 2 without a baseline or with one that cannot be compared; 0 on the first
# night with --update-baseline, and against a baseline that was slower;
# 1 against a baseline that was faster beyond the threshold. Each night
# appends one history line per metric and writes the report.
. "$(dirname "$0")/lib.sh"
root=$(cd "$FL_TESTS/.." && pwd)
nightly=$root/harness/nightly.sh
export FAULTLINE
# The quick suite, one thread, five repetitions: enough for 95% intervals.
short=(--suite quick -- --threads 1 --duration 0.2 --warmup 0 --repeat 5)
hist=$scratch/history.jsonl

expect 2 'does not exist.*--update-baseline' "no baseline and no --update-baseline: exit 2" \
	-- "$nightly" --baseline "$scratch/base" --out "$scratch/n0" "${short[@]}"
expect 2 'not a percentage' "--threshold abc: exit 2" \
	-- "$nightly" --baseline "$scratch/base" --out "$scratch/n0" --threshold abc "${short[@]}"
expect 2 'needs --baseline' "no --baseline: exit 2" -- "$nightly" --out "$scratch/n0"

# The first night: no comparison, the run becomes the baseline.
"$nightly" --baseline "$scratch/base" --update-baseline --out "$scratch/n1" \
	--history "$hist" "${short[@]}" >"$scratch/n1.out" 2>&1
st=$?
[ $st -eq 0 ] && [ -f "$scratch/base/n1/page_fault1.json" ] && [ ! -e "$scratch/n1/compare.json" ] &&
	grep -q 'no baseline to compare with yet' "$scratch/n1.out"
ok $? "first night with --update-baseline: exit 0 and the run joins the baseline (exit $st)"
[ $st -eq 0 ] || sed 's/^/# /' "$scratch/n1.out" | tail -15

# Against a baseline four times slower, and one four times faster (throughput,
# latency and lock waits).
scale() {	# scale FACTOR SRC DST: throughput x FACTOR, latency and waits / FACTOR
	mkdir -p "$3"
	for f in "$2"/*.json; do
		jq --argjson k "$1" '
			(.. | objects | select(has("ops_per_sec")) | .ops_per_sec) |= (if . then . * $k else . end) |
			(.. | objects | select(has("faults_per_sec")) | .faults_per_sec) |= (if . then . * $k else . end) |
			(.. | objects | select(has("p50") and has("p99")) | .p50, .p99, .p999) |= (if . then . / $k else . end) |
			(.. | objects | select(has("wait_total_ns")) | .wait_total_ns, .wait_max_ns, .wait_mean_ns) |= (if . then . / $k else . end)' \
			"$f" >"$3/${f##*/}"
	done
}
scale 0.25 "$scratch/base/n1" "$scratch/slow"
scale 4 "$scratch/base/n1" "$scratch/fast"
"$nightly" --baseline "$scratch/slow" --out "$scratch/n2" --history "$hist" "${short[@]}" \
	>"$scratch/n2.out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q 'nightly: OK' "$scratch/n2.out" && jqv '.counts.worse == 0' "$scratch/n2/compare.json"
ok $? "against a slower baseline: exit 0, nothing worse (exit $st)"
[ $st -eq 0 ] || grep -i 'worse\|nightly' "$scratch/n2.out" | head -5 | sed 's/^/# /'
lines=$(wc -l <"$hist")
metrics=$(jq '.metrics | length' "$scratch/n2/compare.json")
[ "$lines" -gt 0 ] && [ "$lines" = "$metrics" ] && jq -e -s 'all(.[]; has("metric") and has("verdict"))' "$hist" >/dev/null
ok $? "one history line per metric ($lines lines, $metrics metrics)"
[ -s "$scratch/n2/report/index.html" ] && [ -s "$scratch/n2/report/report.md" ]
ok $? "the night's report is written"

"$nightly" --baseline "$scratch/fast" --out "$scratch/n3" --history "$hist" --threshold 5% "${short[@]}" \
	>"$scratch/n3.out" 2>&1
st=$?
[ $st -eq 1 ] && grep -q 'nightly: REGRESSION' "$scratch/n3.out" &&
	jqv '[.metrics[] | select(.metric == "ops_per_sec" and .verdict == "worse")] | length > 0' "$scratch/n3/compare.json"
ok $? "against a faster baseline: exit 1, throughput worse (exit $st)"
[ "$(wc -l <"$hist")" -gt "$lines" ]
ok $? "the history grows each night"

# The baseline pools the last --baseline-runs runs: this night is compared
# with n1, then replaces it.
"$nightly" --baseline "$scratch/base" --update-baseline --baseline-runs 1 --out "$scratch/n4" \
	--history "$hist" "${short[@]}" >"$scratch/n4.out" 2>&1
st=$?
[ $st -le 1 ] && [ "$(ls "$scratch/base")" = n4 ] &&
	jqv '.base.paths | map(select(test("/base/n1/"))) | length > 0' "$scratch/n4/compare.json"
ok $? "--update-baseline adds the run and keeps the last --baseline-runs (exit $st)"

# A baseline with no results: refused before the suite runs.
mkdir -p "$scratch/other"
expect 2 'no faultline result files' "a baseline without results: exit 2" \
	-- "$nightly" --baseline "$scratch/other" --out "$scratch/n4" --history "$hist" "${short[@]}"
expect 2 'go with --nightly' "run.sh --baseline without --nightly: exit 2" \
	-- "$root/run.sh" --baseline "$scratch/base"
done_testing
