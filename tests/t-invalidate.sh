#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Invalidator actors: their ops and latency are reported beside a baseline,
# and every kind that drops pages makes kept mappings fault again.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
kinds="truncate dio punch fadvise madvise mmap-churn"

for k in $kinds; do
	r=$scratch/$k.json
	"$fl" run fault --map shared --invalidator "$k" --threads max --duration 0.7 \
		--warmup 0.2 --size 16M --dir "$scratch" --out "$r" >/dev/null 2>&1
	ran $? && validate "$r" &&
		jqv '(.runs | length) == 2 and .runs[0].baseline and .runs[0].invalidator == null
			and .runs[0].latency_ns.p99 > 0 and .runs[1].baseline == false
			and .runs[1].invalidator.kind == "'"$k"'" and .runs[1].invalidator.ops > 0
			and .runs[1].invalidator.latency_ns.p99 > 0 and .runs[1].latency_ns.p99 > 0
			and ([.runs[1].actors[] | select(.role == "invalidator")] | length) == 1' "$r"
	ok $? "$k: ops and latency of the invalidator, faulters' p99 with and without it"
done

# With mappings kept (--unmap never) only invalidation makes pages fault.
for k in $kinds; do
	r=$scratch/never-$k.json
	"$fl" run fault --map shared --unmap never --invalidator "$k" --threads 1 \
		--duration 1 --warmup 0.3 --size 16M --dir "$scratch" --out "$r" >/dev/null 2>&1
	base=$(jq '.runs[0].totals.faults' "$r")
	with=$(jq '.runs[1].totals.faults' "$r")
	diag "$k: faults without $base, with $with"
	if [ "$k" = mmap-churn ]; then
		[ "$with" -lt 1000 ]
		ok $? "mmap-churn leaves kept file pages mapped"
	else
		[ "$with" -gt $((base * 10 + 1000)) ]
		ok $? "$k makes kept mappings fault again"
	fi
done

# Readers verify every page against the oracle while invalidators run.
for k in truncate dio punch madvise; do
	r=$scratch/verify-$k.json
	"$fl" run fault --map shared --access read --unmap never --invalidator "$k" \
		--threads max --duration 0.7 --warmup 0.2 --size 8M --dir "$scratch" \
		--out "$r" >/dev/null 2>&1
	ran $? && validate "$r" &&
		jqv 'all(.runs[]; .integrity.verified and .integrity.checked > 1000
			and .integrity.violations == 0 and .integrity.sigbus_unexpected == 0)' "$r"
	ok $? "$k: readers verify every page, 0 violations"
done
"$fl" run fault --map shared --access read --no-verify --threads 1 --duration 0.3 \
	--warmup 0 --size 8M --dir "$scratch" --out "$scratch/nv.json" >/dev/null 2>&1
ran $? && jqv '.runs[0].integrity == {"verified": false, "why_not": "--no-verify"}' "$scratch/nv.json"
ok $? "--no-verify: the result says verification was off"
jqv '.runs[0].integrity.verified == false and (.runs[0].integrity.why_not | test("write"))' \
	"$scratch/never-dio.json"
ok $? "write touches: the result says why pages were not verified"

r=$scratch/trunc.json
"$fl" run fault --map shared --unmap never --invalidator truncate --threads 1 \
	--duration 1 --warmup 0.2 --size 16M --dir "$scratch" --out "$r" >/dev/null 2>&1
ran $?
ok $? "truncate: SIGBUS beyond the moving EOF is a result, not a failure"
jqv '.runs[1].totals.sigbus > 0 and .runs[0].totals.sigbus == 0' "$r"
ok $? "truncate: faulters' SIGBUS are counted"

r=$scratch/rate.json
"$fl" run fault --map shared --invalidator punch --inval-rate 200 --no-baseline \
	--threads 1 --duration 1 --warmup 0.2 --size 16M --dir "$scratch" --out "$r" >/dev/null 2>&1
diag "punch at 200/s: $(jq '.runs[0].invalidator.ops_per_sec' "$r") ops/s"
jqv '(.runs | length) == 1 and .runs[0].baseline == false
	and (.runs[0].invalidator.ops_per_sec | . > 150 and . < 230)' "$r"
ok $? "--inval-rate paces the invalidator; --no-baseline skips the baseline"

if tmpfs_dir size=64M; then
	for k in punch madvise; do
		"$fl" run fault --map shared --unmap never --invalidator "$k" --threads 1 \
			--duration 0.5 --warmup 0.1 --size 8M --dir "$mnt" \
			--out "$scratch/tmpfs.json" >/dev/null 2>&1
		ran $? && jqv '.host.test_fs.type == "tmpfs" and .runs[1].totals.faults > 100' "$scratch/tmpfs.json"
		ok $? "$k drops pages on tmpfs"
	done
	# tmpfs O_DIRECT writes go straight into the page cache, which is the
	# file itself: there is nothing to invalidate, so nothing refaults.
	"$fl" run fault --map shared --unmap never --invalidator dio --threads 1 \
		--duration 0.5 --warmup 0.1 --size 8M --dir "$mnt" \
		--out "$scratch/tmpfs.json" >/dev/null 2>&1
	ran $? && jqv '.runs[1].invalidator.ops > 0 and .runs[1].totals.faults < 100' "$scratch/tmpfs.json"
	ok $? "dio on tmpfs writes without invalidating mapped pages"
else
	skip "invalidators on tmpfs" "cannot mount tmpfs"
fi

mkdir -p "$scratch/ramfs"
if mount -t ramfs faultline-test "$scratch/ramfs" 2>/dev/null; then
	mounts+=("$scratch/ramfs")
	expect 3 'does not support O_DIRECT' "dio on a filesystem without O_DIRECT: exit 3" \
		-- "$fl" run fault --invalidator dio --duration 0.3 --warmup 0 --size 1M \
		--dir "$scratch/ramfs" --out "$scratch/ramfs.json"
	jqv '.status == "failed" and (.error | test("O_DIRECT"))' "$scratch/ramfs.json"
	ok $? "dio without O_DIRECT: the result says why"
	expect 3 'cannot punch holes' "punch on a filesystem without hole punching: exit 3" \
		-- "$fl" run fault --invalidator punch --duration 0.3 --warmup 0 --size 1M \
		--dir "$scratch/ramfs" --out "$scratch/ramfs.json"
else
	skip "dio without O_DIRECT" "cannot mount ramfs"
fi
expect 2 '--invalidator truncate needs a file mapping' "file invalidator on anon memory: exit 2" \
	-- "$fl" run fault --map anon --invalidator truncate
done_testing
