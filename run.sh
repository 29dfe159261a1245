#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: install what is missing, build, run a suite on the running
# kernel, and write results/<time>-<kernel>-<host>/ with one JSON file per
# run and summary.md; or, with --kernels, on each kernel variant (booted
# under QEMU by kernels/suite.sh), one directory per variant. Logic lives
# in build/faultline and kernels/; this stays thin.
set -uo pipefail
cd "$(dirname "$0")"

usage() {
	cat <<USAGE
usage: ./run.sh [--suite NAME] [--out DIR] [-- faultline run options...]
       ./run.sh --kernels V1,V2,... [--stress SECONDS] [--suite NAME] [--out DIR] [-- options...]
       ./run.sh --nightly --baseline DIR [--threshold PCT] [--drift K] [--update-baseline] [--suite NAME] [--out DIR]
       ./run.sh --mpi [-np N] [--hostfile FILE] [--dir DIR] [--out DIR]

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
  --mpi            run the MPI workloads (mpi-coherence, mpi-faultstorm) instead:
                   on this host each rank on its own clusterfs mount, or with
                   --dir on a shared cluster filesystem (and --hostfile for hosts)
  -np N            MPI ranks (default: one per PU, at least 2; with --hostfile,
                   its slots)

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

suite=
out=
extra=()
mpi=0
mpi_args=()
kernels=
stress=
nightly=0
nightly_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--mpi) mpi=1; shift ;;
	--kernels) kernels=${2:?--kernels needs variant names}; shift 2 ;;
	--stress) stress=${2:?--stress needs seconds}; shift 2 ;;
	--nightly) nightly=1; shift ;;
	--baseline|--threshold|--drift|--history|--baseline-runs) nightly_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	--update-baseline) nightly_args+=("$1"); shift ;;
	-np|--np) mpi_args+=(--np "${2:?-np needs a number}"); shift 2 ;;
	--hostfile) mpi_args+=(--hostfile "${2:?--hostfile needs a file}"); shift 2 ;;
	--dir) mpi_args+=(--dir "${2:?--dir needs a directory}"); shift 2 ;;
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
if [ $(( mpi + nightly + (${#kernels} > 0) )) -gt 1 ]; then
	echo "run.sh: --kernels, --nightly and --mpi do not go together" >&2
	exit 2
fi
if [ ${#nightly_args[@]} -gt 0 ] && [ $nightly = 0 ]; then
	echo "run.sh: --baseline, --threshold, --drift, --history, --baseline-runs and --update-baseline go with --nightly" >&2
	exit 2
fi
purposes=(build bpf run plots)
[ $mpi = 1 ] && purposes+=(mpi)
harness/install-deps.sh "${purposes[@]}" || exit $?
make --no-print-directory -s all || { echo "run.sh: build failed" >&2; exit 2; }

[ $nightly = 1 ] || [ -n "$suite" ] || suite=default
if [ -n "$kernels" ]; then
	# Check every variant before booting any.
	names=() kernel_deps=(kernels)
	for v in ${kernels//,/ }; do
		json=$(build/faultline variant show "$v" --json) || exit 2
		names+=("$(jq -r .name <<<"$json")")
		case $(jq -r .source.kind <<<"$json") in
		tree|tarball|deb-source) kernel_deps=(kernels kernel-build) ;;
		esac
	done
	harness/install-deps.sh "${kernel_deps[@]}" || exit $?
	if [ -n "$out" ]; then mkdir -p "$out" || exit 2
	else out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-kernels-$(hostname -s)") || exit 2; fi
	. kernels/lib.sh	# worst: exit codes combined in faultline's order
	status=0 i=0
	for v in ${kernels//,/ }; do
		echo "run.sh: variant ${names[$i]}" >&2
		kernels/suite.sh "$v" "$out/${names[$i]}" --suite "$suite" ${stress:+--stress "$stress"} -- "${extra[@]}"
		status=$(worst $status $?)
		i=$((i + 1))
	done
	build/faultline summary "$out" >/dev/null
	dirs=()
	for n in "${names[@]}"; do [ -d "$out/$n" ] && dirs+=("$out/$n"); done
	build/faultline report "${dirs[@]}" --out "$out/report" >/dev/null
	echo "summary: $out/summary.md; report: $out/report/index.html"
	exit $status
fi

if [ $nightly = 1 ]; then
	[ -n "$suite" ] || suite=nightly
	[ -n "$out" ] || out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-nightly-$(uname -r)-$(hostname -s)") || exit 2
	exec harness/nightly.sh --out "$out" --suite "$suite" "${nightly_args[@]}" -- "${extra[@]}"
fi

if [ -n "$out" ]; then mkdir -p "$out" || exit 2
else out=$(new_out "results/$(date +%Y%m%d-%H%M%S)-$(uname -r)-$(hostname -s)$([ $mpi = 1 ] && echo -mpi)") || exit 2; fi
if [ $mpi = 1 ]; then
	build/faultline mpi --out-dir "$out" "${mpi_args[@]}"
	status=$?
	build/faultline summary "$out" >/dev/null
else
	build/faultline suite "$suite" --out-dir "$out" "${extra[@]}"
	status=$?
fi
[ -f "$out/summary.md" ] && echo "summary: $out/summary.md"
build/faultline report "$out" --out "$out/report" >/dev/null && echo "report: $out/report/index.html"
exit $status
