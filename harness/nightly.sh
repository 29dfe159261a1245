#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Nightly regression (./run.sh --nightly): run a suite, compare it with a
# baseline directory, append one line per metric to the history, write the
# report, and say one verdict.
#   harness/nightly.sh --baseline DIR --out DIR [--suite NAME]
#       [--threshold PCT] [--history FILE] [--update-baseline]
#       [--baseline-runs N] [-- RUN-OPTIONS]
# --update-baseline adds the run to the baseline directory, which keeps the
# last N (default 3) runs as subdirectories, pooled by compare.
# Exit: 0 nothing significantly worse and every check passed; 1 a metric
# significantly worse beyond the threshold (its whole 95% interval beyond
# it), an integrity violation, or a failed check; 2 an error
# (usage, a missing baseline, a run or comparison that could not be made);
# 4 interrupted.
set -uo pipefail
fl=${FAULTLINE:-$(cd "$(dirname "$0")/.." && pwd)/build/faultline}

baseline= out= suite=nightly threshold=5 history= update=0 keep=3
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--baseline) baseline=${2:?--baseline needs a directory}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--threshold) threshold=${2:?--threshold needs a percentage}; shift 2 ;;
	--history) history=${2:?--history needs a file}; shift 2 ;;
	--update-baseline) update=1; shift ;;
	--baseline-runs) keep=${2:?--baseline-runs needs a number}; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "nightly: unknown option '$1'" >&2; exit 2 ;;
	esac
done
threshold=${threshold%\%}
[ -n "$baseline" ] || { echo "nightly: --nightly needs --baseline DIR" >&2; exit 2; }
[ -n "$out" ] || { echo "nightly: --out DIR missing" >&2; exit 2; }
[[ $keep =~ ^[1-9][0-9]*$ ]] || { echo "nightly: --baseline-runs $keep: not a positive number" >&2; exit 2; }
[[ $threshold =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	{ echo "nightly: --threshold $threshold: not a percentage (e.g. 5 or 5%)" >&2; exit 2; }
if [ ! -d "$baseline" ] && [ $update = 0 ]; then
	echo "nightly: baseline $baseline does not exist (the first night: add --update-baseline to make this run the baseline)" >&2
	exit 2
fi
if [ -d "$baseline" ] && ! compgen -G "$baseline/*.json" >/dev/null &&
   ! compgen -G "$baseline/*/*.json" >/dev/null; then
	echo "nightly: baseline $baseline has no faultline result files (*.json, or */*.json for pooled runs)" >&2
	exit 2
fi
[ -n "$history" ] || history=$(dirname "$out")/history.jsonl
mkdir -p "$out" || exit 2

"$fl" suite "$suite" --out-dir "$out" "${extra[@]}"
suite_status=$?
case $suite_status in
0|1) ;;
4) echo "nightly: interrupted; partial results in $out" >&2; exit 4 ;;
*) echo "nightly: the suite could not run (exit $suite_status); see above" >&2; exit 2 ;;
esac

verdict=0
if [ -d "$baseline" ]; then
	"$fl" compare --threshold "$threshold" --json "$out/compare.json" \
		--markdown "$out/compare.md" --history "$history" "$baseline" "$out"
	cmp_status=$?
	case $cmp_status in
	0|1) ;;
	*) echo "nightly: cannot compare $out with the baseline $baseline (exit $cmp_status)" >&2; exit 2 ;;
	esac
	# A regression is a metric whose whole 95% interval lies beyond the
	# threshold (integrity has no interval: any violation counts). compare's
	# own "worse" only needs the interval to exclude 0, and over a hundred
	# metrics a night that would raise a false alarm most nights.
	regressions=$(jq -c --argjson t "$threshold" '[.metrics[] | select(.verdict == "worse" and
		(.ci_pct == null or (.direction == "higher" and .ci_pct[1] < -$t)
		 or (.direction == "lower" and .ci_pct[0] > $t)))]' "$out/compare.json") ||
		{ echo "nightly: $out/compare.json is unreadable" >&2; exit 2; }
	[ "$(jq length <<<"$regressions")" -gt 0 ] && verdict=1
fi
[ $suite_status = 1 ] && verdict=1

report=(--out "$out/report")
[ -f "$out/compare.json" ] && report+=(--compare "$out/compare.json")
[ -f "$history" ] && report+=(--history "$history")
"$fl" report "$out" "${report[@]}" >/dev/null ||
	echo "nightly: the report is incomplete (see $out/report/report.md)" >&2

# The baseline is a pool of the last $keep promoted runs, one directory
# each (compare pools them): runs minutes apart differ by more than the
# repetitions inside one run (8.5% here, measured), and only a pool shows
# that spread.
if [ $update = 1 ]; then
	mkdir -p "$baseline" && rm -rf "$baseline/${out##*/}" && cp -r "$out" "$baseline/${out##*/}" ||
		{ echo "nightly: could not add $out to the baseline $baseline" >&2; exit 2; }
	ls -d "$baseline"/*/ | sort | head -n -"$keep" | xargs -r rm -rf
	echo "nightly: $out joined the baseline ($baseline: $(ls -d "$baseline"/*/ | wc -l) runs, at most $keep)"
fi

if [ ! -f "$out/compare.json" ]; then
	echo "nightly: no baseline to compare with yet; checks $([ $suite_status = 0 ] && echo passed || echo FAILED)"
elif [ $verdict = 0 ]; then
	echo "nightly: OK: nothing significantly worse than the baseline beyond ${threshold}%, every check passed ($out/compare.md)"
else
	n=$(jq length <<<"${regressions:-[]}")
	echo "nightly: REGRESSION: $n metrics significantly worse beyond ${threshold}%$([ $suite_status = 1 ] && echo ', and a check failed') ($out/compare.md)"
	jq -r '.[] | "  \(.workload) \(.params) threads \(.threads) node \(.node): \(.metric) \(.change_pct | . * 10 | round / 10)% (95% interval \(.ci_pct // [] | map(. * 10 | round / 10) | join(" to "))%)"' \
		<<<"${regressions:-[]}" | head -n 20
fi
exit $verdict
