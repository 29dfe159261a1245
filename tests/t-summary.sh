#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Summaries show validity: a value that an untrustworthy run spoils ends in
# "!" (per metric family, on every row and node row of the run's group),
# the reasons are listed once each under the table, summary.md's header
# counts the untrustworthy documents, the variant summary marks its cells,
# and `faultline run` prints the marks and a count. The documents are real
# results whose validity and fault latency jq rewrites, so each case is
# exact whatever this machine makes of its own runs.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE

base=$scratch/inval.json
"$fl" run fault --map shared --invalidator truncate --threads 1,2 --repeat 2 \
	--duration 0.2 --warmup 0 --size 4M --dir "$scratch" --out "$base" >/dev/null 2>&1
plain=$scratch/plain.json
"$fl" run fault --map anon --threads 1 --duration 0.2 --warmup 0 --size 4M \
	--out "$plain" >/dev/null 2>&1
jqv '(.runs | length) == 8 and ([.runs[] | .invalidator | type] | unique) == ["null", "object"]' "$base" &&
	jqv '(.runs | length) == 1' "$plain"
ok $? "two real results to rewrite: truncate with baselines (1,2 threads x 2), and anon"

# Every run ok; two NUMA nodes (node 1 a copy of node 0) so that each
# group has an "all" row and node rows; known fault latency: 12.35/67.89 us
# for the run, 23.46/78.90 us per node.
jq_defs='
def lat($p50; $p99): {count: 10, mean: $p50, min: 1, p50: $p50, p90: $p50, p99: $p99,
	p999: $p99, max: $p99, hist: []};
def clean: .runs |= map(.validity = {status: "ok", reasons: []}
		| .fault_latency_ns = lat(12345; 67890) | del(.fault_latency_unknown)
		| .nodes = [.nodes[0] | .fault_latency_ns = lat(23456; 78901)]
		| .nodes += [.nodes[0] | .node = 1])
	| .validity = {status: "ok", reasons: []};
def regather: .validity = {status: (if any(.runs[]; .validity.status == "untrustworthy")
		then "untrustworthy" else "ok" end), reasons: [.runs[].validity.reasons[]]};
def bad($i; $code; $text; $m): .runs[$i].validity.status = "untrustworthy"
	| .runs[$i].validity.reasons += [{code: $code, text: $text, metrics: $m}] | regather;
def idx($t; $inv; $rep): [.runs | to_entries[] | select(.value.threads == $t
	and (.value.invalidator | type == "object") == $inv and .value.repeat == $rep) | .key][0];
'
fab() {	# fab SRC DIR/NAME JQ-FILTER: a rewritten copy of SRC
	mkdir -p "$(dirname "$2")"
	jq "$jq_defs clean | $3" "$1" >"$2"
}
summary() {	# summary DIR: write DIR/summary.md, quietly
	"$fl" summary "$1" >/dev/null 2>"$scratch/summary.err"
}
table() {	# table FILE: the rows of the (first) run table
	sed -n '/^| threads/,/^$/p' "$1" | grep -E '^\| +[0-9]'
}
rows() {	# rows FILE THREADS INVALIDATOR-REGEX: the run table rows of that group
	table "$1" | grep -E "^\| +$2 \| +$3[ !]"
}
marks() {	# marks: how many "!" on stdin
	tr -cd '!' | wc -c
}

# 1. All ok: no mark, no list, the header says so.
fab "$base" "$scratch/ok/inval.json" '.'
summary "$scratch/ok"
s=$scratch/ok/summary.md
grep -q '^- validity: the 1 document ok$' "$s" &&
	[ "$(table "$s" | marks)" -eq 0 ] && ! grep -q 'Untrustworthy' "$s"
ok $? "all runs ok: no mark, no reasons, header 'the 1 document ok'"

# 2. Layout of a result with an invalidator: faults/s and fault latency
# lead, on the baseline rows too; the values are the runs' and the nodes'.
grep -Eq '^\| threads \| +invalidator \| node \| +faults/s \| fault p50 \| fault p99 \| +ops/s \| faults/op \| touch p99 \|$' "$s"
ok $? "invalidator layout: faults/s, fault p50, fault p99, ops/s, faults/op, touch p99"
rows "$s" 1 none | grep -E '\| +all \|' | grep -Eq '\| +12\.35 us \| +67\.89 us \|' &&
	[ "$(rows "$s" 1 none | grep -Ec '\| +[01] \| .*\| +23\.46 us \| +78\.90 us \|')" -eq 2 ] &&
	rows "$s" 2 truncate | grep -E '\| +all \|' | grep -Eq '\| +12\.35 us \| +67\.89 us \|'
ok $? "fault p50/p99: the run's on the all-node row, each node's on its row, baseline rows too"

# 3. One run spoiled for everything: its group's rows are marked, all of
# them, node rows too, and no other row; the reason is listed with the run.
i=$(jq "$jq_defs clean | idx(2; true; 0)" "$base")
fab "$base" "$scratch/all/inval.json" "bad($i; \"actor_idle\"; \"fabricated: actor 1 did 0 ops\"; [\"all\"])"
summary "$scratch/all"
s=$scratch/all/summary.md
[ "$(rows "$s" 2 truncate | wc -l)" -eq 3 ] &&
	[ "$(rows "$s" 2 truncate | awk -F'|' '{ n = 0; for (c = 3; c <= 10; c++) if ($c ~ /! *$/) n++; print n }' | sort -u)" = 7 ]
ok $? "a run untrustworthy for all: every value and the invalidator cell of its 3 rows (all, node 0, node 1) marked"
[ "$(table "$s" | grep -Ev '^\| +2 \| +truncate' | marks)" -eq 0 ]
ok $? "no other row is marked"
grep -qxF -- "- run $i (2 threads, truncate, repetition 0): actor_idle [all]: fabricated: actor 1 did 0 ops" "$s"
ok $? "the reason is listed under the table with its run, code, metrics and text"
grep -q '^- validity: 1 of 1 document untrustworthy' "$s"
ok $? "header: 1 of 1 document untrustworthy"

# 4. A reason that spoils latency only marks the latency column only.
i=$(jq "$jq_defs clean | idx(1; false; 1)" "$base")
fab "$base" "$scratch/lat/inval.json" "bad($i; \"clock\"; \"fabricated: TSC drifted\"; [\"latency\"])"
summary "$scratch/lat"
s=$scratch/lat/summary.md
rows "$s" 1 none | awk -F'|' '{ for (c = 3; c <= 9; c++) if ($c ~ /!/) exit 1; if ($10 !~ /! *$/) exit 1 }' &&
	[ "$(rows "$s" 1 none | wc -l)" -eq 3 ]
ok $? "a latency-only reason marks touch p99 alone, not faults/s, fault latency, ops/s or faults/op"

# 5. The same reason on two runs is listed once, naming both.
a=$(jq "$jq_defs clean | idx(2; false; 0)" "$base")
b=$(jq "$jq_defs clean | idx(2; false; 1)" "$base")
fab "$base" "$scratch/two/inval.json" \
	"bad($a; \"oversubscribed\"; \"fabricated: 3 actors on 2 PUs\"; [\"all\"]) | bad($b; \"oversubscribed\"; \"fabricated: 3 actors on 2 PUs\"; [\"all\"])"
summary "$scratch/two"
s=$scratch/two/summary.md
[ "$(grep -c 'oversubscribed \[all\]: fabricated: 3 actors on 2 PUs' "$s")" -eq 1 ] &&
	grep -qF -- "- run $a (2 threads, baseline, repetition 0), run $b (2 threads, baseline, repetition 1): oversubscribed" "$s"
ok $? "one reason on two repetitions: one line naming both runs"

# 6. Fault latency that could not be measured says why it is "-".
fab "$base" "$scratch/unk/inval.json" \
	'.runs[0].fault_latency_ns = null | .runs[0].nodes |= map(.fault_latency_ns = null)
	 | .runs[0].fault_latency_unknown = "fabricated: hits as slow as faults"'
summary "$scratch/unk"
grep -q '^Fault latency `-`: in 1 run the touches that faulted could not be told' "$scratch/unk/summary.md"
ok $? "fault_latency_unknown: a note says why fault latency is '-'"

# 7. Without an invalidator the table keeps ops/s and touch latency; the
# header counts the untrustworthy documents of the directory.
mkdir -p "$scratch/mixed"
cp "$scratch/ok/inval.json" "$scratch/mixed/good.json"
cp "$scratch/all/inval.json" "$scratch/mixed/bad.json"
fab "$plain" "$scratch/mixed/plain.json" '.'
summary "$scratch/mixed"
s=$scratch/mixed/summary.md
grep -Eq '^\| threads \| invalidator \| node \| +ops/s \| faults/s \| faults/op \| +p50 \| +p99 \| +max \|$' "$s"
ok $? "no invalidator: ops/s, faults/s, faults/op, p50, p99, max"
grep -q '^- validity: 1 of 3 documents untrustworthy' "$s"
ok $? "header: 1 of 3 documents untrustworthy"

# 8. The variant summary: a validity column, marked cells, a note.
fab "$base" "$scratch/var/good/inval.json" '.variant = "good"'
fab "$base" "$scratch/var/bad/inval.json" \
	".variant = \"bad\" | bad($(jq "$jq_defs clean | idx(2; true; 0)" "$base"); \"actor_idle\"; \"fabricated\"; [\"all\"])"
summary "$scratch/var"
s=$scratch/var/summary.md
grep -q '^| bad | native .*| 1 of 1 document untrustworthy |$' "$s" &&
	grep -q '^| good | native .*| the 1 document ok |$' "$s"
ok $? "variant summary: a validity column per variant"
row=$(grep -E '^\| 2 \| running \|' "$s")
[ "$(awk -F'|' '{ print $4 }' <<<"$row" | marks)" -eq 2 ] &&
	[ "$(awk -F'|' '{ print $5 }' <<<"$row" | marks)" -eq 0 ] &&
	[ "$(grep -E '^\| [0-9]+ \|' "$s" | grep -v '^| 2 | running |' | marks)" -eq 0 ]
ok $? "variant summary: both figures of the bad variant's cell marked, nothing else"
[ "$(grep -E '^\| [0-9]+ \|' "$s" | grep -c 'faults/s, fault p99 67.89 us')" -eq 4 ]
ok $? "variant summary: an invalidator result's rows (baselines too) show faults/s and fault p99"
grep -q '^`!` bad: untrustworthy runs (actor_idle), see \[bad/summary.md\]' "$s"
ok $? "variant summary: a note names the variant and the reason codes"

# 9. The kernel section marks lock figures a "locks" reason spoils.
i=$(jq "$jq_defs clean | idx(2; true; 0)" "$base")
fab "$base" "$scratch/locks/inval.json" "bad($i; \"collector_lost\"; \"fabricated\"; [\"locks\"])"
summary "$scratch/locks"
s=$scratch/locks/summary.md
if grep -q '^| node | lock |' "$s"; then
	grep -A 3 '^| node | lock |' "$s" | grep -E '^\| [0-9]' | grep -q '! |$' &&
		[ "$(rows "$s" 2 truncate | marks)" -eq 0 ]
	ok $? "kernel section: lock waits marked, the run table (no lock column) not"
else
	skip "kernel section: lock waits marked" "no lock contention recorded here"
fi

# 10a. A collector's declared metric gets its column in the kernel
# latency table, labelled as declared, without the summary naming it.
fab "$base" "$scratch/declared/inval.json" '.runs |= map(.kernel.collectors.widget =
	{status: "ok", metrics: [{name: "widget_wait_p99", path: "widget_wait_ns.p99",
	label: "widget p99", unit: "ns", better: "lower", family: "locks", compare: true}]}
	| .nodes |= map(.widget_wait_ns = {p99: 4321}))'
summary "$scratch/declared"
grep -E '^\| node \|.*\| widget p99 \|' "$scratch/declared/summary.md" >/dev/null &&
	grep -A 3 -E '^\| node \|.*widget p99' "$scratch/declared/summary.md" | grep -q '| 4.32 us |'
ok $? "kernel section: a declared collector metric has its labelled column and values"

# 10. `faultline run`'s terminal table: the marks and a count, in step
# with the document, on a run with more actors than PUs.
n=$(( $(nproc) * 2 + 2 ))
r=$scratch/over.json
"$fl" run fault --threads "$n" --size 1M --duration 0.3 --warmup 0 --out "$r" >"$scratch/over.out" 2>&1
st=$?
bad=$(jq '[.runs[] | select(.validity.status == "untrustworthy")] | length' "$r")
if [ "$bad" -gt 0 ]; then
	[ $st -eq 5 ] && grep -q "^untrustworthy: $bad of 1 run (! marks the values), see validity in the result$" "$scratch/over.out" &&
		[ "$(grep -E '^ +[0-9]+ ' "$scratch/over.out" | marks)" -gt 0 ]
else
	[ $st -eq 0 ] && ! grep -q 'untrustworthy' "$scratch/over.out"
fi
good=$?
ok $good "faultline run, $n threads on $(nproc) PUs: the terminal marks agree with the result ($bad untrustworthy, exit $st)"
[ $good = 0 ] || diag "its output: $(tail -n 4 "$scratch/over.out")"
# Validate documents (issue 14): summary refuses a document out of its
# schema's bounds, in DIR or in a variant's directory, before writing.
mkdir -p "$scratch/oob" "$scratch/oobv/v1"
jq '.runs[0].nodes[0].node = 70000' "$plain" >"$scratch/oob/r.json"
expect 2 "summary: $scratch/oob/r.json: runs\\[0\\]\\.nodes\\[0\\]\\.node = 70000: above 4095" \
	"validate documents: a result with NUMA node 70000 is refused (exit 2, file and field named)" \
	-- "$fl" summary "$scratch/oob"
[ ! -e "$scratch/oob/summary.md" ]
ok $? "validate documents: a refused directory gets no summary.md"
jq '.variant = ("v" * 300)' "$plain" >"$scratch/oobv/v1/r.json"
expect 2 "summary: $scratch/oobv/v1/r.json: variant is 300 bytes long: above 256" \
	"validate documents: a variant directory's result out of bounds is refused (exit 2)" \
	-- "$fl" summary "$scratch/oobv"
# Issue 14: summary.md through the one writer: a device there stays a
# device (S2), a full filesystem exits 3 and leaves no partial file.
mkdir -p "$scratch/dev"
cp "$scratch/ok/inval.json" "$scratch/dev/"
mknod "$scratch/dev/summary.md" c 1 3
"$fl" summary "$scratch/dev" >/dev/null 2>&1
[ $? -eq 0 ] && [ -c "$scratch/dev/summary.md" ]
ok $? "S2: summary.md that is a null device: exit 0, still a device"
if tmpfs_dir size=1m; then
	cp "$scratch/ok/inval.json" "$mnt/"
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null	# until ENOSPC
	expect 3 "summary: write $mnt/summary.md: No space left on device" \
		"summary on a full filesystem: exit 3 naming summary.md" -- "$fl" summary "$mnt"
	[ ! -e "$mnt/summary.md" ] && [ -z "$(find "$mnt" -name '*.tmp.*')" ]
	ok $? "summary on a full filesystem: no summary.md or temp left"
else
	skip "summary on a full filesystem" "no tmpfs mount (needs root)"
fi
done_testing
