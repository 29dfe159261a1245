#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch a variant's kernel into the cache, outside the git tree, and print
# the directory that holds it: vmlinuz, release (the kernel release) and
# modules/ (its lib/modules/RELEASE). Source variants are built by build.sh. Usage: kernels/fetch.sh NAME|PATH
# The cache is $FAULTLINE_KERNEL_CACHE, else ~/.cache/faultline/kernels,
# one directory per build cache key (faultline variant key).
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: kernels/fetch.sh NAME|PATH" >&2; exit 2; }
load_variant "$1" || exit 2

# Publish the kernel and its modules under fixed names.
publish() {	# publish ROOT: ROOT has boot/vmlinuz-* and lib/modules/*
	local img rel
	img=$(ls "$1"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$img" ] || { echo "fetch: $name: no boot/vmlinuz-* in the package" >&2; exit 3; }
	rel=${img##*/vmlinuz-}
	ln -sfn "$img" "$dir/vmlinuz"
	ln -sfn "$1/lib/modules/$rel" "$dir/modules"
	echo "$rel" >"$dir/release"
}

case $kind in
host)
	echo "fetch: $name runs on the host kernel natively: nothing to fetch" >&2
	exit 2 ;;
deb)
	if [ ! -f "$dir/ready" ]; then
		pkg=$(jq -r .source.package <<<"$v")
		ver=$(jq -r '.source.version // empty' <<<"$v")
		rm -rf "$dir" && mkdir -p "$dir"
		echo "fetch: $name: apt-get download $pkg${ver:+=$ver}" >&2
		# A stop signal reaches apt-get and its download methods too.
		if ! fl_run_group bash -c 'cd "$1" && exec apt-get download "$2"' apt-get \
			"$dir" "$pkg${ver:+=$ver}" >"$dir/fetch.log" 2>&1; then
			fl_stop_check fetch.sh
			echo "fetch: $name: apt-get download $pkg failed:" >&2
			tail -n 3 "$dir/fetch.log" >&2
			exit 3
		fi
		dpkg-deb -x "$dir"/*.deb "$dir/root"
		rm -f "$dir"/*.deb
		publish "$dir/root"
		touch "$dir/ready"
	fi ;;
image)
	img=$(jq -r .source.path <<<"$v")
	mods=$(jq -r '.source.modules // empty' <<<"$v")
	mkdir -p "$dir"
	ln -sfn "$img" "$dir/vmlinuz"
	[ -n "$mods" ] && ln -sfn "$mods" "$dir/modules"
	file -bL "$img" | grep -o 'version [^ ]*' | cut -d' ' -f2 >"$dir/release" || true ;;
tree|tarball|deb-source)
	exec "$here/build.sh" "$1" ;;
*)
	echo "fetch: $name: unknown source kind $kind" >&2
	exit 3 ;;
esac
echo "$dir"
