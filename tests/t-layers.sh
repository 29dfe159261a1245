#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The architecture holds: every include names its folder and never climbs
# with ../, each folder includes only what harness/layers allows, nothing
# includes cli/, and no two objects need each other (no link-level cycle).
. "$(dirname "$0")/lib.sh" || exit 1
once_per_make_test "the source tree's layering (the same for every build)"
root=$(cd "$FL_TESTS/.." && pwd)
obj=$(dirname "$FAULTLINE")/obj
cd "$root" || exit 2

declare -A allowed
while read -r folder rest; do
	case $folder in ''|'#'*) continue ;; esac
	allowed[$folder]=" $folder $rest "
done <harness/layers

# The folder a source file belongs to: harness/X/... -> X, else top level.
folder_of() {
	case $1 in
	harness/*/*) local f=${1#harness/}; echo "${f%%/*}" ;;
	*) echo "${1%%/*}" ;;
	esac
}

sources=$(find harness plots workloads tests -name '*.[ch]' ! -name '*.bpf.[ch]' | sort)

# Folder-qualified includes: a harness header is "folder/x.h" everywhere;
# a file outside harness/ may name its own folder's headers bare.
climbs= bare= broken= crossing= missing=
for src in $sources; do
	folder=$(folder_of "$src")
	[ -n "${allowed[$folder]:-}" ] || missing+=" $folder"
	while IFS= read -r inc; do
		case $inc in
		../*|*/../*) climbs+=" $src:$inc"; continue ;;
		*.skel.h|vmlinux.h) continue ;;	# generated into the build directory
		*/*) ;;
		*)
			[ -f "$(dirname "$src")/$inc" ] && [[ $src != harness/* ]] && continue
			bare+=" $src:$inc"; continue ;;
		esac
		case $inc in
		workloads/*list.h) continue ;;	# the X-macro lists that build registries
		plots/*|workloads/*|tests/*) target=${inc%%/*}; path=$inc ;;
		*) target=${inc%%/*}; path=harness/$inc ;;
		esac
		[ -f "$path" ] || { broken+=" $src:$inc"; continue; }
		[ "$target" = cli ] && [ "$folder" != cli ] && [ "$folder" != tests ] &&
			{ crossing+=" $src:$inc"; continue; }
		[[ ${allowed[$folder]:-} == *" $target "* ]] || crossing+=" $src:$inc"
	done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$src")
done
[ -z "$missing" ]
ok $? "every folder has a line in harness/layers${missing:+ (missing:$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' '))}"
[ -z "$climbs" ]
ok $? "no include climbs with ../${climbs:+:$climbs}"
[ -z "$bare" ]
ok $? "harness headers are included with their folder${bare:+:$bare}"
[ -z "$broken" ]
ok $? "every folder-qualified include names a file that exists${broken:+:$broken}"
[ -z "$crossing" ]
ok $? "each folder includes only what harness/layers allows, nothing includes cli/${crossing:+:$crossing}"

# The rules themselves climb one way: a folder may not allow one that
# allows it back (tsort finds the loop).
for folder in "${!allowed[@]}"; do
	for dep in ${allowed[$folder]}; do
		[ "$dep" != "$folder" ] && echo "$dep $folder"
	done
done >"$scratch/rules"
tsort "$scratch/rules" >/dev/null 2>"$scratch/rules.loop"
ok $? "harness/layers has no loop$( [ -s "$scratch/rules.loop" ] && echo ": $(tr '\n' ' ' <"$scratch/rules.loop")")"

# Link-level cycles: object A needs a symbol of B and B one of A's,
# directly or around a longer loop. Objects of today's sources only.
objects=
for src in $(find harness plots workloads -name '*.c' ! -name '*.bpf.c' ! -path 'harness/mpi/*' \
	! -path 'workloads/mpi/*' ! -path 'harness/bench/*'); do
	[ -f "$obj/${src%.c}.o" ] && objects+=" ${src%.c}.o"
done
if [ -z "$objects" ]; then
	ok 1 "objects to check for link-level cycles in $obj"
	done_testing
fi
(cd "$obj" && for o in $objects; do
	nm -g --defined-only "$o" | awk -v o="$o" '$2 ~ /^[TDBR]$/ { print "D", $3, o }'
	nm -u "$o" | awk -v o="$o" '{ print "U", $2, o }'
done) | awk '$1 == "D" { def[$2] = $3; next }
	     ($2 in def) && def[$2] != $3 { print $3, def[$2] }' | sort -u >"$scratch/links"
tsort "$scratch/links" >/dev/null 2>"$scratch/links.loop"
ok $? "no link-level cycle among $(echo $objects | wc -w) objects$( [ -s "$scratch/links.loop" ] &&
	echo ": $(grep -v 'contains a loop' "$scratch/links.loop" | sed 's/^tsort: //' | tr '\n' ' ')")"
done_testing
