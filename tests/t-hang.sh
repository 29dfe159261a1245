#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A kernel that hangs in the middle of a multi-check stress command (issue
# 14, R5): the finished checks' document comes home from the guest, marked
# partial, and so do the hung task's stack and every CPU's backtrace
# (sysrq w and l) in boot.json. The hang is injected with
# FAULTLINE_STRESS_FREEZE_BEFORE, which freezes the guest's ext4 disk and
# writes to it: the command blocks in the kernel (D state) for good. And a
# guest that panics mid-command still brings home what was synced. Also
# the stack decoder and the hook's refusals, on the host.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
fl=$FAULTLINE
export FAULTLINE
# boot.sh's work directories go here, so the test sees only its own.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"

# The decoder, on a small program with debug info standing in for vmlinux.
if command -v gcc >/dev/null && command -v addr2line >/dev/null; then
	cat >"$scratch/probe.c" <<'EOF'
int probe_fn(int x)
{
	return x * 3 + 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	return probe_fn(argc);
}
EOF
	gcc -g -O1 -o "$scratch/probe" "$scratch/probe.c"
	printf '%s\n' '[    1.0] Call Trace:' ' probe_fn+0x0/0x10' ' ? probe_fn+0x1/0x10 [fuse]' ' nosuch+0x1/0x2' |
		"$root/kernels/decode-stacks.sh" "$scratch/probe" >"$scratch/decoded"
	st=$?
	[ $st -eq 0 ] && diff <(sed -n '1p;3,4p' "$scratch/decoded") \
		<(printf '%s\n' '[    1.0] Call Trace:' ' ? probe_fn+0x1/0x10 [fuse]' ' nosuch+0x1/0x2') >/dev/null &&
		grep -Eq "^ probe_fn\+0x0/0x10 $scratch/probe.c:[0-9]+$" "$scratch/decoded"
	ok $? "R5: decode-stacks appends FILE:LINE to a vmlinux frame, leaves module frames and other lines as they are"
	printf '%s\n' ' probe_fn+0x0/0x10' | "$root/kernels/decode-stacks.sh" "$scratch/probe" "$scratch/" >"$scratch/decoded"
	grep -Eq "^ probe_fn\+0x0/0x10 probe.c:[0-9]+$" "$scratch/decoded"
	ok $? "R5: with the source tree given, FILE is relative to it ($(cat "$scratch/decoded"))"
else
	skip "R5: decode-stacks" "gcc or addr2line missing"
fi
expect 2 'usage' "decode-stacks without a vmlinux: exit 2" -- "$root/kernels/decode-stacks.sh" "$scratch/nope"

# The hook freezes a filesystem: never on the host, never a typo.
expect 2 'FAULTLINE_STRESS_FREEZE_BEFORE=eof_boundary: .*only in a kernels/boot.sh guest' \
	"R5: the freeze hook refuses to run outside a guest (exit 2)" \
	-- env -u FAULTLINE_ACCEL FAULTLINE_STRESS_FREEZE_BEFORE=eof_boundary "$fl" stress eof_boundary --dir "$scratch"
expect 2 'FAULTLINE_STRESS_FREEZE_BEFORE="nope": not a check' \
	"R5: the freeze hook names an unknown check (exit 2)" \
	-- env FAULTLINE_STRESS_FREEZE_BEFORE=nope "$fl" stress eof_boundary --dir "$scratch"

need_guest "R5: a guest that hangs mid-command"

# The Debian kernel as an image variant with a short silence timeout, in
# a cache of the test's own, where a stand-in "vmlinux" with debug info
# defines the functions the hung task's stack names: boot.sh decodes
# their frames with it (the Debian package ships no vmlinux).
kdir=$("$root/kernels/fetch.sh" debian-6.1 2>/dev/null)
cat >"$scratch/hang.variant" <<EOF
name = hang
source = image $(readlink -f "$kdir/vmlinuz") modules=$(readlink -f "$kdir/modules")
cpus = 2
memory = 2G
node = cpus=0 memory=1G
node = cpus=1 memory=1G
accel = tcg
timeout = 20
EOF
export FAULTLINE_KERNEL_CACHE=$scratch/cache
key=$("$fl" variant key "$scratch/hang.variant")
mkdir -p "$FAULTLINE_KERNEL_CACHE/$key"
printf '%s\n' '#define BIG(name) void name(void) { __asm__ volatile(".fill 0x400, 1, 0x90"); }' \
	'BIG(percpu_rwsem_wait)' 'BIG(__percpu_down_read)' 'BIG(mnt_want_write)' \
	'int main(void) { return 0; }' >"$scratch/kstand.c"
gcc -g -O0 -o "$FAULTLINE_KERNEL_CACHE/$key/vmlinux" "$scratch/kstand.c" 2>/dev/null
kstand=$?
out=$scratch/hang
"$root/kernels/boot.sh" "$scratch/hang.variant" "$out" \
	--append "FAULTLINE_STRESS_FREEZE_BEFORE=eof_boundary" \
	--run "stress trunc_fault_shared hole_first_touch eof_boundary --duration 1 --out /results/s.json" \
	>/dev/null 2>"$scratch/boot.err"
st=$?
[ $st -eq 1 ] && jqv '.status == "failed" and (.why | test("hang"))
	and .commands[0].status == "died" and .commands[0].exit_code == null' "$out/boot.json"
ok $? "R5: the guest that hangs in the third check is stopped as a hang (exit $st)"
validate "$out/s.json" && jqv '.status == "partial" and .variant == "hang" and .accel == "tcg"
	and [.checks[].name] == ["trunc_fault_shared", "hole_first_touch"]
	and all(.checks[]; .verdict != null and (.oracle | type) == "object")
	and .pending == ["eof_boundary"] and .validity.reasons[-1].code == "partial"' "$out/s.json"
ok $? "R5: the two finished checks come home in a valid document marked partial, the third pending"
grep -Eq '^trunc_fault_shared ' "$out/console.log" && grep -Eq '^hole_first_touch ' "$out/console.log"
ok $? "R5: their table rows are on the console"
jqv '.hang.stacks | test("INFO: task faultline:[0-9]+ blocked for more than")
	and test("state:D") and test("percpu_rwsem_wait|mnt_want_write")' "$out/boot.json"
ok $? "R5: boot.json has the guest's hung-task report with the blocked task's stack"
jqv '(.hang.stacks | test("sysrq: Show Blocked State") and test("sysrq: Show backtrace of all active CPUs")
	and test("NMI backtrace for cpu"))
	and (.hang.sysrq | test("^w .*and l "))' "$out/boot.json"
ok $? "R5: and what sysrq w (blocked tasks) and l (every CPU's backtrace) printed before the guest was stopped"
if [ $kstand = 0 ]; then
	jqv --arg v "$FAULTLINE_KERNEL_CACHE/$key/vmlinux" '.hang.decoded == $v
		and (.hang.stacks | test(" (percpu_rwsem_wait|__percpu_down_read|mnt_want_write)\\+0x[0-9a-f]+/0x[0-9a-f]+ \\S*kstand.c:[0-9]+"))' "$out/boot.json"
	ok $? "R5: with a vmlinux with debug info in the kernel's cache, the stacks are decoded to FILE:LINE"
	[ $? = 0 ] || diag "decoded: $(jq -r .hang.decoded "$out/boot.json"); frames: $(jq -r .hang.stacks "$out/boot.json" |
		grep -E 'percpu|mnt_want' | head -5)"
else
	skip "R5: stacks decoded with a vmlinux" "gcc cannot build the stand-in"
fi
unset FAULTLINE_KERNEL_CACHE

# A kernel that dies without a sync: what the command synced is in the
# disk's journal only, which debugfs does not replay (boot.sh does, with
# e2fsck). The test crashes the guest (sysrq c) through boot.sh's monitor
# FIFO, in its work directory under this test's TMPDIR, once the first
# check's row is on the console: its document is synced by then.
crash=$scratch/crash
"$root/kernels/boot.sh" debian-6.1 "$crash" \
	--run "stress trunc_fault_shared hole_first_touch --duration 3 --out /results/s.json" \
	>/dev/null 2>"$scratch/crash.err" &
pid=$!
for _ in $(seq 600); do
	grep -q '^trunc_fault_shared ' "$crash/console.log" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.5
done
fifo=$(ls -d "$TMPDIR"/faultline-boot.*/monitor.in 2>/dev/null)
[ -p "$fifo" ] && echo "sendkey alt-sysrq-c" 1<>"$fifo"
wait $pid
st=$?
[ $st -eq 1 ] && jqv '.status == "failed" and .why == "kernel panic" and .commands[0].status == "died"' "$crash/boot.json" &&
	validate "$crash/s.json" && jqv '.status == "partial" and [.checks[].name] == ["trunc_fault_shared"]
	and .pending == ["hole_first_touch"]' "$crash/s.json"
ok $? "R5: a guest that panics in the second check: the first check's synced document comes home (exit $st)"

[ -z "$(ls "$TMPDIR")" ]
ok $? "nothing left behind: no work directory"
done_testing
