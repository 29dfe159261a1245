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

  --suite NAME   suite to run (default: default; faultline suite --help lists them)
  --out DIR      results directory (default: results/<time>-<kernel>-<host>)
  -- OPTIONS     added to every run, e.g. -- --duration 2 --repeat 5

Exit codes: 0 ok, 1 a check failed, 2 usage or environment error,
3 a required resource is unavailable, 4 interrupted.
USAGE
}

suite=default
out=
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "run.sh: unknown option '$1' (./run.sh --help)" >&2; exit 2 ;;
	esac
done

harness/install-deps.sh build bpf run || exit $?
make --no-print-directory -s all || { echo "run.sh: build failed" >&2; exit 2; }

[ -n "$out" ] || out=results/$(date +%Y%m%d-%H%M%S)-$(uname -r)-$(hostname -s)
mkdir -p "$out" || exit 2
build/faultline suite "$suite" --out-dir "$out" "${extra[@]}"
status=$?
[ -f "$out/summary.md" ] && echo "summary: $out/summary.md"
exit $status
