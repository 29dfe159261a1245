#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel-side collectors (--collect): lock contention named by lock and
# caller, mmap_lock waits, exact fault counts, lost events, and a status
# with a reason for every collector that cannot work here (no BPF, not
# root, no fentry under kernel lockdown).
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
short=(--duration 0.3 --warmup 0 --size 8M --dir "$scratch")
node0='(.runs[0].nodes[] | select(.node == 0))'

# A status that is not ok says why: "unavailable: reason", never "unavailable: ".
has_reason='test("^(partial|unavailable|error): \\S")'
statuses_explained() {	# statuses_explained FILE
	jqv '[.runs[].kernel.collectors[].status
		| select(startswith("partial") or startswith("unavailable") or startswith("error"))]
		| all(.[]; '"$has_reason"')' "$1"
}

# mmap-churn: munmap/mmap/mprotect take mmap_lock for write against the
# faulters' reads; most of the runs below reuse this one.
churn=$scratch/churn.json
"$fl" run fault --invalidator mmap-churn --threads max --duration 1.5 --warmup 0.3 \
	--collect all --no-baseline --dir "$scratch" --out "$churn" >/dev/null 2>&1
ran $? && validate "$churn"
ok $? "mmap-churn with every collector: exit 0 (or 5), the result validates"
statuses_explained "$churn"
ok $? "every collector that is not ok says why (partial/unavailable: reason)"
lockcon=$(jq -r '.runs[0].kernel.collectors.lockcon.status' "$churn")
kfault=$(jq -r '.runs[0].kernel.collectors.kfault.status' "$churn")
mmaplock=$(jq -r '.runs[0].kernel.collectors.mmaplock.status' "$churn")
diag "lockcon: $lockcon"
diag "folio: $(jq -r '.runs[0].kernel.collectors.folio.status' "$churn")"
diag "kfault: $kfault"
diag "mmaplock: $mmaplock"
bpf=1
case "$lockcon" in
unavailable*) bpf=0; why_nobpf=${lockcon#unavailable: } ;;
esac

if [ $bpf = 1 ]; then
	[ "$lockcon" = ok ]
	ok $? "lockcon works where BPF does (status ok)"
	[[ "$kfault" == ok || "$kfault" == "partial: "?* ]]
	ok $? "kfault: ok, or partial with a reason (exception tracepoints still count)"

	jqv "$node0"' | any(.locks[]?; .name == "mmap_lock" and .collector == "lockcon"
		and .contended > 0 and .wait_total_ns > 0)' "$churn"
	ok $? "mmap-churn: node 0 lists mmap_lock, contended, with wait time, from lockcon"
	diag "mmap_lock callers: $(jq -r '[.runs[0].nodes[].locks[]? | select(.name == "mmap_lock")
		| "\(.caller) (\(.type)) x\(.contended)"] | join(", ")' "$churn")"
	callers=$(jq -r '.runs[0].kernel.collectors.lockcon.callers // empty' "$churn")
	if [ -z "$callers" ]; then
		jqv "$node0"' | any(.locks[]?; .name == "mmap_lock" and .contended > 0
			and (.caller | length) > 0 and .caller != "?"
			and (.stack | length) > 0
			and (.caller as $c | .stack[0] | startswith($c + "+0x")))' "$churn"
		ok $? "mmap_lock waits are named by their kernel caller, the stack shown from it"
		jqv "$node0"' | any(.locks[]?; .name == "mmap_lock" and .type == "rwsem:W"
			and .caller != "?")' "$churn"
		ok $? "mmap-churn: mmap_lock is waited for as a writer (rwsem:W) by a named caller"
	else
		skip "mmap_lock waits are named by their kernel caller" "$callers"
		skip "mmap-churn: mmap_lock is waited for as a writer" "$callers"
	fi
	# Every lock's numbers agree with each other.
	jqv '[.runs[].nodes[].locks[]?] | length > 0 and all(.[];
		.contended > 0 and .wait_max_ns <= .wait_total_ns
		and ([.hist[][2]] | add) == .contended
		and ((.wait_mean_ns * .contended - .wait_total_ns) | fabs) <= 1 + .wait_total_ns * 1e-9)' "$churn"
	ok $? "every lock: max <= total, histogram counts add up to contended, mean = total/contended"

	if [ "$mmaplock" = ok ]; then
		jqv "$node0"' | .mmap_lock_wait_ns.write.count > 0
			and .mmap_lock_wait_ns.write.p50 > 0' "$churn"
		ok $? "mmaplock: mmap-churn's write acquisitions of mmap_lock are timed on node 0"
	else
		skip "mmaplock: write acquisitions of mmap_lock are timed" "$mmaplock"
	fi

	if [ "$kfault" = ok ]; then
		jqv "$node0"' | .kernel_fault_latency_ns.p50 > 0
			and .kernel_fault_latency_ns.by_result.minor.count > 0' "$churn"
		ok $? "kfault: kernel fault latency (handle_mm_fault) with minor faults counted"
	else
		skip "kfault: kernel fault latency" "$kfault"
		jqv '[.runs[0].nodes[] | has("kernel_fault_latency_ns")] | any | not' "$churn"
		ok $? "kfault partial: no kernel fault latency is reported instead of zeros"
	fi

	# Truncating a shared file mapping: faulters and truncate meet on the
	# file's invalidate_lock and i_mmap_rwsem.
	tr=$scratch/truncate.json
	"$fl" run fault --map shared --invalidator truncate --threads max --duration 1 \
		--warmup 0.3 --no-baseline --dir "$scratch" --out "$tr" >/dev/null 2>&1
	ran $? && validate "$tr" &&
		jqv '[.runs[0].nodes[].locks[]? | select(.name == "invalidate_lock" or .name == "i_mmap_rwsem")]
			| any(.[]; .contended > 0 and (.caller | length) > 0 and .caller != "?")' "$tr"
	ok $? "truncate on $(findmnt -no FSTYPE -T "$scratch" 2>/dev/null || echo '?'): invalidate_lock or i_mmap_rwsem with a named caller"
	diag "file locks: $(jq -r '[.runs[0].nodes[].locks[]? | select(.files)
		| "\(.name)@\(.caller) x\(.contended)"] | join(", ")' "$tr" 2>/dev/null)"
	jqv '[.runs[0].nodes[].locks[]? | select(.name == "invalidate_lock" or .name == "i_mmap_rwsem")]
		| any(.[]; .files.seen > 0 and .files.on_test_fs > 0)' "$tr"
	ok $? "truncate: the file locks are counted on files of the test filesystem"

	# The lock table shrunk to 2 entries overflows: losses are reported
	# and the kernel data is marked untrustworthy (exit 5), nothing fails.
	lost=$scratch/lost.json
	FAULTLINE_BPF_LOCK_ENTRIES=2 "$fl" run fault --invalidator mmap-churn --threads max \
		--duration 1 --warmup 0.3 --no-baseline --dir "$scratch" --out "$lost" >/dev/null 2>&1
	[ $? -eq 5 ] && jqv 'any(.validity.reasons[]; .code == "collector_lost"
		and .metrics == ["locks", "kernel_latency"])' "$lost"
	ok $? "lock table full: exit 5, collector_lost spoils locks and kernel latency only"
	validate "$lost"
	ok $? "lock table full: the result validates"
	diag "lost: $(jq -c '.runs[0].kernel | {lost: .collectors.lockcon.lost, why_untrustworthy}' "$lost")"
	jqv '.runs[0].kernel | .collectors.lockcon.lost > 0 and .trustworthy == false
		and (.why_untrustworthy | test("lockcon lost"))' "$lost"
	ok $? "lock table full: lockcon.lost > 0, trustworthy false, why_untrustworthy says lockcon lost"
	jqv '[.runs[0].nodes[].locks[]? | select(.collector == "lockcon")] | length <= 2' "$lost"
	ok $? "lock table full: no more locks reported than the table holds"
	jqv '.runs[0].kernel.trustworthy == true and (.runs[0].kernel | has("why_untrustworthy") | not)
		and all(.runs[0].kernel.collectors[]; (.lost // 0) == 0)' "$churn"
	ok $? "without losses: trustworthy, and no why_untrustworthy"
else
	[ -n "$why_nobpf" ]
	ok $? "without BPF every collector says why (lockcon: $lockcon)"
	skip "BPF collectors: locks, mmap_lock waits, kernel faults, lost events" "$lockcon"
fi

# Exact fault counts: the exception tracepoints against perf's counter.
case "$kfault" in
ok|partial:*)
	pf=$scratch/perf.json
	"$fl" run fault --fault-counter perf --collect kfault --threads 2 --duration 2 \
		--warmup 0.3 --dir "$scratch" --out "$pf" >/dev/null 2>&1
	ran $? && validate "$pf"
	ok $? "--fault-counter perf: exit 0 (or 5), the result validates"
	diag "perf: $(jq -c '.runs[0].kernel | {fault_counter, faults}' "$pf")"
	jqv '.runs[0].kernel.fault_counter == {"source": "perf", "status": "ok"}
		and .runs[0].kernel.faults.exceptions_user > 0
		and (.runs[0].kernel.faults.vs_counter | . >= 0.98 and . <= 1.02)' "$pf"
	ok $? "kfault: page-fault exceptions within 2% of perf's fault counter" ;;
*)
	skip "kfault: page-fault exceptions against perf's fault counter" "$kfault" ;;
esac

# --collect picks collectors; the rest are "off (--collect)" and report nothing.
"$fl" run fault --collect none "${short[@]}" --out "$scratch/none.json" >/dev/null 2>&1
ran $? && validate "$scratch/none.json" &&
	jqv 'all(.runs[].kernel.collectors[]; .status == "off (--collect)")
		and (.runs[].kernel.collectors | keys) == ["folio", "kfault", "lockcon", "mmaplock"]
		and (.runs[].kernel | has("faults") | not)
		and all(.runs[].nodes[]; (has("locks") or has("mmap_lock_wait_ns")
			or has("kernel_fault_latency_ns")) | not)' "$scratch/none.json"
ok $? "--collect none: all four collectors off (--collect), no kernel data"
"$fl" run fault --collect lockcon "${short[@]}" --out "$scratch/lockcon.json" >/dev/null 2>&1
ran $? && validate "$scratch/lockcon.json" &&
	jqv '.runs[].kernel.collectors | (.lockcon.status | . == "ok" or test("^unavailable: \\S"))
		and .folio.status == "off (--collect)" and .kfault.status == "off (--collect)"
		and .mmaplock.status == "off (--collect)"' "$scratch/lockcon.json"
ok $? "--collect lockcon: lockcon on, the others off (--collect)"
jqv 'all(.runs[].nodes[]; (has("mmap_lock_wait_ns") or has("kernel_fault_latency_ns")) | not)
	and (.runs[].kernel | has("faults") | not)' "$scratch/lockcon.json"
ok $? "--collect lockcon: nothing from the collectors left off"

expect 2 '--collect: unknown collector "bogus" \(choose from lockcon,folio,kfault,mmaplock' \
	"--collect bogus: exit 2, names the choices" -- "$fl" run fault --collect bogus "${short[@]}"
expect 2 'unknown collector "nope"' "--collect lockcon,nope: exit 2" \
	-- "$fl" run fault --collect lockcon,nope "${short[@]}"
expect 2 '--collect: empty list' "--collect ,: exit 2" -- "$fl" run fault --collect , "${short[@]}"

# Not root: the run works, and every collector says it needs root.
if ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	skip "not root: collectors unavailable, run succeeds" "no setpriv or no user nobody"
elif [ "$(id -u)" != 0 ]; then
	skip "not root: collectors unavailable, run succeeds" "the test itself is not root"
else
	as_nobody=(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups)
	chmod 711 "$scratch"
	nd=$(mktemp -d "$scratch/nobody.XXXXXX")
	chmod 777 "$nd"
	if ! "${as_nobody[@]}" test -x "$fl"; then
		skip "not root: collectors unavailable, run succeeds" "user nobody cannot execute $fl"
	else
		"${as_nobody[@]}" "$fl" run fault --threads 1 --duration 0.5 --warmup 0 \
			--collect all --size 8M --dir "$nd" --out "$nd/r.json" >/dev/null 2>"$nd/stderr"
		st=$?
		ran $st && validate "$nd/r.json"
		ok $? "not root: exit 0, the result validates"
		[ $st -eq 0 ] || diag "exit $st: $(head -c 400 "$nd/stderr")"
		diag "as nobody: $(jq -r '.runs[0].kernel.collectors.lockcon.status' "$nd/r.json" 2>/dev/null)"
		# Without BPF in the build that is the reason, whoever runs it.
		need='test("root|CAP_BPF")' says="saying it needs root or CAP_BPF"
		[ $bpf = 1 ] || need='true' says="with a reason"
		jqv 'all(.runs[].kernel.collectors[]; .status | test("^unavailable: \\S")
			and '"$need"')
			and (.runs[].kernel.collectors | length) == 4' "$nd/r.json"
		ok $? "not root: every collector unavailable, $says"
	fi
fi
done_testing
