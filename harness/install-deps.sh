#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages faultline needs for the given purposes
# (build, test, run). As root it runs apt-get; otherwise it prints the
# exact command and exits 3.
set -euo pipefail

declare -A need=(
	[build]="make gcc pkg-config libhwloc-dev libnuma-dev libjansson-dev zlib1g-dev libfuse3-dev fuse3"
	[test]="clang jq python3 python3-jsonschema util-linux libopenmpi-dev openmpi-bin qemu-system-x86 busybox-static cpio e2fsprogs"
	[run]="hwloc jq"
	[bpf]="clang libbpf-dev bpftool"
	[fuzz]="clang libclang-rt-dev"
	[mpi]="libopenmpi-dev openmpi-bin"
	[plots]="gnuplot-nox"
	[kernels]="qemu-system-x86 busybox-static cpio jq e2fsprogs"
	# Guest clusters (kernels/cluster.sh): the guests run the host's root.
	[cluster]="qemu-system-x86 busybox-static cpio jq e2fsprogs kmod iproute2 openssh-server openssh-client ocfs2-tools nfs-kernel-server openmpi-bin"
	[kernel-build]="make gcc flex bison bc libelf-dev libssl-dev dwarves xz-utils patch ccache"
)
# Without these faultline still builds, without its BPF collectors.
optional=bpf

missing() {
	for p in ${need[$1]}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			echo "$p"
	done
}

pkgs=() opt=()
for purpose in "${@:-build}"; do
	[ -n "${need[$purpose]+x}" ] || { echo "install-deps: unknown purpose '$purpose'" >&2; exit 2; }
	if [ "$purpose" = "$optional" ]; then
		opt+=($(missing "$purpose"))
	else
		pkgs+=($(missing "$purpose"))
	fi
done
if [ ${#opt[@]} -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null &&
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${opt[@]}" >&2; then
		:
	else
		echo "faultline: BPF collectors need: apt-get install -y ${opt[*]} (building without them)" >&2
	fi
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
	echo "faultline: missing packages; run as root:" >&2
	echo "  apt-get install -y ${pkgs[*]}" >&2
	exit 3
fi
echo "faultline: installing ${pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || true
apt-get install -y -qq "${pkgs[@]}" >&2
