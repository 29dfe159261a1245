#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The clusterfs daemon's life cycle: no mount, directory, socket or process
# of it is left after a "quit", a SIGINT, a kill -9 (swept afterwards) or
# the death of the process that started it.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
pids=()

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/fuse ]; then
	skip "clusterfs life cycle" "needs root and /dev/fuse"
	done_testing
fi

# Whatever happens, leave no daemon and no mount behind.
cfs_cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	"$fl" clusterfs --sweep >/dev/null 2>&1
	cleanup
}
trap cfs_cleanup EXIT

send() {	# send SOCKET REQUEST: the reply line
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
print(s.makefile().readline().strip())' "$1" "$2"
}

wait_for() {	# wait_for COMMAND...: up to 5 s for it to succeed
	local i
	for i in $(seq 100); do "$@" && return 0; sleep 0.05; done
	return 1
}

mounts_of() { grep -c "faultline-clusterfs:$1 " /proc/self/mountinfo; }
# Running (a zombie is not) and found by pgrep as a clusterfs daemon.
alive() {
	[ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null &&
		pgrep -f "faultline clusterfs" | grep -qx "$1"
}
dead() { ! alive "$1"; }
ready() { grep -q ready "$dir/out"; }

# start [ARGS]: a daemon with 2 mounts on fresh directories: $pid, $dir, $sock.
start() {
	dir=$scratch/d$RANDOM$RANDOM
	sock=$dir/m/.clusterfs.sock
	mkdir -p "$dir/b" "$dir/m"
	"$fl" clusterfs --backing "$dir/b" --mounts "$dir/m" --nodes 2 \
		--control "$sock" "$@" >"$dir/out" 2>"$dir/err" &
	pid=$!
	pids+=("$pid")
	wait_for ready || diag "not ready: $(cat "$dir/err")"
}

# Nothing of daemon $1 (directory $2) is left.
gone() {
	dead "$1" && [ "$(mounts_of "$1")" -eq 0 ] && [ ! -e "$2/m/node0" ] &&
		[ ! -e "$2/m/node1" ] && [ ! -e "$2/m/.clusterfs.sock" ]
}

# (a) quit on the control socket
start
[ "$(mounts_of "$pid")" -eq 2 ] && [ -S "$sock" ]
ok $? "daemon ready: 2 FUSE mounts of faultline-clusterfs:$pid and a control socket"
echo "through node0" >"$dir/m/node0/f" && [ "$(cat "$dir/m/node1/f")" = "through node0" ] &&
	[ "$(stat -c %i "$dir/m/node0/f")" = "$(stat -c %i "$dir/m/node1/f")" ]
ok $? "a file written through node0 reads back through node1, same inode number"
r=$(send "$sock" stats)
[[ "$r" =~ ^ok\ writes=[1-9][0-9]*\ invalidations=[1-9][0-9]*\ skipped=0\ requested=0 ]]
ok $? "stats: $r"
r=$(send "$sock" "inval 1 f 0 0")
[ "$r" = ok ]
ok $? "inval 1 f 0 0: $r"
r=$(send "$sock" "inval 1 nope 0 0")
[[ "$r" =~ ^err\ 2\ .*nope ]]
ok $? "inval of an unknown file names it: $r"
r=$(send "$sock" quit)
wait "$pid"
st=$?
[ "$r" = ok ] && [ $st -eq 0 ]
ok $? "quit: reply ok, exit 0 (exit $st)"
gone "$pid" "$dir"
ok $? "after quit: no process, mount, mount directory or socket"

# (b) SIGINT (a background job starts with SIGINT ignored: the daemon resets it)
start
kill -INT "$pid"
wait "$pid"
st=$?
[ $st -eq 0 ]
ok $? "SIGINT: exit 0 (exit $st)"
gone "$pid" "$dir"
ok $? "after SIGINT: nothing left"

# (c) kill -9: the mounts stay, dead; sweeping removes them
start
{ kill -9 "$pid" && wait "$pid"; } 2>/dev/null
[ "$(mounts_of "$pid")" -eq 2 ] && ! stat "$dir/m/node0/." >/dev/null 2>&1
ok $? "after kill -9 the 2 mounts stay, dead"
out=$("$fl" clusterfs --sweep 2>&1)
[ "$out" = "swept 2" ]
ok $? "clusterfs --sweep: $out"
gone "$pid" "$dir"
ok $? "after the sweep: no mount, mount directory or stale socket"

# ... and a daemon started on a dead one's directories sweeps them first.
start
old=$pid
{ kill -9 "$old" && wait "$old"; } 2>/dev/null
"$fl" clusterfs --backing "$dir/b" --mounts "$dir/m" --nodes 2 --control "$sock" \
	>"$dir/out" 2>"$dir/err" &
pid=$!
pids+=("$pid")
wait_for ready && [ "$(mounts_of "$old")" -eq 0 ] && [ "$(mounts_of "$pid")" -eq 2 ]
ok $? "a new daemon on a killed one's directories sweeps its mounts and starts"
send "$sock" quit >/dev/null
wait "$pid"
gone "$pid" "$dir"
ok $? "and leaves nothing after quit"

# (d) the process that started the daemon dies: the daemon follows (PDEATHSIG)
dir=$scratch/p$RANDOM
mkdir -p "$dir/b" "$dir/m"
bash -c '"$1" clusterfs --backing "$2/b" --mounts "$2/m" --nodes 2 \
	--control "$2/m/.clusterfs.sock" >"$2/out" 2>"$2/err" & echo $! >"$2/pid"; wait' \
	starter "$fl" "$dir" &
parent=$!
wait_for ready
pid=$(cat "$dir/pid")
pids+=("$pid" "$parent")
[ "$(mounts_of "$pid")" -eq 2 ]
ok $? "daemon started by a child shell is up"
kill -9 "$parent"
wait "$parent" 2>/dev/null
wait_for dead "$pid"
wait_for gone "$pid" "$dir"
ok $? "kill -9 of its parent: the daemon unmounts and exits"

# Errors and help
expect 2 "backing directory .*/nope: No such file" "a missing backing directory is named" -- \
	"$fl" clusterfs --backing "$scratch/nope" --mounts "$scratch" --control "$scratch/x.sock"
expect 2 "required" "--backing, --mounts, --control are required" -- "$fl" clusterfs --nodes 2
# Issue 14 S3: nothing that exists in a directory others can write is used
# (timeout: a daemon that accepted would serve until stopped).
hd=$scratch/hostile
mkdir -p "$hd/b" "$hd/open" "$hd/m" "$hd/victim"
chmod 1777 "$hd/open"
expect 2 "mount directory $hd/open: writable by others \(mode 1777\)" \
	"S3: clusterfs refuses a mount directory others can write to" -- \
	timeout 10 "$fl" clusterfs --backing "$hd/b" --mounts "$hd/open" --nodes 2 --control "$hd/m/c.sock"
ln -s "$hd/victim" "$hd/m/node0"
expect 2 "mount point $hd/m/node0: File exists" \
	"S3: clusterfs never mounts on a name that was there (node0, a symlink)" -- \
	timeout 10 "$fl" clusterfs --backing "$hd/b" --mounts "$hd/m" --nodes 2 --control "$hd/m/c.sock"
! grep -q " $hd/" /proc/self/mountinfo && [ -L "$hd/m/node0" ] && [ ! -e "$hd/m/node1" ]
ok $? "S3: nothing mounted over the symlink's target; the refused daemon left nothing"
"$fl" clusterfs --help | grep -q -- "--sweep" && "$fl" --help | grep -q "clusterfs"
ok $? "--help documents --sweep; faultline --help lists clusterfs"
left=0
for p in "${pids[@]}"; do left=$((left + $(mounts_of "$p"))); alive "$p" && left=$((left + 1)); done
[ $left -eq 0 ]
ok $? "none of the ${#pids[@]} daemons started here left a mount or a process"

done_testing
