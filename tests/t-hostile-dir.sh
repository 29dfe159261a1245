#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 14, scratch directories: a run as root in a directory prepared by
# another user (sticky, owned by nobody, with symlinks and sockets planted
# at every name faultline used to pick) neither mounts, writes nor deletes
# anything outside the run's own fresh directories.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/fuse ] || ! id nobody >/dev/null 2>&1; then
	skip "runs in a hostile directory" "needs root, /dev/fuse and user nobody"
	done_testing
fi
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# As in t-mpi: the MPI library's own allocations are not ours to report.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

chmod 755 "$scratch"	# nobody must reach the hostile directory inside

# What must stay untouched: a victim tree root owns, outside the run's reach.
victim=$scratch/victim
mkdir -p "$victim/target" "$victim/backing"
echo precious >"$victim/target/data"
echo precious >"$victim/backing/data"
fingerprint() { find "$victim" -printf '%p %y %s %m %u %T@\n' | sort; cat "$victim"/*/data; }
before=$(fingerprint)

# The hostile directory: /tmp-like, owned by nobody, names planted as nobody.
h=$scratch/hostile
mkdir "$h"
chown nobody:nogroup "$h"
chmod 1777 "$h"
as_nobody mkdir "$h/remote-coherence-nodes"
as_nobody ln -s "$victim/target" "$h/remote-coherence-nodes/node0"
as_nobody ln -s "$victim/target" "$h/remote-coherence-nodes/node1"
as_nobody ln -s "$victim/backing" "$h/remote-coherence-backing"
# ... and a leftover-looking directory of nobody's and a symlink at a name
# the sweep looks at: neither is ours to delete.
as_nobody mkdir -m 700 "$h/faultline.1-1.nobody"
as_nobody ln -s "$victim" "$h/faultline.2-2.linked"
planted=$(cd "$h" && find . -printf '%p %y %l %u\n' | sort)

mounted_over_victim() { grep -q " $victim[/ ]" /proc/self/mountinfo; }
ours_left() { [ -n "$(cd "$h" && find . -mindepth 1 -user root)" ] || grep -q " $h/" /proc/self/mountinfo; }

r=$scratch/stress.json
"$fl" stress remote_coherence --duration 2 --dir "$h" --out "$r" >"$scratch/out" 2>&1
st=$?
ran $st && jqv '.checks[0].verdict == "pass"' "$r"
ok $? "S3: stress remote_coherence in a hostile --dir runs on its own mounts and passes (exit $st)"
[ $st -eq 0 ] || diag "$(tail -n 3 "$scratch/out")"
[ "$(fingerprint)" = "$before" ] && ! mounted_over_victim
ok $? "S3: the targets of planted remote-coherence-nodes/node0 and -backing are untouched, nothing mounted over them"

# run fault --invalidator remote made clusterfs-PID and clusterfs-backing-PID
# in --dir; `exec` keeps the pid the planter saw.
r=$scratch/remote.json
bash -c 'as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	as_nobody ln -s "$2/target" "$1/clusterfs-$$"
	as_nobody ln -s "$2/backing" "$1/clusterfs-backing-$$"
	exec "$3" run fault --invalidator remote --threads 1 --duration 0.5 --warmup 0.1 \
		--size 4M --dir "$1" --out "$4"' planter "$h" "$victim" "$fl" "$r" >"$scratch/out" 2>&1
st=$?
ran $st && jqv '.runs[1].invalidator.kind == "remote" and .runs[1].invalidator.ops > 0' "$r"
ok $? "S3: run fault --invalidator remote in a hostile --dir runs (exit $st)"
[ "$(fingerprint)" = "$before" ] && ! mounted_over_victim
ok $? "S3: the targets of planted clusterfs-PID and clusterfs-backing-PID are untouched, nothing mounted over them"

# A mount path too long for a socket put the control socket at
# /tmp/faultline-clusterfs.PID.N.sock: one planted there and listening
# made the run fail (and could have taken its requests).
long=$h/$(printf 'l%.0s' $(seq 120))
as_nobody mkdir -m 1777 "$long"
listener=$scratch/listener
sock_log=$scratch/sock.log
: >"$sock_log"
chmod 666 "$sock_log"
cat >"$listener" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(8)
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connected\n")
    c.close()
PY
chmod 644 "$listener"
r=$scratch/long.json
bash -c 'as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	echo $$ >"$5.pid"
	for n in 1 2 3; do
		as_nobody /usr/bin/python3 "$3" "/tmp/faultline-clusterfs.$$.$n.sock" "$4" &
	done
	for _ in $(seq 200); do
		[ -S "/tmp/faultline-clusterfs.$$.3.sock" ] && break
		sleep 0.05
	done
	exec "$2" run fault --invalidator remote --threads 1 --duration 0.5 --warmup 0.1 \
		--size 4M --dir "$1" --out "$5"' planter "$long" "$fl" "$listener" "$sock_log" "$r" \
	>"$scratch/out" 2>&1
st=$?
planter=$(cat "$r.pid")
pkill -u nobody -f "$listener"
for n in 1 2 3; do rm -f "/tmp/faultline-clusterfs.$planter.$n.sock"; done
ran $st && jqv '.runs[1].invalidator.kind == "remote" and .runs[1].invalidator.ops > 0' "$r"
ok $? "socket: a socket pre-bound at the old predictable path does not fail the run (exit $st)"
[ ! -s "$sock_log" ]
ok $? "socket: nothing connected to the planted socket ($(wc -l <"$sock_log") connections)"

# Under umask 000 another user connected to the control socket and could
# send quit or inval: it lives in the run's own 0700 directories now, also
# when the path is too long for one next to the mounts.
(umask 000
exec "$fl" run fault --invalidator remote --no-baseline --threads 1 --duration 3 --warmup 0.1 \
	--size 4M --dir "$long" --out "$scratch/umask.json") >/dev/null 2>&1 &
pid=$!
sock=
for _ in $(seq 200); do	# the daemon's --control, next to its mounts or in $TMPDIR
	sock=$(pgrep -af "faultline clusterfs .*--mounts $long/" | sed -n 's/.*--control \([^ ]*\).*/\1/p')
	[ -S "$sock" ] && break
	sleep 0.05
done
as_nobody /usr/bin/python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$sock" 2>"$scratch/connect.err"
conn=$?
wait $pid
st=$?
[ -n "$sock" ] && [ $conn -ne 0 ] && grep -q PermissionError "$scratch/connect.err" && ran $st
ok $? "socket: under umask 000 another user cannot connect to the control socket ($sock; run exit $st)"

# faultline mpi --dir: rank 0 made DIR/mpi-coherence.dat with O_TRUNC.
if [ -x "$(dirname "$fl")/faultline-mpi" ] && command -v mpirun >/dev/null; then
	as_nobody ln -s "$victim/target/data" "$h/mpi-coherence.dat"
	as_nobody ln -s "$victim/backing/data" "$h/mpi-faultstorm.dat"
	planted=$(cd "$h" && find . -maxdepth 1 -printf '%p %y %l %u\n' | sort)
	"$fl" mpi --np 2 --passes 4 --duration 0.5 --dir "$h" --out-dir "$scratch/mpi" \
		>"$scratch/out" 2>&1
	st=$?
	ran $st && jqv '.mpi.mode == "shared-dir" and .integrity.violations == 0' \
		"$scratch/mpi/mpi-coherence.json"
	ok $? "mpi --dir in a hostile directory runs in its own directory (exit $st)"
	[ "$(fingerprint)" = "$before" ]
	ok $? "mpi --dir: the targets of planted mpi-coherence.dat and mpi-faultstorm.dat are untouched"
else
	skip "mpi --dir in a hostile directory" "no faultline-mpi or mpirun"
fi

# The mount race: in a directory others may rename in (world-writable, no
# sticky bit), another user renames the run's fresh directory after the
# mount point is made and puts a symlink in its place whose path leads to
# the victim. A mount by path would land on the victim; by descriptor it
# lands on the directory made, and the run then refuses the path.
w=$scratch/nonsticky
mkdir "$w" && chown nobody:nogroup "$w" && chmod 0777 "$w"
FAULTLINE_TEST_MOUNT_DELAY_MS=1500 "$fl" run fault --invalidator remote --threads 1 \
	--duration 0.5 --warmup 0.1 --size 4M --dir "$w" --out "$scratch/race.json" \
	>"$scratch/race.out" 2>&1 &
racer=$!
node=
for _ in $(seq 100); do
	node=$(find "$w" -mindepth 3 -maxdepth 3 -name node0 -type d 2>/dev/null | head -n 1)
	[ -n "$node" ] && break
	sleep 0.05
done
run_dir=${node%/*/node0} cfs=${node%/node0}
cfs=${cfs##*/}
if [ -n "$node" ]; then
	as_nobody mkdir -p "$w/evil/$cfs"
	as_nobody ln -s "$victim/target" "$w/evil/$cfs/node0"
	as_nobody mv "$run_dir" "$w/moved"
	as_nobody ln -s "$w/evil" "$run_dir"
fi
wait $racer
st=$?
diag "race: exit $st: $(tail -n 2 "$scratch/race.out" | tr '\n' ' ')"
[ -n "$node" ] && [ $st -ne 0 ] && [ $st -ne 5 ] && [ "$(fingerprint)" = "$before" ] &&
	! mounted_over_victim && ! grep -q " $w/" /proc/self/mountinfo
ok $? "mount race: a path renamed to lead to the victim after mkdir: nothing mounted there, the run refuses (exit $st)"
rm -rf "$w"

now=$(cd "$h" && find . -printf '%p %y %l %u\n' | sort)
[ -z "$(comm -23 <(echo "$planted") <(echo "$now"))" ] && ! ours_left
ok $? "every planted name is still there as it was; nothing of the runs is left in the directory"
diag "$(cat "$scratch/out" | head -5)"
done_testing
