#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest clusters (kernels/cluster.sh), the parts that need no guest: the
# Ethernet hub repeats a guest's frame to every other guest and never back,
# and survives a guest that is not there; bad cluster files and arguments
# are refused with exit 2 before anything boots. Booting a cluster takes
# minutes under TCG: that is the benchmark `./run.sh --cluster`, whose
# figures are in kernels/README.md.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
cluster=$root/kernels/cluster.sh
hub=$(dirname "$FAULTLINE")/faultline-ethhub
[ -x "$hub" ] || hub=$root/build/faultline-ethhub

# Three ports, two of them with a guest: frames from g0 reach g1 only.
s=$scratch/hub
mkdir -p "$s"
"$hub" "$s/hub.sock" "$s/g0.sock" "$s/g1.sock" "$s/absent.sock" 2>"$scratch/hub.err" &
hub_pid=$!
python3 - "$s" >"$scratch/hub.out" 2>&1 <<'EOF'
import os, socket, sys, time
d = sys.argv[1]
for _ in range(100):
    if os.path.exists(d + "/hub.sock"):
        break
    time.sleep(0.05)
g = []
for name in ("g0", "g1"):
    so = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    so.bind(d + "/" + name + ".sock")
    so.settimeout(2)
    g.append(so)
g[0].sendto(b"frame-from-g0", d + "/hub.sock")
print("g1 got", g[1].recv(65536).decode())
g[1].sendto(b"frame-from-g1" * 100, d + "/hub.sock")
print("g0 got", len(g[0].recv(65536)))
g[0].settimeout(0.3)
try:
    print("g0 echo", g[0].recv(65536).decode())
except socket.timeout:
    print("g0 no echo")
EOF
grep -qx 'g1 got frame-from-g0' "$scratch/hub.out" && grep -qx 'g0 got 1300' "$scratch/hub.out"
ok $? "the hub repeats a frame to the other guest, whole"
grep -qx 'g0 no echo' "$scratch/hub.out"
ok $? "the hub never sends a frame back to its sender"
alive $hub_pid
ok $? "a port with no guest behind it does not stop the hub"
kill $hub_pid 2>/dev/null
wait $hub_pid 2>/dev/null
expect 2 'usage: faultline-ethhub' "the hub without a guest: exit 2" -- "$hub" "$s/h2.sock"
expect 2 'longer than' "a socket path too long for a unix address: exit 2" \
	-- "$hub" "$s/h2.sock" "$s/$(printf 'x%.0s' {1..120})" "$s/g1.sock"
expect 3 "bind $scratch/nodir/hub.sock" "a hub socket that cannot be bound: exit 3, named" \
	-- "$hub" "$scratch/nodir/hub.sock" "$s/g0.sock" "$s/g1.sock"

# Cluster files and arguments: refused before anything boots.
c=$scratch/c
mkdir -p "$c"
expect 2 'usage: kernels/cluster.sh' "cluster.sh without a command: exit 2" -- "$cluster" nfs "$c/out"
expect 2 'nosuch.cluster: no such cluster file' "an unknown cluster name: exit 2" \
	-- "$cluster" nosuch "$c/out" -- version
bad() {	# bad NAME TEXT REGEX DESCRIPTION
	printf '%b' "$2" >"$c/$1.cluster"
	expect 2 "$3" "$4" -- "$cluster" "$c/$1.cluster" "$c/out" -- version
}
bad nokey 'variant = debian-6.1-generic\nhosts 2\nfs = nfs\n' 'not KEY = VALUE: hosts 2' \
	"a line without =: exit 2, quoted"
bad unknown 'variant = debian-6.1-generic\nfs = nfs\nnodes = 2\n' 'unknown key nodes' \
	"an unknown key: exit 2"
bad novariant 'fs = nfs\n' 'no variant' "no variant: exit 2"
bad fs 'variant = debian-6.1-generic\nfs = gfs2\n' "fs must be ocfs2, nfs or nfs-nosharecache, not 'gfs2'" \
	"an unsupported filesystem: exit 2, naming the choices"
bad onehost 'variant = debian-6.1-generic\nfs = ocfs2\nhosts = 1\n' 'ocfs2 needs 2 to 16 hosts, not 1' \
	"OCFS2 on one host: exit 2"
bad hosts 'variant = debian-6.1-generic\nfs = nfs\nhosts = two\n' "hosts must be a positive integer, not 'two'" \
	"hosts not a number: exit 2"
bad memory 'variant = debian-6.1-generic\nfs = nfs\nmemory = lots\n' "memory must be like 1G or 768M, not 'lots'" \
	"memory not a size: exit 2"
printf 'variant = debian-6.1-generic\nfs = nfs\n' >"$c/good.cluster"
expect 2 "only NFS mount options" "--mount-options with a shell word: exit 2" \
	-- "$cluster" "$c/good.cluster" "$c/out" --mount-options 'nocto;reboot' -- version
expect 2 "variant \"nosuch\": no .*nosuch.variant" "a cluster of an unknown variant: exit 2, named" \
	-- "$cluster" "$(printf 'variant = nosuch\nfs = nfs\n' >"$c/v.cluster"; echo "$c/v.cluster")" "$c/out" -- version
[ ! -e "$c/out" ]
ok $? "a refused cluster writes nothing"

# summary.md of cluster runs: a section per cluster (filesystem), a table
# per host joining the guest's figures to its ranks' findings, and each
# MPI result's own table. The results come from clusterfs on this host, the
# cluster.json beside them is made here in its documented shape.
if [ -x "$(dirname "$FAULTLINE")/faultline-mpi" ] && [ -c /dev/fuse ] && [ "$(id -u)" = 0 ]; then
	sum=$scratch/sum
	host=$(hostname)
	mkdir -p "$sum/two"
	TMPDIR=$scratch "$FAULTLINE" mpi --np 2 --passes 2 --duration 0.3 --out-dir "$sum/two/results" \
		>"$scratch/mpi.log" 2>&1
	for d in two one; do
		mkdir -p "$sum/$d/results"
		jq -n --arg h "$host" --arg d "$d" '{schema: "faultline-cluster/1", cluster: "nfs",
			variant: "debian-6.1-generic", release: "6.1.0-50-amd64", accel: "tcg", fs: "nfs",
			mount_options: (if $d == "one" then "vers=3,nocto" else "" end), status: "ok", exit_code: 0,
			seconds: 80, hosts: [{name: $h, address: "10.77.0.1", memory: "1G", boot_s: 5.5,
			guest_used_kib: 115000, qemu_peak_rss_kib: 600000}, {name: "node1", address: "10.77.0.2",
			memory: "1G", boot_s: 6.5, guest_used_kib: 110000, qemu_peak_rss_kib: 580000}],
			commands: [{args: "mpi --hostfile $HOSTFILE", status: "done", exit_code: 0}]}' \
			>"$sum/$d/cluster.json"
	done
	echo '{"not json' >"$sum/one/results/broken.json"
	"$FAULTLINE" summary "$sum" >/dev/null 2>"$scratch/sum.err"
	st=$?
	md=$sum/summary.md
	[ $st -eq 0 ] && grep -q '^- clusters: 2, a section each$' "$md" &&
		grep -q '^## one: nfs on 2 guests of debian-6.1-generic (6.1.0-50-amd64, tcg)$' "$md" &&
		grep -q '^## two: nfs on 2 guests' "$md" && grep -q '^- mount options: `vers=3,nocto`$' "$md"
	ok $? "summary of two clusters: a section each, titled by directory, with the mount options (exit $st)"
	# This host ran both ranks; node1 ran none.
	grep -Eq "^\| $host \| 10\.77\.0\.1 \| 5\.5 \| 112 \| 585 \| 2 \| 0 \| 0 \| [0-9]+ \| mmap \|$" "$md" &&
		grep -Eq '^\| node1 \| 10\.77\.0\.2 \| 6\.5 \| 107 \| 566 \| 0 \| 0 \| 0 \| - \| - \|$' "$md"
	ok $? "the host table: boot, memory, ranks, violations, stale reads allowed, faults/s, promise"
	[ -s "$sum/two/results/mpi-cow.json" ] || diag "mpi: $(tail -n 3 "$scratch/mpi.log")"
	diag "host rows: $(grep -E '^\| ('"$host"'|node1) \| 10' "$md" | tr '\n' ' ')"
	grep -q '^### mpi-coherence: 2 ranks, clusterfs' "$md" && grep -q '^### mpi-cow: 2 ranks' "$md" &&
		grep -q '^### mpi-faultstorm: 2 ranks' "$md"
	ok $? "each MPI result of a cluster keeps its own rank table"
	grep -q 'broken.json' "$scratch/sum.err"
	ok $? "a result that is not JSON is named and skipped, not fatal"
	"$FAULTLINE" summary "$sum/two" >/dev/null && grep -q '^## nfs: nfs on 2 guests' "$sum/two/summary.md"
	ok $? "summary of one cluster's own directory"
else
	skip "summary of cluster runs" "needs faultline-mpi, /dev/fuse and root"
fi

done_testing
