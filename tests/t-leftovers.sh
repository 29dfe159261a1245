#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 14: what a SIGKILLed run leaves in $TMPDIR (its directory, and a
# dead clusterfs daemon's mounts in it) is swept at the next start, and
# never anything of a run that is still alive.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
export TMPDIR=$scratch/tmp
mkdir "$TMPDIR"
bg=()
leftover_cleanup() {
	local p
	for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
	"$fl" clusterfs --sweep >/dev/null 2>&1
	cleanup
}
trap leftover_cleanup EXIT

wait_for() {	# wait_for COMMAND...: up to 10 s for it to succeed
	local i
	for i in $(seq 200); do "$@" && return 0; sleep 0.05; done
	return 1
}
run_dirs() { find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'faultline.*' | wc -l; }
has_run_dir() { [ "$(run_dirs)" -ge "$1" ]; }
mounts_under() { grep -c " $TMPDIR/" /proc/self/mountinfo; }
short_run() {
	"$fl" run fault --threads 1 --size 4M --duration 0.2 --warmup 0 --repeat 1 \
		--out "$scratch/short.json" >/dev/null 2>&1
}

# A run killed with SIGKILL keeps no cleanup: its directory stays...
"$fl" run fault --threads 1 --size 4M --duration 30 --out "$scratch/long.json" >/dev/null 2>&1 &
pid=$!
bg+=("$pid")
wait_for has_run_dir 1
kill -9 "$pid"
wait "$pid" 2>/dev/null
[ "$(run_dirs)" -eq 1 ]
ok $? "SIGKILL leaves the run's directory in \$TMPDIR"
# ... and the next start sweeps it.
short_run
ran $? && [ "$(run_dirs)" -eq 0 ]
ok $? "SIGKILL leftovers: the next run sweeps the dead run's \$TMPDIR/faultline.* directory"

# A live run's directory is not touched by another start.
"$fl" run fault --threads 1 --size 4M --duration 30 --out "$scratch/live.json" >/dev/null 2>&1 &
pid=$!
bg+=("$pid")
wait_for has_run_dir 1
live=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'faultline.*')
short_run
[ -d "$live" ] && kill -0 "$pid"
ok $? "SIGKILL leftovers: a live run's directory survives another run's sweep"
kill -INT "$pid"
wait "$pid"
st=$?
[ $st -eq 4 ] && [ "$(run_dirs)" -eq 0 ]
ok $? "the live run, interrupted, exits 4 and removes its own directory (exit $st)"

# A run and its clusterfs daemon both killed: dead FUSE mounts stay in the
# run's directory; the next start detaches them lazily, then removes it.
if [ "$(id -u)" -eq 0 ] && [ -c /dev/fuse ]; then
	"$fl" run fault --invalidator remote --threads 1 --size 4M --duration 30 \
		--out "$scratch/remote.json" >/dev/null 2>&1 &
	pid=$!
	bg+=("$pid")
	# Stopped with its daemon's mounts up (not between the baseline's
	# daemon and the next), so that the daemon dies first, unwarned.
	stopped_mounted() {
		kill -STOP "$pid"
		[ "$(mounts_under)" -ge 2 ] && return 0
		kill -CONT "$pid"
		return 1
	}
	wait_for stopped_mounted
	daemon=$(grep " $TMPDIR/" /proc/self/mountinfo | grep -o 'faultline-clusterfs:[0-9]*' |
		head -n 1 | cut -d: -f2)
	bg+=("$daemon")
	kill -9 "$daemon" "$pid"
	wait "$pid" 2>/dev/null
	gone() { ! kill -0 "$daemon" 2>/dev/null; }
	wait_for gone
	# (with a long $TMPDIR the control socket has a directory there too)
	[ "$(mounts_under)" -ge 2 ] && [ "$(run_dirs)" -ge 1 ]
	ok $? "kill -9 of a remote run and its daemon leaves dead mounts in the run's directory"
	short_run
	ran $? && [ "$(mounts_under)" -eq 0 ] && [ "$(run_dirs)" -eq 0 ]
	ok $? "SIGKILL leftovers: the next run detaches the dead mounts and removes the directory"
else
	skip "dead clusterfs mounts are swept" "needs root and /dev/fuse"
fi
done_testing
