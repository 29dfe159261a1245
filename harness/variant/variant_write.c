// SPDX-License-Identifier: GPL-2.0
/*
 * A variant as a file again, paths absolute: what `faultline bisect`
 * boots for each prefix of a series is its variant with fewer patches.
 */
#include <stdio.h>

#include "variant/variant.h"

int fl_variant_write(const struct fl_variant *v, const char *name,
		     int nr_patches, FILE *f)
{
	char size[32];

	if (nr_patches < 0 || nr_patches > v->nr_patches)
		return -1;
	fprintf(f, "# %s with the first %d of its %d patches (written by faultline)\n",
		v->name, nr_patches, v->nr_patches);
	fprintf(f, "name = %s\n", name);
	if (*v->description)
		fprintf(f, "description = %s\n", v->description);
	fprintf(f, "source = %s\n", v->source_spec);
	for (int i = 0; i < nr_patches; i++)
		fprintf(f, "patch = %s\n", v->patches[i]);
	if (v->config)
		fprintf(f, "config = %s\n", v->config);
	if (v->source >= FL_VSRC_TREE)
		fprintf(f, "base = %s\n", fl_variant_base_name(v->base));
	if (v->source != FL_VSRC_HOST) {
		fprintf(f, "cpus = %u\n", v->cpus);
		fprintf(f, "memory = %s\n", fl_variant_size(v->memory, size, sizeof(size)));
		for (int i = 0; i < v->nr_nodes; i++)
			fprintf(f, "node = cpus=%s memory=%s\n", v->nodes[i].cpulist,
				fl_variant_size(v->nodes[i].memory, size, sizeof(size)));
		if (*v->cmdline)
			fprintf(f, "cmdline = %s\n", v->cmdline);
		fprintf(f, "accel = %s\n", fl_variant_accel_name(v->accel));
		fprintf(f, "timeout = %u\n", v->timeout);
	}
	return ferror(f) ? -1 : 0;
}
