#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every libFuzzer target (tests/fuzz/fuzz_NAME.c, built by `make fuzz` into
# build-fuzz/fuzz/) runs a few seconds from its checked-in corpus
# (tests/fuzz/corpus/NAME/) and passes when the fuzzer finds no crash,
# leak, hang or undefined behaviour. Longer runs are by hand
# (tests/README.md). FL_FUZZ_SECONDS sets the time per target.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
secs=${FL_FUZZ_SECONDS:-3}

# The targets are a build of their own (ASan+UBSan): once per make test.
once_per_make_test "fuzz targets"

printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$scratch/probe.c"
if ! clang -fsanitize=fuzzer "$scratch/probe.c" -o "$scratch/probe" 2>"$scratch/probe.err"; then
	skip "fuzz targets" "clang's libFuzzer is not available ($(grep -m1 -E 'cannot find|not found|error' "$scratch/probe.err" || echo 'no clang')); harness/install-deps.sh fuzz installs it"
	done_testing
fi
if [ -f "$root/build-fuzz.status" ] && [ "$(cat "$root/build-fuzz.status")" != 0 ]; then
	ok 1 "make fuzz builds the fuzz targets"
	diag "$(tail -n 5 "$root/build-fuzz.log")"
	done_testing
fi

for src in "$FL_TESTS"/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=$root/build-fuzz/fuzz/$name
	seeds=$FL_TESTS/fuzz/corpus/${name#fuzz_}
	if [ ! -x "$bin" ]; then
		ok 1 "$name: built (make fuzz)"
		continue
	fi
	if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
		ok 1 "$name: has seed inputs in $seeds"
		continue
	fi
	# New inputs go to the first directory, a scratch one: the checked-in
	# corpus stays as it is. What a target makes in $TMPDIR goes with it.
	mkdir -p "$scratch/$name"
	TMPDIR=$scratch "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$scratch/$name-" "$scratch/$name" "$seeds" \
		>"$scratch/$name.log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$name.log")
	ok $st "$name: no crash, leak or undefined behaviour in $secs s from its corpus (${execs:-?} inputs)"
	if [ $st -ne 0 ]; then
		diag "$(grep -m 3 -E 'ERROR|runtime error|SUMMARY|Test unit written' "$scratch/$name.log")"
		# Keep what crashed it: the scratch directory goes at exit.
		mkdir -p "$root/build-fuzz/crashes"
		cp "$scratch/$name"-* "$root/build-fuzz/crashes/" 2>/dev/null &&
			diag "input kept in build-fuzz/crashes/"
	fi
done
done_testing
