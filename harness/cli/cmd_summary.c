// SPDX-License-Identifier: GPL-2.0
/* `faultline summary DIR`: DIR/summary.md from the result documents in DIR. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/summary.h"
#include "analysis/summary_validity.h"
#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/out_file.h"
#include "base/schema.h"
#include "cli/commands.h"

int cmd_summary(int argc, char **argv)
{
	struct fl_doc_count count = { 0 };
	struct dirent **names;
	char path[PATH_MAX], err[FL_ERR_LEN];
	struct fl_out_file o;
	int n, docs = 0, ret;
	FILE *f;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		printf("usage: faultline summary DIR\n\nWrite DIR/summary.md from the result files in DIR.\n");
		return argc == 2 ? FL_EXIT_OK : FL_EXIT_USAGE;
	}
	n = fl_json_files(argv[1], &names);
	if (n < 0) {
		fl_err("summary: %s: %s", argv[1], strerror(errno));
		return FL_EXIT_USAGE;
	}
	/*
	 * The header counts every document before the first is shown; a
	 * document out of its bounds is refused before anything is written.
	 */
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX];
		json_t *doc;

		snprintf(file, sizeof(file), "%s/%s", argv[1], names[i]->d_name);
		if (fl_doc_load(file, &doc, err, sizeof(err)) == -ERANGE) {
			fl_err("summary: %s", err);
			for (int k = 0; k < n; k++)
				free(names[k]);
			free(names);
			return FL_EXIT_USAGE;
		}
		fl_doc_count_add(&count, doc);
		json_decref(doc);
	}
	snprintf(path, sizeof(path), "%s/summary.md", argv[1]);
	ret = fl_out_open(&o, path, err, sizeof(err));
	if (ret) {
		fl_err("summary: %s", err);
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return fl_exit_for_errno(ret);
	}
	f = o.f;
	/* No documents here: a directory of per-variant directories? */
	if (!n) {
		int variants = fl_summary_variants(f, argv[1], err, sizeof(err));

		if (variants < 0) {
			fl_err("summary: %s", err);
			fl_out_discard(&o);
			free(names);
			return FL_EXIT_USAGE;
		}
		docs = variants > 0;
	}
	/* Guest clusters: their results are under each cluster's results/. */
	if (!docs) {
		int clusters = fl_summary_clusters(f, argv[1], err, sizeof(err));

		if (clusters < 0) {
			fl_err("summary: %s", err);
			fl_out_discard(&o);
			for (int i = 0; i < n; i++)
				free(names[i]);
			free(names);
			return FL_EXIT_USAGE;
		}
		if (clusters > 0) {
			for (int i = 0; i < n; i++)
				free(names[i]);
			n = 0;
			docs = 1;
		}
	}
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX];
		json_t *doc;

		snprintf(file, sizeof(file), "%s/%s", argv[1], names[i]->d_name);
		if (fl_doc_load(file, &doc, err, sizeof(err))) {
			fl_warn("summary: %s", err);
		} else {
			const char *schema = json_string_value(json_object_get(doc, "schema"));

			if (schema && !strcmp(schema, FL_SCHEMA_RESULT)) {
				if (!docs++)
					fl_summary_header(f, doc, argv[1], &count);
				fl_summary_table(f, doc, 1);
				fl_summary_kernel(f, doc, 1);
				fprintf(f, "source: `%s`\n\n", names[i]->d_name);
			} else if (schema && !strcmp(schema, FL_SCHEMA_MPI)) {
				if (!docs++)
					fl_summary_header(f, doc, argv[1], &count);
				fl_summary_mpi(f, doc);
				fprintf(f, "source: `%s`\n\n", names[i]->d_name);
			} else if (schema && !strcmp(schema, FL_SCHEMA_STRESS)) {
				if (!docs++)
					fl_summary_header(f, doc, argv[1], &count);
				fl_summary_stress(f, doc);
				fprintf(f, "source: `%s`\n\n", names[i]->d_name);
			}
		}
		json_decref(doc);
		free(names[i]);
	}
	free(names);
	if (!docs)
		fprintf(f, "# faultline summary\n\nNo result files in `%s`.\n", argv[1]);
	ret = fl_out_commit(&o, err, sizeof(err));
	if (ret) {
		fl_err("summary: %s", err);
		return fl_exit_for_errno(ret);
	}
	printf("%s\n", path);
	return docs ? FL_EXIT_OK : FL_EXIT_USAGE;
}
