#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Booting kernel variants under QEMU (kernels/boot.sh): the Debian 6.1
# cloud kernel with two emulated NUMA nodes runs a 2-second fault workload
# and brings back a labelled result with per-node data; a guest whose
# kernel panics at boot gives a failed status with the console tail,
# within the timeout.
. "$(dirname "$0")/lib.sh"
root=$(cd "$FL_TESTS/.." && pwd)
boot=$root/kernels/boot.sh
export FAULTLINE=$FAULTLINE
jqv() { jq -e "$@" >/dev/null 2>&1; }

for tool in qemu-system-x86_64 busybox cpio; do
	if ! command -v $tool >/dev/null; then
		skip "boot debian-6.1 under QEMU" "$tool missing (apt-get install qemu-system-x86 busybox-static cpio)"
		done_testing
	fi
done
if ! "$root/kernels/fetch.sh" debian-6.1 >"$scratch/fetch.out" 2>"$scratch/fetch.err"; then
	skip "boot debian-6.1 under QEMU" "cannot fetch the kernel: $(tail -n 1 "$scratch/fetch.err")"
	done_testing
fi

out=$scratch/debian
"$boot" debian-6.1 "$out" -- run fault --threads 2 --duration 2 --warmup 0.3 --dir /tmp \
	>/dev/null 2>"$scratch/boot.err"
st=$?
[ $st -eq 0 ] && jqv '.status == "ok" and .accel == "tcg" and (.release | startswith("6.1."))' "$out/boot.json"
ok $? "debian-6.1 boots under TCG and the workload exits 0 (got $st)"
validate "$out/result.json" &&
	jqv '.variant == "debian-6.1" and .accel == "tcg" and (.host.kernel.release | startswith("6.1."))
		and .host.cpu.nodes == 2 and (.runs[0].nodes | length) == 2
		and all(.runs[0].nodes[]; .threads == 1 and .faults > 0 and .latency_ns.p99 > 0)' "$out/result.json"
ok $? "the guest's result: variant, accel tcg, guest kernel, two NUMA nodes with faults and latency"
diag "guest nodes: $(jq -c '[.runs[0].nodes[] | {node, faults, p99: .latency_ns.p99}]' "$out/result.json" 2>/dev/null)"
diag "guest collectors: $(jq -c '.runs[0].kernel.collectors | map_values(.status)' "$out/result.json" 2>/dev/null)"

# No init: the kernel panics at boot; panic=-1 and -no-reboot end QEMU.
bad=$scratch/panic
start=$(date +%s)
"$boot" debian-6.1 "$bad" --append "rdinit=/nonexistent" -- run fault --duration 1 \
	>/dev/null 2>&1
st=$?
took=$(( $(date +%s) - start ))
[ $st -eq 1 ] && jqv '.status == "failed" and .why == "kernel panic"
	and (.console_tail | test("Kernel panic"))' "$bad/boot.json"
ok $? "a kernel that panics at boot: failed, with the console tail (exit $st, ${took}s)"
[ ! -e "$bad/result.json" ]
ok $? "a failed boot leaves no result pretending to be one"
expect 2 'usage' "boot.sh without a command: exit 2" -- "$boot" debian-6.1 "$scratch/x"
expect 2 'unknown variant|no such|nope' "boot.sh with an unknown variant: exit 2" \
	-- "$boot" nope "$scratch/x" -- run fault
done_testing
