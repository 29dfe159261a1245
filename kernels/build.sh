#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a source variant's kernel (tree, tarball or deb-source) into the
# cache and print its directory, as fetch.sh does for packaged kernels.
#   kernels/build.sh NAME|PATH
# The build tree: a tarball or deb-source is unpacked once into
# trees/TREEKEY/ (`faultline variant key --tree`: source, base config,
# fragment; not the patches), and kept. A variant's patches are applied
# there as a stack: the applied ones that are not a prefix of the wanted
# series are reverted (patch -R, from the copies kept beside the tree),
# the rest applied in order, so a series one patch longer rebuilds only
# what that patch changes. A tree source is the user's working copy: built
# in place with O= when unpatched, else from a fresh copy with its patches.
# The config, made once per tree: base = minimal (the default): tinyconfig
# + kvm_guest.config + kernels/minimal.config; base = defconfig: x86_64
# defconfig + kvm_guest.config; then the variant's fragment, then
# kernels/suite.config (merge_config.sh), make olddefconfig, and a check
# that every suite option survived. make -j$(nproc) bzImage, through
# ccache when it is installed. KEY/ gets vmlinuz, vmlinux (symbols),
# source (the tree it was built from), release, config and build.log (one
# progress line per 500 files).
# Exit: 0 built (the directory on stdout), 2 usage, 3 a tool, the source,
# a patch or the build failed, 4 interrupted. When the variant itself is
# what cannot be built (a patch does not apply, make failed), KEY/broken
# says so, as against a missing tool: a bisect skips such a prefix.
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: kernels/build.sh NAME|PATH" >&2; exit 2; }
load_variant "$1" || exit 2
log=$dir/build.log

fail() { echo "build: $name: $*" >&2; exit 3; }
broken() { echo "$*" >"$dir/broken"; fail "$@"; }
for tool in make gcc flex bison bc patch xz sha256sum; do
	command -v $tool >/dev/null ||
		fail "$tool not found; run: harness/install-deps.sh kernel-build"
done
case $kind in tree|tarball|deb-source) ;; *) fail "source $kind is not built (fetch.sh takes it)" ;; esac
if [ -f "$dir/ready" ] && [ "$kind" != tree ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir"
rm -f "$dir/ready" "$dir/broken"
: >"$log"
base=$(jq -r .base <<<"$v")
npatches=$(jq '.patches | length' <<<"$v")

# unpack DEST: the tarball or deb-source's tarball, into DEST.
unpack() {
	local pkg ver tarball dl=$1.dl
	case $kind in
	deb-source)
		pkg=$(jq -r .source.package <<<"$v")
		ver=$(jq -r '.source.version // empty' <<<"$v")
		rm -rf "$dl" && mkdir -p "$dl"
		echo "build: $name: apt-get download $pkg${ver:+=$ver}" >&2
		if ! fl_run_group bash -c 'cd "$1" && exec apt-get download "$2"' apt-get \
			"$dl" "$pkg${ver:+=$ver}" >>"$log" 2>&1; then
			fl_stop_check build.sh
			fail "apt-get download $pkg failed (see $log)"
		fi
		dpkg-deb -x "$dl"/*.deb "$dl/root"
		tarball=$(ls "$dl"/root/usr/src/linux-source-*.tar.* 2>/dev/null | head -n 1)
		[ -n "$tarball" ] || fail "$pkg has no usr/src/linux-source-*.tar.*" ;;
	tarball)
		tarball=$(jq -r .source.path <<<"$v") ;;
	esac
	echo "build: $name: unpacking ${tarball##*/}" >&2
	rm -rf "$1.tmp" && mkdir -p "$1.tmp"
	tar -xf "$tarball" -C "$1.tmp" --strip-components=1
	mv "$1.tmp" "$1"
	rm -rf "$dl"
}

# The patch stack of a kept tree: applied/NNNN.patch are copies of what
# was applied, in order, so that reverting never depends on the variant's
# files staying as they were.
stack_sync() {
	local i k=0 have=() want=() p
	mkdir -p "$tree/applied"
	for p in "$tree"/applied/*.patch; do [ -e "$p" ] && have+=("$p"); done
	for i in $(seq 0 $((npatches - 1))); do want+=("$(jq -r ".patches[$i]" <<<"$v")"); done
	while [ $k -lt ${#have[@]} ] && [ $k -lt ${#want[@]} ] && cmp -s "${have[$k]}" "${want[$k]}"; do
		k=$((k + 1))
	done
	for ((i = ${#have[@]} - 1; i >= k; i--)); do
		echo "build: $name: reverting ${have[$i]##*/} of the tree's stack" >&2
		if ! patch -R -p1 --batch -d "$src" <"${have[$i]}" >>"$log" 2>&1; then
			# The tree no longer matches its stack: start it afresh.
			echo "build: $name: the tree's patches do not revert; starting it afresh" >&2
			forget_tree
			return 1
		fi
		rm -f "${have[$i]}"
	done
	for ((i = k; i < ${#want[@]}; i++)); do
		echo "build: $name: patch $((i + 1))/$npatches ${want[$i]##*/}" >&2
		if ! patch -p1 --forward --batch -d "$src" <"${want[$i]}" >>"$log" 2>&1; then
			# Half applied, maybe: the next build starts from a fresh tree.
			forget_tree
			broken "patch $((i + 1))/$npatches ${want[$i]} does not apply (see $log)"
		fi
		cp "${want[$i]}" "$tree/applied/$(printf '%04d' $((i + 1))).patch"
	done
}

# The source tree, and where objects go.
case $kind in
deb-source|tarball)
	tree=$cache/trees/$("$fl" variant key --tree "$1")
	src=$tree/src obj=$tree/obj
	forget_tree() { rm -rf "$tree"; }
	[ -d "$src" ] || { forget_tree; mkdir -p "$tree"; unpack "$src"; }
	if ! stack_sync; then
		mkdir -p "$tree" && unpack "$src"
		stack_sync
	fi ;;
tree)
	tree=$dir src=$(jq -r .source.path <<<"$v") obj=$dir/obj
	forget_tree() { rm -rf "$dir/src" "$dir/applied"; }
	if [ "$npatches" -gt 0 ]; then
		# Never patch the user's working copy: patch a copy of it.
		echo "build: $name: copying $src to apply $npatches patches" >&2
		forget_tree
		cp -a "$src" "$dir/src"
		src=$dir/src
		stack_sync
	fi ;;
esac

# The config, once per tree (and again when the recipe's files change):
# the base, then the variant's fragment, then what the suite needs.
mkargs=(-C "$src" O="$obj") ccache=
if command -v ccache >/dev/null; then
	ccache=1
	mkargs+=(CC="ccache gcc")
fi
mkdir -p "$obj"
suite=$tree/suite.config
cp "$here/suite.config" "$suite"
if ! command -v pahole >/dev/null; then
	echo "build: $name: pahole not found (Debian package dwarves): building without BTF, so BPF collectors will not load" >&2
	sed -i 's/^CONFIG_DEBUG_INFO_BTF=y/# CONFIG_DEBUG_INFO_BTF is not set/' "$suite"
fi
fragment=$(jq -r '.config // empty' <<<"$v")
case $base in
minimal) base_targets=(tinyconfig kvm_guest.config) base_files=("$here/minimal.config")
	 what="tinyconfig + kvm_guest.config + minimal.config" ;;
*) base_targets=(defconfig kvm_guest.config) base_files=()
   what="x86_64 defconfig + kvm_guest.config" ;;
esac
inputs=$(cat "${base_files[@]}" $fragment "$suite" | sha256sum | cut -c1-64)
if [ "$(cat "$tree/config.inputs" 2>/dev/null)" != "$inputs" ] || [ ! -f "$obj/.config" ]; then
	echo "build: $name: config: $what${fragment:+ + ${fragment##*/}} + suite.config" >&2
	rm -f "$tree/config.inputs"
	{
		for t in "${base_targets[@]}"; do make "${mkargs[@]}" "$t"; done
		(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
			"${base_files[@]}" $fragment "$suite")
		make "${mkargs[@]}" olddefconfig
	} >>"$log" 2>&1 || fail "configuring failed (see $log)"
	lost=
	while read -r line; do
		case $line in CONFIG_*=*) grep -qx "$line" "$obj/.config" || lost+=" ${line%%=*}" ;; esac
	done < <(cat "$suite")
	[ -z "$lost" ] || fail "make olddefconfig dropped options the suite needs:$lost (their dependencies are off; see $obj/.config)"
	echo "$inputs" >"$tree/config.inputs"
fi
cp "$obj/.config" "$dir/config"

# The build, with a progress line every 500 files compiled. A stop signal
# reaches make and every compiler (fl_run_group), not only us.
start=$(date +%s)
echo "build: $name: make -j$(nproc) bzImage${ccache:+ (ccache)} (log: $log)" >&2
set +e
fl_run_group bash -c 'set -o pipefail; log=$1; shift
	make "$@" bzImage 2>&1 | tee -a "$log" |
	awk "/^  CC/ { if (++n % 500 == 0) { printf \"build: %d files compiled\\n\", n > \"/dev/stderr\" } }"' \
	make "$log" "${mkargs[@]}" -j"$(nproc)"
status=$?
set -e
fl_stop_check build.sh
[ "$status" -eq 0 ] || { tail -n 20 "$log" >&2; broken "make bzImage failed (see $log)"; }
make -s "${mkargs[@]}" kernelrelease 2>/dev/null | tail -n 1 >"$dir/release"
cp "$obj/arch/x86/boot/bzImage" "$dir/vmlinuz"
cp "$obj/vmlinux" "$dir/vmlinux"	# symbols to decode a guest's oops
echo "$src" >"$dir/source"		# ... to source lines relative to this tree
mkdir -p "$dir/modules"
echo "build: $name: $(cat "$dir/release") built in $(( $(date +%s) - start )) s" >&2
touch "$dir/ready"
echo "$dir"
