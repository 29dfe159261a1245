// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a result document read from disk, as `faultline
 * summary` takes it (harness/cli/cmd_summary.c): counted by validity,
 * then by its schema the header and the result, MPI or stress tables
 * (Markdown and terminal text), and its validity judged again over its
 * runs as a suite merge does; and as `faultline report` loads it
 * (rp_add_input on a memfd's /proc/self/fd path, series labels, workload
 * configurations; the figures are not drawn). The input is the file's
 * bytes.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis/summary.h"
#include "analysis/summary_validity.h"
#include "base/schema.h"
#include "base/faultline.h"
#include "base/validity.h"
#include "plots/report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	return 0;
}

/* What `faultline report` makes of the document as its one input. */
static void report_load(const uint8_t *data, size_t size)
{
	struct rp_report *r = calloc(1, sizeof(*r));
	char path[64], err[FL_ERR_LEN];
	int fd = memfd_create("result", MFD_CLOEXEC);

	if (!r || fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!rp_add_input(r, path, err, sizeof(err))) {
		rp_label_series(r);
		rp_build_configs(r);
	}
	rp_report_free(r);
	free(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_doc_count count = { 0 };
	const char *schema;
	json_t *doc;

	report_load(data, size);
	doc = json_loadb((const char *)data, size, 0, NULL);
	if (!doc)
		return 0;
	fl_doc_count_add(&count, doc);
	schema = json_string_value(json_object_get(doc, "schema"));
	if (schema && !strcmp(schema, FL_SCHEMA_RESULT)) {
		fl_summary_header(sink, doc, "fuzz", &count);
		fl_summary_table(sink, doc, 1);
		fl_summary_table(sink, doc, 0);
		fl_summary_kernel(sink, doc, 1);
		fl_validity_result_doc(doc);
	} else if (schema && !strcmp(schema, FL_SCHEMA_MPI)) {
		fl_summary_header(sink, doc, "fuzz", &count);
		fl_summary_mpi(sink, doc);
	} else if (schema && !strcmp(schema, FL_SCHEMA_STRESS)) {
		fl_summary_header(sink, doc, "fuzz", &count);
		fl_summary_stress(sink, doc);
	}
	json_decref(doc);
	return 0;
}
