#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --mode processes: every actor its own process with its own mm, placed,
# timed, counted and verified as threads are; an oracle judgement made in
# an actor process reaches the document; an actor that dies fails the run
# with its reason; no actor process outlives faultline.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
short=(--duration 1 --warmup 0.2)

# children PID: the actor processes of faultline PID.
children() { pgrep -P "$1"; }

expect 2 "--mode bogus: expected one of threads\|processes" "--mode bogus: exit 2 naming the choices" -- \
	"$fl" run fault --mode bogus --out "$scratch/bogus.json"

# Shared write with two actors: one process each, placed and counted.
r=$scratch/procs.json
"$fl" run fault --mode processes --map shared --access write --threads 2 "${short[@]}" \
	--size 16M --out "$r" >"$scratch/out" 2>&1 &
pid=$!
nr=0
for _ in $(seq 40); do
	nr=$(children $pid | wc -l)
	[ "$nr" -ge 2 ] && break
	sleep 0.05
done
wait $pid
st=$?
ran $st
ok $? "processes, 2 actors: exit 0 (5 if the machine was busy)"
[ "$nr" -eq 2 ]
ok $? "the 2 actors are 2 child processes ($nr seen)"
validate "$r"
ok $? "the result matches results/schema.json"
jqv '.workload.run_options.mode == "processes"' "$r"
ok $? "the result records the mode"
jqv 'all(.runs[].actors[]; .ops > 0 and .cpu_first == .pu and .cpu_last == .pu
	and .cpu_checks > 0 and .faults > 0)
	and all(.runs[]; .totals.faults_per_op > 0 and .nodes[0].latency_ns.p99 > 0)' "$r"
ok $? "every actor process worked on its planned CPU, its faults counted and its latency recorded"
grep -q 'mode=processes' "$scratch/out"
ok $? "the summary table names the mode beside the params"

# Verified reads with a truncating invalidator: one oracle for all processes.
r=$scratch/verified.json
"$fl" run fault --mode processes --map shared --access read --invalidator truncate \
	--threads 1 "${short[@]}" --size 8M --out "$r" >/dev/null 2>&1
ran $?
ok $? "processes, verified, truncate invalidator: exit 0 (or 5)"
jqv 'all(.runs[]; .integrity.verified and .integrity.checked > 0 and .integrity.violations == 0)
	and (.runs[] | select(.baseline | not) | .invalidator.ops > 0)' "$r"
ok $? "pages verified, no violation, the invalidator process worked"

# Junk written behind a verified run's back: the readers are processes,
# their judgement must reach the document (threads as the control).
for mode in threads processes; do
	r=$scratch/junk-$mode.json
	"$fl" run fault --mode $mode --map shared --access read --threads 1 --duration 2 \
		--warmup 0.3 --size 8M --out "$r" >/dev/null 2>&1 &
	pid=$!
	fd=
	for _ in $(seq 60); do
		fd=$(ls -l "/proc/$pid/fd" 2>/dev/null | awk '/faultline-fault-.*deleted/ { print $9; exit }')
		[ -n "$fd" ] && break
		sleep 0.05
	done
	sleep 0.8
	[ -n "$fd" ] && head -c 4096 /dev/urandom |
		dd of="/proc/$pid/fd/$fd" bs=4096 seek=7 conv=notrunc status=none
	wait $pid
	st=$?
	[ $st -eq 1 ] && jqv '.runs[0].integrity.violations > 0 and .runs[0].integrity.by_kind.garbage > 0' "$r"
	ok $? "$mode: junk in the file is a violation in the document (exit $st)"
done

# An actor process killed mid-run: the run fails and says which and how.
r=$scratch/killed.json
"$fl" run fault --mode processes --map anon --threads 2 --duration 3 --warmup 0.2 \
	--size 8M --out "$r" >/dev/null 2>"$scratch/killed.err" &
pid=$!
victim=
for _ in $(seq 40); do
	victim=$(children $pid | head -n 1)
	[ -n "$victim" ] && break
	sleep 0.05
done
sleep 0.6
kill -9 "$victim" 2>/dev/null
wait $pid
st=$?
[ $st -ne 0 ] && [ $st -ne 5 ] && validate "$r" &&
	jqv --arg v "$victim" '.status == "failed" and (.error | test("actor [0-9]+ \\(process " + $v + "\\): killed by signal 9"))' "$r"
ok $? "an actor process killed by SIGKILL fails the run, named with its signal (exit $st)"

# SIGINT: exit 4 and no actor left; SIGKILL of faultline: no actor left.
for sig in INT KILL; do
	env --default-signal=INT "$fl" run fault --mode processes --map anon --threads 2 \
		--duration 3 --warmup 0.2 --size 8M --out "$scratch/sig-$sig.json" \
		>/dev/null 2>&1 &
	pid=$!
	kids=
	for _ in $(seq 40); do
		kids=$(children $pid | tr '\n' ' ')
		[ -n "$kids" ] && break
		sleep 0.05
	done
	sleep 0.5
	kill -s $sig $pid
	wait $pid 2>/dev/null	# no "Killed" notice in the TAP stream
	st=$?
	for _ in $(seq 20); do
		left=0
		for k in $kids; do alive "$k" && left=$((left + 1)); done
		[ $left -eq 0 ] && break
		sleep 0.1
	done
	if [ $sig = INT ]; then
		[ $st -eq 4 ] && [ $left -eq 0 ] && [ -n "$kids" ]
		ok $? "SIGINT: exit 4 ($st), no actor process left ($left of: $kids)"
	else
		[ $left -eq 0 ] && [ -n "$kids" ]
		ok $? "SIGKILL of faultline: its actor processes die with it ($left left of: $kids)"
	fi
	for k in $kids; do kill -9 "$k" 2>/dev/null; done
done

# Kernel-side collectors follow the actor processes.
r=$scratch/collect.json
"$fl" run fault --mode processes --map anon --threads 2 "${short[@]}" --size 16M \
	--collect kfault --out "$r" >/dev/null 2>&1
if jqv '.runs[0].kernel.faults.vs_counter != null' "$r"; then
	jqv 'all(.runs[]; .kernel.faults.vs_counter > 0.95 and .kernel.faults.vs_counter < 1.05)' "$r"
	ok $? "kfault counts the actor processes' faults ($(jq -c '[.runs[].kernel.faults.vs_counter]' "$r") of the counters')"
else
	skip "kfault follows the actor processes" "kfault cannot count faults here: $(jq -r '.runs[0].kernel.collectors.kfault.status' "$r" 2>/dev/null)"
fi
done_testing
