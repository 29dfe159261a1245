#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 14, scratch directories: a run as root in a directory prepared by
# another user (sticky, owned by nobody, with symlinks and sockets planted
# at every name faultline used to pick) neither mounts, writes nor deletes
# anything outside the run's own fresh directories.
. "$(dirname "$0")/lib.sh"
fl=$FAULTLINE

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/fuse ] || ! id nobody >/dev/null 2>&1; then
	skip "runs in a hostile directory" "needs root, /dev/fuse and user nobody"
	done_testing
fi
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

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
"$fl" stress remote_coherence --duration 0.5 --dir "$h" --out "$r" >"$scratch/out" 2>&1
st=$?
ran $st && jqv '.checks[0].verdict == "pass"' "$r"
ok $? "S3: stress remote_coherence in a hostile --dir runs on its own mounts and passes (exit $st)"
[ "$(fingerprint)" = "$before" ] && ! mounted_over_victim
ok $? "S3: the targets of planted remote-coherence-nodes/node0 and -backing are untouched, nothing mounted over them"

# run fault --invalidator remote: the old names were clusterfs-PID and
# clusterfs-backing-PID, and a long mount path put the control socket at
# /tmp/faultline-clusterfs.PID.1.sock; exec keeps the pid the names use.
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
r=$scratch/remote.json
(umask 000
bash -c 'pid=$$
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	for d in "$1" "$2"; do
		as_nobody ln -s "$3/target" "$d/clusterfs-$pid"
		as_nobody ln -s "$3/backing" "$d/clusterfs-backing-$pid"
	done
	for n in 1 2 3; do
		as_nobody /usr/bin/python3 "$5" "/tmp/faultline-clusterfs.$pid.$n.sock" "$6" &
	done
	sleep 0.5
	exec "$4" run fault --invalidator remote --threads 1 --duration 0.5 --warmup 0.1 \
		--size 4M --dir "$2" --out "$7"' planter "$h" "$long" "$victim" "$fl" \
	"$listener" "$sock_log" "$r" >"$scratch/out" 2>&1)
st=$?
pkill -u nobody -f "$listener"
rm -f /tmp/faultline-clusterfs.*.sock 2>/dev/null
ran $st && jqv '.runs[1].invalidator.kind == "remote" and .runs[1].invalidator.ops > 0' "$r"
ok $? "S3: run fault --invalidator remote in a hostile --dir with a long path runs (exit $st)"
[ "$(fingerprint)" = "$before" ] && ! mounted_over_victim
ok $? "S3: the targets of planted clusterfs-PID and clusterfs-backing-PID are untouched, nothing mounted over them"
[ ! -s "$sock_log" ]
ok $? "socket: nothing connected to a socket planted at the old predictable path ($(wc -l <"$sock_log") connections)"

now=$(cd "$h" && find . -printf '%p %y %l %u\n' | sort)
[ -z "$(comm -23 <(echo "$planted") <(echo "$now"))" ] && ! ours_left
ok $? "every planted name is still there as it was; nothing of the runs is left in the directory"
diag "$(cat "$scratch/out" | head -5)"
done_testing
