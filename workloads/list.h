/* SPDX-License-Identifier: GPL-2.0 */
/* Every workload, one line each: WORKLOAD(name) for `struct workload wl_name`. */
WORKLOAD(fault)
