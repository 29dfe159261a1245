/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numbers a run's kernel-side collectors declared they measure
 * (run.kernel.collectors.NAME.metrics): compare and the summaries iterate
 * over them instead of naming a collector's metrics.
 */
#ifndef FL_DECLARED_H
#define FL_DECLARED_H

#include <jansson.h>

/*
 * Every declaration of @run's collectors, in the collectors' order: objects
 * with name, path (in a node's object), label, unit, better, family and
 * compare. Documents written before collectors declared their metrics get
 * the declarations kfault and mmaplock made then. A new reference.
 */
json_t *fl_declared_metrics(json_t *run);

#endif /* FL_DECLARED_H */
