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
