#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Nightly mode (./run.sh --nightly, faultline nightly): one real night of
# the quick suite (interleaved repetitions merged, the report, the pool),
# then fabricated pools and nights judged with --no-run: a night within
# the pool's drift is quiet, one 15% slower regresses and names the
# metric, a pool whose drift cannot resolve 10% is blind (exit 5), and a
# regressed, failed, blind or untrustworthy night never joins the pool.
# Pool hygiene: a trailing slash on --out, names with blanks, --out inside
# the pool, symbolic links in it, directories the nightly did not put there.
. "$(dirname "$0")/lib.sh" || exit 1
once_per_make_test "nightly.sh (its C part, compare, is t-compare's)"
root=$(cd "$FL_TESTS/.." && pwd)
nightly=$root/harness/nightly.sh
export FAULTLINE
hist=$scratch/history.jsonl

expect 2 'does not exist.*--update-baseline' "no baseline and no --update-baseline: exit 2" \
	-- "$nightly" --baseline "$scratch/base" --out "$scratch/n0"
expect 2 'not a percentage' "--threshold abc: exit 2" \
	-- "$nightly" --baseline "$scratch/base" --out "$scratch/n0" --threshold abc
expect 2 'needs --baseline' "no --baseline: exit 2" -- "$nightly" --out "$scratch/n0"
expect 2 'go with --nightly' "run.sh --baseline without --nightly: exit 2" \
	-- "$root/run.sh" --baseline "$scratch/base"

# One real night: the quick suite, short, into a fresh pool. Runs this
# short may well be untrustworthy on a busy machine (exit 5): then the
# night must stay out of the pool, else it joins it.
real=$scratch/real
"$nightly" --baseline "$real/pool" --update-baseline --out "$real/r1" --history "$hist" \
	--suite quick -- --threads 1 --duration 0.1 --warmup 0 --repeat 3 >"$scratch/r1.out" 2>&1
st=$?
case $st in
0) [ -f "$real/pool/r1/page_fault1.json" ] && [ -f "$real/pool/r1/.pool.json" ] ;;
5) [ ! -e "$real/pool/r1" ] && grep -q 'not added to the baseline: it was blind or untrustworthy' "$scratch/r1.out" ;;
*) false ;;
esac &&
	[ ! -e "$real/r1/compare.json" ] && grep -q '^nightly: no baseline to compare with yet' "$scratch/r1.out"
ok $? "first night with --update-baseline: exit 0 and pooled, or 5 and not (exit $st)"
[ $st -eq 0 ] || [ $st -eq 5 ] || sed 's/^/# /' "$scratch/r1.out" | tail -15
jqv '.workload.run_options.repeat == 3 and ([.runs[].repeat] == [0, 1, 2]) and
	(.command | [to_entries[] | select(.value == "--repeat") | .key] | last) as $i |
	.command[$i + 1] == "3" and
	.workload.run_options.out == $out' --arg out "$real/r1/page_fault1.json" "$real/r1/page_fault1.json" &&
	[ ! -e "$real/r1/.repetitions" ]
ok $? "interleaved repetitions merged into one document per configuration"
grep -q 'faultline: suite quick: repetition 2 of 3: fault --map anon' "$scratch/r1.out" &&
	[ "$(grep -n 'repetition 2 of 3: ' "$scratch/r1.out" | head -n 1 | cut -d: -f1)" -gt \
	  "$(grep -n 'repetition 1 of 3: ' "$scratch/r1.out" | tail -n 1 | cut -d: -f1)" ]
ok $? "repetition 2 of a configuration runs after repetition 1 of every configuration"
[ -s "$real/r1/report/index.html" ]
ok $? "the night's report is written"

# Fabricated nights: one result with 6 repetitions at FACTOR x 100k ops/s
# (latency / FACTOR), +-0.4% apart, and a stress run with a verdict.
night() {	# night DIR FACTOR [STRESS-VERDICT [VALIDITY-CODE]]
	mkdir -p "$1"
	jq -n --argjson f "$2" --arg code "${4:-}" '
		(if $code == "" then {status: "ok", reasons: []} else {status: "untrustworthy",
		 reasons: [{code: $code, text: "made up", metrics: ["all"]}]} end) as $v |
		{schema: "faultline-result/1", accel: "native", variant: "host",
		 host: {kernel: {release: "test"}}, status: "ok", exit_code: (if $code == "" then 0 else 5 end),
		 validity: $v, workload: {name: "fault", params: {map: "anon"}, run_options: {duration: 1}},
		 runs: [range(6) as $r | (1 + 0.004 * ($r % 3 - 1)) as $j |
			{repeat: $r, threads: 1, baseline: false, duration_s: 1, validity: $v,
			 totals: {ops_per_sec: (100000 * $f * $j), faults_per_sec: (100000 * $f * $j)},
			 latency_ns: {p50: (1000 / $f / $j), p99: (5000 / $f / $j), p999: (9000 / $f / $j)}}]}' \
		>"$1/fault.json"
	jq -n --arg v "${3:-pass}" '{schema: "faultline-stress/1", accel: "native", variant: "host",
		status: "ok", exit_code: (if $v == "fail" then 1 else 0 end), duration_s: 1, faulters: 1,
		checks: [{name: "dangling_page", verdict: $v, oracle: {violations: 0}}]}' >"$1/stress.json"
}
judge() {	# judge POOL NIGHT [options]: exit code; output in $scratch/out
	local pool=$1 dir=$2
	shift 2
	"$nightly" --baseline "$pool" --out "$dir" --history "$hist" --no-run --no-report "$@" \
		>"$scratch/out" 2>&1
}
pooled() { ls "$1" | tr '\n' ' '; }

# A pool of three nights 1% apart, each added by the nightly itself.
P=$scratch/pool
for n in 1:1.00 2:1.01 3:0.99; do
	night "$scratch/p${n%%:*}" "${n#*:}"
	judge "$P" "$scratch/p${n%%:*}" --update-baseline --baseline-runs 5
done
[ "$(pooled "$P")" = "p1 p2 p3 " ]
ok $? "three clean nights join the pool ($(pooled "$P"))"

night "$scratch/aa" 1.005
judge "$P" "$scratch/aa"
st=$?
[ $st -eq 0 ] && tail -n 1 "$scratch/out" | grep -q '^nightly: OK' &&
	jqv '.nightly.verdict == "ok" and .nightly.pool_nights == 3 and .counts.worse == 0 and
		([.metrics[] | select(.metric == "ops_per_sec")][0] | .verdict == "unchanged" and
		 .pool.nights == 3 and .pool.bound_pct == 5 and .headline)' "$scratch/aa/compare.json"
ok $? "a night within the pool's drift: exit 0, ops/s unchanged (exit $st)"
[ $st -eq 0 ] || sed 's/^/# /' "$scratch/out" | tail -5
lines=$(wc -l <"$hist")
jqv -s 'length > 0 and all(.[]; has("metric") and has("verdict"))' "$hist"
ok $? "the history has one line per metric and night ($lines lines)"

# A night whose comparison cannot be written (its disk is full): exit 3,
# not 2, and it does not join the pool.
if tmpfs_dir size=256k; then
	night "$mnt/full" 1.0
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	judge "$P" "$mnt/full" --update-baseline
	st=$?
	[ $st -eq 3 ] && grep -q 'No space left on device' "$scratch/out" && [ "$(pooled "$P")" = "p1 p2 p3 " ]
	ok $? "a comparison that cannot be written: exit 3, not pooled (exit $st)"
else
	skip "a comparison that cannot be written" "cannot mount a tmpfs"
fi

night "$scratch/slow" 0.85
judge "$P" "$scratch/slow" --update-baseline
st=$?
[ $st -eq 1 ] && grep -q '^nightly: REGRESSION: [1-9]' "$scratch/out" &&
	grep -q '^  fault threads 1 node all: ops_per_sec -15.0%' "$scratch/out" &&
	grep -q 'latency_p50' "$scratch/out" && ! grep -q ': faults_per_sec' "$scratch/out"
ok $? "15% slower: exit 1, names ops/s and latency, faults/s (the same measurement) once (exit $st)"
[ $st -eq 1 ] || sed 's/^/# /' "$scratch/out" | tail -8
[ "$(pooled "$P")" = "p1 p2 p3 " ] && grep -q 'not added to the baseline: it regressed' "$scratch/out"
ok $? "the regressed night does not join the pool"
[ "$(wc -l <"$hist")" -gt "$lines" ]
ok $? "the history grows each night"

night "$scratch/failed" 1.0 fail
judge "$P" "$scratch/failed" --update-baseline
st=$?
[ $st -eq 1 ] && [ "$(pooled "$P")" = "p1 p2 p3 " ] &&
	jqv '.metrics[] | select(.metric == "check_failed") | .verdict == "worse"' "$scratch/failed/compare.json"
ok $? "a failed check: exit 1, and the night does not join the pool (exit $st)"

night "$scratch/known" 1.0 known
judge "$P" "$scratch/known"
st=$?
[ $st -eq 0 ] && jqv '.counts.known == 1' "$scratch/known/compare.json"
ok $? "a known failure passes, counted as known (exit $st)"

night "$scratch/notrun" 1.0 not_run
judge "$P" "$scratch/notrun"
[ $? -eq 1 ]
ok $? "a check that was not run fails"

night "$scratch/untrusted" 1.0 pass actor_idle
judge "$P" "$scratch/untrusted" --update-baseline
st=$?
[ $st -eq 5 ] && [ "$(pooled "$P")" = "p1 p2 p3 " ] &&
	grep -q 'fault.json: untrustworthy: actor_idle' "$scratch/out" &&
	jqv '[.metrics[] | select(.metric == "ops_per_sec")][0].verdict == "untrustworthy"' \
		"$scratch/untrusted/compare.json"
ok $? "an untrustworthy night: exit 5, ops/s untrustworthy, not pooled (exit $st)"
[ $st -eq 5 ] || sed 's/^/# /' "$scratch/out" | tail -5

# A pool whose nights are 8% apart cannot resolve 10%: blind, exit 5.
# (The second night, 8% faster than the first, is better: it joins.)
W=$scratch/wide
for n in 1:1.00 2:1.08; do
	night "$scratch/w${n%%:*}" "${n#*:}"
	judge "$W" "$scratch/w${n%%:*}" --update-baseline
done
night "$scratch/wcur" 1.0
judge "$W" "$scratch/wcur" --update-baseline
st=$?
[ $st -eq 5 ] && grep -q '^nightly: BLIND: 1 of 1 headline metrics cannot resolve a 10% change' "$scratch/out" &&
	grep -q 'ops_per_sec.*cannot resolve 10%' "$scratch/out" &&
	[ "$(pooled "$W")" = "w1 w2 " ]
ok $? "a pool too wide to resolve 10%: blind, exit 5, not pooled (exit $st)"
[ $st -eq 5 ] || sed 's/^/# /' "$scratch/out" | tail -5

# Pool hygiene: a trailing slash adds the night, and deletes nothing.
night "$scratch/n5" 1.0
judge "$P" "$scratch/n5/" --update-baseline --baseline-runs 5
st=$?
[ $st -eq 0 ] && [ "$(pooled "$P")" = "n5 p1 p2 p3 " ] && [ -f "$P/n5/fault.json" ]
ok $? "--out DIR/ (trailing slash): the night joins, the pool is kept ($(pooled "$P"))"
mkdir -p "$P/mine" && cp "$scratch/p1/fault.json" "$P/mine/"
night "$scratch/n6" 1.0
judge "$P" "$scratch/n6" --update-baseline --baseline-runs 2
st=$?
[ $st -eq 0 ] && [ "$(pooled "$P")" = "mine n5 n6 " ] && grep -q "$P/mine was not added by the nightly" "$scratch/out"
ok $? "pruning keeps the last 2 nights it added, and a directory it did not add ($(pooled "$P"))"
night "$scratch/with blank" 1.0
judge "$P" "$scratch/with blank" --update-baseline
st=$?
[ $st -eq 2 ] && grep -q "has ' '" "$scratch/out" && [ "$(pooled "$P")" = "mine n5 n6 " ]
ok $? "a night whose name has a blank is refused, the pool untouched (exit $st)"

# Validate documents (issue 14): a night, or a pooled night, whose result
# is out of its schema's bounds is refused with the file and the field;
# the pool is untouched.
night "$scratch/huge" 1.0
jq '.runs[0].threads = 2147483647' "$scratch/huge/fault.json" >"$scratch/huge.json" &&
	mv "$scratch/huge.json" "$scratch/huge/fault.json"
judge "$P" "$scratch/huge" --update-baseline
st=$?
[ $st -eq 2 ] && grep -q "$scratch/huge/fault.json: runs\[0\]\.threads = 2147483647: above 65536" "$scratch/out" &&
	[ "$(pooled "$P")" = "mine n5 n6 " ]
ok $? "validate documents: a night with threads near INT_MAX is refused (exit $st), the pool untouched"
[ $st -eq 2 ] || sed 's/^/# /' "$scratch/out" | tail -5
cp "$P/n6/fault.json" "$scratch/n6-fault.json"
jq '.runs[0].duration_s = 1e300' "$scratch/n6-fault.json" >"$P/n6/fault.json"
night "$scratch/n7" 1.0
judge "$P" "$scratch/n7"
st=$?
cp "$scratch/n6-fault.json" "$P/n6/fault.json"
[ $st -eq 2 ] && grep -q "$P/n6/fault.json: runs\[0\]\.duration_s = 1e+300: above 1000000" "$scratch/out"
ok $? "validate documents: a pooled night out of bounds is refused (exit $st), file and field named"
# R2: --out inside the pool would replace a pooled night with itself
# (deleting both); --out the pool itself would pool the pool.
cp -a "$P/n6" "$scratch/n6.before"
judge "$P" "$P/n6" --update-baseline
st=$?
[ $st -eq 2 ] && grep -q "is inside the baseline pool" "$scratch/out" &&
	diff -r "$scratch/n6.before" "$P/n6" >/dev/null
ok $? "R2: --out POOL/NIGHT: exit 2, the pooled night untouched (exit $st)"
judge "$P" "$P/" --update-baseline
st=$?
[ $st -eq 2 ] && grep -q "is inside the baseline pool" "$scratch/out" && [ "$(pooled "$P")" = "mine n5 n6 " ]
ok $? "R2: --out POOL/: exit 2, the pool untouched (exit $st)"
# R2: a symbolic link in the pool to a night elsewhere is not the pool's:
# pruning never follows it.
Q=$scratch/otherpool
night "$scratch/q1" 1.0
judge "$Q" "$scratch/q1" --update-baseline
ln -s "$Q/q1" "$P/0link"
night "$scratch/n8" 1.0
judge "$P" "$scratch/n8" --update-baseline --baseline-runs 1
st=$?
[ $st -eq 0 ] && [ -f "$Q/q1/fault.json" ] && [ -f "$Q/q1/.pool.json" ] && [ -L "$P/0link" ] &&
	grep -q "$P/0link is a symbolic link" "$scratch/out"
ok $? "R2: pruning leaves a symbolic link in the pool and what it points to alone (exit $st)"
done_testing
