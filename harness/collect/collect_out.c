// SPDX-License-Identifier: GPL-2.0
/*
 * What a collector fills in for one window: its per-node objects. Apart
 * from collect.c, which links every collector, so collectors link only this.
 */
#include <stdio.h>

#include "collect/collect.h"

json_t *fl_collect_node(struct fl_collect_out *out, int node)
{
	char key[16];
	json_t *o;

	snprintf(key, sizeof(key), "%d", node);
	o = json_object_get(out->nodes, key);
	if (!o) {
		o = json_object();
		json_object_set_new(out->nodes, key, o);
	}
	return o;
}
