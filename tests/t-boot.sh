#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Booting kernel variants under QEMU (kernels/boot.sh): the Debian 6.1
# cloud kernel with two emulated NUMA nodes runs a 2-second fault workload
# on its ext4 disk and a stress check on tmpfs, and brings back labelled
# results with per-node data; a guest whose kernel panics at boot, and one
# that goes silent, give a failed status with the console tail, within the
# timeout.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
boot=$root/kernels/boot.sh
export FAULTLINE=$FAULTLINE
# boot.sh's work directories go here, so the test sees only its own.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"

need_guest "boot debian-6.1 under QEMU"

out=$scratch/debian
"$boot" debian-6.1 "$out" \
	--run "run fault --threads 2 --duration 2 --warmup 0.3 --out /results/result.json" \
	--run "stress trunc_fault_shared --duration 1 --dir /tmp --out /results/stress.json" \
	>/dev/null 2>"$scratch/boot.err"
st=$?
# An emulated guest's run may rightly be untrustworthy (exit 5: its vCPUs
# are host threads): then its result says so, with reasons.
code=$(jq '.exit_code' "$out/result.json" 2>/dev/null)
{ [ $st -eq 0 ] || [ $st -eq 5 ]; } &&
	jqv --argjson c "${code:-0}" '.status == "ok" and .accel == "tcg" and (.release | startswith("6.1."))
	and [.commands[] | .status == "done"] == [true, true]
	and [.commands[].exit_code] == [$c, 0]' "$out/boot.json" &&
	{ [ "$code" = 0 ] || jqv '.validity.status == "untrustworthy" and (.validity.reasons | length) > 0' "$out/result.json"; }
ok $? "debian-6.1 boots under TCG and both commands exit 0 (or 5 with reasons: got $st)"
[ "$code" = 5 ] && diag "guest run untrustworthy: $(jq -c '[.validity.reasons[].code] | unique' "$out/result.json")"
validate "$out/result.json" &&
	jqv '.variant == "debian-6.1" and .accel == "tcg" and (.host.kernel.release | startswith("6.1."))
		and .host.cpu.nodes == 2 and (.runs[0].nodes | length) == 2
		and all(.runs[0].nodes[]; .threads == 1 and .faults > 0 and .latency_ns.p99 > 0)' "$out/result.json"
ok $? "the guest's result: variant, accel tcg, guest kernel, two NUMA nodes with faults and latency"
jqv '.host.test_fs.type == "ext4" and (.host.test_fs.path | startswith("/mnt/disk/"))' "$out/result.json"
ok $? "test files default to the guest's ext4 disk"
validate "$out/stress.json" &&
	jqv '.variant == "debian-6.1" and .host.test_fs.type == "tmpfs" and .checks[0].verdict == "pass"' "$out/stress.json"
ok $? "a second command's document (stress on tmpfs) comes home too"
diag "guest nodes: $(jq -c '[.runs[0].nodes[] | {node, faults, p99: .latency_ns.p99}]' "$out/result.json" 2>/dev/null)"
diag "guest collectors: $(jq -c '.runs[0].kernel.collectors | map_values(.status)' "$out/result.json" 2>/dev/null)"
[ -z "$(ls "$TMPDIR")" ] && ! grep -q faultline-boot /proc/mounts
ok $? "nothing left behind: no work directory, nothing mounted"

# No init: the kernel panics at boot; panic=-1 and -no-reboot end QEMU.
bad=$scratch/panic
start=$(date +%s)
"$boot" debian-6.1 "$bad" --append "rdinit=/nonexistent" -- run fault --duration 1 \
	>/dev/null 2>&1
st=$?
took=$(( $(date +%s) - start ))
[ $st -eq 1 ] && jqv '.status == "failed" and .why == "kernel panic"
	and (.console_tail | test("Kernel panic")) and .commands[0].status == "not-run"' "$bad/boot.json"
ok $? "a kernel that panics at boot: failed, with the console tail (exit $st, ${took}s)"
[ -z "$(ls "$bad" | grep -v -x -e boot.json -e console.log)" ]
ok $? "a failed boot leaves no result pretending to be one"

# A guest silent for longer than the variant's timeout is a hang (a stress
# check prints nothing until it ends; `run` would print its progress).
# Stopping it waits for its sysrq dumps (t-hang.sh), some seconds more.
sed -e 's/^name = .*/name = silent/' -e 's/^timeout = .*/timeout = 15/' \
	"$root/kernels/debian-6.1.variant" >"$scratch/silent.variant"
start=$(date +%s)
"$boot" "$scratch/silent.variant" "$scratch/silent" -- stress trunc_fault_shared --duration 60 \
	>/dev/null 2>&1
st=$?
took=$(( $(date +%s) - start ))
[ $st -eq 1 ] && [ $took -lt 90 ] && jqv '.status == "failed" and (.why | test("hang"))
	and .commands[0].status == "died" and .commands[0].exit_code == null' "$scratch/silent/boot.json"
ok $? "a guest silent for its 15 s timeout is stopped as a hang, its command died (exit $st, ${took}s)"
jqv '(.hang.stacks | test("sysrq: Show backtrace of all active CPUs"))
	and (.hang.decoded | test("^unavailable: no vmlinux with debug info"))' "$scratch/silent/boot.json"
ok $? "R5: its CPU backtraces are kept; a Debian kernel has no vmlinux with debug info, and boot.json says so"

expect 2 'usage' "boot.sh without a command: exit 2" -- "$boot" debian-6.1 "$scratch/x"
expect 2 'unknown variant|no such|nope' "boot.sh with an unknown variant: exit 2" \
	-- "$boot" nope "$scratch/x" -- run fault
done_testing
