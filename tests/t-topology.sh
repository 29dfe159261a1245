#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `faultline topology` on synthetic big machines: the plan users will get.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
export HWLOC_SYNTHETIC="package:2 numa:2 core:4 pu:2"

# Count actors per node from the plan table (rows: actor pu core node ...).
per_node() {
	awk '$1 ~ /^[0-9]+$/ { n[$4]++ } END { for (k in n) printf "%s:%d ", k, n[k]; print "" }' |
		tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ *//; s/ *$//'
}

out=$("$fl" topology --threads 8 --placement spread)
ok $? "topology --threads 8 runs on a synthetic 4-node machine"
diag "$out"
[ "$(per_node <<<"$out")" = "0:2 1:2 2:2 3:2" ]
ok $? "spread: 8 actors are 2 per node on 4 nodes"
out=$("$fl" topology --threads 8 --placement compact)
[ "$(per_node <<<"$out")" = "0:8" ]
ok $? "compact: 8 actors fill node 0 first"
out=$("$fl" topology --threads 4 --placement nodes=1,3)
[ "$(per_node <<<"$out")" = "1:2 3:2" ]
ok $? "nodes=1,3: only the listed nodes"
expect 2 'node' "nodes=9 on a 4-node machine: exit 2" -- "$fl" topology --threads 2 --placement nodes=9
unset HWLOC_SYNTHETIC
"$fl" topology --threads 1 | grep -Eq '^ *0 +[0-9]+'
ok $? "topology on this machine plans actor 0"
done_testing
