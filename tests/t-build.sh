#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels/build.sh without compiling a kernel: a small source tarball and
# tree, and a stand-in `make` on PATH that acts out kbuild's targets
# (defconfig, olddefconfig, bzImage, kernelrelease). What is checked is
# build.sh's own logic: patches applied in order (and the first that does
# not apply named), the fragment and suite.config merged, options dropped
# by olddefconfig named, the cache reused, a user's tree never patched.
. "$(dirname "$0")/lib.sh" || exit 1
root=$(cd "$FL_TESTS/.." && pwd)
build=$root/kernels/build.sh
export FAULTLINE FAULTLINE_KERNEL_CACHE=$scratch/cache

# The stand-ins: make logs each target; the build tools only need to exist.
bin=$scratch/bin
mkdir -p "$bin"
cat >"$bin/make" <<'MAKE'
#!/bin/bash
src= obj= target=
for a; do
	case $a in
	-C) ;; O=*) obj=${a#O=} ;; -s|-j*) ;;
	CC=*) cc=$a ;;
	*) [ -d "$a" ] && src=$a || target=$a ;;
	esac
done
echo "$target" >>"$STUB_LOG"
[ -z "${cc:-}" ] || echo "$target $cc" >>"$STUB_CC_LOG"
case $target in
defconfig|tinyconfig) printf 'CONFIG_BASE=y\n# CONFIG_FUSE_FS is not set\n' >"$obj/.config" ;;
kvm_guest.config) echo CONFIG_KVM_GUEST=y >>"$obj/.config" ;;
olddefconfig) [ -n "${STUB_DROP:-}" ] && sed -i "/^$STUB_DROP=/d" "$obj/.config"; true ;;
bzImage)
	# STUB_SLOW: a long build with a "compiler" child, its pid in the file.
	if [ -n "${STUB_SLOW:-}" ]; then
		sh -c 'echo $$ >"$STUB_SLOW"; exec sleep 60'; exit 2
	fi
	for i in $(seq 1 1000); do echo "  CC      f$i.o"; done
	mkdir -p "$obj/arch/x86/boot" && echo kernel >"$obj/arch/x86/boot/bzImage" && echo syms >"$obj/vmlinux" ;;
kernelrelease) echo 6.1.0-stub ;;
esac
MAKE
for tool in flex bison bc; do printf '#!/bin/sh\n' >"$bin/$tool"; done
chmod +x "$bin"/*
export PATH=$bin:$PATH STUB_LOG=$scratch/make.log STUB_CC_LOG=$scratch/cc.log

# A tiny "kernel": one source file and kbuild's merge_config.sh stand-in.
v=$scratch/v
tree=$v/linux
mkdir -p "$tree/init" "$tree/scripts/kconfig" "$v/patches"
printf 'start\nbanner\nend\n' >"$tree/init/main.c"
cat >"$tree/scripts/kconfig/merge_config.sh" <<'MERGE'
#!/bin/sh
# merge_config.sh -m -O DIR BASE FRAGMENT...: later files win; here, appended.
shift 3
base=$1; shift
cat "$@" >>"$base"
MERGE
chmod +x "$tree/scripts/kconfig/merge_config.sh"
cp -a "$tree" "$scratch/pristine"
# 0002 edits the line 0001 adds: it applies only after it.
cp -a "$tree" "$scratch/p1" && sed -i 's/^banner$/banner\nseries 0001/' "$scratch/p1/init/main.c"
cp -a "$scratch/p1" "$scratch/p2" && sed -i 's/^series 0001$/series 0001 0002/' "$scratch/p2/init/main.c"
(cd "$scratch" && diff -u pristine/init/main.c p1/init/main.c | sed 's|^--- pristine/|--- a/|; s|^+++ p1/|+++ b/|') >"$v/patches/0001.patch"
(cd "$scratch" && diff -u p1/init/main.c p2/init/main.c | sed 's|^--- p1/|--- a/|; s|^+++ p2/|+++ b/|') >"$v/patches/0002.patch"
tar -czf "$v/linux.tar.gz" -C "$v" linux
echo 'CONFIG_EXAMPLE=y' >"$v/frag.config"
variant() {	# variant NAME SOURCE PATCH... (BASE= adds a base line, FRAG= names the fragment)
	local name=$1 source=$2; shift 2
	{
		echo "name = $name"; echo "source = $source"
		[ -z "${BASE:-}" ] || echo "base = $BASE"
		for p; do echo "patch = patches/$p"; done
		echo "config = ${FRAG:-frag.config}"; echo "cpus = 1"; echo "memory = 1G"
	} >"$v/$name.variant"
}

variant ordered "tarball linux.tar.gz" 0001.patch 0002.patch
dir=$("$build" "$v/ordered.variant" 2>"$scratch/err")
st=$?
[ $st -eq 0 ] && [ "$(cat "$dir/release")" = 6.1.0-stub ] && [ -s "$dir/vmlinuz" ] && [ -s "$dir/vmlinux" ] &&
	[ -f "$dir/ready" ] && [ -s "$dir/build.log" ]
ok $? "a tarball with two patches builds into the cache (exit $st)"
[ $st -eq 0 ] || diag "$(tail -5 "$scratch/err")"
grep -qx 'CONFIG_EXAMPLE=y' "$dir/config" && grep -qx 'CONFIG_FUSE_FS=y' "$dir/config" &&
	grep -qx 'CONFIG_BPF_SYSCALL=y' "$dir/config" && grep -qx 'CONFIG_KVM_GUEST=y' "$dir/config" &&
	grep -qx 'CONFIG_VM_EVENT_COUNTERS=y' "$dir/config"
ok $? "config (base minimal, the default): tinyconfig + kvm_guest.config + minimal.config + the fragment + suite.config"
[ "$(tr '\n' ' ' <"$STUB_LOG")" = "tinyconfig kvm_guest.config olddefconfig bzImage kernelrelease " ]
ok $? "kbuild targets in order: $(tr '\n' ' ' <"$STUB_LOG")"
grep -q 'build: 500 files compiled' "$scratch/err" && grep -q 'built in' "$scratch/err"
ok $? "progress is shown"
trees=$FAULTLINE_KERNEL_CACHE/trees
[ ! -e "$dir/src" ] && [ "$(ls "$trees" | wc -l)" = 1 ] && ls "$trees"/*/applied | tr '\n' ' ' | grep -qx '0001.patch 0002.patch '
ok $? "the build tree is kept apart (trees/), its applied patches beside it"

: >"$STUB_LOG"
[ "$("$build" "$v/ordered.variant" 2>/dev/null)" = "$dir" ] && [ ! -s "$STUB_LOG" ]
ok $? "a second build of the same inputs reuses the cache without running make"

# 15.2: a series one patch shorter, then one longer: the tree is reused,
# only the difference is reverted or applied, and make runs again.
variant first "tarball linux.tar.gz" 0001.patch
: >"$STUB_LOG"
d1=$("$build" "$v/first.variant" 2>"$scratch/err")
st=$?
t=$(ls -d "$trees"/*)
[ $st -eq 0 ] && ! grep -q unpacking "$scratch/err" && grep -q 'reverting 0002.patch' "$scratch/err" &&
	! grep -q 'patch 1/1' "$scratch/err" && grep -qx bzImage "$STUB_LOG" && ! grep -qx tinyconfig "$STUB_LOG" &&
	grep -q '^series 0001$' "$t/src/init/main.c"
ok $? "a shorter series: no unpacking, no new config, 0002 reverted, make again (exit $st)"
sed '1i From: a header line patch ignores' "$v/patches/0002.patch" >"$v/patches/0002b.patch"
variant longer "tarball linux.tar.gz" 0001.patch 0002b.patch
d2=$("$build" "$v/longer.variant" 2>"$scratch/err")
st=$?
[ $st -eq 0 ] && [ "$d2" != "$d1" ] && ! grep -q -e unpacking -e reverting -e 'patch 1/2' "$scratch/err" &&
	grep -q 'patch 2/2 0002b.patch' "$scratch/err" && grep -q '^series 0001 0002$' "$t/src/init/main.c"
ok $? "a longer series: only the new patch applied, in the same tree (exit $st)"

variant reversed "tarball linux.tar.gz" 0002.patch 0001.patch
expect 3 'patch 1/2 .*0002.patch does not apply' "patches out of order: exit 3 naming the patch" \
	-- "$build" "$v/reversed.variant"

[ ! -e "$trees/${t##*/}" ]
ok $? "a patch that does not apply: the tree is dropped, to start afresh next time"
variant again "tarball linux.tar.gz"
"$build" "$v/again.variant" >/dev/null 2>"$scratch/err" && grep -q unpacking "$scratch/err"
ok $? "and the next build unpacks it again"

BASE=defconfig variant full "tarball linux.tar.gz"
: >"$STUB_LOG"
"$build" "$v/full.variant" >/dev/null 2>&1 && [ "$(head -n 2 "$STUB_LOG" | tr '\n' ' ')" = "defconfig kvm_guest.config " ]
ok $? "base = defconfig starts from x86_64 defconfig: $(head -n 2 "$STUB_LOG" | tr '\n' ' ')"
printf '#!/bin/sh\nexec "$@"\n' >"$bin/ccache" && chmod +x "$bin/ccache"
: >"$STUB_CC_LOG"
BASE=defconfig variant cached "tarball linux.tar.gz" 0001.patch
"$build" "$v/cached.variant" >/dev/null 2>&1 && grep -qx 'bzImage CC=ccache gcc' "$STUB_CC_LOG"
ok $? "with ccache installed, make builds through it (CC=ccache gcc)"
rm -f "$bin/ccache"

echo 'CONFIG_OTHER=y' >"$v/frag2.config"
FRAG=frag2.config variant dropped "tarball linux.tar.gz" 0001.patch
STUB_DROP=CONFIG_FUSE_FS expect 3 'dropped options the suite needs: CONFIG_FUSE_FS' \
	"an option olddefconfig drops: exit 3 naming it" -- "$build" "$v/dropped.variant"

variant tree "tree linux" 0001.patch 0002.patch
dir=$("$build" "$v/tree.variant" 2>/dev/null)
st=$?
[ $st -eq 0 ] && cmp -s "$tree/init/main.c" "$scratch/pristine/init/main.c"
ok $? "a tree with patches is built from a patched copy; the tree itself is untouched (exit $st)"

variant plain "tree linux"
"$build" "$v/plain.variant" >/dev/null 2>&1 && : >"$STUB_LOG" &&
	"$build" "$v/plain.variant" >/dev/null 2>&1 && grep -qx bzImage "$STUB_LOG" &&
	[ -z "$(ls "$tree" | grep -v -x -e init -e scripts)" ]
ok $? "an unpatched tree builds in place with O= and is re-made each time (incremental)"

# R4: a stop signal to build.sh reaches make and its compilers.
for sig in TERM INT; do
	FRAG=frag2.config variant "slow-${sig,,}" "tarball linux.tar.gz"
	rm -f "$scratch/cc.pid"
	STUB_SLOW=$scratch/cc.pid env --default-signal=INT "$build" "$v/slow-${sig,,}.variant" >/dev/null 2>"$scratch/slow.err" &
	pid=$!
	for _ in $(seq 100); do [ -s "$scratch/cc.pid" ] && break; sleep 0.05; done
	kill -s $sig $pid
	wait $pid
	st=$?
	cc=$(cat "$scratch/cc.pid" 2>/dev/null)
	sleep 0.2
	[ $st -eq 4 ] && [ -n "$cc" ] && ! alive "$cc" && grep -q "interrupted by SIG$sig" "$scratch/slow.err"
	ok $? "SIG$sig to build.sh during make: exit 4 ($st), the compiler under make is gone too"
	[ -n "$cc" ] && kill -9 "$cc" 2>/dev/null
done

printf 'name = img\nsource = image linux.tar.gz\ncpus = 1\nmemory = 1G\n' >"$v/img.variant"
expect 3 'not built' "an image variant is not built: exit 3" -- "$build" "$v/img.variant"
expect 2 'usage' "build.sh without a variant: exit 2" -- "$build"
done_testing
