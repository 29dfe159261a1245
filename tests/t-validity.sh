#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Results judge themselves: real runs that provoke validity reasons, a
# plain run that stays "ok", and ops that mean the same with and without
# an invalidator.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
pus=$(nproc)

has_code() {	# has_code FILE CODE: the document lists the reason
	jqv --arg c "$2" 'any(.validity.reasons[]; .code == $c)' "$1"
}

# 64 faulters on 1 MiB each, on this machine's PUs: more actors than PUs.
r=$scratch/many.json
"$fl" run fault --threads 64 --size 1M --duration 1 --warmup 0 --dir "$scratch" \
	--out "$r" >/dev/null 2>"$scratch/err"
st=$?
if [ "$pus" -lt 64 ]; then
	[ $st -eq 5 ] && validate "$r" && jqv '.validity.status == "untrustworthy"
		and .status == "ok" and .exit_code == 5' "$r" && has_code "$r" oversubscribed
	ok $? "64 threads on $pus PUs: exit 5, untrustworthy, oversubscribed"
	jqv '.runs[0].validity.status == "untrustworthy" and
		all(.validity.reasons[]; (.text | length) > 0 and (.metrics | length) > 0)' "$r"
	ok $? "64 threads: the run is marked, every reason has a text and what it spoils"
	grep -q 'oversubscribed: .*64 actors' "$scratch/err"
	ok $? "64 threads: stderr names the reason"
else
	skip "64 threads oversubscribe" "this machine has $pus PUs"
	skip "64 threads: the run is marked" "this machine has $pus PUs"
	skip "64 threads: stderr names the reason" "this machine has $pus PUs"
fi

# A plain run of as many faulters as PUs (2 when possible) is trustworthy.
n=2
[ "$pus" -lt 2 ] && n=1
# Other load on the machine can make it untrustworthy (rightly): two
# retries, a moment apart.
r=$scratch/plain.json
for try in 1 2 3; do
	[ $try -gt 1 ] && sleep 2
	"$fl" run fault --threads $n --duration 1 --warmup 0.2 --size 32M --dir "$scratch" \
		--out "$r" >/dev/null 2>&1
	st=$?
	[ $st -eq 0 ] && break
	diag "try $try: exit $st: $(jq -c '[.validity.reasons[].text]' "$r" 2>/dev/null)"
done
[ $st -eq 0 ] && validate "$r" && jqv '.validity == {"status": "ok", "reasons": []}
	and all(.runs[]; .validity.status == "ok")' "$r"
ok $? "a plain $n-thread run: exit 0, validity ok"

# Another task taking 40% of every CPU: the faulters wait for their CPUs.
"$fl" hog --share 0.4 2>/dev/null &
hog=$!
sleep 0.3
r=$scratch/hogged.json
"$fl" run fault --threads $n --duration 1 --warmup 0.2 --size 16M --dir "$scratch" \
	--out "$r" >/dev/null 2>&1
st=$?
kill $hog
wait $hog 2>/dev/null
[ $st -eq 5 ] && validate "$r" && has_code "$r" cpu_contended &&
	jqv 'all(.runs[0].actors[]; .run_wait_s > 0.1)' "$r"
ok $? "beside a CPU hog: cpu_contended, each actor's run_wait_s over 10% (exit $st)"

# An invalidator asked for 1 op/s in a 0.5 s window barely runs.
r=$scratch/starved.json
"$fl" run fault --invalidator punch --inval-rate 1 --threads max --duration 0.5 --warmup 0 \
	--size 8M --dir "$scratch" --out "$r" >/dev/null 2>&1
st=$?
[ $st -eq 5 ] && validate "$r" && has_code "$r" invalidator_starved &&
	jqv '[.runs[] | select(.baseline | not) | .validity.status] == ["untrustworthy"]
	and [.runs[] | select(.baseline) | .validity.status] == ["ok"]' "$r"
ok $? "invalidator at 1 op/s in 0.5 s: invalidator_starved on its run only, exit 5 (exit $st)"

# --threads max leaves a PU to the invalidator: nothing shares a CPU.
if [ "$pus" -ge 2 ]; then
	jqv --argjson n $((pus - 1)) 'all(.runs[]; .threads == $n)' "$r" &&
		! has_code "$r" oversubscribed
	ok $? "--threads max with an invalidator: $((pus - 1)) faulters, not oversubscribed"
else
	skip "--threads max leaves a PU to the invalidator" "one PU"
fi

# Ops mean the same with and without the invalidator: after a SIGBUS the
# pass goes on, it does not re-touch pages still mapped (13x ops before).
for kind in truncate punch; do
	r=$scratch/$kind.json
	"$fl" run fault --map shared --invalidator $kind --threads max --duration 0.5 \
		--warmup 0.1 --size 8M --repeat 3 --collect none --dir "$scratch" --out "$r" \
		>/dev/null 2>&1
	st=$?
	base=$(jq '[.runs[] | select(.baseline) | .totals.ops_per_sec] | max' "$r")
	with=$(jq '[.runs[] | select(.baseline | not) | .totals.ops_per_sec] | sort | .[1]' "$r")
	diag "$kind: ops/s with the invalidator (median) $with, baseline (max) $base"
	{ [ $st -eq 0 ] || [ $st -eq 5 ]; } && validate "$r" &&
		jq -e --argjson b "$base" --argjson w "$with" -n '$w <= $b * 1.25' >/dev/null
	ok $? "$kind: ops/s with the invalidator not above its baseline beyond noise (25%)"
done
jqv '[.runs[] | select(.baseline | not) | .totals.sigbus] | add > 0' "$scratch/truncate.json"
ok $? "truncate: the faulters did take SIGBUS (the case being tested)"

# The latency of touches that faulted is its own distribution.
r=$scratch/plain.json
jqv 'all(.runs[]; (.fault_latency_ns.count == .totals.faults
	and .fault_latency_ns.p50 >= .latency_ns.p50
	and all(.nodes[]; .fault_latency_ns.count == .faults))
	or (.fault_latency_ns == null and (.fault_latency_unknown | length) > 0))' "$r"
ok $? "fault_latency_ns: one entry per kernel-counted fault, run and per node; or null and why"
"$fl" run fault --threads 1 --duration 0.3 --warmup 0 --size 8M --no-latency \
	--dir "$scratch" --out "$scratch/nolat.json" >/dev/null 2>&1
jqv '.runs[0].fault_latency_ns == null and .runs[0].latency_ns == null' "$scratch/nolat.json"
ok $? "--no-latency: no fault latency either (null, not zero)"

done_testing
