#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel variant under QEMU and run one faultline command inside it.
#   kernels/boot.sh NAME|PATH OUTDIR [--append ARGS] -- FAULTLINE-ARGS...
# The guest gets the variant's CPUs, memory and NUMA nodes, a busybox
# initramfs with this tree's faultline, and tmpfs at /tmp. Writes
# OUTDIR/console.log (the serial console), OUTDIR/result.json (what the
# guest's faultline wrote, labelled with variant and accel) and
# OUTDIR/boot.json {variant, accel, release, status, why, exit_code,
# console_tail}. A guest that panics, oopses or hangs is stopped at the
# variant's timeout: status "failed", never a hung host.
# Exit: the guest command's exit code; 1 when the guest failed; 2 usage;
# 3 a missing tool or kernel.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fl=${FAULTLINE:-$here/../build/faultline}

usage() { echo "usage: kernels/boot.sh NAME|PATH OUTDIR [--append ARGS] -- FAULTLINE-ARGS..." >&2; exit 2; }
[ $# -ge 3 ] || usage
variant=$1 out=$2 append=
shift 2
while [ $# -gt 0 ]; do
	case $1 in
	--append) append=${2:?--append needs kernel arguments}; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage
for tool in qemu-system-x86_64 busybox cpio jq; do
	command -v $tool >/dev/null || { echo "boot: $tool not found; run: apt-get install -y qemu-system-x86 busybox-static cpio jq" >&2; exit 3; }
done
v=$("$fl" variant show "$variant" --json) || exit 2
name=$(jq -r .name <<<"$v")
kdir=$("$here/fetch.sh" "$variant") || exit $?
mkdir -p "$out" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The initramfs: busybox, faultline and the libraries it links, the
# kernel's fuse module, and an init that runs the command and prints the
# result between markers (base64: the console mangles nothing then).
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
cp "$fl" "$root/bin/faultline"
for lib in $(ldd "$fl" | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
fuse=$(find -L "$kdir/modules" -name fuse.ko 2>/dev/null | head -n 1)
[ -n "$fuse" ] && cp "$fuse" "$root/lib/modules/"
printf '%q ' "$@" >"$root/cmd"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
[ -f /lib/modules/fuse.ko ] && insmod /lib/modules/fuse.ko 2>/dev/null
echo "FAULTLINE-GUEST release=$(uname -r) nodes=$(ls -d /sys/devices/system/node/node* | wc -l)"
eval "/bin/faultline $(cat /cmd) --out /tmp/result.json"
echo "FAULTLINE-EXIT $?"
echo FAULTLINE-RESULT-BEGIN
[ -f /tmp/result.json ] && base64 /tmp/result.json
echo FAULTLINE-RESULT-END
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.gz"

# The machine: memory backends and NUMA nodes as the variant says.
machine=(-m "$(( $(jq .memory <<<"$v") >> 20 ))M" -smp "$(jq .cpus <<<"$v")")
i=0
while read -r cpus mem; do
	numa="node,nodeid=$i,memdev=m$i"
	for c in ${cpus//,/ }; do numa+=",cpus=$c"; done
	machine+=(-object "memory-backend-ram,id=m$i,size=$((mem >> 20))M" -numa "$numa")
	i=$((i + 1))
done < <(jq -r '.nodes[] | "\(.cpus) \(.memory)"' <<<"$v")

# auto: KVM if a guest boots and powers off under it, else TCG.
accel=$(jq -r .accel <<<"$v")
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ] && timeout 20 qemu-system-x86_64 -accel kvm -m 256M -kernel "$kdir/vmlinuz" \
		-initrd "$work/initramfs.gz" -append "console=ttyS0 panic=-1 rdinit=/bin/poweroff" \
		-nographic -no-reboot >/dev/null 2>&1; then
		accel=kvm
	fi
fi
qaccel=$accel
[ "$accel" = tcg ] && qaccel=tcg,thread=multi
timeout_s=$(jq .timeout <<<"$v")
args="$(jq -r .boot_args <<<"$v") $(jq -r .cmdline <<<"$v") $append"

echo "boot: $name ($(cat "$kdir/release"), $accel, $(jq .cpus <<<"$v") CPUs, $i nodes), timeout ${timeout_s}s" >&2
timeout --signal=KILL "$timeout_s" qemu-system-x86_64 -accel "$qaccel" "${machine[@]}" \
	-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.gz" -append "$args" \
	-nographic -no-reboot </dev/null >"$out/console.log" 2>&1
qemu_status=$?
console=$out/console.log
code=$(grep -a -o 'FAULTLINE-EXIT [0-9]*' "$console" | tail -n 1 | cut -d' ' -f2)
status=ok why=
if [ -z "$code" ]; then
	status=failed
	if [ $qemu_status -eq 137 ]; then why="no result within ${timeout_s}s (hang)"
	elif grep -aq 'Kernel panic' "$console"; then why="kernel panic"
	else why="the guest ended without a result (qemu exit $qemu_status)"; fi
	code=1
# Only what the kernel says while the command runs: emulated NUMA warns at
# boot (topology_sane: LLC siblings on different nodes), which is ours.
elif sed -n '/^FAULTLINE-GUEST/,$p' "$console" | grep -aEq 'BUG:|Oops|Kernel panic|WARNING:'; then
	status=failed why="the kernel log has a BUG, oops, panic or WARNING"
	[ "$code" = 0 ] && code=1
fi
rm -f "$out/result.json"
if sed -n '/^FAULTLINE-RESULT-BEGIN/,/^FAULTLINE-RESULT-END/p' "$console" | tr -d '\r' |
	sed '1d;$d' | base64 -d >"$out/result.raw" 2>/dev/null && [ -s "$out/result.raw" ]; then
	jq --arg v "$name" --arg a "$accel" '.variant = $v | .accel = $a' "$out/result.raw" >"$out/result.json"
fi
rm -f "$out/result.raw"
jq -n --arg v "$name" --arg a "$accel" --arg r "$(cat "$kdir/release")" --arg s "$status" \
	--arg w "$why" --argjson c "$code" --arg t "$(tail -n 40 "$console" | tr -d '\r')" \
	'{variant: $v, accel: $a, release: $r, status: $s, exit_code: $c, console_tail: $t}
	 + (if $w == "" then {} else {why: $w} end)' >"$out/boot.json"
echo "boot: $name: $status${why:+ ($why)}; console: $console" >&2
exit "$code"
