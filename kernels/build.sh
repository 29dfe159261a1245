#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a source variant's kernel (tree, tarball or deb-source) into the
# cache and print its directory, as fetch.sh does for packaged kernels.
#   kernels/build.sh NAME|PATH
# Steps: source into KEY/src (apt-get download + the tarball inside the
# .deb, or the tarball, or a copy of the tree when there are patches;
# an unpatched tree is built in place with O=), the patches in order with
# patch -p1, the base config (x86_64 defconfig + kvm_guest.config), the
# variant's fragment, then kernels/suite.config (merge_config.sh),
# make olddefconfig, a check that every suite option survived, and
# make -j$(nproc) bzImage. KEY/build.log keeps the whole log; progress is
# one line per 500 compiled files. KEY/vmlinux keeps the symbols; the source
# and objects are removed after a build unless FAULTLINE_KEEP_BUILD is set. A finished key is reused; a tree is
# always re-made (incrementally), since it is keyed by its path.
# Exit: 0 built (the directory on stdout), 2 usage, 3 a tool, the source,
# a patch or the build failed.
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: kernels/build.sh NAME|PATH" >&2; exit 2; }
load_variant "$1" || exit 2
log=$dir/build.log

fail() { echo "build: $name: $*" >&2; exit 3; }
for tool in make gcc flex bison bc patch xz; do
	command -v $tool >/dev/null ||
		fail "$tool not found; run: harness/install-deps.sh kernel-build"
done
case $kind in tree|tarball|deb-source) ;; *) fail "source $kind is not built (fetch.sh takes it)" ;; esac
if [ -f "$dir/ready" ] && [ "$kind" != tree ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir"
rm -f "$dir/ready"
: >"$log"

# The source tree, and where objects go.
src=$dir/src obj=$dir/obj
npatches=$(jq '.patches | length' <<<"$v")
case $kind in
deb-source)
	pkg=$(jq -r .source.package <<<"$v")
	ver=$(jq -r '.source.version // empty' <<<"$v")
	if [ ! -d "$src" ]; then
		rm -rf "$dir/dl" && mkdir -p "$dir/dl"
		echo "build: $name: apt-get download $pkg${ver:+=$ver}" >&2
		if ! fl_run_group bash -c 'cd "$1" && exec apt-get download "$2"' apt-get \
			"$dir/dl" "$pkg${ver:+=$ver}" >>"$log" 2>&1; then
			fl_stop_check build.sh
			fail "apt-get download $pkg failed (see $log)"
		fi
		dpkg-deb -x "$dir"/dl/*.deb "$dir/dl/root"
		tarball=$(ls "$dir"/dl/root/usr/src/linux-source-*.tar.* 2>/dev/null | head -n 1)
		[ -n "$tarball" ] || fail "$pkg has no usr/src/linux-source-*.tar.*"
		echo "build: $name: unpacking ${tarball##*/}" >&2
		mkdir -p "$src.tmp" && tar -xf "$tarball" -C "$src.tmp" --strip-components=1
		rm -rf "$dir/dl"
	fi ;;
tarball)
	if [ ! -d "$src" ]; then
		echo "build: $name: unpacking $(jq -r .source.path <<<"$v")" >&2
		mkdir -p "$src.tmp" && tar -xf "$(jq -r .source.path <<<"$v")" -C "$src.tmp" --strip-components=1
	fi ;;
tree)
	tree=$(jq -r .source.path <<<"$v")
	if [ "$npatches" -eq 0 ]; then
		src=$tree
	else
		# Never patch the user's working copy: patch a copy of it.
		echo "build: $name: copying $tree to apply $npatches patches" >&2
		rm -rf "$dir/src" "$src.tmp"
		cp -a "$tree" "$src.tmp"
	fi ;;
esac

# Patches in file order, onto a fresh unpack only (a rerun after a failed
# build finds them applied already in $src).
if [ -d "$src.tmp" ]; then
	for i in $(seq 0 $((npatches - 1))); do
		p=$(jq -r ".patches[$i]" <<<"$v")
		echo "build: $name: patch $((i + 1))/$npatches ${p##*/}" >&2
		if ! patch -p1 --forward --batch -d "$src.tmp" <"$p" >>"$log" 2>&1; then
			rm -rf "$src.tmp"
			fail "patch $((i + 1))/$npatches $p does not apply (see $log)"
		fi
	done
	mv "$src.tmp" "$src"
fi

# The config: base, then the variant's fragment, then what the suite needs.
mkdir -p "$obj"
suite=$dir/suite.config
cp "$here/suite.config" "$suite"
if ! command -v pahole >/dev/null; then
	echo "build: $name: pahole not found (Debian package dwarves): building without BTF, so BPF collectors will not load" >&2
	sed -i 's/^CONFIG_DEBUG_INFO_BTF=y/# CONFIG_DEBUG_INFO_BTF is not set/' "$suite"
fi
fragment=$(jq -r '.config // empty' <<<"$v")
echo "build: $name: config: x86_64 defconfig + kvm_guest.config${fragment:+ + ${fragment##*/}} + suite.config" >&2
{
	make -C "$src" O="$obj" defconfig
	make -C "$src" O="$obj" kvm_guest.config
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" $fragment "$suite")
	make -C "$src" O="$obj" olddefconfig
} >>"$log" 2>&1 || fail "configuring failed (see $log)"
lost=
while read -r line; do
	case $line in CONFIG_*=*) grep -qx "$line" "$obj/.config" || lost+=" ${line%%=*}" ;; esac
done <"$suite"
[ -z "$lost" ] || fail "make olddefconfig dropped options the suite needs:$lost (their dependencies are off; see $obj/.config)"
cp "$obj/.config" "$dir/config"

# The build, with a progress line every 500 files compiled.
start=$(date +%s)
echo "build: $name: make -j$(nproc) bzImage (log: $log)" >&2
# A stop signal reaches make and every compiler (fl_run_group), not only us.
set +e
fl_run_group bash -c 'set -o pipefail
	make -C "$1" O="$2" -j"$3" bzImage 2>&1 | tee -a "$4" |
	awk "/^  CC/ { if (++n % 500 == 0) { printf \"build: %d files compiled\\n\", n > \"/dev/stderr\" } }"' \
	make "$src" "$obj" "$(nproc)" "$log"
status=$?
set -e
fl_stop_check build.sh
[ "$status" -eq 0 ] || { tail -n 20 "$log" >&2; fail "make bzImage failed (see $log)"; }
make -s -C "$src" O="$obj" kernelrelease 2>/dev/null | tail -n 1 >"$dir/release"
cp "$obj/arch/x86/boot/bzImage" "$dir/vmlinuz"
cp "$obj/vmlinux" "$dir/vmlinux"	# symbols to decode a guest's oops
mkdir -p "$dir/modules"
# A finished key is never rebuilt, so its 5 GB of source and objects go,
# unless asked to stay; a tree keeps its objects for incremental builds.
if [ "$kind" != tree ] && [ -z "${FAULTLINE_KEEP_BUILD:-}" ]; then
	rm -rf "$src" "$obj"
fi
echo "build: $name: $(cat "$dir/release") built in $(( $(date +%s) - start )) s" >&2
touch "$dir/ready"
echo "$dir"
