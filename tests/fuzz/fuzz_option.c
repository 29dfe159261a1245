// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the option parser (harness/base/option.c) over the
 * tables `faultline run` parses, the run options and a workload's own,
 * then what a run does with what it parsed: the workload's validate(),
 * the thread counts expanded, every value formatted back as a result's
 * "params". The input's first byte picks the workload; the rest is argv,
 * words separated by NUL bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/option.h"
#include "base/thread_list.h"
#include "run/runner.h"
#include "run/workload.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split @text (@n bytes and a NUL after them) at NUL bytes into @argv. */
static int split_words(char *text, size_t n, char **argv, int cap)
{
	int argc = 0;

	for (size_t i = 0; i <= n && argc < cap; i += strlen(text + i) + 1)
		argv[argc++] = text + i;
	return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct workload *wl;
	struct fl_run_opts opts;
	char err[FL_ERR_LEN], *text, *argv[MAX_ARGS];
	int nr_wl = 0, argc, counts[FL_THREADS_LIMIT];
	void *params;
	json_t *json;

	if (!size)
		return 0;
	while (fl_workloads[nr_wl])
		nr_wl++;
	wl = fl_workloads[data[0] % nr_wl];
	text = malloc(size);
	params = calloc(1, wl->params_size);
	if (!text || !params)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	argc = size > 1 ? split_words(text, size - 1, argv, MAX_ARGS) : 0;

	memset(&opts, 0, sizeof(opts));
	struct fl_opt_set sets[] = {
		{ fl_run_options, &opts },
		{ wl->options, params },
	};
	if (fl_opt_defaults(sets, 2, err, sizeof(err)))
		abort();	/* the shipped defaults must parse */
	if (!fl_opt_parse(sets, 2, argc, argv, err, sizeof(err)) &&
	    (!wl->validate || !wl->validate(params, err, sizeof(err)))) {
		fl_threads_expand(&opts.threads, 2, counts, FL_THREADS_LIMIT);
		fl_threads_expand(&opts.threads, FL_THREADS_LIMIT, counts,
				  FL_THREADS_LIMIT);
		json = fl_opt_json(fl_run_options, &opts);
		json_decref(json);
		json = fl_opt_json(wl->options, params);
		json_decref(json);
	}
	free(params);
	free(text);
	return 0;
}
