#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# faultline bisect with a stand-in step (FAULTLINE_BISECT_STEP): no kernel
# is built or booted; the stand-in writes each prefix's document from a
# real one, with the numbers or verdict a planted "bad patch" would give.
# Covered: the search order, good/bad by compare's statistics, "too noisy"
# and more rounds, skips, a kernel that fails, resumption after an
# interruption, the check verdicts, the derived variant files, usage
# errors and kernels/bisect-run.sh's verdicts for git bisect run.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
root=$(cd "$(dirname "$0")/.." && pwd)

# A tarball variant of six patches: nothing is built, so the files only
# need to exist.
k=$scratch/k
mkdir -p "$k"
: >"$k/linux.tar.xz"
{
	echo "name = series"
	echo "source = tarball $k/linux.tar.xz"
	for i in 1 2 3 4 5 6; do
		echo "--- a/f$i" >"$k/000$i-p$i.patch"
		echo "patch = 000$i-p$i.patch"
	done
	echo "cpus = 1"
	echo "memory = 1G"
	echo "node = cpus=0 memory=1G"
	echo "accel = tcg"
} >"$k/series.variant"
"$fl" variant check "$k/series.variant" >/dev/null 2>&1
ok $? "the test's variant is valid"

# Real documents to start from, their validity dropped: load on the test
# machine must not decide the statistics. Only the headline metric is
# followed, so the per-node, latency and kernel parts are dropped too:
# each step compares these documents several times.
"$fl" run fault --threads 1 --repeat 5 --duration 0.1 --warmup 0 --size 1M \
	--out "$scratch/run.json" >/dev/null 2>&1
ran $?
ok $? "a template run"
jq 'del(.validity, .runs[].validity, .runs[].nodes, .runs[].latency_ns,
	.runs[].fault_latency_ns, .runs[].kernel)' "$scratch/run.json" >"$k/run-tmpl.json"
"$fl" stress trunc_fault_shared --duration 0.2 --out "$scratch/stress.json" >/dev/null 2>&1
ran $?
ok $? "a template stress document"
cp "$scratch/stress.json" "$k/stress-tmpl.json"

# The stand-in: prefix k (its variant's patch lines) is slow (x SLOW) or
# fails its check from BAD_FROM on; SKIP lists prefixes that "do not
# build", PANIC kernels that fail, NOISY prefixes with wild repetitions;
# INTERRUPT_AT stops the bisect there, as a Ctrl-C would.
cat >"$k/step.sh" <<'EOF'
#!/bin/bash
variant=$1 dir=$2 name=$3
shift 4
n=$(grep -c '^patch = ' "$variant")
echo "$n" >>"$STEP_LOG"
if [ "$n" = "${INTERRUPT_AT:-}" ]; then
	kill -TERM "$PPID"
	sleep 0.2
	exit 4
fi
case " ${SKIP:-} " in *" $n "*) echo "patch $n does not apply"; exit 125 ;; esac
case " ${PANIC:-} " in *" $n "*) echo '{"status": "failed", "why": "kernel panic in the guest"}' >"$dir/boot.json"; exit 1 ;; esac
if [ "$1" = stress ]; then
	verdict=pass stale=0
	[ "$n" -ge "$BAD_FROM" ] && verdict=fail stale=17
	jq --arg v "$verdict" --argjson s "$stale" \
		'.checks[0].verdict = $v | .checks[0].oracle.by_kind.stale = $s' "$K/stress-tmpl.json" >"$dir/$name"
	exit 0
fi
reps=${@: -1}
factor=1
[ "$n" -ge "$BAD_FROM" ] && factor=${SLOW:-0.8}
mults='[0.99, 0.995, 1, 1.005, 1.01]'
case " ${NOISY:-} " in *" $n "*) mults='[0.6, 1.4, 0.7, 1.3, 1.0]' ;; esac
jq --argjson r "$reps" --argjson f "$factor" --argjson m "$mults" '
	.runs as $t | .runs = [range($r) as $i | $t[$i % ($t | length)] | .repeat = $i |
		.totals.ops_per_sec = 100000 * $f * $m[$i % 5] |
		.totals.faults_per_sec = .totals.ops_per_sec |
		.validity = {status: "ok", reasons: []}]' "$K/run-tmpl.json" >"$dir/$name"
# REASON=CODE:PREFIXES marks every run of those prefixes with that reason.
code=${REASON%%:*}
case " ${REASON#*:} " in *" $n "*)
	jq --arg c "$code" '.runs[].validity = {status: "untrustworthy",
		reasons: [{code: $c, text: "planted by the test", metrics: ["all"]}]}' "$dir/$name" >"$dir/$name.tmp" &&
	mv "$dir/$name.tmp" "$dir/$name" ;;
esac
EOF
chmod +x "$k/step.sh"
export FAULTLINE_BISECT_STEP=$k/step.sh K=$k
steps() { tr '\n' ' ' <"$STEP_LOG" | sed 's/ $//'; }
bisect() {	# bisect NAME [OPTIONS] -- COMMAND: into $scratch/NAME, exit in $st
	local name=$1
	shift
	"$fl" bisect "$k/series.variant" --out "$scratch/$name" "$@" \
		>"$scratch/$name.out" 2>"$scratch/$name.err"
	st=$?
}
runcmd=(-- run fault --threads 1 --duration 0.1)

# A workload: patch 4 makes it 20% slower.
export STEP_LOG=$scratch/log1 BAD_FROM=4
bisect b1 "${runcmd[@]}"
[ $st -eq 0 ] && grep -q '^first bad patch: 4 of 6, 0004-p4.patch' "$scratch/b1.out"
ok $? "workload: the slower patch is found (exit $st)"
[ "$(steps)" = "0 6 3 4" ]
ok $? "workload: endpoints first, then halves: 0 6 3 4 (got $(steps))"
grep -Eq 'evidence \(prefix 4 against prefix 3\): fault, 1 thread: ops_per_sec -20\.[0-9]% \[-2[0-9.]+%, -1[0-9.]+%\] \(worse; 5 against 5' "$scratch/b1.out"
ok $? "workload: the evidence is the change with its interval"
diag "$(grep evidence "$scratch/b1.out")"
jqv '.schema == "faultline-bisect/1" and .result.status == "found" and
	.result.first_bad == {prefix: 4, patch: "0004-p4.patch"} and .result.last_good == 3 and
	([.steps[] | "\(.prefix):\(.mark)"] == ["0:good", "3:good", "4:bad", "6:bad"]) and
	(.signal == ["fault, 1 thread: ops_per_sec"])' "$scratch/b1/bisect.json"
ok $? "workload: bisect.json has every step's mark, the signal and the answer"
[ "$(grep -c 'prefix' "$scratch/b1/bisect.log")" -ge 4 ]
ok $? "workload: bisect.log logs every step"
v4=$scratch/b1/p4/series-p4.variant
"$fl" variant check "$v4" >/dev/null 2>&1 && [ "$(grep -c "^patch = $k/000" "$v4")" -eq 4 ] &&
	[ "$("$fl" variant key --tree "$v4")" = "$("$fl" variant key --tree "$k/series.variant")" ]
ok $? "a step's variant: valid, its first 4 patches with absolute paths, the same build tree"
ls "$scratch/b1/p3/r1.json" "$scratch/b1/p3/r1.log" >/dev/null 2>&1
ok $? "every step's results and log are kept"

# Resumption: the same command finds every step on disk.
: >"$STEP_LOG"
bisect b1 "${runcmd[@]}"
[ $st -eq 0 ] && [ -z "$(steps)" ] && grep -q '^first bad patch: 4 of 6' "$scratch/b1.out"
ok $? "resume a finished bisect: no step runs again, the same answer"
bisect b1 --bad 5 "${runcmd[@]}"
[ $st -eq 2 ] && grep -q 'holds a bisect of other arguments' "$scratch/b1.err"
ok $? "another bisect into the same --out is refused (exit $st)"

# Interrupted at prefix 3, then resumed: only 3 and 4 run.
export STEP_LOG=$scratch/log2
INTERRUPT_AT=3 bisect b2 "${runcmd[@]}"
[ $st -eq 4 ] && jqv '.result.status == "interrupted"' "$scratch/b2/bisect.json" &&
	grep -q 'the same command resumes' "$scratch/b2.err"
ok $? "interrupted: exit 4, bisect.json says so (exit $st)"
: >"$STEP_LOG"
bisect b2 "${runcmd[@]}"
[ $st -eq 0 ] && [ "$(steps)" = "3 4" ] && grep -q '^first bad patch: 4 of 6' "$scratch/b2.out"
ok $? "resumed: only prefixes 3 and 4 run (got $(steps))"

# Too noisy: prefix 3's repetitions are wild. Two rounds of 5 reach
# --max-repeat 10, and the answer is "more repetitions", not a guess.
export STEP_LOG=$scratch/log3
NOISY=3 bisect b3 --max-repeat 10 "${runcmd[@]}"
[ $st -eq 5 ] && grep -q '^undecided: prefix 3 (0003-p3.patch) could not be called good or bad after 10' "$scratch/b3.out" &&
	[ "$(steps)" = "0 6 3 3" ] && jqv '.result.status == "too_noisy"' "$scratch/b3/bisect.json"
ok $? "too noisy: two rounds at prefix 3, then exit 5 asking for more (exit $st, steps $(steps))"
: >"$STEP_LOG"
NOISY=3 bisect b3 --max-repeat 15 "${runcmd[@]}"
[ $st -eq 5 ] && [ "$(steps)" = "3" ] && grep -q 'after 15 repetitions' "$scratch/b3.out"
ok $? "a larger --max-repeat resumes with one more round (steps $(steps))"
: >"$STEP_LOG"
NOISY=3 bisect b3 --max-repeat 15 "${runcmd[@]}"
[ $st -eq 5 ] && [ -z "$(steps)" ]
ok $? "resumed at the same --max-repeat: no step runs again, still exit 5 (steps $(steps))"

# A document's spread across its own repetitions does not hide a round
# from the bisect, whose pooled interval judges dispersion; a run's own
# reason (a busy CPU) leaves its samples out, and the step is undecided.
export STEP_LOG=$scratch/log13 BAD_FROM=4
REASON="spread:0 3 4 6" bisect b13 "${runcmd[@]}"
[ $st -eq 0 ] && grep -q '^first bad patch: 4 of 6' "$scratch/b13.out"
ok $? "spread (a document's own, across its repetitions) does not stop the bisect (exit $st)"
REASON="cpu_contended:3" bisect b14 --max-repeat 10 "${runcmd[@]}"
[ $st -eq 5 ] && grep -q '^undecided: prefix 3' "$scratch/b14.out" && grep -q 'untrustworthy' "$scratch/b14.err"
ok $? "a run's own reason leaves its samples out: prefix 3 stays undecided (exit $st)"

# Skips: prefix 3 does not build; 2 is good and 4 bad, so the answer is
# 3 or 4, and bisect says so instead of choosing.
export STEP_LOG=$scratch/log4
SKIP=3 bisect b4 "${runcmd[@]}"
[ $st -eq 5 ] && [ "$(steps)" = "0 6 3 2 4" ] &&
	grep -q '^undecided: the first bad patch is one of 3 (0003-p3.patch), 4 (0004-p4.patch)' "$scratch/b4.out" &&
	jqv '.result == {status: "ambiguous", range: [3, 4]} and
		(.steps[] | select(.prefix == 3) | .mark == "skip" and (.why | test("does not apply")))' "$scratch/b4/bisect.json"
ok $? "a prefix that does not build is skipped; the answer is the range (exit $st, steps $(steps))"
export STEP_LOG=$scratch/log5 BAD_FROM=5
PANIC=3 bisect b5 "${runcmd[@]}"
[ $st -eq 0 ] && [ "$(steps)" = "0 6 3 2 4 5" ] && grep -q '^first bad patch: 5 of 6' "$scratch/b5.out"
ok $? "a kernel that fails under a workload is skipped (steps $(steps))"

# Nothing to bisect: the series does not change the workload.
export STEP_LOG=$scratch/log6 BAD_FROM=99
bisect b6 "${runcmd[@]}"
[ $st -eq 1 ] && grep -q '^nothing to bisect: prefix 6, given as bad, is good' "$scratch/b6.out" &&
	[ "$(steps)" = "0 6" ]
ok $? "no regression between the endpoints: exit 1, nothing to bisect (exit $st)"
SKIP=0 bisect b7 "${runcmd[@]}"
[ $st -eq 3 ] && grep -q 'prefix 0, an endpoint, could not be tested' "$scratch/b7.err"
ok $? "an endpoint that does not build: exit 3 (exit $st)"

# A check: patch 4 breaks it; a kernel that fails under the check is bad.
export STEP_LOG=$scratch/log8 BAD_FROM=4
bisect b8 -- stress trunc_fault_shared --duration 1
[ $st -eq 0 ] && [ "$(steps)" = "0 6 3 4" ] && grep -q '^first bad patch: 4 of 6' "$scratch/b8.out" &&
	grep -q 'evidence (prefix 4 against prefix 3): trunc_fault_shared: fail, stale 17; prefix 3 passed' "$scratch/b8.out"
ok $? "check: the breaking patch is found, with its violations (exit $st, steps $(steps))"
export STEP_LOG=$scratch/log9 BAD_FROM=99
PANIC="5 6" bisect b9 -- stress trunc_fault_shared
[ $st -eq 0 ] && grep -q '^first bad patch: 5 of 6' "$scratch/b9.out" && grep -q 'kernel panic' "$scratch/b9.out"
ok $? "check: a kernel that panics under it is bad (exit $st)"
PANIC=0 bisect b10 -- stress trunc_fault_shared
[ $st -eq 1 ] && grep -q 'given as good, is bad' "$scratch/b10.out"
ok $? "check: a good endpoint that fails: exit 1 (exit $st)"

# Usage errors: exit 2 with the object and the cause.
expect 2 'usage: faultline bisect' "no arguments: usage" -- "$fl" bisect
expect 2 'no-such.*(No such|not found|missing)' "a missing variant" -- "$fl" bisect "$scratch/no-such.variant" -- run fault
expect 2 'host variant has no patch series' "a host variant" -- "$fl" bisect host -- run fault
expect 2 'need 0 <= --good \(4\) < --bad \(2\) <= 6' "--good above --bad" -- "$fl" bisect "$k/series.variant" --good 4 --bad 2 -- run fault
expect 2 'need 0 <= --good \(0\) < --bad \(9\) <= 6' "--bad beyond the series" -- "$fl" bisect "$k/series.variant" --bad 9 -- run fault
expect 2 'no command: end the options with --' "no command" -- "$fl" bisect "$k/series.variant"
expect 2 'give run WORKLOAD' "a command other than run or stress" -- "$fl" bisect "$k/series.variant" -- list
expect 2 '--repeat: bisect sets it' "run --repeat is bisect's" -- "$fl" bisect "$k/series.variant" -- run fault --repeat 3
expect 2 '--out=x: bisect sets it' "--out is bisect's" -- "$fl" bisect "$k/series.variant" -- stress --out=x
expect 2 'max-repeat \(4\) is below --repeat \(5\)' "--max-repeat below --repeat" -- "$fl" bisect "$k/series.variant" --max-repeat 4 -- run fault
mkdir -p "$scratch/full" && : >"$scratch/full/x"
expect 2 'holds no bisect.json' "a non-empty --out of something else" -- "$fl" bisect "$k/series.variant" --out "$scratch/full" -- run fault
FAULTLINE_BISECT_STEP=$scratch/none expect 3 'step program .*none' "a missing step program: exit 3" -- "$fl" bisect "$k/series.variant" --out "$scratch/b11" -- run fault

# bisect-run.sh for git bisect run: its verdicts, with the same stand-in
# build (FAULTLINE_BISECT_STEP is not its interface: a stand-in
# bisect-step.sh in a copy of kernels/ is).
kc=$scratch/kernels
cp -r "$root/kernels" "$kc"
cp "$k/step.sh" "$kc/bisect-step.sh"
git -C "$scratch" init -q tree 2>/dev/null && : >"$scratch/tree/Makefile" &&
	git -C "$scratch/tree" add Makefile && git -C "$scratch/tree" -c user.email=t@t -c user.name=t commit -qm one
{
	echo "name = gittree"
	echo "source = tree $scratch/tree"
	for i in 1 2 3 4 5; do echo "patch = $k/000$i-p$i.patch"; done
	echo "cpus = 1"
	echo "memory = 1G"
	echo "node = cpus=0 memory=1G"
} >"$scratch/gittree.variant"
mkdir -p "$scratch/g"
STEP_LOG=/dev/null BAD_FROM=99 "$k/step.sh" "$scratch/gittree.variant" "$scratch/g" good.json -- run fault --repeat 5
export STEP_LOG=$scratch/log12 BAD_FROM=6
FAULTLINE=$fl "$kc/bisect-run.sh" "$scratch/gittree.variant" "$scratch/gr" --good-result "$scratch/g/good.json" \
	-- run fault --repeat 5 >"$scratch/gr.out" 2>&1
ok $? "bisect-run.sh: a workload as fast as the good result: exit 0 (good)"
export BAD_FROM=4
FAULTLINE=$fl "$kc/bisect-run.sh" "$scratch/gittree.variant" "$scratch/gr2" --good-result "$scratch/g/good.json" \
	-- run fault --repeat 5 >"$scratch/gr.out" 2>&1
st=$?
[ $st -eq 1 ]
ok $? "bisect-run.sh: 20% slower than the good result: exit 1 (bad; got $st)"
BAD_FROM=6 NOISY=5 FAULTLINE=$fl "$kc/bisect-run.sh" "$scratch/gittree.variant" "$scratch/gr3" --good-result "$scratch/g/good.json" \
	-- run fault --repeat 5 >"$scratch/gr.out" 2>&1
st=$?
[ $st -eq 128 ] && grep -q 'cannot call it' "$scratch/gr.out"
ok $? "bisect-run.sh: noisy: exit 128, stopping git bisect rather than guessing (got $st)"
BAD_FROM=6 SKIP=5 FAULTLINE=$fl "$kc/bisect-run.sh" "$scratch/gittree.variant" "$scratch/gr4" -- stress trunc_fault_shared \
	>"$scratch/gr.out" 2>&1
st=$?
[ $st -eq 125 ]
ok $? "bisect-run.sh: a commit that does not build: exit 125 (skip; got $st)"
FAULTLINE=$fl "$kc/bisect-run.sh" "$scratch/gittree.variant" "$scratch/gr5" -- stress trunc_fault_shared \
	>"$scratch/gr.out" 2>&1
st=$?
[ $st -eq 1 ]
ok $? "bisect-run.sh: a failing check: exit 1 (bad; got $st)"
FAULTLINE=$fl "$kc/bisect-run.sh" "$scratch/gittree.variant" "$scratch/gr6" -- run fault >"$scratch/gr.out" 2>&1
st=$?
[ $st -eq 128 ] && grep -q 'needs --good-result' "$scratch/gr.out"
ok $? "bisect-run.sh: a workload without --good-result: exit 128 with the reason"

done_testing
