#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel variant under QEMU and run faultline commands inside it.
#   kernels/boot.sh NAME|PATH OUTDIR [--append ARGS] [--disk SIZE]
#                   [--run "FAULTLINE-ARGS"]... [-- FAULTLINE-ARGS...]
# Each --run (and the words after --) is one faultline command, run in
# order. The guest has the variant's CPUs, memory and NUMA nodes, a busybox
# initramfs with this tree's faultline, tmpfs at /tmp and an ext4 disk
# (SIZE, default 4G, sparse) at /mnt/disk, where TMPDIR points, so test
# files are on ext4 unless a command says --dir. What a command writes
# under /results (on the disk) comes home to OUTDIR, read back with debugfs:
# nothing is mounted on the host. Commands see FAULTLINE_VARIANT and
# FAULTLINE_ACCEL, so their results carry the variant and accelerator.
# OUTDIR also gets console.log and boot.json {schema "faultline-boot/1",
# variant, accel, release,
# status, why, exit_code, commands[] {args, status, exit_code},
# console_tail, hang}. A guest that panics or oopses, or is silent on the
# console for the variant's timeout, is stopped: status "failed", and the
# command it was in is "died", never a hung host. Before a silent guest is
# stopped its kernel is asked (sysrq w and l, by the QEMU monitor's
# keyboard) for its blocked tasks and every CPU's backtrace; the guest's
# hung-task detector reports tasks blocked for a third of the timeout.
# boot.json's hang {sysrq, stacks, decoded} keeps them, decoded to source
# lines when the variant's kernel has a vmlinux with debug info.
# Exit: the highest command exit code; 1 when the guest failed; 2 usage;
# 3 a missing tool or kernel; 4 interrupted (INT, TERM, HUP: the guest is
# stopped, nothing comes home).
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -uo pipefail

usage() {
	echo "usage: kernels/boot.sh NAME|PATH OUTDIR [--append ARGS] [--disk SIZE] [--run \"FAULTLINE-ARGS\"]... [-- FAULTLINE-ARGS...]" >&2
	exit 2
}
[ $# -ge 3 ] || usage
variant=$1 out=$2 append= disk_size=4G
cmds=()
shift 2
while [ $# -gt 0 ]; do
	case $1 in
	--append) append=${2:?--append needs kernel arguments}; shift 2 ;;
	--disk) disk_size=${2:?--disk needs a size}; shift 2 ;;
	--run) cmds+=("${2:?--run needs faultline arguments}"); shift 2 ;;
	--) shift; [ $# -gt 0 ] && cmds+=("$(printf '%q ' "$@")"); break ;;
	*) usage ;;
	esac
done
[ ${#cmds[@]} -gt 0 ] || usage
for tool in qemu-system-x86_64 busybox cpio jq mkfs.ext4 debugfs e2fsck; do
	command -v $tool >/dev/null || { echo "boot: $tool not found; run: harness/install-deps.sh kernels" >&2; exit 3; }
done
load_variant "$variant" || exit 2
kdir=$("$here/fetch.sh" "$variant") || exit $?
mkdir -p "$out" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-boot.XXXXXX")
qemu_pid=
trap '[ -n "$qemu_pid" ] && kill -9 $qemu_pid 2>/dev/null; rm -rf "$work"' EXIT

# The initramfs: busybox, faultline and the libraries it links, and the
# modules the guest needs that its kernel does not have built in, with
# their dependencies first.
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc,mnt/disk,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
cp "$fl" "$root/bin/faultline"
# glibc loads libgcc_s at run time for pthread_cancel: ldd cannot see it.
for lib in $(ldd "$fl" | grep -o '/[^ ]*') $(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ { print $NF; exit }'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
# crc32c: ext4's metadata checksums need it, by a soft dependency.
for m in virtio_pci virtio_blk crc32c_generic ext4 fuse; do add_module "$root" $m; done

for i in "${!cmds[@]}"; do echo "${cmds[$i]}"; done >"$root/cmds"
accel=$(jq -r .accel <<<"$v")
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
[ -f /lib/modules/order ] && for m in $(cat /lib/modules/order); do insmod /lib/modules/$m; done
disk=ok
mount -t ext4 /dev/vda /mnt/disk || disk="missing: mount -t ext4 /dev/vda failed"
mkdir -p /mnt/disk/results /mnt/disk/tmp && ln -s /mnt/disk/results /results
. /env
export FAULTLINE_VARIANT FAULTLINE_ACCEL TMPDIR=/mnt/disk/tmp
# Evidence of a hang: sysrq from the host's keyboard (Debian enables only
# some functions, not the dumps), and the kernel's report of a task
# blocked for longer than a third of the host's silence timeout. One
# report: each repeat would restart the silence, and sysrq w lists every
# blocked task anyway.
echo 1 >/proc/sys/kernel/sysrq
if [ -w /proc/sys/kernel/hung_task_timeout_secs ]; then
	echo "$HUNG_TASK_S" >/proc/sys/kernel/hung_task_timeout_secs
	echo 1 >/proc/sys/kernel/hung_task_warnings
fi
echo "FAULTLINE-GUEST release=$(uname -r) nodes=$(ls -d /sys/devices/system/node/node* | wc -l) disk=$disk"
i=0
while read -r args; do
	echo "FAULTLINE-CMD $i BEGIN faultline $args"
	eval "/bin/faultline $args"
	echo "FAULTLINE-CMD $i EXIT $?"
	sync
	i=$((i + 1))
done </cmds
umount /mnt/disk
echo FAULTLINE-DONE
poweroff -f
INIT
chmod +x "$root/init"

# auto: KVM if a guest that only powers off boots under it, else TCG.
if [ "$accel" = auto ]; then
	accel=tcg
	mkdir -p "$work/probe/bin" && cp "$root/bin/busybox" "$work/probe/bin/"
	printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' >"$work/probe/init"
	chmod +x "$work/probe/init"
	(cd "$work/probe" && find . | cpio -o -H newc 2>/dev/null) >"$work/probe.cpio"
	if [ -w /dev/kvm ] && timeout 20 qemu-system-x86_64 -accel kvm -m 256M \
		-kernel "$kdir/vmlinuz" -initrd "$work/probe.cpio" -append "console=ttyS0 panic=-1" \
		-nographic -no-reboot >/dev/null 2>&1; then
		accel=kvm
	fi
fi
quiet_s=$(jq .timeout <<<"$v")
printf 'FAULTLINE_VARIANT=%q\nFAULTLINE_ACCEL=%q\nHUNG_TASK_S=%d\n' "$name" "$accel" \
	$(( quiet_s / 3 > 0 ? quiet_s / 3 : 1 )) >"$root/env"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.gz"

# The disk: sparse ext4, made without mounting anything.
disk=$work/disk.img
truncate -s "$disk_size" "$disk" && mkfs.ext4 -q -F "$disk" >/dev/null ||
	{ echo "boot: cannot make a $disk_size ext4 image in $work" >&2; exit 3; }

# The machine: memory backends and NUMA nodes as the variant says.
machine=(-m "$(( $(jq .memory <<<"$v") >> 20 ))M" -smp "$(jq .cpus <<<"$v")")
n=0
while read -r cpus mem; do
	numa="node,nodeid=$n,memdev=m$n"
	for c in ${cpus//,/ }; do numa+=",cpus=$c"; done
	machine+=(-object "memory-backend-ram,id=m$n,size=$((mem >> 20))M" -numa "$numa")
	n=$((n + 1))
done < <(jq -r '.nodes[] | "\(.cpus) \(.memory)"' <<<"$v")
qaccel=$accel
[ "$accel" = tcg ] && qaccel=tcg,thread=multi
args="$(jq -r .boot_args <<<"$v") $(jq -r .cmdline <<<"$v") $append"

# settle: wait until the console has been quiet for 2 s (at most 60 s).
settle() {
	local size last=-1 quiet=0 t
	for ((t = 0; t < 60 && quiet < 2; t++)); do
		sleep 1
		size=$(stat -c %s "$console")
		if [ "$size" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0 last=$size; fi
	done
}
# hang_dump: before a silent guest is stopped, ask its kernel for the
# blocked tasks (sysrq w) and every CPU's backtrace (sysrq l), by the
# keyboard, and wait for the console to print them. dump_from: the
# console's size before. Opened read-write, the FIFO never blocks.
hang_dump() {
	dump_from=$(stat -c %s "$console")
	kill -0 $qemu_pid 2>/dev/null || return
	echo "sendkey alt-sysrq-w" 1<>"$work/monitor.in"
	sleep 1
	echo "sendkey alt-sysrq-l" 1<>"$work/monitor.in"
	settle
	sysrq="w (blocked tasks) and l (every CPU's backtrace), by the keyboard"
}

# Run, killing a guest that is silent on the console for the timeout. The
# monitor reads commands from a FIFO (no client needed) and answers into
# a file.
console=$out/console.log
mkfifo "$work/monitor.in" && : >"$work/monitor.out" || exit 2
echo "boot: $name ($(cat "$kdir/release"), $accel, $(jq .cpus <<<"$v") CPUs, $n nodes, ${#cmds[@]} commands), hang timeout ${quiet_s}s" >&2
qemu-system-x86_64 -accel "$qaccel" "${machine[@]}" \
	-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.gz" -append "$args" \
	-drive "file=$disk,format=raw,if=virtio,cache=unsafe" \
	-nographic -serial stdio -monitor "pipe:$work/monitor" -no-reboot </dev/null >"$console" 2>&1 &
qemu_pid=$!
hung=0 last_size=-1 last_change=$SECONDS dump_from= sysrq=
while kill -0 $qemu_pid 2>/dev/null; do
	if [ -n "$fl_stopped" ]; then
		kill -9 $qemu_pid
		break
	fi
	size=$(stat -c %s "$console")
	if [ "$size" != "$last_size" ]; then
		last_size=$size last_change=$SECONDS
	elif [ $((SECONDS - last_change)) -ge "$quiet_s" ]; then
		hung=1
		hang_dump
		kill -9 $qemu_pid
		break
	fi
	sleep 1
done
wait $qemu_pid 2>/dev/null
qemu_status=$?
qemu_pid=
fl_stop_check boot.sh	# the EXIT trap removes the work directory

# What came home: the disk's /results, and per command its exit code.
rm -rf "$work/home" && mkdir -p "$work/home"
lines=$(tr -d '\r' <"$console")
# A guest stopped mid-command left its journal unreplayed (debugfs does
# not replay it): what a command synced may be there only.
grep -aq '^FAULTLINE-DONE' <<<"$lines" || e2fsck -y "$disk" >/dev/null 2>&1
debugfs -R "rdump /results $work/home" "$disk" >/dev/null 2>&1
[ -d "$work/home/results" ] && cp -r "$work/home/results/." "$out/"
status=ok why= code=0
commands='[]'
for i in "${!cmds[@]}"; do
	c=$(grep -a -o "^FAULTLINE-CMD $i EXIT [0-9]*" <<<"$lines" | awk '{print $4}')
	if [ -n "$c" ]; then s=done
	elif grep -aq "^FAULTLINE-CMD $i BEGIN" <<<"$lines"; then s=died
	else s=not-run; fi
	[ -n "$c" ] && [ "$c" -gt "$code" ] && code=$c
	commands=$(jq -c --arg a "${cmds[$i]}" --arg s "$s" --arg c "$c" \
		'. + [{args: $a, status: $s, exit_code: (if $c == "" then null else ($c | tonumber) end)}]' <<<"$commands")
done
guest=$(grep -a -m1 '^FAULTLINE-GUEST' <<<"$lines")
if ! grep -aq '^FAULTLINE-DONE' <<<"$lines"; then
	status=failed
	if [ $hung = 1 ]; then why="no console output for ${quiet_s}s (hang)"
	elif grep -aq 'Kernel panic' <<<"$lines"; then why="kernel panic"
	else why="the guest ended before its commands finished (qemu exit $qemu_status)"; fi
elif [[ $guest != *disk=ok* ]]; then
	status=failed why="the guest could not use its ext4 disk (${guest#*disk=}): results are lost"
# Only what the kernel says from the first command on: emulated NUMA warns
# at boot (topology_sane: LLC siblings on different nodes), which is ours.
elif sed -n '/^FAULTLINE-GUEST/,$p' <<<"$lines" | grep -aEq 'BUG:|Oops|Kernel panic|WARNING:'; then
	status=failed why="the kernel log has a BUG, oops, panic or WARNING"
fi
[ $status = failed ] && [ "$code" = 0 ] && code=1

# A hang's evidence: the kernel's hung-task reports and what sysrq printed,
# decoded to source lines with the kernel's vmlinux when it has debug info.
echo null >"$work/hang.json"
if [ $hung = 1 ]; then
	stacks=$(sed -n '/^FAULTLINE-GUEST/,$p' <<<"$lines" |
		sed -n '/INFO: task .* blocked for more than/,$p')
	[ -n "$stacks" ] || stacks=$(tail -c +$((${dump_from:-0} + 1)) "$console" | tr -d '\r')
	tail -n 2000 <<<"$stacks" >"$work/stacks"
	vmlinux=$kdir/vmlinux
	if [ -f "$vmlinux" ] && readelf -S "$vmlinux" 2>/dev/null | grep -q '\.debug_info'; then
		# build.sh notes the source tree: frames then read mm/filemap.c:N.
		"$here/decode-stacks.sh" "$vmlinux" $(cat "$kdir/source" 2>/dev/null) \
			<"$work/stacks" >"$work/stacks.decoded" &&
			mv "$work/stacks.decoded" "$work/stacks" && decoded=$vmlinux ||
			decoded="unavailable: kernels/decode-stacks.sh $vmlinux failed"
	else
		decoded="unavailable: no vmlinux with debug info in $kdir (the stacks are as the console printed them)"
	fi
	# Files, not arguments: an argument holds at most 128 KiB.
	jq -n --arg s "${sysrq:-unavailable: QEMU ended before it was asked}" --rawfile k "$work/stacks" \
		--arg d "$decoded" '{sysrq: $s, stacks: $k, decoded: $d}' >"$work/hang.json"
	why+="; blocked tasks and CPU backtraces in boot.json hang.stacks"
fi
jq -n --arg v "$name" --arg a "$accel" --arg r "$(cat "$kdir/release")" --arg s "$status" \
	--arg w "$why" --argjson c "$code" --argjson cmds "$commands" \
	--arg t "$(tail -n 40 <<<"$lines")" --slurpfile h "$work/hang.json" \
	'{schema: "faultline-boot/1", variant: $v, accel: $a, release: $r, status: $s, exit_code: $c, commands: $cmds,
	  console_tail: $t} + (if $w == "" then {} else {why: $w} end) + (if $h[0] == null then {} else {hang: $h[0]} end)' >"$out/boot.json"
echo "boot: $name: $status${why:+ ($why)}; console: $console" >&2
exit "$code"
