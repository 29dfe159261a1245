// SPDX-License-Identifier: GPL-2.0
/* none: no invalidator; the runs of a workload without one. */
#include "inval/kind.h"

const struct fl_inval_ops fl_inval_none = { 0 };
