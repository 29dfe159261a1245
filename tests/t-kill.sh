#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kill matrix (issue 14, R4): SIGINT, SIGTERM and SIGKILL, each at
# three points (as soon as the target catches stop signals, during its
# setup, mid-measurement), into `run`, `run --invalidator remote`,
# `stress`, `mpi` and `./run.sh --suite quick`. After INT or TERM: exit 4,
# every document valid and the cut one marked interrupted (or failed).
# After SIGKILL: what is on disk is valid JSON or absent, never torn.
# After any: no FUSE mount, no faultline temp directory and no process of
# the target left; a SIGKILLed faultline cannot remove its temp directory,
# so the next faultline started there must sweep it.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
root=$(cd "$FL_TESTS/.." && pwd)
set -m	# background jobs keep SIGINT (bash ignores it in them otherwise)

have_fuse=0
[ -c /dev/fuse ] && [ "$(id -u)" = 0 ] && have_fuse=1
have_mpi=0
[ -x "$(dirname "$fl")/faultline-mpi" ] && command -v mpirun >/dev/null && [ $have_fuse = 1 ] && have_mpi=1

# until_true SECONDS CMD...: poll CMD every 50 ms; false if SECONDS pass.
until_true() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

# catches PID: PID has a handler (or trap) for SIGTERM installed.
catches() {
	local mask
	mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$mask" ] && (( 0x$mask & (1 << 14) ))
}
gone() { ! kill -0 "$1" 2>/dev/null; }
temp_dirs() { compgen -G "$cell/tmp/faultline.*"; }
fuse_mounts() { grep -F " $cell/" /proc/mounts; }
procs() { pgrep -f -- "$cell/" | grep -vx "$$"; }
no_procs() { [ -z "$(procs)" ]; }

# The setup point of each target: what exists once it is setting up.
setup_seen() {
	case $target in
	run|stress) [ -n "$(temp_dirs)" ] ;;
	remote|mpi) [ -n "$(fuse_mounts)" ] ;;
	runsh) pgrep -f -- "faultline suite quick --out-dir $cell/out" >/dev/null ;;
	esac
}

# start: the target in the background, $pid the target itself.
start() {
	local out=$cell/out cmd
	mkdir -p "$cell/tmp" "$out"
	case $target in
	run) cmd=("$fl" run fault --threads 1 --duration 1.5 --warmup 0.2 --size 8M
		  --out "$out/run.json") ;;
	remote) cmd=("$fl" run fault --invalidator remote --no-baseline --threads 1
		     --duration 1.5 --warmup 0.2 --size 8M --out "$out/run.json") ;;
	stress) cmd=("$fl" stress trunc_fault_shared punch_fault_zero --duration 1
		     --out "$out/stress.json") ;;
	mpi) cmd=("$fl" mpi --np 2 --duration 1.5 --passes 32 --out-dir "$out") ;;
	runsh) rmdir "$out"
	       cmd=("$root/run.sh" --suite quick --out "$out"
		    -- --duration 1 --warmup 0.2 --size 8M) ;;
	esac
	# Stop signals at their default, as from a terminal: a shell that was
	# started with them ignored (nohup, a background job of a script) can
	# neither trap them nor give them back to its children.
	TMPDIR=$cell/tmp env --default-signal=INT,TERM,HUP "${cmd[@]}" \
		>"$cell/stdout" 2>"$cell/stderr" &
	pid=$!
}

# cell TARGET SIGNAL POINT: one run of the matrix, its checks.
cell() {
	local target=$1 sig=$2 point=$3 what="$1: SIG$2 $3" st docs d bad=0 reached=0
	cell=$scratch/$target-$sig-$point
	mkdir -p "$cell"
	start
	case $point in
	start) until_true 20 catches $pid && reached=1 ;;
	setup) until_true 30 setup_seen && reached=1 ;;
	mid) until_true 30 setup_seen && sleep 0.8 && reached=1 ;;
	esac
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null	# no "Killed" notice in the TAP stream
	st=$?
	# A SIGKILLed target's children wind down by themselves (they get
	# SIGTERM when their parent dies): wait for them, bounded.
	until_true 60 no_procs
	docs=$(find "$cell/out" -name '*.json' -not -path '*/report/*' 2>/dev/null)
	if [ $reached = 0 ]; then
		ok 1 "$what: the point was reached"
		diag "exit $st; $(tail -c 300 "$cell/stderr")"
	elif [ "$sig" = KILL ]; then
		for d in $docs; do validate "$d" 2>>"$cell/why" || bad=1; done
		[ $st -eq 137 ] && [ $bad = 0 ]
		ok $? "$what: killed (exit $st); what is on disk is valid JSON or absent"
	else
		for d in $docs; do validate "$d" 2>>"$cell/why" || bad=1; done
		# The document being written when the signal came says so; one
		# finished before it (mpi's first workload, the suite's first runs) stays.
		if [ -n "$docs" ] && ! jq -se 'any(.[]; .status == "interrupted" or .status == "failed")' \
			$docs >/dev/null; then
			case $target in mpi|runsh) ;; *) bad=1; echo "no document marked interrupted" >>"$cell/why" ;; esac
		fi
		case $target in run|remote|stress) [ -n "$docs" ] || { bad=1; echo "no document" >>"$cell/why"; } ;; esac
		[ $st -eq 4 ] && [ $bad = 0 ]
		ok $? "$what: exit 4 (exit $st), documents valid, the cut one marked interrupted"
	fi
	[ $bad = 0 ] || diag "$(head -c 400 "$cell/why")"
	[ $st -eq 4 ] || [ $st -eq 137 ] || diag "stderr: $(tail -c 400 "$cell/stderr")"
	[ -z "$(fuse_mounts)" ]
	ok $? "$what: no FUSE mount left"
	no_procs
	ok $? "$what: no process left"
	[ -z "$(procs)" ] || diag "left: $(procs | xargs ps -o pid=,args= -p | head -c 300)"
	if [ -z "$(temp_dirs)" ]; then
		ok 0 "$what: no temp directory left"
	elif [ "$sig" = KILL ] && [ "$target" != runsh ]; then
		# A SIGKILLed faultline cannot clean up: the next start sweeps
		# what a dead run left, and nothing else.
		TMPDIR=$cell/tmp "$fl" run fault --map anon --threads 1 --duration 0.1 \
			--warmup 0 --size 1M --dir "$cell/tmp" --out "$cell/next.json" >/dev/null 2>&1
		[ -z "$(temp_dirs)" ]
		ok $? "$what: the next start swept the temp directory SIGKILL left"
		[ -z "$(temp_dirs)" ] || diag "left: $(temp_dirs)"
	else
		ok 1 "$what: no temp directory left"
		diag "left: $(temp_dirs)"
	fi
	# Whatever a failed cell left must not spill into the next one.
	for d in $(grep -F " $cell/" /proc/mounts | cut -d' ' -f2); do umount -l "$d"; done
	procs | xargs -r kill -9 2>/dev/null
}

targets=(run stress runsh) sigs=(INT TERM KILL) points=(start setup mid)
if [ $have_fuse = 1 ]; then targets+=(remote); else skip "run --invalidator remote" "needs /dev/fuse and root"; fi
if [ $have_mpi = 1 ]; then targets+=(mpi); else skip "mpi" "needs faultline-mpi, mpirun, /dev/fuse and root"; fi
# The sanitizer pass: the C targets' cleanup paths, once each; the whole
# matrix is the plain pass's (most of its time is waiting).
case $FAULTLINE in
*/build-san/faultline)
	targets=(${targets[@]/runsh}) sigs=(TERM KILL) points=(setup)
	skip "the rest of the matrix" "it runs once per make test, with the plain build's tests" ;;
esac
for target in ${targets[@]}; do
	for sig in ${sigs[@]}; do
		for point in ${points[@]}; do
			cell "$target" "$sig" "$point"
		done
	done
done
done_testing
