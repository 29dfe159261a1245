#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --invalidator remote and revoke: faulters on one clusterfs mount, a
# writer on another (or revocations); faulter latency with and without
# remote invalidation, kept mappings refault, readers verify what the
# other node wrote, and the daemon and its mounts are gone afterwards.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE

if [ ! -c /dev/fuse ] || [ "$(id -u)" != 0 ]; then
	skip "--invalidator remote" "needs /dev/fuse and root"
	done_testing
fi
d=$scratch/files
mkdir -p "$d"
ours() { grep " $d/" /proc/self/mountinfo; pgrep -af "faultline clusterfs.*$d"; }

r=$scratch/remote.json
"$fl" run fault --invalidator remote --threads max --duration 1 --warmup 0.3 --size 16M \
	--dir "$d" --out "$r" >/dev/null 2>&1
ran $? && validate "$r"
ok $? "fault --invalidator remote: exit 0 (or 5: the daemon shares the CPUs), the result validates"
jqv '(.runs | length) == 2 and .runs[0].baseline and .runs[0].latency_ns.p99 > 0
	and .runs[1].invalidator.kind == "remote" and .runs[1].invalidator.ops > 0
	and .runs[1].latency_ns.p99 > 0' "$r"
ok $? "faulter latency with and without remote invalidation"
diag "p99 without: $(jq '.runs[0].latency_ns.p99' "$r") ns, with: $(jq '.runs[1].latency_ns.p99' "$r") ns, writes: $(jq '.runs[1].invalidator.ops' "$r")"
[ -z "$(ours)" ]
ok $? "no clusterfs mount or daemon left"

r=$scratch/never.json
"$fl" run fault --invalidator remote --unmap never --threads 1 --duration 1 --warmup 0.3 \
	--size 16M --dir "$d" --out "$r" >/dev/null 2>&1
base=$(jq '.runs[0].totals.faults' "$r")
with=$(jq '.runs[1].totals.faults' "$r")
diag "kept mappings: faults without $base, with $with"
[ "$with" -gt $((base * 10 + 1000)) ]
ok $? "remote writes make kept mappings fault again"

r=$scratch/verify.json
"$fl" run fault --invalidator remote --access read --unmap never --threads max --duration 1 \
	--warmup 0.3 --size 8M --dir "$d" --out "$r" >/dev/null 2>&1
ran $? && validate "$r" &&
	jqv 'all(.runs[]; .integrity.verified and .integrity.checked > 1000
		and .integrity.violations == 0)' "$r"
ok $? "readers on node0 verify every page the writer on node1 wrote: 0 violations"
r=$scratch/revoke.json
"$fl" run fault --invalidator revoke --access read --unmap never --threads max --duration 1 \
	--warmup 0.3 --size 8M --dir "$d" --out "$r" >/dev/null 2>&1
ran $? && validate "$r" &&
	jqv '.runs[1].invalidator.kind == "revoke" and .runs[1].invalidator.ops > 0
		and .runs[1].totals.faults > .runs[0].totals.faults + 1000
		and all(.runs[]; .integrity.verified and .integrity.violations == 0)' "$r"
ok $? "revoke: revoked ranges refault the same data, 0 violations"
[ -z "$(ours)" ]
ok $? "still nothing left"
done_testing
