#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The nightly's own benchmark: is it quiet on an unchanged machine and does
# it see a real 10% slowdown? Runs a first night with --update-baseline,
# then N unchanged nights and M nights beside `faultline hog --share S`
# (S of every CPU taken from the faulters), all with --update-baseline as
# a nightly cron would, and prints
#   A/A: k of N exited 0 (...); slowdown: m of M exited 1 (metrics: ...)
# Not a test: it takes N + M + 1 nights (about 1.5 minutes each for
# --suite quick here, 5 for the nightly suite).
#   tests/bench-nightly.sh [--suite NAME] [--nights N] [--slow M]
#       [--share S] [--build DIR] [--dir DIR] [-- RUN-OPTIONS]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
suite=nightly nights=10 slow=1 share=0.1 build=$root/build dir= extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--nights) nights=${2:?--nights needs a number}; shift 2 ;;
	--slow) slow=${2:?--slow needs a number}; shift 2 ;;
	--share) share=${2:?--share needs a fraction}; shift 2 ;;
	--build) build=${2:?--build needs a directory}; shift 2 ;;
	--dir) dir=${2:?--dir needs a directory}; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "bench-nightly: unknown option '$1'" >&2; exit 2 ;;
	esac
done
export FAULTLINE=$build/faultline
[ -x "$FAULTLINE" ] || { echo "bench-nightly: $FAULTLINE: not built (make BUILD=$build)" >&2; exit 2; }
[ -n "$dir" ] || dir=$(mktemp -d /tmp/faultline-bench-nightly.XXXXXX)
mkdir -p "$dir" || exit 2
hog=
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null' EXIT

night() {	# night NAME: one night into $dir/NAME; its exit code in $st
	local t0=$SECONDS
	"$root/harness/nightly.sh" --baseline "$dir/pool" --out "$dir/$1" --update-baseline \
		--history "$dir/history.jsonl" --suite "$suite" -- "${extra[@]}" \
		>"$dir/$1.log" 2>&1
	st=$?
	echo "bench-nightly: $1: exit $st in $((SECONDS - t0)) s: $(grep '^nightly: ' "$dir/$1.log" | tail -n 1 | cut -c1-150)" >&2
}
# The worse metrics of a night, counted once: "file threads N: metric change%".
worse() {
	[ -f "$dir/$1/compare.json" ] || return 0
	jq -r '[.metrics[] | select(.verdict == "worse" and (has("same_as") | not)) |
		"\(.file)\(if .baseline then " (baseline run)" else "" end) t\(.threads) node \(.node): \(.metric) \(.change_pct | . * 10 | round / 10)%"] | join("; ")' \
		"$dir/$1/compare.json"
}

echo "bench-nightly: suite $suite, ${#extra[@]} extra run options, in $dir" >&2
night n00
aa=0 aa_codes=
for i in $(seq 1 "$nights"); do
	night "aa$i"
	aa_codes+="$st "
	[ $st -eq 0 ] && aa=$((aa + 1))
done
# What the hog really does to a faulter (on a VM it need not be its
# share): page_fault1 at 1 thread and at 2, with and without it, 3 times
# alternating; the median ratio of each.
rate() {	# rate THREADS FILE: median ops/s of a 5 x 0.5 s run
	"$FAULTLINE" run fault --map anon --access write --threads "$1" --duration 0.5 \
		--warmup 0.2 --repeat 5 --size 16M --out "$2" >/dev/null 2>&1
	jq '[.runs[].totals.ops_per_sec] | sort | .[2]' "$2"
}
for t in 1 2; do
	ratios=()
	for i in 1 2 3; do
		plain=$(rate $t "$dir/plain.json")
		"$FAULTLINE" hog --share "$share" 2>/dev/null &
		hog=$!
		sleep 0.5
		hogged=$(rate $t "$dir/hogged.json")
		kill "$hog"
		wait "$hog" 2>/dev/null
		hog=
		ratios+=("$(jq -n "$hogged / $plain")")
	done
	echo "bench-nightly: page_fault1, $t thread(s), beside the hog / without: x$(printf '%s\n' "${ratios[@]}" |
		sort -g | sed -n 2p | xargs printf '%.3f') (of ${ratios[*]})" >&2
done
found=0 slow_codes= named=
"$FAULTLINE" hog --share "$share" &
hog=$!
sleep 1
for i in $(seq 1 "$slow"); do
	night "slow$i"
	slow_codes+="$st "
	[ $st -eq 1 ] && found=$((found + 1))
	named+="$(worse "slow$i") "
done
kill "$hog"
wait "$hog" 2>/dev/null
hog=
echo "A/A: $aa of $nights exited 0 (exits: ${aa_codes% }); slowdown ($share of every CPU): $found of $slow exited 1 (exits: ${slow_codes% }; metrics: ${named% })"
