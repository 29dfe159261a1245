/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numbers a run's kernel-side collectors declared they measure
 * (run.kernel.collectors.NAME.metrics): compare and the summaries iterate
 * over them instead of naming a collector's metrics.
 */
#ifndef FL_DECLARED_H
#define FL_DECLARED_H

#include <jansson.h>
#include <stdbool.h>

/*
 * Every declaration of @run's collectors, in the collectors' order: objects
 * with name, path (in a node's object), label, unit, better, family and
 * compare. Documents written before collectors declared their metrics get
 * the declarations kfault and mmaplock made then. A new reference.
 */
json_t *fl_declared_metrics(json_t *run);

/*
 * The collectors of @run that declared node list @list (nodes[].@list[],
 * run.kernel.collectors.NAME.lists), in the collectors' order: objects
 * with collector, complete and status. Documents written before collectors
 * declared lists get what lockcon, folio and mmaplock filled then. A new
 * reference.
 */
json_t *fl_declared_lists(json_t *run, const char *list);

/*
 * A collector that records every entry of @list ran fine in @run: a node
 * without the list had none.
 */
bool fl_list_complete(json_t *run, const char *list);

#endif /* FL_DECLARED_H */
