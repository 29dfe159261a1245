#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A kernel that hangs in the middle of a multi-check stress command (issue
# 14, R5). The hang is injected with FAULTLINE_STRESS_FREEZE_BEFORE, which
# freezes the guest's ext4 disk and writes to it: the command blocks in
# the kernel (D state) for good. Here: the hook's refusals, on the host.
. "$(dirname "$0")/lib.sh"
root=$(cd "$FL_TESTS/.." && pwd)
fl=$FAULTLINE
export FAULTLINE
# boot.sh's work directories go here, so the test sees only its own.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"

# The hook freezes a filesystem: never on the host, never a typo.
expect 2 'FAULTLINE_STRESS_FREEZE_BEFORE=eof_boundary: .*only in a kernels/boot.sh guest' \
	"R5: the freeze hook refuses to run outside a guest (exit 2)" \
	-- env -u FAULTLINE_ACCEL FAULTLINE_STRESS_FREEZE_BEFORE=eof_boundary "$fl" stress eof_boundary --dir "$scratch"
expect 2 'FAULTLINE_STRESS_FREEZE_BEFORE="nope": not a check' \
	"R5: the freeze hook names an unknown check (exit 2)" \
	-- env FAULTLINE_STRESS_FREEZE_BEFORE=nope "$fl" stress eof_boundary --dir "$scratch"

done_testing
