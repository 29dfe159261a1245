# SPDX-License-Identifier: GPL-2.0
# Sourced first by the kernels/ scripts: the stop signals' traps
# (harness/stop.sh), where this tree's faultline and the kernel cache are,
# and one reading of a variant.
. "${BASH_SOURCE[0]%/*}/../harness/stop.sh"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fl=${FAULTLINE:-$here/../build/faultline}
# Built and fetched kernels, one directory per build cache key.
cache=${FAULTLINE_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultline/kernels}

# worst A B: the worse of two exit codes, in faultline's order: 4, 3, 2,
# 1 (a check failed), 5 (ran, but untrustworthy), 0.
worst() {
	local rank=(0 2 3 4 5 1) a=$1 b=$2
	[ "$a" -gt 5 ] && a=2
	[ "$b" -gt 5 ] && b=2
	if [ "${rank[$b]}" -gt "${rank[$a]}" ]; then echo "$b"; else echo "$a"; fi
}

# load_variant NAME|PATH: sets v (faultline variant show --json), name,
# kind (the source kind) and dir (its cache directory); 2 on a bad variant.
load_variant() {
	local key
	v=$("$fl" variant show "$1" --json) || return 2
	key=$("$fl" variant key "$1") || return 2
	name=$(jq -r .name <<<"$v")
	kind=$(jq -r .source.kind <<<"$v")
	dir=$cache/$key
}

# add_module ROOT NAME: copy the module NAME of the variant's kernel ($kdir)
# into the initramfs ROOT's lib/modules, after its dependencies, and its
# file name to lib/modules/order, the order the guest loads them in
# (ROOT.kos and ROOT.added, beside ROOT, keep what it has seen).
add_module() {
	local root=$1 m=${2//-/_} ko dep
	[ -f "$root.kos" ] || find -L "$kdir/modules" -name '*.ko' >"$root.kos"
	grep -qx "$m" "$root.added" 2>/dev/null && return 0
	echo "$m" >>"$root.added"
	ko=$(grep -E "/${m//_/[-_]}\.ko$" "$root.kos" | head -n 1)
	if [ -z "$ko" ]; then
		# Built in, or a kernel built without modules (source builds).
		[ -f "$kdir/modules/modules.builtin" ] &&
			! grep -qE "/${m//_/[-_]}\.ko$" "$kdir/modules/modules.builtin" &&
			echo "kernels: $name: module $m is neither built in nor in $kdir/modules" >&2
		return 0
	fi
	# depends= in the .modinfo strings: no kmod needed on the host.
	for dep in $(tr '\0' '\n' <"$ko" | grep -a -m1 '^depends=' | cut -d= -f2 | tr , ' '); do
		add_module "$root" "$dep"
	done
	cp "$ko" "$root/lib/modules/"
	echo "${ko##*/}" >>"$root/lib/modules/order"
}

# node_address K: guest K's address on a cluster's own Ethernet segment
# (kernels/cluster.sh), which nothing outside the guests can reach.
node_address() {
	echo "10.77.0.$(($1 + 1))"
}
