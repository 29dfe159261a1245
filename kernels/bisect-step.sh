#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One step of `faultline bisect`: build a prefix of a series (its variant
# file, written by the bisect), boot it and run one faultline command.
#   kernels/bisect-step.sh VARIANT-FILE STEP-DIR NAME -- FAULTLINE-ARGS...
# Leaves STEP-DIR/NAME, the document `faultline FAULTLINE-ARGS --out FILE`
# wrote in the guest, and the guest's console.log and boot.json.
# Exit: 0 the command ran (whatever it found); 1 the kernel failed (panic,
# oops, hang: boot.json says why); 125 this prefix cannot be built (a
# patch does not apply, make failed); 2 usage; 3 a missing tool, or no
# document came home; 4 interrupted.
# First, without a fork: from here on no stop signal is lost (lib.sh).
case $0 in */*) . "${0%/*}/lib.sh" ;; *) . ./lib.sh ;; esac
set -uo pipefail

[ $# -ge 5 ] && [ "$4" = -- ] ||
	{ echo "usage: kernels/bisect-step.sh VARIANT-FILE STEP-DIR NAME -- FAULTLINE-ARGS..." >&2; exit 2; }
variant=$1 step=$2 doc=$3
shift 4
load_variant "$variant" || exit 2
fl_run "$here/fetch.sh" "$variant" >/dev/null
st=$?
fl_stop_check bisect-step.sh
if [ $st -ne 0 ]; then
	[ $st -eq 3 ] && [ -f "$dir/broken" ] && exit 125
	exit $st
fi
rm -f "$step/boot.json" "$step/$doc"
fl_run "$here/boot.sh" "$variant" "$step" -- "$@" --out "/results/$doc"
st=$?
fl_stop_check bisect-step.sh
[ "$(jq -r .status "$step/boot.json" 2>/dev/null)" = failed ] && exit 1
[ -f "$step/$doc" ] && exit 0
echo "bisect-step: $doc did not come home from the guest (boot.sh exited $st; see $step/console.log)" >&2
exit 3
