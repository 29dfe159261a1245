// SPDX-License-Identifier: GPL-2.0
/* `faultline variant`: list, show, check kernel variants; print cache keys. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "cli/commands.h"
#include "variant/variant.h"

static void variant_usage(FILE *f)
{
	fprintf(f, "usage: faultline variant list\n"
		"       faultline variant show NAME|PATH [--json]\n"
		"       faultline variant check FILE...\n"
		"       faultline variant key [--tree] NAME|PATH\n\n"
		"Kernel variants: kernels/NAME.variant files saying where a kernel comes\n"
		"from and the machine to boot it on (format: kernels/README.md).\n\n"
		"  list   every variant in %s: name, source, description\n"
		"  show   one variant, defaults filled in and paths absolute\n"
		"  check  validate files; problems are reported as FILE:LINE: problem\n"
		"  key    the build cache key: a hash of the source, the base config,\n"
		"         the patches in order, the config fragment and the build recipe\n"
		"         version; --tree: the same without the patches, the key of the\n"
		"         build tree their prefixes share\n\n"
		"A NAME is kernels/NAME.variant; anything with a '/' or ending in\n"
		".variant is a path.\n\n"
		"Exit: 0 ok, 2 a variant is invalid or missing, or bad usage.\n",
		fl_kernels_dir());
}

static int variant_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 8 && !strcmp(d->d_name + n - 8, ".variant");
}

static int variant_list(void)
{
	const char *dir = fl_kernels_dir();
	struct dirent **ents;
	char err[FL_ERR_LEN], path[4096];
	int n, status = FL_EXIT_OK;

	n = scandir(dir, &ents, variant_filter, alphasort);
	if (n < 0) {
		fl_err("variant list: %s: %s", dir, strerror(errno));
		return FL_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		struct fl_variant *v;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (fl_variant_load(path, &v, err, sizeof(err))) {
			fl_err("%s", err);
			status = FL_EXIT_USAGE;
		} else {
			printf("%-14s %-48s %s\n", v->name, v->source_spec,
			       v->description);
			fl_variant_free(v);
		}
		free(ents[i]);
	}
	free(ents);
	return status;
}

static void show_text(const struct fl_variant *v)
{
	char size[32];

	printf("%-12s %s\n", "name", v->name);
	printf("%-12s %s\n", "file", v->file);
	if (v->description[0])
		printf("%-12s %s\n", "description", v->description);
	printf("%-12s %s\n", "source", v->source_spec);
	for (int i = 0; i < v->nr_patches; i++)
		printf("patch %-6d %s\n", i + 1, v->patches[i]);
	if (v->config)
		printf("%-12s %s\n", "config", v->config);
	printf("%-12s %s\n", "accel", fl_variant_accel_name(v->accel));
	if (v->source == FL_VSRC_HOST)
		return;
	printf("%-12s %u\n", "cpus", v->cpus);
	printf("%-12s %s\n", "memory", fl_variant_size(v->memory, size, sizeof(size)));
	for (int i = 0; i < v->nr_nodes; i++)
		printf("node %-7d cpus=%s memory=%s\n", i, v->nodes[i].cpulist,
		       fl_variant_size(v->nodes[i].memory, size, sizeof(size)));
	printf("%-12s %s%s%s\n", "cmdline", FL_VARIANT_BOOT_ARGS,
	       v->cmdline[0] ? " " : "", v->cmdline);
	printf("%-12s %u s\n", "timeout", v->timeout);
}

static int variant_show(int argc, char **argv)
{
	const char *which = NULL;
	struct fl_variant *v;
	char err[FL_ERR_LEN];
	bool json = false;
	json_t *doc;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' || which) {
			fl_err("variant show: unexpected \"%s\" (usage: faultline variant show NAME|PATH [--json])",
			       argv[i]);
			return FL_EXIT_USAGE;
		} else {
			which = argv[i];
		}
	}
	if (!which) {
		fl_err("variant show: which variant? (usage: faultline variant show NAME|PATH [--json])");
		return FL_EXIT_USAGE;
	}
	ret = fl_variant_load(which, &v, err, sizeof(err));
	if (ret) {
		fl_err("%s", err);
		return FL_EXIT_USAGE;
	}
	if (!json) {
		show_text(v);
		fl_variant_free(v);
		return FL_EXIT_OK;
	}
	doc = fl_variant_json(v);
	fl_variant_free(v);
	if (!doc) {
		fl_err("variant show: out of memory");
		return FL_EXIT_RESOURCE;
	}
	ret = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	putchar('\n');
	return ret ? FL_EXIT_USAGE : FL_EXIT_OK;
}

static int variant_check(int argc, char **argv)
{
	char err[FL_ERR_LEN];
	int status = FL_EXIT_OK;

	if (argc < 2) {
		fl_err("variant check: no files (usage: faultline variant check FILE...)");
		return FL_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		struct fl_variant *v;

		if (fl_variant_load(argv[i], &v, err, sizeof(err))) {
			fl_err("%s", err);
			status = FL_EXIT_USAGE;
			continue;
		}
		printf("%s: ok\n", argv[i]);
		fl_variant_free(v);
	}
	return status;
}

static int variant_key(int argc, char **argv)
{
	struct fl_variant *v;
	char err[FL_ERR_LEN], key[33];
	bool tree = argc == 3 && !strcmp(argv[1], "--tree");
	int ret;

	if (tree) {
		argc--;
		argv++;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fl_err("variant key: expected one variant (usage: faultline variant key [--tree] NAME|PATH)");
		return FL_EXIT_USAGE;
	}
	ret = fl_variant_load(argv[1], &v, err, sizeof(err));
	if (!ret) {
		ret = (tree ? fl_variant_tree_key : fl_variant_cache_key)(v, key, err, sizeof(err));
		fl_variant_free(v);
	}
	if (ret) {
		fl_err("%s", err);
		return fl_exit_for_errno(ret);
	}
	printf("%s\n", key);
	return FL_EXIT_OK;
}

int cmd_variant(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			variant_usage(stdout);
			return FL_EXIT_OK;
		}
	}
	if (!sub) {
		variant_usage(stderr);
		return FL_EXIT_USAGE;
	}
	if (!strcmp(sub, "list")) {
		if (argc > 2) {
			fl_err("variant list takes no arguments");
			return FL_EXIT_USAGE;
		}
		return variant_list();
	}
	if (!strcmp(sub, "show"))
		return variant_show(argc - 1, argv + 1);
	if (!strcmp(sub, "check"))
		return variant_check(argc - 1, argv + 1);
	if (!strcmp(sub, "key"))
		return variant_key(argc - 1, argv + 1);
	fl_err("variant: unknown subcommand \"%s\" (list, show, check or key)", sub);
	return FL_EXIT_USAGE;
}
