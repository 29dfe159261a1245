#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `faultline variant`: list, check, show and key on the shipped kernel
# variants, and the messages and exit codes for bad ones.
. "$(dirname "$0")/lib.sh" || exit 1
fl=$FAULTLINE
kernels=$FL_TESTS/../kernels
shipped=(host debian-6.1 debian-6.1-rt example-src bisect-demo)

"$fl" variant --help | grep -q '^usage: faultline variant list'
ok $? "variant --help shows the usage"
expect 2 'usage: faultline variant' "variant without a subcommand: usage, exit 2" -- "$fl" variant
expect 2 'unknown subcommand "frob"' "unknown subcommand: exit 2" -- "$fl" variant frob

out=$("$fl" variant list)
ok $? "variant list exits 0"
diag "$out"
missing=
for v in "${shipped[@]}"; do
	grep -Eq "^$v +[a-z-]+" <<<"$out" || missing+=" $v"
done
[ -z "$missing" ]
ok $? "list shows the shipped variants${missing:+ (missing:$missing)}"
grep -Eq '^debian-6.1 +deb linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned +Debian' <<<"$out"
ok $? "list shows name, source and description"
[ "$(wc -l <<<"$out")" -eq "$(ls "$kernels"/*.variant | wc -l)" ]
ok $? "list has one line per kernels/*.variant"

"$fl" variant check "$kernels"/*.variant >"$scratch/check" 2>&1
ok $? "check on every shipped variant exits 0"
[ "$(grep -c ': ok$' "$scratch/check")" -eq "$(ls "$kernels"/*.variant | wc -l)" ]
ok $? "check says ok for each file"

printf 'name = bad\nsource = deb linux-image-x\ncpus = 2\nmemory = 2G\nnode = cpus=0-1 memory=1G\nnode = cpus=1 memory=1G\n' \
	>"$scratch/bad.variant"
expect 2 "$scratch/bad.variant:6: node 1 has CPU 1, already in node 0" \
	"check on a bad file: exit 2 with FILE:LINE: problem" \
	-- "$fl" variant check "$scratch/bad.variant"
printf 'name = gone\n' >"$scratch/gone.variant"
expect 2 "$scratch/gone.variant:0: missing source" \
	"check: whole-file problems are line 0" -- "$fl" variant check "$scratch/gone.variant"
"$fl" variant check "$kernels/host.variant" "$scratch/bad.variant" >"$scratch/out" 2>"$scratch/err"
st=$?
[ $st -eq 2 ] && grep -q 'host.variant: ok' "$scratch/out" && grep -q 'bad.variant:6:' "$scratch/err"
ok $? "check on a good and a bad file: both reported, exit 2"
expect 2 'no files' "check without files: exit 2" -- "$fl" variant check

# Issue 14: variant check reads regular files only, and only so much of
# them; a file named as config is named in an error, its content never.
# (timeout: without the fix these read for minutes or wait for ever.)
expect 2 "/dev/zero:0: cannot read: not a regular file" \
	"variant check /dev/zero: refused as not a regular file, exit 2" -- timeout 60 "$fl" variant check /dev/zero
mkfifo "$scratch/fifo.variant"
expect 2 "fifo.variant:0: cannot read: not a regular file" \
	"variant check on a FIFO: refused without waiting for a writer, exit 2" -- timeout 60 "$fl" variant check "$scratch/fifo.variant"
head -c $((2 << 20)) /dev/zero | tr '\0' '#' >"$scratch/huge.variant"
expect 2 "huge.variant:0: cannot read: larger than 1 MiB" \
	"variant check on a 2 MiB file: refused by its size, exit 2" -- "$fl" variant check "$scratch/huge.variant"
mkdir -p "$scratch/sec"
printf 'root:SECRET-HASH:19000:0:99999:7:::\n' >"$scratch/sec/shadow"
printf 'name = leak\nsource = tree %s\nconfig = sec/shadow\n' "$scratch/sec" >"$scratch/leak.variant"
expect 2 "leak.variant:3: config sec/shadow:1: not CONFIG_NAME=VALUE or a # comment" \
	"variant check: a config that is not a fragment is named with its line" -- "$fl" variant check "$scratch/leak.variant"
! grep -q SECRET "$scratch/stderr"
ok $? "variant check: the config file's content is never quoted"

json=$("$fl" variant show debian-6.1 --json)
ok $? "show --json exits 0"
jq -e . >/dev/null <<<"$json"
ok $? "show --json is valid JSON"
jq -e '.name == "debian-6.1" and .source.kind == "deb" and
	(.source.package | test("^linux-image-6.1.0-[0-9]+-cloud-amd64-unsigned$")) and
	(.nodes | length) == 2 and .nodes[0].cpus == "0" and .nodes[1].memory == 1073741824 and
	.cpus == 2 and .memory == 2147483648 and .accel == "tcg" and .timeout == 300' \
	>/dev/null <<<"$json"
ok $? "show --json has name, source, nodes and the machine"
jq -e '(.patches | length) == 2 and (.patches[0] | test("^/.*/0001-")) and
	(.config | startswith("/"))' >/dev/null <<<"$("$fl" variant show example-src --json)"
ok $? "show --json: patches in order with absolute paths, absolute config"
jq -e '.accel == "native" and (has("nodes") | not)' >/dev/null \
	<<<"$("$fl" variant show "$kernels/host.variant" --json)"
ok $? "show --json by path: host is native, without a machine"
"$fl" variant show debian-6.1 | grep -Eq '^node 1 +cpus=1 memory=1G$'
ok $? "show prints the nodes"

key=$("$fl" variant key example-src)
ok $? "key exits 0"
grep -Eq '^[0-9a-f]{32}$' <<<"$key"
ok $? "key prints 32 hex digits ($key)"
[ "$("$fl" variant key "$kernels/example-src.variant")" = "$key" ]
ok $? "key by name and by path agree"
for v in host debian-6.1; do
	"$fl" variant key "$v" | grep -Eq '^[0-9a-f]{32}$'
	ok $? "key for a $v source prints a key too"
done

# The same build inputs on another machine: same key. A patch edit: new key.
mkdir -p "$scratch/k/p"
cp "$kernels"/patches/example/*.patch "$scratch/k/p/"
cp "$kernels/example-src.config" "$scratch/k/"
sed -e 's|patches/example/|p/|' -e 's/^cpus = 2/cpus = 4/' -e 's/^memory = 2G/memory = 4G/' \
	-e 's/^node = cpus=0 memory=1G/node = cpus=0-1 memory=2G/' \
	-e 's/^node = cpus=1 memory=1G/node = cpus=2-3 memory=2G/' -e 's/^name = example-src/name = copy/' \
	"$kernels/example-src.variant" >"$scratch/k/copy.variant"
[ "$("$fl" variant key "$scratch/k/copy.variant")" = "$key" ]
ok $? "key ignores the machine and the name"
echo "# an edit" >>"$scratch/k/p/0002-mm-filemap-comment-eof-check.patch"
k2=$("$fl" variant key "$scratch/k/copy.variant")
[ -n "$k2" ] && [ "$k2" != "$key" ]
ok $? "key changes when a patch changes"
t1=$("$fl" variant key --tree "$scratch/k/copy.variant")
[ -n "$t1" ] && [ "$t1" = "$("$fl" variant key --tree example-src)" ] && [ "$t1" != "$k2" ]
ok $? "key --tree: the same for every patch series of one source, base and fragment"
sed 's/^name = copy/name = full\nbase = defconfig/' "$scratch/k/copy.variant" >"$scratch/k/full.variant"
[ "$("$fl" variant show "$scratch/k/full.variant" --json | jq -r .base)" = defconfig ] &&
	[ "$("$fl" variant show example-src --json | jq -r .base)" = minimal ] &&
	[ "$("$fl" variant key "$scratch/k/full.variant")" != "$k2" ] &&
	[ "$("$fl" variant key --tree "$scratch/k/full.variant")" != "$t1" ]
ok $? "base: minimal by default, defconfig on request, and part of both keys"
sed 's/^name = copy/name = badbase\nbase = allyes/' "$scratch/k/copy.variant" >"$scratch/k/badbase.variant"
expect 2 'badbase.variant:[0-9]+: base "allyes": expected minimal or defconfig' "base: an unknown one is refused with its line" \
	-- "$fl" variant check "$scratch/k/badbase.variant"
printf 'name = debbase\nsource = deb linux-image-6.1.0-50-cloud-amd64-unsigned\nbase = minimal\ncpus = 1\nmemory = 1G\n' >"$scratch/k/debbase.variant"
expect 2 'debbase.variant:3: base needs a source build' "base on a packaged kernel is refused" \
	-- "$fl" variant check "$scratch/k/debbase.variant"

expect 2 'variant "no-such-kernel": no .*no-such-kernel.variant' \
	"unknown variant name: exit 2 naming it" -- "$fl" variant show no-such-kernel
expect 2 'variant "no-such-kernel"' "key of an unknown variant: exit 2" \
	-- "$fl" variant key no-such-kernel
expect 2 "$scratch/none.variant:0: cannot read: No such file" "missing file: exit 2" \
	-- "$fl" variant show "$scratch/none.variant"
done_testing
