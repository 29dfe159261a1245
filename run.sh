#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: install what is missing, build, run a suite on the running
# kernel, and write results/<time>-<kernel>-<host>/ with one JSON file per
# run and summary.md; or, with --kernels, on each kernel variant (booted
# under QEMU by kernels/suite.sh), one directory per variant. Logic lives
# in build/faultline and kernels/; this stays thin.
# First, without a fork: from here on no stop signal is lost.
case $0 in */*) . "${0%/*}/harness/stop.sh" ;; *) . harness/stop.sh ;; esac
set -uo pipefail
cd "$(dirname "$0")"

usage() {
	cat <<USAGE
usage: ./run.sh [--suite NAME] [--out DIR] [-- faultline run options...]
       ./run.sh --kernels V1,V2,... [--stress SECONDS] [--suite NAME] [--out DIR] [-- options...]
       ./run.sh --nightly --baseline DIR [--threshold PCT] [--drift K] [--update-baseline] [--suite NAME] [--out DIR]
       ./run.sh --mpi [-np N] [--hostfile FILE] [--dir DIR] [--out DIR]
       ./run.sh --cluster VARIANT [--out DIR]

  --suite NAME     suite to run (default: default; faultline suite --help lists them)
  --out DIR        results directory (default: results/<time>-<kernel>-<host>)
  -- OPTIONS       added to every run, e.g. -- --duration 2 --repeat 5
  --kernels LIST   run the suite on each kernel variant: names in kernels/
                   (host, debian-6.1, ...; see kernels/README.md) or paths to
                   .variant files; writes OUT/<variant>/ each and a side-by-side
                   OUT/summary.md (default OUT: results/<time>-kernels-<host>)
  --stress SECONDS with --kernels: also run every stress check for SECONDS on
                   each variant, on ext4 and on tmpfs
  --nightly        regression mode (faultline nightly): run the nightly suite (10
                   interleaved repetitions), judge it against the pool of nights in
                   --baseline DIR, append one line per metric to results/history.jsonl
                   (--history FILE), write the report; exit 1 when a metric's whole
                   95% interval lies beyond --threshold (default 5%) and --drift K
                   (default 2) times the pool's drift, or a check failed; 5 when a
                   headline metric could not resolve twice the threshold (blind) or
                   a result is untrustworthy; 0 otherwise
  --update-baseline  with --nightly: add this run to the pool if it exited 0 (the
                   first night: if its checks passed); the pool keeps the last
                   --baseline-runs N nights (default 5)
  --mpi            run the MPI workloads (mpi-coherence, mpi-cow, mpi-faultstorm):
                   on this host each rank on its own clusterfs mount, or with
                   --dir on a shared cluster filesystem (and --hostfile for hosts)
  -np N            MPI ranks (default: one per PU, at least 2; with --hostfile,
                   its slots)
  --cluster VARIANT  boot guest clusters of VARIANT under QEMU (debian-6.1-generic:
                   the kernel with OCFS2 and NFS) and run the MPI workloads on
                   each real shared filesystem: OCFS2 on 2 guests, NFS on 2
                   guests, NFS nosharecache twice in 1 guest, and NFS v3 mounted
                   nocto (stale reads there are allowed, and reported as such);
                   writes OUT/<cluster>/ each and OUT/summary.md, a section per
                   filesystem and a table per host (kernels/README.md)

Exit codes: 0 ok, 1 a check failed, 2 usage or environment error,
3 a required resource is unavailable, 4 interrupted, 5 a result cannot be
trusted (or a nightly was blind).
USAGE
}

# new_out BASE: make a results directory of this run's own and print it:
# BASE, or BASE.2, BASE.3, ... when a run started in the same second has
# it (mkdir, never mkdir -p: two runs must not share one). --out DIR is
# the user's choice and may exist.
new_out() {
	local dir=$1 n=1
	mkdir -p "$(dirname "$1")" || return 1
	until mkdir "$dir" 2>/dev/null; do
		[ -e "$dir" ] || [ -L "$dir" ] || { mkdir "$dir"; return 1; }
		n=$((n + 1))
		dir=$1.$n
	done
	echo "$dir"
}

# value OPTION "$@": the option's value, or exit 2 when it is missing.
value() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then
		echo "run.sh: $1 needs a value (./run.sh --help)" >&2
		exit 2
	fi
	printf '%s' "$2"
}

suite=
out=
extra=()
mpi=0
mpi_args=()
kernels=
stress=
nightly=0
nightly_args=()
cluster=
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=$(value "$@") || exit 2; shift 2 ;;
	--out) out=$(value "$@") || exit 2; shift 2 ;;
	--mpi) mpi=1; shift ;;
	--cluster) cluster=$(value "$@") || exit 2; shift 2 ;;
	--kernels) kernels=$(value "$@") || exit 2; shift 2 ;;
	--stress) stress=$(value "$@") || exit 2; shift 2 ;;
	--nightly) nightly=1; shift ;;
	--baseline|--threshold|--drift|--history|--baseline-runs)
		nightly_args+=("$1" "$(value "$@")") || exit 2; shift 2 ;;
	--update-baseline) nightly_args+=("$1"); shift ;;
	-np|--np) mpi_args+=(--np "$(value "$@")") || exit 2; shift 2 ;;
	--hostfile|--dir) mpi_args+=("$1" "$(value "$@")") || exit 2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "run.sh: unknown option '$1' (./run.sh --help)" >&2; exit 2 ;;
	esac
done

if [ ${#mpi_args[@]} -gt 0 ] && [ $mpi = 0 ]; then
	echo "run.sh: -np, --hostfile and --dir go with --mpi" >&2
	exit 2
fi
if [ -n "$stress" ] && [ -z "$kernels" ]; then
	echo "run.sh: --stress goes with --kernels (e.g. --kernels host --stress 20)" >&2
	exit 2
fi
if [ $(( mpi + nightly + (${#kernels} > 0) + (${#cluster} > 0) )) -gt 1 ]; then
	echo "run.sh: --kernels, --nightly, --mpi and --cluster do not go together" >&2
	exit 2
fi
if [ ${#nightly_args[@]} -gt 0 ] && [ $nightly = 0 ]; then
	echo "run.sh: --baseline, --threshold, --drift, --history, --baseline-runs and --update-baseline go with --nightly" >&2
	exit 2
fi
# Variant names as given, split at commas only: never globbed.
IFS=, read -ra variants <<<"$kernels"
for v in "${variants[@]}"; do
	[ -n "$v" ] && continue
	echo "run.sh: --kernels $kernels: an empty variant name" >&2
	exit 2
done
purposes=(build bpf run plots)
[ $mpi = 1 ] && purposes+=(mpi)
[ -n "$cluster" ] && purposes+=(mpi cluster)
fl_run harness/install-deps.sh "${purposes[@]}" || { status=$?; fl_stop_check run.sh; exit $status; }
fl_run make --no-print-directory -s all || {
	fl_stop_check run.sh
	echo "run.sh: build failed" >&2
	exit 2
}
fl_stop_check run.sh

[ -n "$suite" ] || suite=$([ $nightly = 1 ] && echo nightly || echo default)
# Before any work: a suite faultline does not know stops here.
if [ $mpi = 0 ] && ! build/faultline suite --list | grep -qxF -- "$suite"; then
	echo "run.sh: --suite $suite: no such suite (build/faultline suite --help lists them)" >&2
	exit 2
fi
if [ -n "$kernels" ]; then
	# Check every variant before booting any.
	names=() kernel_deps=(kernels)
	for v in "${variants[@]}"; do
		json=$(build/faultline variant show "$v" --json) || exit 2
		names+=("$(jq -r .name <<<"$json")")
		case $(jq -r .source.kind <<<"$json") in
		tree|tarball|deb-source) kernel_deps=(kernels kernel-build) ;;
		esac
	done
	fl_run harness/install-deps.sh "${kernel_deps[@]}" || { status=$?; fl_stop_check run.sh; exit $status; }
	if [ -n "$out" ]; then mkdir -p "$out" || exit 2
	else out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-kernels-$(hostname -s)") || exit 2; fi
	. kernels/lib.sh	# worst: exit codes combined in faultline's order
	status=0 i=0
	for v in "${variants[@]}"; do
		echo "run.sh: variant ${names[$i]}" >&2
		fl_run kernels/suite.sh "$v" "$out/${names[$i]}" --suite "$suite" ${stress:+--stress "$stress"} -- "${extra[@]}"
		status=$(worst $status $?)
		i=$((i + 1))
		[ -z "$fl_stopped" ] || break
	done
	fl_run build/faultline summary "$out" >/dev/null
	fl_stop_check run.sh
	dirs=()
	for n in "${names[@]}"; do [ -d "$out/$n" ] && dirs+=("$out/$n"); done
	fl_run build/faultline report "${dirs[@]}" --out "$out/report" >/dev/null
	fl_stop_check run.sh
	echo "summary: $out/summary.md; report: $out/report/index.html"
	exit $status
fi

if [ -n "$cluster" ]; then
	json=$(build/faultline variant show "$cluster" --json) || exit 2
	vname=$(jq -r .name <<<"$json")
	if [ -n "$out" ]; then mkdir -p "$out" || exit 2
	else out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-cluster-$vname-$(hostname -s)") || exit 2; fi
	. kernels/lib.sh	# worst: exit codes combined in faultline's order
	# Evaluated in the guests (kernels/cluster.sh): every host's slots,
	# the views where there are some, a writer an emulated CPU can keep up.
	cmd='mpi --hostfile $HOSTFILE --dir $SHARED ${VIEWS:+--views $VIEWS} --out-dir $RESULTS --duration 5 --inval-rate 100'
	status=0
	for run in ocfs2:ocfs2: nfs:nfs: nfs-nosharecache:nfs-nosharecache: nfs-v3-nocto:nfs:vers=3,nocto,actimeo=600; do
		IFS=: read -r dir file opts <<<"$run"
		echo "run.sh: cluster $dir" >&2
		fl_run kernels/cluster.sh "$file" "$out/$dir" --variant "$cluster" \
			${opts:+--mount-options "$opts"} --run "$cmd"
		status=$(worst $status $?)
		[ -z "$fl_stopped" ] || break
	done
	fl_stop_check run.sh
	fl_run build/faultline summary "$out" >/dev/null && echo "summary: $out/summary.md"
	exit $status
fi

if [ $nightly = 1 ]; then
	[ -n "$out" ] || out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-nightly-$(uname -r)-$(hostname -s)") || exit 2
	fl_run harness/nightly.sh --out "$out" --suite "$suite" "${nightly_args[@]}" -- "${extra[@]}"
	status=$?
	fl_stop_check run.sh
	exit $status
fi

if [ -n "$out" ]; then mkdir -p "$out" || exit 2
else out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-$(uname -r)-$(hostname -s)$([ $mpi = 1 ] && echo -mpi)") || exit 2; fi
if [ $mpi = 1 ]; then
	fl_run build/faultline mpi --out-dir "$out" "${mpi_args[@]}"
	status=$?
	fl_run build/faultline summary "$out" >/dev/null
else
	fl_run build/faultline suite "$suite" --out-dir "$out" "${extra[@]}"
	status=$?
fi
[ -f "$out/summary.md" ] && echo "summary: $out/summary.md"
# Interrupted: the partial results stay, marked; no report is drawn.
fl_stop_check run.sh
# A usage error before any result (a bad run option): nothing to draw.
if [ $status = 2 ] && ! compgen -G "$out/*.json" >/dev/null; then
	exit $status
fi
fl_run build/faultline report "$out" --out "$out/report" >/dev/null && echo "report: $out/report/index.html"
fl_stop_check run.sh
exit $status
