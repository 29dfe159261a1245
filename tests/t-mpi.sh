#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MPI workloads through `faultline mpi`: coherence across clusterfs mounts
# with 0 violations, violations caught when clusterfs forgets to
# invalidate, per-rank results, and nothing left mounted or running after
# a normal end, SIGINT, or a rank killed with -9. Validity: a default run
# (one rank per PU) is ok; ranks sharing a PU, a rank stopped by a signal,
# a rank that did no work and a writer that barely wrote each make the
# result untrustworthy (exit 5), with the reason on the rank concerned.
. "$(dirname "$0")/lib.sh" || exit 1
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

# The default: one rank per PU this process may use, at least 2.
np=$(nproc)
[ "$np" -ge 2 ] || np=2
want=0
[ "$(nproc)" -ge 2 ] || want=5
out=$scratch/normal
"$fl" mpi --passes 16 --duration 1 --out-dir "$out" >"$scratch/log" 2>&1
st=$?
[ $st -eq $want ]
ok $? "faultline mpi (default --np: $np ranks on $(nproc) PUs): the three workloads, exit $want (got $st)"
validate "$out/mpi-coherence.json" && validate "$out/mpi-cow.json" && validate "$out/mpi-faultstorm.json"
ok $? "the three results validate (faultline-mpi/1)"
jqv --argjson np "$np" '.status == "ok" and .integrity.violations == 0 and (.ranks | length) == $np
	and .ranks[0].role == "writer" and .ranks[0].pages_checked == 0
	and all(.ranks[1:][]; .role == "mapper" and .pages_checked == 16 * 64 and .lost_markers == 0
		and .incoherent == 0 and .promise.model == "mmap")' "$out/mpi-cow.json"
ok $? "mpi-cow: every mapper kept its COWed pages and saw each remote write in the others"
jqv --argjson np "$np" '.status == "ok" and .mpi.mode == "clusterfs" and .mpi.ranks == $np
	and .integrity.violations == 0 and (.ranks | length) == $np
	and all(.ranks[]; .passes == 16 and .blocks_verified > 0 and .violations == 0)
	and (.nodes | length) >= 1' "$out/mpi-coherence.json"
ok $? "mpi-coherence: $np ranks on their own mounts, every pass verified, 0 violations"
diag "coherence verify p99 per rank: $(jq -c '[.ranks[].verify_ns.p99]' "$out/mpi-coherence.json")"
jqv --argjson np "$np" '.status == "ok" and (.ranks | length) == $np and .ranks[0].role == "writer"
	and .ranks[0].writer.writes > 0
	and all(.ranks[1:][]; .role == "faulter" and .touches > 0 and .faults > 0)
	and .totals.faults_per_sec > 0' "$out/mpi-faultstorm.json"
ok $? "mpi-faultstorm: the writer writes, every other rank refaults (remote invalidation)"
diag "faultstorm faults/s per rank: $(jq -c '[.ranks[].faults_per_sec | floor]' "$out/mpi-faultstorm.json")"
if [ $want = 0 ]; then
	jqv 'all(.validity.status == "ok" and .exit_code == 0 and (.ranks | length) > 0
		and all(.ranks[]; .validity == {"status": "ok", "reasons": []}
			and .interrupted == false and (.cpus_allowed | length) > 0))' \
		--slurp "$out/mpi-coherence.json" "$out/mpi-cow.json" "$out/mpi-faultstorm.json"
	ok $? "one rank per PU: every rank and the three documents ok"
	"$fl" summary "$out" >/dev/null &&
		grep -q '^- validity: all 3 documents ok$' "$out/summary.md" &&
		grep -q '^### mpi-cow: ' "$out/summary.md" &&
		! grep -q 'Untrustworthy' "$out/summary.md" &&
		[ "$(grep -E '^\| [0-9]+ \|' "$out/summary.md" | tr -cd '!' | wc -c)" -eq 0 ]
	ok $? "summary of a trustworthy run: 'all 3 documents ok', no mark"
else
	skip "one rank per PU: every rank and the three documents ok" "one PU: 2 ranks share it"
	skip "summary of a trustworthy run" "one PU"
fi
! leftovers
ok $? "normal end: no clusterfs mount, daemon or rank left"

# Two ranks on one PU: OpenMPI's binding off, the launcher confined to
# PU 0 (the ranks inherit it). Both documents are untrustworthy, every
# rank says why; coherence keeps its verdict, only its latency is spoilt.
over=$scratch/over
OMPI_MCA_hwloc_base_binding_policy=none taskset -c 0 \
	"$fl" mpi --np 2 --passes 4 --duration 0.5 --out-dir "$over" >"$scratch/log" 2>&1
st=$?
[ $st -eq 5 ]
ok $? "2 ranks on 1 PU: exit 5 (got $st)"
validate "$over/mpi-coherence.json" && validate "$over/mpi-faultstorm.json" &&
	jqv 'all(.status == "ok" and .exit_code == 5 and .validity.status == "untrustworthy"
		and all(.ranks[]; .cpus_allowed == "0" and any(.validity.reasons[];
			.code == "oversubscribed" and (.text | test("2 ranks on host .* share 1 PU \\(0\\)")))))' \
		--slurp "$over/mpi-coherence.json" "$over/mpi-faultstorm.json" &&
	jqv 'all(.ranks[]; [.validity.reasons[].code] == ["oversubscribed"])' "$over/mpi-coherence.json"
ok $? "2 ranks on 1 PU: every rank 'oversubscribed', naming the PU (coherence: nothing else)"
jqv '.exit_code == 0 and .validity.status == "ok" and .integrity.violations == 0' "$over/mpi-cow.json"
ok $? "2 ranks on 1 PU: mpi-cow, an integrity check with no figure to spoil, stays ok"
diag "faultstorm on 1 PU: $(jq -c '[.ranks[] | [.validity.reasons[].code]]' "$over/mpi-faultstorm.json")"
jqv '.integrity.violations == 0 and .ranks[0].validity.reasons[0].metrics == ["latency"]' \
	"$over/mpi-coherence.json" &&
	jqv 'all(.ranks[].validity.reasons[]; .code != "oversubscribed" or .metrics == ["all"])' \
		"$over/mpi-faultstorm.json"
ok $? "oversubscribed spoils coherence's latency only, every figure of faultstorm"
grep -q "mpi: mpi-coherence ($over/mpi-coherence.json): the result is untrustworthy" "$scratch/log" &&
	grep -q '^  oversubscribed: ' "$scratch/log" && ! grep -q 'mpirun detected' "$scratch/log"
ok $? "the launcher names the reason; mpirun does not report a failed job"
"$fl" summary "$over" >/dev/null
s=$over/summary.md
grep -q '^- validity: 2 of 3 documents untrustworthy' "$s" &&
	grep -q '^### mpi-coherence: 2 ranks, clusterfs (ok; 2 of 2 ranks untrustworthy)' "$s" &&
	grep -E '^\| 0 \| .* \| 0 \| [0-9]+ \| [0-9]+ \| 0 \| 0 \| [^|]+! \| [^|]+! \| [^|]+! \| mmap \|$' "$s" >/dev/null &&
	grep -q '^- rank 0 on .*, rank 1 on .*: oversubscribed \[latency\]: 2 ranks on host .* share 1 PU (0)$' "$s"
ok $? "summary: counts, latency cells marked (passes and verdict not), the reason once for both ranks"

# The fault mode: clusterfs never invalidates, so readers keep stale
# pages. With 2 ranks on one PU: a failed check outranks untrustworthy.
bad=$scratch/skip
OMPI_MCA_hwloc_base_binding_policy=none taskset -c 0 \
	"$fl" mpi --np 2 --passes 6 --workloads mpi-coherence,mpi-cow --clusterfs-fault skip-invalidation \
	--out-dir "$bad" >"$scratch/log" 2>&1
st=$?
[ $st -eq 1 ]
ok $? "skip-invalidation: mpi-coherence exits 1 (got $st)"
validate "$bad/mpi-coherence.json" &&
	jqv '.integrity.violations > 0 and (.integrity.details | length) > 0
	and all(.integrity.details[]; .expected_gen != .observed_gen)
	and .exit_code == 1 and .validity.status == "untrustworthy"' "$bad/mpi-coherence.json"
ok $? "skip-invalidation: violations with rank, block, expected and observed generation; exit 1 over 5"
diag "first violation: $(jq -c '.integrity.details[0]' "$bad/mpi-coherence.json")"
validate "$bad/mpi-cow.json" &&
	jqv '.exit_code == 1 and .ranks[1].incoherent > 0 and .ranks[1].lost_markers == 0
	and all(.integrity.details[]; .kind == "incoherent" and .page % 2 == 1)' "$bad/mpi-cow.json"
ok $? "skip-invalidation: mpi-cow finds pages never COWed stale, and the COWed ones kept"
# The promise a check judges by, forced (on NFS it is read from the mount:
# kernels/README.md). Close-to-open's protocol (each turn opens and maps
# afresh) still finds clusterfs's missing invalidation; a filesystem that
# promises nothing gets its stale reads counted as allowed, exit 0.
cto=$scratch/cto
"$fl" mpi --np 2 --passes 6 --workloads mpi-coherence,mpi-cow --clusterfs-fault skip-invalidation \
	--promise close-to-open --out-dir "$cto" >"$scratch/log" 2>&1
st=$?
[ $st -eq 1 ] && jqv 'all(.integrity.violations > 0 and (.ranks[1].promise.model == "close-to-open"))' \
	--slurp "$cto/mpi-coherence.json" "$cto/mpi-cow.json"
ok $? "--promise close-to-open: reopening each turn, the checks still find the stale pages (exit $st)"
none=$scratch/none
"$fl" mpi --np 2 --passes 6 --workloads mpi-coherence,mpi-cow --clusterfs-fault skip-invalidation \
	--promise none --out-dir "$none" >"$scratch/log" 2>&1
st=$?
[ $st -eq 0 ] && validate "$none/mpi-coherence.json" && validate "$none/mpi-cow.json" &&
	jqv 'all(.exit_code == 0 and .integrity.violations == 0 and .integrity.stale_allowed.reads > 0
		and .integrity.stale_allowed.because == "forced by --promise none"
		and .ranks[1].promise.model == "none" and .ranks[1].stale_allowed > 0)' \
		--slurp "$none/mpi-coherence.json" "$none/mpi-cow.json" &&
	grep -q 'mpi: mpi-coherence: [0-9]* stale reads, allowed, not violations: forced by --promise none' "$scratch/log"
ok $? "--promise none: stale reads counted as allowed, labelled, never violations (exit $st)"
expect 2 "--promise bogus: expected one of auto\\|mmap\\|close-to-open\\|none" "--promise bogus: exit 2, naming the choices" \
	-- "$fl" mpi --promise bogus --out-dir "$scratch/x"
! leftovers
ok $? "after a failed check: nothing left"

# faultline-mpi straight under mpirun, in a plain directory: one page
# cache for both ranks (one_page_cache), besides what each test provokes.
direct=$scratch/direct
mkdir -p "$direct"
mpirun=(mpirun --allow-run-as-root --oversubscribe -np 2 "$mpi_bin")

# A rank that does not see its directory (here: a view that is not there;
# in a cluster, --dir on a local filesystem): the run fails, the document
# tells that rank's own error, not the one it cancelled, and why.
r=$scratch/missing.json
"${mpirun[@]}" mpi-coherence --passes 2 --dir "$direct" --views "$scratch/nowhere" --out "$r" \
	>"$scratch/log" 2>&1
validate "$r" && jqv --arg d "$scratch/nowhere" '.status == "failed"
	and (.error | startswith("rank 1 on ") and contains(": open " + $d + "/mpi-coherence.dat: No such file"))
	and any(.ranks[1].validity.reasons[]; .code == "dir_not_shared" and (.text | contains($d)))
	and .ranks[0].cancelled == true' "$r"
ok $? "a rank that does not see its directory: failed, with its own error and dir_not_shared"

# A writer asked for 1 write a second in a 0.5 s window barely writes.
r=$scratch/starved.json
"${mpirun[@]}" mpi-faultstorm --inval-rate 1 --duration 0.5 --dir "$direct" --out "$r" \
	>"$scratch/log" 2>&1
st=$?
[ $st -eq 0 ] && validate "$r" &&
	jqv '.exit_code == 5 and .status == "ok" and .ranks[0].writer.writes < 10
	and ([.ranks[0].validity.reasons[].code] - ["one_page_cache"]) == ["invalidator_starved"]
	and ([.ranks[0].validity.reasons[] | select(.code == "invalidator_starved") | .text][0]
		| test("did [0-9] writes? in 0.5[0-9] s"))
	and ([.ranks[1].validity.reasons[].code] - ["one_page_cache"]) == []' "$r"
ok $? "writer at 1 write/s in 0.5 s: 'invalidator_starved' on the writer rank alone, exit_code 5 (faultline-mpi exit $st)"

# Stopped before the first pass: every rank idle and interrupted. The
# stop comes while rank 0 still fills a 256 MiB file.
r=$scratch/idle.json
"${mpirun[@]}" mpi-coherence --size 256M --dir "$direct" --out "$r" >"$scratch/log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -e "$direct/mpi-coherence.dat" ] && break; sleep 0.02; done
kill -USR1 $pid	# mpirun forwards it to the ranks
wait $pid
validate "$r" &&
	jqv '.status == "interrupted" and .exit_code == 4 and (.error | test("interrupted"))
	and all(.ranks[]; .passes == 0 and .interrupted
		and ([.validity.reasons[].code] - ["one_page_cache"] | sort) == ["interrupted", "rank_idle"])
	and ([.validity.reasons[].code] - ["one_page_cache"] | length) == 4' "$r"
ok $? "stopped before any pass: every rank 'rank_idle' (0 passes) and 'interrupted', exit_code 4"
[ ! -e "$direct/mpi-coherence.dat" ]
ok $? "stopped before any pass: the file is removed"

# SIGINT to the launcher mid-run.
int=$scratch/int
"$fl" mpi --np 2 --passes 1000000 --workloads mpi-coherence --out-dir "$int" >"$scratch/log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -n "$(live "$mpi_bin")" ] && break; sleep 0.1; done
sleep 1
kill -INT $pid
wait $pid
st=$?
[ $st -eq 4 ]
ok $? "SIGINT: exit 4 (got $st)"
validate "$int/mpi-coherence.json" &&
	jqv '.status == "interrupted" and .exit_code == 4 and .validity.status == "untrustworthy"
	and ([.ranks[].passes] | unique | length) == 1
	and all(.ranks[]; .interrupted and .passes < 1000000
		and [.validity.reasons[].code] == (["interrupted"] + (if .passes == 0 then ["rank_idle"] else [] end))
		and (.validity.reasons[0].text | test("stopped it after [0-9]+ of 1000000 passes")))' \
		"$int/mpi-coherence.json"
ok $? "SIGINT: the ranks stop together, rank 0 writes the result: interrupted, every rank says after how many passes"
diag "SIGINT after $(jq '.ranks[0].passes' "$int/mpi-coherence.json") passes"
! leftovers
ok $? "SIGINT: no mount, daemon or rank left"

# A rank killed with -9.
kill9=$scratch/kill9
"$fl" mpi --np 2 --passes 1000000 --workloads mpi-coherence --out-dir "$kill9" >"$scratch/log" 2>&1 &
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
"$fl" mpi --np 2 --passes 4 --duration 0.5 --dir "$sd/files" --out-dir "$sd" --inval-rate 500 \
	>"$scratch/log" 2>&1
st=$?
ran $st && jqv '.mpi.mode == "shared-dir" and .integrity.violations == 0' "$sd/mpi-coherence.json"
ok $? "--dir: ranks share one directory, 0 violations"
jqv '.workload.params["inval-rate"] == 500' "$sd/mpi-faultstorm.json"
ok $? "--inval-rate reaches mpi-faultstorm's writer"
# ... on one host and one local filesystem: one page cache, so coherence
# holds trivially. The run says so and is untrustworthy.
[ $st -eq 5 ] && grep -q 'one_page_cache: .*shares one page cache' "$scratch/log" &&
	jqv 'all(.validity.status == "untrustworthy" and all(.ranks[];
		(.validity.reasons | map(.code) | index("one_page_cache")) and (.boot_id | length) > 0
		and (.fs.dev | test("^[0-9]+:[0-9]+$"))))' --slurp "$sd/mpi-coherence.json" "$sd/mpi-faultstorm.json"
ok $? "--dir on one host: one page cache for every rank, untrustworthy, exit 5 (got $st)"

# --views: the same directory through another mount (here a bind mount,
# so still one page cache); ranks take --dir and the view in turn.
vd=$scratch/views
mkdir -p "$vd/view" "$vd/out"
if mount --bind "$sd/files" "$vd/view"; then
	mounts+=("$vd/view")
	"$fl" mpi --np 2 --passes 4 --dir "$sd/files" --views "$vd/view" --out-dir "$vd/out" \
		--workloads mpi-coherence >"$scratch/log" 2>&1
	st=$?
	ran $st && jqv --arg d "$sd/files/" --arg v "$vd/view/" '.mpi.mode == "views"
		and (.mpi.views | startswith($v)) and .integrity.violations == 0
		and (.ranks[0].dir | startswith($d)) and (.ranks[1].dir | startswith($v))
		and (.ranks[0].dir | ltrimstr($d)) == (.ranks[1].dir | ltrimstr($v))' "$vd/out/mpi-coherence.json"
	ok $? "--views: rank 1 works through the other mount, in the same test directory (exit $st)"
else
	skip "--views: rank 1 works through the other mount" "mount --bind failed"
fi
expect 2 "mpi: --views $scratch/novie: .*not a mount of --dir $sd/files" \
	"--views not showing --dir's test directory: exit 2" \
	-- "$fl" mpi --np 2 --dir "$sd/files" --views "$scratch/novie" --out-dir "$vd/out"
expect 2 '--inval-rate fast: not a rate' "--inval-rate not a number: exit 2" \
	-- "$fl" mpi --inval-rate fast --out-dir "$scratch/x"
expect 2 '--inval-rate -1: not a rate' "--inval-rate below 0: exit 2" \
	-- "$fl" mpi --inval-rate -1 --out-dir "$scratch/x"
expect 2 '--views needs --dir' "--views without --dir: exit 2" \
	-- "$fl" mpi --views /tmp --out-dir "$scratch/x"
expect 2 '--hostfile needs --dir' "--hostfile without --dir: exit 2" \
	-- "$fl" mpi --hostfile /dev/null --out-dir "$scratch/x"
expect 2 'out of range|at least' "--np 1: exit 2" -- "$fl" mpi --np 1 --out-dir "$scratch/x"
expect 2 '--out-dir is required' "no --out-dir: exit 2" -- "$fl" mpi

# Issue 14: bad options fail before mpirun starts. A stand-in mpirun first
# on PATH leaves a mark if it is started.
mkdir -p "$scratch/fakempi"
printf '#!/bin/sh\ntouch "%s/mpirun-started"\nexit 0\n' "$scratch" >"$scratch/fakempi/mpirun"
chmod +x "$scratch/fakempi/mpirun"
touch "$scratch/plainfile"
PATH="$scratch/fakempi:$PATH" expect 2 "mpi: --out-dir $scratch/plainfile: .*Not a directory" \
	"check first: mpi --out-dir on a file: exit 2" -- "$fl" mpi --np 2 --out-dir "$scratch/plainfile"
[ ! -e "$scratch/mpirun-started" ]
ok $? "check first: mpi --out-dir on a file: mpirun not started"
PATH="$scratch/fakempi:$PATH" expect 2 'mpi: --workloads mpi-coherence,bogus: unknown MPI workload "bogus" \(mpi-coherence, mpi-cow, mpi-faultstorm\)' \
	"check first: mpi --workloads bogus: exit 2 naming the choices" \
	-- "$fl" mpi --np 2 --workloads mpi-coherence,bogus --out-dir "$scratch/wl"
[ ! -e "$scratch/mpirun-started" ] && [ ! -e "$scratch/wl" ]
ok $? "check first: mpi --workloads bogus: mpirun not started, no --out-dir made"
done_testing
