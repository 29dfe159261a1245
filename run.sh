#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: install what is missing, build, run a suite on the running
# kernel, and write results/<time>-<kernel>-<host>/ with one JSON file per
# run and summary.md. Logic lives in build/faultline; this stays thin.
set -uo pipefail
cd "$(dirname "$0")"

usage() {
	cat <<USAGE
usage: ./run.sh [--suite NAME] [--out DIR] [-- faultline run options...]
       ./run.sh --mpi [-np N] [--hostfile FILE] [--dir DIR] [--out DIR]

  --suite NAME     suite to run (default: default; faultline suite --help lists them)
  --out DIR        results directory (default: results/<time>-<kernel>-<host>)
  -- OPTIONS       added to every run, e.g. -- --duration 2 --repeat 5
  --mpi            run the MPI workloads (mpi-coherence, mpi-faultstorm) instead:
                   on this host each rank on its own clusterfs mount, or with
                   --dir on a shared cluster filesystem (and --hostfile for hosts)
  -np N            MPI ranks (default 4)

Exit codes: 0 ok, 1 a check failed, 2 usage or environment error,
3 a required resource is unavailable, 4 interrupted.
USAGE
}

suite=default
out=
extra=()
mpi=0
mpi_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--mpi) mpi=1; shift ;;
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
purposes=(build bpf run)
[ $mpi = 1 ] && purposes+=(mpi)
harness/install-deps.sh "${purposes[@]}" || exit $?
make --no-print-directory -s all || { echo "run.sh: build failed" >&2; exit 2; }

[ -n "$out" ] || out=results/$(date +%Y%m%d-%H%M%S)-$(uname -r)-$(hostname -s)$([ $mpi = 1 ] && echo -mpi)
mkdir -p "$out" || exit 2
if [ $mpi = 1 ]; then
	build/faultline mpi --out-dir "$out" "${mpi_args[@]}"
	status=$?
	build/faultline summary "$out" >/dev/null
else
	build/faultline suite "$suite" --out-dir "$out" "${extra[@]}"
	status=$?
fi
[ -f "$out/summary.md" ] && echo "summary: $out/summary.md"
exit $status
