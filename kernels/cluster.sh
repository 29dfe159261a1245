#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a cluster of guests of one kernel variant and run faultline commands
# on it, on a real shared filesystem.
#   kernels/cluster.sh CLUSTER-FILE|NAME OUTDIR [--variant NAME|PATH]
#                      [--mount-options OPTS] [--run "FAULTLINE-ARGS"]...
#                      [-- FAULTLINE-ARGS...]
# CLUSTER-FILE (kernels/NAME.cluster) says the variant, how many guests
# (hosts), the filesystem (fs: ocfs2, nfs or nfs-nosharecache) and each
# guest's cpus and memory. The guests share one raw disk (share-rw) and an
# Ethernet segment made of unix sockets only (build/faultline-ethhub): no
# address of the host is ever used. Each guest runs the host's own root
# filesystem read-only over virtio 9p under a tmpfs overlay, so the guests
# have this tree's faultline and every Debian package of the host (the
# cluster purpose of harness/install-deps.sh), with the variant's modules.
# node0 sets the filesystem up on every guest over ssh, then runs each
# command there, evaluated with HOSTFILE (one slot per guest), SHARED (the
# shared directory, the same path on every guest), VIEWS (other mounts of
# it, for --views) and RESULTS (a directory that comes home) set:
#   --run 'mpi --hostfile $HOSTFILE --dir $SHARED --out-dir $RESULTS'
# --variant boots another kernel than the file's (it needs the
# filesystem's modules). --mount-options adds NFS mount options
# (vers=3,nocto,actimeo=600: a client without close-to-open coherence).
# OUTDIR gets results/, nodeK.console.log and cluster.json (schema
# faultline-cluster/1): per host its name, address, seconds to boot and
# the QEMU process's peak memory; per command its exit code.
# Exit: the highest command exit code; 1 when a guest or the filesystem
# failed; 2 usage; 3 a missing tool or kernel; 4 interrupted.
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -uo pipefail

usage() {
	echo "usage: kernels/cluster.sh CLUSTER-FILE|NAME OUTDIR [--variant NAME|PATH] [--mount-options OPTS] [--run \"FAULTLINE-ARGS\"]... [-- FAULTLINE-ARGS...]" >&2
	exit 2
}
[ $# -ge 3 ] || usage
cluster=$1 out=$2 mount_options= variant=
cmds=()
shift 2
while [ $# -gt 0 ]; do
	case $1 in
	--mount-options) mount_options=${2:?--mount-options needs options}; shift 2 ;;
	--variant) variant=${2:?--variant needs a variant}; shift 2 ;;
	--run) cmds+=("${2:?--run needs faultline arguments}"); shift 2 ;;
	--) shift; [ $# -gt 0 ] && cmds+=("$(printf '%q ' "$@")"); break ;;
	*) usage ;;
	esac
done
[ ${#cmds[@]} -gt 0 ] || usage
[[ $cluster == */* ]] || cluster=$here/$cluster.cluster
[ -f "$cluster" ] || { echo "cluster: $cluster: no such cluster file" >&2; exit 2; }

# The cluster file: KEY = VALUE lines, # comments.
declare -A c=([hosts]=2 [cpus]=1 [memory]=1G [timeout]=1200 [disk]=2G)
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%%#*}
	[[ $line =~ ^[[:space:]]*$ ]] && continue
	if ! [[ $line =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]]; then
		echo "cluster: $cluster: not KEY = VALUE: $line" >&2
		exit 2
	fi
	case ${BASH_REMATCH[1]} in
	variant|hosts|fs|cpus|memory|timeout|disk) c[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]} ;;
	*) echo "cluster: $cluster: unknown key ${BASH_REMATCH[1]}" >&2; exit 2 ;;
	esac
done <"$cluster"
[ -n "$variant" ] && c[variant]=$variant
[ -n "${c[variant]:-}" ] || { echo "cluster: $cluster: no variant" >&2; exit 2; }
case ${c[fs]:-} in
ocfs2|nfs) min_hosts=2 ;;
nfs-nosharecache) min_hosts=1 ;;
*) echo "cluster: $cluster: fs must be ocfs2, nfs or nfs-nosharecache, not '${c[fs]:-}'" >&2; exit 2 ;;
esac
for k in hosts cpus timeout; do
	[[ ${c[$k]} =~ ^[1-9][0-9]*$ ]] || { echo "cluster: $cluster: $k must be a positive integer, not '${c[$k]}'" >&2; exit 2; }
done
[ "${c[hosts]}" -ge $min_hosts ] && [ "${c[hosts]}" -le 16 ] ||
	{ echo "cluster: $cluster: ${c[fs]} needs $min_hosts to 16 hosts, not ${c[hosts]}" >&2; exit 2; }
[[ ${c[memory]} =~ ^[1-9][0-9]*[MG]$ ]] || { echo "cluster: $cluster: memory must be like 1G or 768M, not '${c[memory]}'" >&2; exit 2; }
[[ $mount_options =~ ^[a-z0-9_=,.]*$ ]] || { echo "cluster: --mount-options: only NFS mount options (letters, digits, _=,.), not '$mount_options'" >&2; exit 2; }

load_variant "${c[variant]}" || exit 2
for tool in qemu-system-x86_64 busybox cpio jq mkfs.ext4 ssh-keygen depmod; do
	command -v $tool >/dev/null || { echo "cluster: $tool not found; run: harness/install-deps.sh cluster" >&2; exit 3; }
done
for tool in /usr/sbin/sshd /sbin/mkfs.ocfs2 /sbin/o2cb /usr/sbin/rpc.nfsd /sbin/mount.nfs /usr/bin/mpirun; do
	[ -x $tool ] || { echo "cluster: $tool not found (the guests run the host's packages); run: harness/install-deps.sh cluster" >&2; exit 3; }
done
hub=$here/../build/faultline-ethhub
for b in "$fl" "$fl-mpi" "$hub"; do
	[ -x "$b" ] || { echo "cluster: $b not built; run: make" >&2; exit 3; }
done
kdir=$("$here/fetch.sh" "${c[variant]}") || exit $?
release=$(cat "$kdir/release")
# modprobe in the guests: the package ships no modules.dep; make it once.
mroot=$(readlink -f "$kdir/modules")
if [ ! -f "$mroot/modules.dep" ]; then
	depmod -b "${mroot%/lib/modules/*}" "$release" ||
		{ echo "cluster: depmod of $mroot failed" >&2; exit 3; }
fi

mkdir -p "$out/results" || exit 2
out=$(cd "$out" && pwd)
# Unix socket paths must be short: the work directory is under /tmp.
work=$(mktemp -d /tmp/faultline-cluster.XXXXXX)
pids=() hub_pid=
cleanup() {
	local p
	for p in "${pids[@]}" $hub_pid; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

# ssh between the guests: a host key and a root key of this run's own.
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key" -C faultline-cluster &&
	ssh-keygen -q -t ed25519 -N '' -f "$work/id" -C faultline-cluster || exit 3

# The initramfs: busybox and the modules to reach the host's root over 9p,
# put an overlay on it and switch to it (kernels/cluster-guest.sh).
root=$work/initramfs
mkdir -p "$root"/{bin,proc,sys,dev,lower,upper,newroot,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
for m in virtio_pci virtio_blk virtio_net 9pnet_virtio 9p overlay; do add_module "$root" $m; done
tree=$(cd "$here/.." && pwd)
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in \$(cat /lib/modules/order); do insmod /lib/modules/\$m; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower &&
	mount -t tmpfs -o size=50% upper /upper && mkdir /upper/u /upper/w &&
	mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
	{ echo "FAULTLINE-NODE-FAILED cannot mount the host's root over 9p"; poweroff -f; }
# The host's own /run and /tmp stay out of sight.
mount -t tmpfs run /newroot/run && mount -t tmpfs tmp /newroot/tmp && mkdir /newroot/run/faultline &&
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work /newroot/run/faultline ||
	{ echo "FAULTLINE-NODE-FAILED cannot mount the work share over 9p"; poweroff -f; }
umount /proc /sys /dev
exec switch_root /newroot /bin/bash $tree/kernels/cluster-guest.sh boot
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.gz"

# What the guests read from the work share.
for i in "${!cmds[@]}"; do echo "${cmds[$i]}"; done >"$work/cmds"
{
	printf 'HOSTS=%d\nFS=%q\nMOUNT_OPTIONS=%q\nTREE=%q\n' "${c[hosts]}" "${c[fs]}" "$mount_options" "$tree"
	printf 'KMODS=%q\nVARIANT=%q\nCPUS=%d\n' "$mroot" "$name" "${c[cpus]}"
	for ((k = 0; k < c[hosts]; k++)); do printf 'ADDR_%d=%s\n' $k "$(node_address $k)"; done
} >"$work/cluster.env"
truncate -s "${c[disk]}" "$work/shared.img" || exit 3
mkdir -p "$work/results"

"$hub" "$work/hub.sock" $(for ((k = 0; k < c[hosts]; k++)); do echo "$work/node$k.sock"; done) &
hub_pid=$!
disown $hub_pid	# its kill at the end is no news
# loglevel=5: WARNINGs and worse reach the console, where they are looked for.
args="console=ttyS0 panic=-1 loglevel=5 $(jq -r .boot_args <<<"$v") fl.node="
echo "cluster: ${c[hosts]} guests of $name ($release, TCG) with ${c[fs]}${mount_options:+ ($mount_options)}, ${#cmds[@]} commands" >&2
start=$SECONDS
for ((k = 0; k < c[hosts]; k++)); do
	# tb-size: TCG's code cache would take 1 GiB per guest by default.
	qemu-system-x86_64 -accel tcg,thread=multi,tb-size=256 -m "${c[memory]}" -smp "${c[cpus]}" \
		-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.gz" -append "$args$k" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$work",mount_tag=work,security_model=none,multidevs=remap \
		-drive if=none,id=shared,file="$work/shared.img",format=raw,cache=none,file.locking=off \
		-device virtio-blk-pci,drive=shared,share-rw=on,serial=faultline-shared \
		-netdev dgram,id=lan,local.type=unix,local.path="$work/node$k.sock",remote.type=unix,remote.path="$work/hub.sock" \
		-device virtio-net-pci,netdev=lan,mac=52:54:00:fa:00:$(printf %02x $k) \
		-nographic -serial file:"$out/node$k.console.log" -monitor none -no-reboot \
		</dev/null >"$work/qemu$k.log" 2>&1 &
	pids+=($!)
done

# Wait for node0 to finish (it powers the others off), a guest to die, or
# the timeout. Each QEMU's peak memory is read while it runs.
declare -A hwm
status=ok why=
while kill -0 "${pids[0]}" 2>/dev/null; do
	if [ -n "$fl_stopped" ]; then break; fi
	if [ $((SECONDS - start)) -ge "${c[timeout]}" ]; then
		status=failed why="node0 did not finish in ${c[timeout]} s"
		break
	fi
	for k in "${!pids[@]}"; do
		kb=$(awk '/^VmHWM/ { print $2 }' "/proc/${pids[$k]}/status" 2>/dev/null) && [ -n "$kb" ] && hwm[$k]=$kb
	done
	sleep 1
done
elapsed=$((SECONDS - start))
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
wait "${pids[@]}" 2>/dev/null
fl_stop_check cluster.sh	# the EXIT trap stops the guests

cp -r "$work/results/." "$out/results/" 2>/dev/null
lines=$(tr -d '\r' <"$out/node0.console.log")
if [ $status = ok ] && ! grep -aq '^FAULTLINE-DONE' <<<"$lines"; then
	status=failed
	why=$(grep -a -m1 -o 'FAULTLINE-NODE-FAILED.*' "$out"/node*.console.log | head -n 1)
	[ -n "$why" ] || why=$(grep -a -m1 -o 'FAULTLINE-FS-FAILED.*' <<<"$lines")
	[ -n "$why" ] || { grep -aq 'Kernel panic' "$out"/node*.console.log && why="kernel panic"; }
	[ -n "$why" ] || why="node0 ended before its commands finished"
fi
code=0 commands='[]'
for i in "${!cmds[@]}"; do
	e=$(grep -a -o "^FAULTLINE-CMD $i EXIT [0-9]*" <<<"$lines" | awk '{print $4}')
	if [ -n "$e" ]; then s=done
	elif grep -aq "^FAULTLINE-CMD $i BEGIN" <<<"$lines"; then s=died
	else s=not-run; fi
	[ -n "$e" ] && code=$(worst "$code" "$e")
	commands=$(jq -c --arg a "${cmds[$i]}" --arg s "$s" --arg e "$e" \
		'. + [{args: $a, status: $s, exit_code: (if $e == "" then null else ($e | tonumber) end)}]' <<<"$commands")
done
if [ $status = ok ] && cat "$out"/node*.console.log | tr -d '\r' |
	sed -n '/FAULTLINE-NODE-UP/,$p' | grep -aEq 'BUG:|Oops|Kernel panic|WARNING:'; then
	status=failed why="a guest's kernel log has a BUG, oops, panic or WARNING"
fi
[ $status = failed ] && code=$(worst "$code" 1)
hosts='[]'
for ((k = 0; k < c[hosts]; k++)); do
	up=$(tr -d '\r' <"$out/node$k.console.log" | grep -a -m1 -o 'FAULTLINE-NODE-UP.*' || true)
	hosts=$(jq -c --arg n "node$k" --arg a "$(node_address $k)" --arg up "$up" \
		--arg hwm "${hwm[$k]:-}" --arg con "node$k.console.log" --arg m "${c[memory]}" \
		'. + [{name: $n, address: $a, memory: $m, console: $con,
		       boot_s: ($up | capture("uptime=(?<s>[0-9.]+)").s // null | if . then tonumber else null end),
		       guest_used_kib: ($up | capture("used_kib=(?<u>[0-9]+)").u // null | if . then tonumber else null end),
		       qemu_peak_rss_kib: (if $hwm == "" then null else ($hwm | tonumber) end)}]' <<<"$hosts")
done
jq -n --arg cl "$(basename "$cluster" .cluster)" --arg v "$name" --arg r "$release" --arg fs "${c[fs]}" \
	--arg mo "$mount_options" --arg s "$status" --arg w "$why" --argjson c "$code" \
	--argjson cmds "$commands" --argjson hosts "$hosts" --argjson t "$elapsed" \
	'{schema: "faultline-cluster/1", cluster: $cl, variant: $v, release: $r, accel: "tcg", fs: $fs,
	  mount_options: $mo, status: $s, exit_code: $c, seconds: $t, hosts: $hosts, commands: $cmds}
	 + (if $w == "" then {} else {why: $w} end)' >"$out/cluster.json"
echo "cluster: $(basename "$cluster" .cluster): $status${why:+ ($why)} in ${elapsed}s; $out/cluster.json" >&2
exit "$code"
