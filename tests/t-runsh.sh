#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ./run.sh's and tests/run-tests' own command lines (issue 14, R4): a
# missing option value or an unknown suite is a usage error (exit 2)
# before any work, option values are never globbed, and repeated --only
# options add up. What run.sh does on signals is tests/t-kill.sh's.
. "$(dirname "$0")/lib.sh" || exit 1
root=$FL_TESTS/..

for opt in --suite --out --kernels --stress --baseline --cluster; do
	expect 2 "^run.sh: $opt needs a value" "R4: run.sh $opt without its value: exit 2, not 1" \
		-- "$root/run.sh" $opt
done
expect 2 '^run.sh: -np needs a value' "R4: run.sh --mpi -np without its value: exit 2" \
	-- "$root/run.sh" --mpi -np

expect 2 '^run.sh: --kernels, --nightly, --mpi and --cluster do not go together' \
	"run.sh --cluster with --mpi: exit 2 before any work" \
	-- "$root/run.sh" --cluster debian-6.1-generic --mpi

out=$scratch/nosuch
expect 2 '^run.sh: --suite nosuch: no such suite' "R4: run.sh --suite nosuch: exit 2" \
	-- "$root/run.sh" --suite nosuch --out "$out"
[ ! -e "$out" ]
ok $? "R4: run.sh --suite nosuch starts no work (no results directory, no report)"

# run.sh runs in the repository, where a glob '*' would match its files.
expect 2 'variant "\*": not a variant name' "R4: run.sh --kernels '*' is a name, never globbed" \
	-- "$root/run.sh" --kernels '*' --out "$scratch/k"
expect 2 '^run.sh: --kernels host,,x: an empty variant name' "run.sh --kernels with an empty name: exit 2" \
	-- "$root/run.sh" --kernels host,,x --out "$scratch/k"

# run-tests on a build with only two fake unit tests: both must run.
fake=$scratch/fakebuild
mkdir -p "$fake/tests"
for t in test_aaa test_bbb test_ccc; do
	printf '#!/bin/sh\necho "1..1"\necho "ok 1 - %s ran"\n' $t >"$fake/tests/$t"
	chmod +x "$fake/tests/$t"
done
touch "$fake/faultline"
"$FL_TESTS/run-tests" "$fake" --only test_aaa --only test_ccc >"$scratch/rt.out" 2>&1
grep -q 'test_aaa ran' "$scratch/rt.out" && grep -q 'test_ccc ran' "$scratch/rt.out" &&
	! grep -q 'test_bbb' "$scratch/rt.out" && ! grep -q ' t-' "$scratch/rt.out"
ok $? "R4: tests/run-tests --only A --only B runs A and B, nothing else"
expect 2 '^run-tests: --only needs a name' "run-tests --only without a name: exit 2" \
	-- "$FL_TESTS/run-tests" "$fake" --only

done_testing
