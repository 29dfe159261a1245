#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Decode a kernel's stack traces to source lines, as the kernel's
# scripts/decode_stacktrace.sh does, without its source tree:
#   kernels/decode-stacks.sh VMLINUX [SRCDIR] <console >decoded
# Every line with a frame of VMLINUX (SYMBOL+0xOFF/0xLEN, not a module's
# [name]) gets " FILE:LINE" appended, with "(inlined by) FILE:LINE" for
# each inlining; SYMBOL+OFF is relative, so KASLR does not matter. Other
# lines pass unchanged. FILE is relative to SRCDIR, the source tree the
# kernel was built from, when given (mm/filemap.c:3237). VMLINUX needs
# debug info (boot.sh checks).
# Exit: 0; 2 usage; 3 addr2line or nm missing.
set -uo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] && [ -f "$1" ] ||
	{ echo "usage: kernels/decode-stacks.sh VMLINUX [SRCDIR] <console" >&2; exit 2; }
vmlinux=$1 srcdir=${2:+${2%/}/}
for tool in nm addr2line; do
	command -v $tool >/dev/null || { echo "decode-stacks: $tool not found (binutils)" >&2; exit 3; }
done
# Symbol addresses, once: "NAME ADDRESS" for text symbols.
declare -A addr
while read -r a t n; do
	case $t in t|T|w|W) addr[$n]=$a ;; esac
done < <(nm "$vmlinux" 2>/dev/null)

frame='([A-Za-z0-9_.$]+)\+0x([0-9a-f]+)/0x[0-9a-f]+'
while IFS= read -r line; do
	# A module's frame ("... [fuse]") is not in vmlinux.
	if [[ ! $line =~ $frame\ \[ ]] && [[ $line =~ $frame ]] && [ -n "${addr[${BASH_REMATCH[1]}]:-}" ]; then
		at=$(printf '%x' $((0x${addr[${BASH_REMATCH[1]}]} + 0x${BASH_REMATCH[2]})))
		src=$(addr2line -e "$vmlinux" -i "$at" 2>/dev/null | sed '2,$s/^/(inlined by) /' | paste -sd' ')
		[ -n "$srcdir" ] && src=${src//"$srcdir"/}
		[[ -n $src && $src != *'??:'* ]] && line+=" $src"
	fi
	printf '%s\n' "$line"
done
