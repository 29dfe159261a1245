#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A build without BPF (make test builds build-nobpf/ with NOBPF=1) says so
# when it is built, and its collectors say why they are unavailable.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
nobpf=$root/build-nobpf/faultline

if [ ! -x "$nobpf" ] || [ "$(cat "$root/build-nobpf.status" 2>/dev/null)" != 0 ]; then
	skip "build without BPF" "no build-nobpf/ (make test builds it)"
	done_testing
fi
grep -q "building without BPF collectors: disabled with NOBPF=1" "$root/build-nobpf.log"
ok $? "make says it builds without BPF collectors, and why"

r=$scratch/nobpf.json
"$nobpf" run fault --threads 1 --duration 0.3 --warmup 0 --collect all --dir "$scratch" \
	--out "$r" >/dev/null 2>&1
ran $?
ok $? "a run without BPF succeeds"
validate "$r"
ok $? "its result validates"
jq -e '[.runs[0].kernel.collectors[].status |
	startswith("unavailable: faultline was built without BPF (disabled with NOBPF=1)")] | all' \
	"$r" >/dev/null
ok $? "every collector: unavailable, built without BPF, and why"
"$nobpf" run fault --threads 1 --duration 0.3 --warmup 0 --collect none --dir "$scratch" \
	--out "$r" >/dev/null 2>&1
ran $? && jq -e '[.runs[0].kernel.collectors[].status == "off (--collect)"] | all' "$r" >/dev/null
ok $? "--collect none turns them off"
done_testing
