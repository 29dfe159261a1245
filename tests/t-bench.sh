#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark's machinery, not its figures: faultline-bare measures and
# places its threads as the runner does, and `faultline selftest` runs
# every program of its table, reports failures, and leaves nothing behind.
. "$(dirname "$0")/lib.sh" || exit 1
once_per_make_test "the benchmark's smoke test"
fl=$FAULTLINE
bare=$(dirname "$fl")/faultline-bare
short=(--duration 0.2 --warmup 0 --size 1M)

"$bare" --help | grep -q '^usage: faultline-bare'
ok $? "faultline-bare --help prints its usage"
expect 2 'bare: unknown option --bogus' "faultline-bare: unknown option, exit 2" \
	-- "$bare" --bogus
expect 2 'bare: --map heap: expected one of anon\|private\|shared' \
	"faultline-bare: bad --map, exit 2" -- "$bare" --map heap
expect 2 'bare: --dir /nonexistent/x: No such file or directory' \
	"faultline-bare: missing --dir, exit 2" -- "$bare" --dir /nonexistent/x "${short[@]}"

mkdir "$scratch/files"
for map in anon private shared; do
	rate=$("$bare" --map $map "${short[@]}" --dir "$scratch/files")
	awk -v r="$rate" 'BEGIN { exit !(r + 0 > 0) }'
	ok $? "faultline-bare --map $map prints one positive rate ($rate)"
done
[ -z "$(ls -A "$scratch/files")" ]
ok $? "faultline-bare leaves no file in --dir"

# Two threads sit where the runner puts two actors.
"$bare" --threads 2 --json "${short[@]}" >"$scratch/bare.json"
plan=$("$fl" topology --threads 2 | awk '$1 ~ /^[0-9]+$/ { printf "%s ", $2 }')
got=$(jq -r '[.actors[].pu] | map(tostring) | join(" ")' "$scratch/bare.json")
[ "$got " = "$plan" ]
ok $? "faultline-bare --threads 2 binds to the runner's plan (PUs $got; plan $plan)"
jqv '.threads == 2 and (.actors | length) == 2 and .ops_per_sec > 0
	and .mempolicy == "local"
	and (.ops_per_sec - ([.actors[].ops_per_sec] | add) | fabs) < 1' "$scratch/bare.json"
ok $? "faultline-bare --json: threads, per-thread rates that sum to the total, no policy"

# The table: every program of the round, at each thread count asked for.
mkdir "$scratch/d"
"$fl" selftest --mode page_fault3 --threads 1,2 --rounds 1 "${short[@]}" \
	--dir "$scratch/d" >"$scratch/table" 2>"$scratch/table.err"
st=$?
[ $st -eq 0 ] || [ $st -eq 5 ]
ok $? "selftest --mode page_fault3 --threads 1,2: exit 0 (or 5 for an untrustworthy run; got $st)"
missing=
for t in 1 2; do
	for p in 'bare ' 'run ' 'run --no-latency' 'run --collect all' 'run --fault-counter perf'; do
		grep -Eq "^page_fault3 +$t  $p" "$scratch/table" || missing+=" [$t $p]"
	done
done
[ -z "$missing" ]
ok $? "selftest prints a row per program and thread count${missing:+ (missing:$missing)}"
# A run row has its ratio to bare, or, when every round of it was
# untrustworthy (short windows on a busy machine), says so instead.
bad=$(grep -E '^page_fault3 +[12]  run' "$scratch/table" | grep -Ev \
	-e '  run[a-z -]* +[0-9.]+[kM]? \([0-9.kM]+-[0-9.kM]+\) +[0-9]+\.[0-9]{3} \([0-9.]+-[0-9.]+\)' \
	-e '  run[a-z -]* +- +-  \([1-9][0-9]* untrustworthy: [a-z_]+\)$')
[ -z "$bad" ]
ok $? "selftest: each run row has ops/s and its ratio to bare (min-max), or its untrustworthy count${bad:+ (bad: $bad)}"
grep -Eq '^page_fault3 +1  bare +[0-9.]+[kM]? \([0-9.kM]+-[0-9.kM]+\) +cpu [0-9]+% \([0-9]+%-[0-9]+%\)' "$scratch/table"
ok $? "selftest: bare's row has ops/s and the share of its PUs its threads had"
grep -q '^histogram record: .* ns$' "$scratch/table" && grep -q '^timestamp: .* ns$' "$scratch/table"
ok $? "selftest keeps the in-process figures (histogram record, timestamp)"
grep -q '^collectors of run --collect all: lockcon ' "$scratch/table"
ok $? "selftest says what each run's collectors did"
[ -z "$(ls -A "$scratch/d")" ]
ok $? "selftest leaves nothing in --dir"
[ $st -eq 0 ] || diag "$(grep -E 'untrustworthy|busy' "$scratch/table")"

expect 2 'selftest: --rounds 0: out of range' "selftest --rounds 0: exit 2" \
	-- "$fl" selftest --rounds 0
expect 2 'selftest: --mode page_fault9: expected one of' "selftest: bad --mode, exit 2" \
	-- "$fl" selftest --mode page_fault9

# Without faultline-bare beside the binary: named, exit 2, nothing run.
mkdir "$scratch/lone"
cp "$fl" "$scratch/lone/faultline"
expect 2 "selftest: $scratch/lone/faultline-bare: No such file or directory" \
	"selftest without faultline-bare: exit 2, names it" \
	-- "$scratch/lone/faultline" selftest "${short[@]}" --rounds 1

# A program that fails fails the benchmark with its exit code and message.
if tmpfs_dir size=1M; then
	expect 3 "bare: $mnt/faultline\.[^:/]+: 4 MiB needed for test files, [0-9]+ MiB free: No space left on device" \
		"faultline-bare: no space for shared files: named, exit 3" \
		-- "$bare" --map shared "${short[@]}" --size 4M --dir "$mnt"
	expect 3 'selftest: page_fault3 run, 1 threads, round 1: faultline run exited 3: .*No space left on device' \
		"selftest: a run that fails (ENOSPC) is named, exit 3" \
		-- "$fl" selftest --mode page_fault3 --threads 1 --rounds 1 \
		--duration 0.2 --warmup 0 --size 4M --dir "$mnt"
else
	skip "faultline-bare: no space for shared files: named, exit 3" "cannot mount tmpfs (not root?)"
	skip "selftest: a run that fails (ENOSPC) is named, exit 3" "cannot mount tmpfs (not root?)"
fi
done_testing
