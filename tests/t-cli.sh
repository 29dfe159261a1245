#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The command line: help, list, version, and every usage/environment error
# with its message and documented exit code.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
run_short=(--duration 0.2 --warmup 0 --size 1M)

"$fl" --version | grep -Eq '^faultline [0-9]+\.[0-9]+\.[0-9]+ \(git [^)]+\)$'
ok $? "--version prints the version and commit"
"$fl" --help | grep -q 'Exit codes: 0 ok' && "$fl" --help | grep -q '5 it ran, but a'
ok $? "--help lists commands and exit codes, 5 (untrustworthy) included"
"$fl" list | grep -Eq '^fault +map, touch every page'
ok $? "list shows the fault workload with its summary"
missing=
for cmd in list run topology suite summary selftest; do
	"$fl" $cmd --help | grep -q "^usage: faultline $cmd" || missing+=" $cmd"
done
[ -z "$missing" ]
ok $? "every command has --help${missing:+ (missing:$missing)}"
help=$("$fl" run fault --help)
missing=
for o in --map --access --pattern --unmap --file --size --threads --duration \
	 --warmup --repeat --placement --dir --out; do
	grep -q -- "$o" <<<"$help" || missing+=" $o"
done
[ -z "$missing" ]
ok $? "run fault --help shows the workload's and the run's options${missing:+ (missing:$missing)}"
grep -q 'shared|private|anon' <<<"$help" && grep -q 'default: 128M' <<<"$help"
ok $? "run fault --help shows choices and defaults from the option table"

expect 2 'unknown command "frobnicate"' "unknown command: exit 2" -- "$fl" frobnicate
expect 2 '^usage: faultline' "no command: usage, exit 2" -- "$fl"
expect 2 'unknown workload "nope"' "unknown workload: exit 2" -- "$fl" run nope
expect 2 'unknown option --bogus' "unknown option: exit 2" -- "$fl" run fault --bogus 1
expect 2 '--duration abc: not a valid number' "bad number: exit 2" -- "$fl" run fault --duration abc
expect 2 '--size 12Q: not a valid size' "bad size: exit 2" -- "$fl" run fault --size 12Q
expect 2 '--size 5000: not a multiple of the page size' "unaligned size: exit 2" -- "$fl" run fault --size 5000
expect 2 '--threads 0' "zero threads: exit 2" -- "$fl" run fault --threads 0
expect 2 '--map heap: expected one of shared\|private\|anon' "bad choice: exit 2" -- "$fl" run fault --map heap
expect 2 '--repeat 0: out of range' "out of range: exit 2" -- "$fl" run fault --repeat 0
expect 2 '--file shared needs a file mapping' "contradictory options: exit 2" -- "$fl" run fault --map anon --file shared
expect 2 'placement "nowhere"' "bad placement: exit 2" -- "$fl" run fault --placement nowhere
expect 2 '--dir /nonexistent/x: No such file or directory' "missing --dir: exit 2" \
	-- "$fl" run fault --dir /nonexistent/x "${run_short[@]}"
touch "$scratch/plainfile"
expect 2 "--dir $scratch/plainfile: Not a directory" "--dir on a file: exit 2" \
	-- "$fl" run fault --dir "$scratch/plainfile" "${run_short[@]}"
expect 2 "--out /nonexistent/r.json: directory /nonexistent" "unwritable --out: exit 2, before running" \
	-- "$fl" run fault --out /nonexistent/r.json "${run_short[@]}"

# Issue 14: numbers are strict decimal, and a run that would fail at its
# end (its result unwritable) fails at its start, before any work.
expect 2 '--duration 0x10: not a valid number' "numbers: --duration 0x10 refused, exit 2" \
	-- "$fl" run fault --duration 0x10 --warmup 0 --size 1M
expect 2 '--warmup -1: not a valid number' "numbers: a negative --warmup refused, exit 2" \
	-- "$fl" run fault --warmup -1 "${run_short[@]}"
expect 2 "--size  4M: not a valid size" "numbers: a size with a leading space refused, exit 2" \
	-- "$fl" run fault --size ' 4M' --duration 0.2 --warmup 0
expect 2 "--repeat  -1: not a valid non-negative integer" "numbers: ' -1' not wrapped to a huge count, exit 2" \
	-- "$fl" run fault --repeat ' -1' "${run_short[@]}"
expect 2 '--duration 3x: not a valid number' "numbers: trailing garbage refused, exit 2" \
	-- "$fl" run fault --duration 3x "${run_short[@]}"
mkdir -p "$scratch/outdir"
for bad in "$scratch/outdir" "$scratch/outdir/" ""; do
	expect 2 "run fault: --out " "bad outputs: run --out '$bad' fails before running, exit 2" \
		-- "$fl" run fault --out "$bad" --duration 5 --warmup 0 --size 1M
	[ -z "$(ls -A "$scratch/outdir")" ]
	ok $? "bad outputs: run --out '$bad' left nothing in the directory"
done
mkdir -p "$scratch/tree/build"
cp "$fl" "$scratch/tree/build/faultline"
touch "$scratch/tree/results"
expect 2 "run fault: result results/fault-[0-9-]+\.json: directory results: Not a directory" \
	"bad outputs: a results directory that is a file fails before running, exit 2" \
	-- bash -c 'cd "$1" && exec build/faultline run fault --duration 5 --warmup 0 --size 1M' _ "$scratch/tree"
"$fl" run fault "${run_short[@]}" --repeat 1 --out "$scratch/cmd.json" >/dev/null 2>&1
jqv '.command[0:3] == ["faultline", "run", "fault"]' "$scratch/cmd.json"
ok $? "command: the recorded command starts faultline run fault"
args=$(jq -r '.command[1:] | @sh' "$scratch/cmd.json")
eval "set -- $args"
"$fl" "$@" --out "$scratch/replay.json" >/dev/null 2>&1
st=$?
ran $st && jqv '.workload.name == "fault"' "$scratch/replay.json"
ok $? "command: the recorded command replays (exit $st)"

if tmpfs_dir ro,size=1M; then
	ro=$mnt
	expect 2 "--dir $ro: cannot create files: Read-only file system" \
		"read-only --dir: exit 2" -- "$fl" run fault --dir "$ro" "${run_short[@]}"
else
	skip "read-only --dir: exit 2" "cannot mount tmpfs (not root?)"
fi
if tmpfs_dir size=1M; then
	small=$mnt
	expect 3 "$small/faultline\.[^:/]+: [0-9]+ MiB needed for test files, [0-9]+ MiB free: No space left on device" \
		"full filesystem: ENOSPC, exit 3" \
		-- "$fl" run fault --dir "$small" --size 4M --duration 0.2 --warmup 0 --out "$scratch/enospc.json"
	[ -z "$(ls -A "$small")" ]
	ok $? "full filesystem: no test file left behind"
else
	skip "full filesystem: exit 3" "cannot mount tmpfs (not root?)"
	skip "full filesystem: no test file left behind" "cannot mount tmpfs"
fi

HWLOC_SYNTHETIC="package:2 numa:2 core:4 pu:2" \
	expect 2 'can only be planned' "a synthetic topology cannot be run: exit 2" \
	-- "$fl" run fault "${run_short[@]}"
expect 2 'unknown option --bogus' "topology: unknown option: exit 2" -- "$fl" topology --bogus
expect 2 'unknown suite "nope"' "suite: unknown suite: exit 2" -- "$fl" suite nope --out-dir "$scratch"
expect 2 'suite: --out-dir /nonexistent: No such file or directory' "suite: missing --out-dir: exit 2" -- "$fl" suite quick --out-dir /nonexistent
expect 2 "suite: --out-dir $scratch/plainfile: Not a directory" "suite: --out-dir on a file: exit 2" -- "$fl" suite quick --out-dir "$scratch/plainfile"
expect 2 'summary: /nonexistent' "summary: missing directory: exit 2" -- "$fl" summary /nonexistent
done_testing
