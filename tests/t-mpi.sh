#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MPI workloads through `faultline mpi`: coherence across clusterfs mounts
# with 0 violations, violations caught when clusterfs forgets to
# invalidate, per-rank results, and nothing left mounted or running after
# a normal end, SIGINT, or a rank killed with -9.
. "$(dirname "$0")/lib.sh"
fl=$FAULTLINE
# OpenMPI's own allocations look like leaks to LeakSanitizer.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

# The launcher's clusterfs lives under $TMPDIR: ours, so other tests'
# mounts and daemons running meanwhile are not mistaken for leftovers.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"
mpi_bin=$(dirname "$fl")/faultline-mpi

# Live processes whose command line starts with $1 and mentions $2 (zombies
# are not live: reparented ranks may wait for a reaper this sandbox lacks).
live() {
	ps -eo stat=,pid=,args= | awk -v p="$1" -v m="${2:-}" \
		'$1 !~ /^Z/ && index($3, p) == 1 && (m == "" || index($0, m)) { print $2 }'
}

leftovers() {	# mounts, daemons or ranks of ours still there (none: exit 1)
	local found=1
	grep -q " $TMPDIR/" /proc/self/mountinfo && { diag "mounts left: $(grep " $TMPDIR/" /proc/self/mountinfo)"; found=0; }
	[ -n "$(live faultline "$TMPDIR")$(live "$mpi_bin" "$TMPDIR")" ] &&
		{ diag "left running: $(live faultline "$TMPDIR") $(live "$mpi_bin" "$TMPDIR")"; found=0; }
	return $found
}

if ! [ -x "$(dirname "$fl")/faultline-mpi" ] || ! command -v mpirun >/dev/null; then
	skip "MPI workloads" "no faultline-mpi or mpirun (apt-get install libopenmpi-dev openmpi-bin; make)"
	done_testing
fi
if [ ! -c /dev/fuse ] || [ "$(id -u)" != 0 ]; then
	skip "MPI workloads on clusterfs" "needs /dev/fuse and root"
	done_testing
fi

out=$scratch/normal
"$fl" mpi --np 4 --passes 16 --duration 1 --out-dir "$out" >"$scratch/log" 2>&1
ok $? "faultline mpi --np 4: both workloads, exit 0"
validate "$out/mpi-coherence.json" && validate "$out/mpi-faultstorm.json"
ok $? "both results validate (faultline-mpi/1)"
jqv '.status == "ok" and .mpi.mode == "clusterfs" and .mpi.ranks == 4
	and .integrity.violations == 0 and (.ranks | length) == 4
	and all(.ranks[]; .passes == 16 and .blocks_verified > 0 and .violations == 0)
	and (.nodes | length) >= 1' "$out/mpi-coherence.json"
ok $? "mpi-coherence: 4 ranks on their own mounts, every pass verified, 0 violations"
diag "coherence verify p99 per rank: $(jq -c '[.ranks[].verify_ns.p99]' "$out/mpi-coherence.json")"
jqv '.status == "ok" and (.ranks | length) == 4 and .ranks[0].role == "writer"
	and .ranks[0].writer.writes > 0
	and all(.ranks[1:][]; .role == "faulter" and .touches > 0 and .faults > 0)
	and .totals.faults_per_sec > 0' "$out/mpi-faultstorm.json"
ok $? "mpi-faultstorm: the writer writes, every other rank refaults (remote invalidation)"
diag "faultstorm faults/s per rank: $(jq -c '[.ranks[].faults_per_sec | floor]' "$out/mpi-faultstorm.json")"
! leftovers
ok $? "normal end: no clusterfs mount, daemon or rank left"

# The fault mode: clusterfs never invalidates, so readers keep stale pages.
bad=$scratch/skip
"$fl" mpi --np 3 --passes 6 --workloads mpi-coherence --clusterfs-fault skip-invalidation \
	--out-dir "$bad" >"$scratch/log" 2>&1
st=$?
[ $st -eq 1 ]
ok $? "skip-invalidation: mpi-coherence exits 1 (got $st)"
validate "$bad/mpi-coherence.json" &&
	jqv '.integrity.violations > 0 and (.integrity.details | length) > 0
	and all(.integrity.details[]; .expected_gen != .observed_gen)
	and .exit_code == 1' "$bad/mpi-coherence.json"
ok $? "skip-invalidation: violations with rank, block, expected and observed generation"
diag "first violation: $(jq -c '.integrity.details[0]' "$bad/mpi-coherence.json")"
! leftovers
ok $? "after a failed check: nothing left"

# SIGINT to the launcher mid-run.
int=$scratch/int
"$fl" mpi --np 3 --passes 1000000 --workloads mpi-coherence --out-dir "$int" >"$scratch/log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -n "$(live "$mpi_bin")" ] && break; sleep 0.1; done
sleep 1
kill -INT $pid
wait $pid
st=$?
[ $st -eq 4 ]
ok $? "SIGINT: exit 4 (got $st)"
validate "$int/mpi-coherence.json" && jqv '.status != "ok"' "$int/mpi-coherence.json"
ok $? "SIGINT: a valid result marked as not ok"
! leftovers
ok $? "SIGINT: no mount, daemon or rank left"

# A rank killed with -9.
kill9=$scratch/kill9
"$fl" mpi --np 3 --passes 1000000 --workloads mpi-coherence --out-dir "$kill9" >"$scratch/log" 2>&1 &
pid=$!
rank=
for _ in $(seq 50); do rank=$(live "$mpi_bin" | tail -n 1); [ -n "$rank" ] && break; sleep 0.1; done
sleep 1
kill -9 "$rank"
wait $pid
st=$?
[ $st -ne 0 ]
ok $? "kill -9 of a rank: the run fails (exit $st)"
validate "$kill9/mpi-coherence.json" && jqv '.status == "failed"' "$kill9/mpi-coherence.json"
ok $? "kill -9: a valid result marked failed"
! leftovers
ok $? "kill -9: no mount, daemon or rank left"

# A directory of a shared filesystem instead of clusterfs.
sd=$scratch/shared
mkdir -p "$sd/files"
"$fl" mpi --np 2 --passes 4 --duration 0.5 --dir "$sd/files" --out-dir "$sd" >"$scratch/log" 2>&1 &&
	jqv '.mpi.mode == "shared-dir" and .integrity.violations == 0' "$sd/mpi-coherence.json"
ok $? "--dir: ranks share one directory, 0 violations"

expect 2 '--hostfile needs --dir' "--hostfile without --dir: exit 2" \
	-- "$fl" mpi --hostfile /dev/null --out-dir "$scratch/x"
expect 2 'out of range|at least' "--np 1: exit 2" -- "$fl" mpi --np 1 --out-dir "$scratch/x"
expect 2 '--out-dir is required' "no --out-dir: exit 2" -- "$fl" mpi
done_testing
