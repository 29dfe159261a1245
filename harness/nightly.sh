#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Nightly regression (./run.sh --nightly): `faultline nightly` runs the
# suite, judges it against the baseline pool (a change must clear the
# threshold and k times the pool's own drift), appends the history, writes
# the report, says one verdict and adds only clean nights to the pool.
#   harness/nightly.sh --baseline DIR --out DIR [--suite NAME]
#       [--threshold PCT] [--drift K] [--history FILE] [--update-baseline]
#       [--baseline-runs N] [-- RUN-OPTIONS]
# Exit: 0 ok; 1 a regression or a failed check; 2 usage or environment;
# 4 interrupted; 5 blind to a headline metric, or a result untrustworthy.
# `faultline nightly --help` says more.
# First, without a fork: from here on a stop signal gives exit 4.
case $0 in */*) . "${0%/*}/stop.sh" ;; *) . ./stop.sh ;; esac
fl=${FAULTLINE:-$(cd "$(dirname "$0")/.." && pwd)/build/faultline}
fl_run "$fl" nightly "$@"
status=$?
fl_stop_check nightly.sh
exit $status
