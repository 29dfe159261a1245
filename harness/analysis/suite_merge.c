// SPDX-License-Identifier: GPL-2.0
/* A suite configuration's per-repetition documents merged into one. */
#include <string.h>

#include "analysis/suite_merge.h"
#include "base/faultline.h"
#include "base/validity.h"

/* Set the word after the last @opt of the "command" array to @value. */
static void set_command_value(json_t *doc, const char *opt, json_t *value)
{
	json_t *cmd = json_object_get(doc, "command");

	for (size_t i = json_array_size(cmd); i-- > 1;)
		if (!strcmp(json_string_value(json_array_get(cmd, i - 1)) ?: "", opt)) {
			json_array_set(cmd, i, value);
			break;
		}
	json_decref(value);
}

/* The exit code of a part without its untrustworthy mark (judged again). */
static int part_code(json_t *doc)
{
	int code = (int)json_integer_value(json_object_get(doc, "exit_code"));

	return code == FL_EXIT_UNTRUSTWORTHY ? FL_EXIT_OK : code;
}

json_t *fl_suite_merge(char *const *paths, int n, const char *out, char *err,
		       size_t len)
{
	json_t *merged = NULL, *runs = json_array(), *run;
	int code = FL_EXIT_OK;
	json_error_t jerr;
	char reps[16];

	for (int k = 0; k < n; k++) {
		json_t *doc = json_load_file(paths[k], 0, &jerr);
		const char *status;
		size_t i;

		if (!doc || !json_is_array(json_object_get(doc, "runs"))) {
			fl_set_err(err, len, "suite: %s: %s", paths[k],
				   doc ? "not a result (no runs)" : jerr.text);
			json_decref(doc);
			json_decref(merged);
			json_decref(runs);
			return NULL;
		}
		json_array_foreach(json_object_get(doc, "runs"), i, run) {
			json_object_set_new(run, "repeat", json_integer(k));
			json_array_append(runs, run);
		}
		code = fl_exit_worst(code, part_code(doc));
		status = json_string_value(json_object_get(doc, "status"));
		if (!merged) {
			merged = doc;
			continue;
		}
		/* The first part that did not end "ok" says how the whole ended. */
		if (!strcmp(json_string_value(json_object_get(merged, "status")) ?: "ok", "ok") &&
		    status && strcmp(status, "ok")) {
			json_object_set(merged, "status", json_object_get(doc, "status"));
			json_object_set(merged, "error", json_object_get(doc, "error"));
		}
		json_object_set(merged, "written", json_object_get(doc, "written"));
		json_decref(doc);
	}
	if (!merged) {
		fl_set_err(err, len, "suite: %s: no repetition to merge", out);
		json_decref(runs);
		return NULL;
	}
	if (!json_object_get(merged, "error") || json_is_null(json_object_get(merged, "error")))
		json_object_del(merged, "error");
	json_object_set_new(merged, "runs", runs);
	json_object_set_new(json_object_get(json_object_get(merged, "workload"), "run_options"),
			    "repeat", json_integer(n));
	json_object_set_new(json_object_get(json_object_get(merged, "workload"), "run_options"),
			    "out", json_string(out));
	snprintf(reps, sizeof(reps), "%d", n);
	set_command_value(merged, "--repeat", json_string(reps));
	set_command_value(merged, "--out", json_string(out));
	fl_validity_result_doc(merged);
	if (!fl_validity_ok(merged))
		code = fl_exit_worst(code, FL_EXIT_UNTRUSTWORTHY);
	json_object_set_new(merged, "exit_code", json_integer(code));
	return merged;
}
