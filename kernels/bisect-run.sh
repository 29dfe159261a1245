#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# For `git bisect run` in a kernel tree that a `tree` variant builds:
# build the commit checked out, boot it, run one faultline command, and
# say good (exit 0), bad (1) or skip (125) the way git bisect wants.
#   cd LINUX && git bisect start BAD GOOD &&
#   git bisect run /path/to/kernels/bisect-run.sh VARIANT OUTDIR [--good-result FILE]
#       -- run WORKLOAD [OPTIONS] | stress CHECK... [OPTIONS]
# Each commit's results go to OUTDIR/COMMIT/. A check is judged by its
# verdict: fail (or a kernel that fails under it) is bad, pass or known is
# good, a check that did not run is a skip. A workload needs
# --good-result, a result of the same command on the good commit with
# enough repetitions (--repeat 5 or more), and is judged by `faultline
# compare`: a headline metric worse is bad, all unchanged or better is
# good. Anything the statistics cannot call (noisy, untrustworthy) stops
# the bisect (exit 128) rather than guess: rerun with more repetitions.
# A commit that does not build, or whose kernel fails under a workload, is
# skipped.
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -uo pipefail

abort() { echo "bisect-run: $*" >&2; exit 128; }
[ $# -ge 4 ] || abort "usage: kernels/bisect-run.sh VARIANT OUTDIR [--good-result FILE] -- run ...|stress ..."
variant=$1 out=$2 good=
shift 2
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	case $1 in
	--good-result) good=${2:-}; shift 2 || abort "--good-result needs a file" ;;
	*) abort "unknown option '$1'" ;;
	esac
done
[ "${1:-}" = -- ] && [ $# -ge 2 ] || abort "give the command after --: run WORKLOAD ... or stress CHECK ..."
shift
case $1 in
run) [ -f "$good" ] || abort "a workload needs --good-result FILE: the good commit's result" ;;
stress) ;;
*) abort "the command must be run or stress, not '$1'" ;;
esac
load_variant "$variant" || abort "$variant: not a valid variant"
[ "$kind" = tree ] || abort "$name: a $kind variant: git bisect runs in a tree variant's source"
src=$(jq -r .source.path <<<"$v")
commit=$(git -C "$src" rev-parse --short HEAD) || abort "$src is not a git tree"
step=$out/$commit
mkdir -p "$step" || abort "cannot make $step"
"$here/bisect-step.sh" "$variant" "$step" result.json -- "$@"
st=$?
fl_stop_check bisect-run.sh
case $st in
0) ;;
1) [ "$1" = stress ] && { echo "bisect-run: $commit: bad: the kernel failed under the check" >&2; exit 1; }
   echo "bisect-run: $commit: skip: the kernel failed" >&2; exit 125 ;;
125) echo "bisect-run: $commit: skip: cannot be built" >&2; exit 125 ;;
*) abort "$commit: the step failed (exit $st)" ;;
esac
if [ "$1" = stress ]; then
	verdicts=$(jq -r '[.checks[].verdict] | unique | join(" ")' "$step/result.json") ||
		abort "$commit: unreadable $step/result.json"
	case " $verdicts " in
	*" fail "*) echo "bisect-run: $commit: bad: a check failed" >&2; exit 1 ;;
	*" not_run "*|*" error "*|*" skip "*|"  ") echo "bisect-run: $commit: skip: checks $verdicts" >&2; exit 125 ;;
	*) echo "bisect-run: $commit: good: checks $verdicts" >&2; exit 0 ;;
	esac
fi
"$fl" compare --json "$step/compare.json" "$good" "$step/result.json" >"$step/compare.txt" 2>&1
verdicts=$(jq -r '[.metrics[] | select(.headline and .node == "all" and (has("same_as") | not)) | .verdict] | unique | join(" ")' \
	"$step/compare.json" 2>/dev/null) || abort "$commit: compare failed (see $step/compare.txt)"
case " $verdicts " in
*" worse "*) echo "bisect-run: $commit: bad: a headline metric is worse (see $step/compare.txt)" >&2; exit 1 ;;
*" noisy "*|*" untrustworthy "*|"  ") abort "$commit: cannot call it ($verdicts): rerun with more repetitions" ;;
*) echo "bisect-run: $commit: good: $verdicts" >&2; exit 0 ;;
esac
