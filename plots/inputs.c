// SPDX-License-Identifier: GPL-2.0
/*
 * A report's inputs: result directories (one series each), the compare
 * document (faultline-compare/1) and the nightly history (JSON Lines), and
 * the workload configurations found across the series.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "report.h"

static const char *schema_of(json_t *doc)
{
	return json_string_value(json_object_get(doc, "schema")) ?: "";
}

/* Take one loaded document: a result joins @s, a compare document is kept. */
static int take_doc(struct rp_report *r, struct rp_series *s, json_t *doc,
		    const char *file, char *err, size_t len)
{
	const char *schema = schema_of(doc);

	if (!strcmp(schema, FL_SCHEMA_RESULT)) {
		char stem[256], *dot;
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;

		snprintf(stem, sizeof(stem), "%s", base);
		dot = strrchr(stem, '.');
		if (dot && !strcmp(dot, ".json"))
			*dot = '\0';
		json_array_append(s->docs, doc);
		json_array_append_new(s->stems, json_string(stem));
		json_array_append_new(s->files, json_string(file));
		return 0;
	}
	if (!strcmp(schema, FL_SCHEMA_COMPARE)) {
		if (r->compare)	/* --compare, or an earlier DIR's, wins */
			return 0;
		r->compare = json_incref(doc);
		snprintf(r->compare_path, sizeof(r->compare_path), "%s", file);
		return 0;
	}
	if (!strncmp(schema, FL_SCHEMA_PREFIX, strlen(FL_SCHEMA_PREFIX))) {
		/* Not plotted, but their validity is reported. */
		s->nr_other++;
		json_array_append(s->others, doc);
		json_array_append_new(s->other_files, json_string(file));
		return 0;
	}
	fl_set_err(err, len, "report: %s: not a faultline document (schema \"%s\")",
		   file, schema);
	return -EINVAL;
}

static int scan_dir(struct rp_report *r, struct rp_series *s, const char *dir,
		    char *err, size_t len)
{
	struct dirent **names;
	int n = fl_json_files(dir, &names), ret = 0;

	if (n < 0) {
		fl_set_err(err, len, "report: %s: %s", dir, strerror(errno));
		return -errno;
	}
	err[0] = '\0';
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX], msg[FL_ERR_LEN];
		json_t *doc = NULL;

		snprintf(file, sizeof(file), "%s/%s", dir, names[i]->d_name);
		if (!ret)
			ret = fl_doc_load(file, &doc, msg, sizeof(msg));
		/*
		 * A document out of its bounds is refused; one that is not
		 * JSON, or foreign, does not hide the others.
		 */
		if (ret == -ERANGE) {
			if (!err[0])
				fl_set_err(err, len, "report: %s", msg);
		} else if (ret) {
			fl_warn("report: %s", msg);
			ret = 0;
		} else if (take_doc(r, s, doc, file, msg, sizeof(msg))) {
			fl_warn("%s; ignored", msg);
		}
		json_decref(doc);
		free(names[i]);
	}
	free(names);
	return ret;
}

static void series_free(struct rp_series *s)
{
	json_decref(s->docs);
	json_decref(s->stems);
	json_decref(s->files);
	json_decref(s->others);
	json_decref(s->other_files);
	s->docs = s->stems = s->files = s->others = s->other_files = NULL;
}

int rp_add_input(struct rp_report *r, const char *path, char *err, size_t len)
{
	struct rp_series *s = &r->series[r->nr_series];
	bool had_compare = r->compare;
	struct stat st;
	int ret;

	if (stat(path, &st)) {
		fl_set_err(err, len, "report: %s: %s", path, strerror(errno));
		return -errno;
	}
	if (r->nr_series == RP_MAX_SERIES) {
		fl_set_err(err, len, "report: %s: at most %d result sets in one report",
			   path, RP_MAX_SERIES);
		return -E2BIG;
	}
	*s = (struct rp_series){ .docs = json_array(), .stems = json_array(),
				 .files = json_array(), .others = json_array(),
				 .other_files = json_array() };
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (S_ISDIR(st.st_mode)) {
		ret = scan_dir(r, s, path, err, len);
	} else {
		char msg[FL_ERR_LEN];
		json_t *doc;

		ret = fl_doc_load(path, &doc, msg, sizeof(msg));
		if (ret) {
			fl_set_err(err, len, "report: %s", msg);
		} else {
			ret = take_doc(r, s, doc, path, err, len);
			json_decref(doc);
		}
	}
	if (!ret && !json_array_size(s->docs) && !(r->compare && !had_compare)) {
		fl_set_err(err, len, "report: %s: no faultline result files (*.json of schema faultline-result/1)%s",
			   path, s->nr_other ? "; only stress or MPI documents, which have no figures" : "");
		ret = -ENOENT;
	}
	if (ret || !json_array_size(s->docs)) {
		/* Not a series: a failure, or only a compare document. */
		series_free(s);
		return ret;
	}
	r->nr_series++;
	return 0;
}

static void base_name(char *buf, size_t len, const char *path)
{
	char tmp[PATH_MAX], *slash;
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s", path);
	n = strlen(tmp);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	slash = strrchr(tmp, '/');
	snprintf(buf, len, "%s", slash && slash[1] ? slash + 1 : tmp);
}

/*
 * A series is labelled with its kernel variant and accelerator; when two
 * series would read the same, both are labelled with their directory's name.
 */
void rp_label_series(struct rp_report *r)
{
	for (int i = 0; i < r->nr_series; i++) {
		struct rp_series *s = &r->series[i];
		json_t *doc = json_array_get(s->docs, 0);

		snprintf(s->variant, sizeof(s->variant), "%s",
			 json_string_value(json_object_get(doc, "variant")) ?: "?");
		snprintf(s->accel, sizeof(s->accel), "%s",
			 json_string_value(json_object_get(doc, "accel")) ?: "?");
		snprintf(s->label, sizeof(s->label), "%s (%s)", s->variant, s->accel);
	}
	for (int i = 0; i < r->nr_series; i++) {
		bool dup = false;

		for (int j = 0; j < r->nr_series; j++)
			if (j != i && !strcmp(r->series[i].variant, r->series[j].variant))
				dup = true;
		if (dup)
			base_name(r->series[i].label, sizeof(r->series[i].label),
				  r->series[i].path);
	}
	/* Same directory names too: number them. */
	for (int i = 0; i < r->nr_series; i++)
		for (int j = i + 1; j < r->nr_series; j++)
			if (!strcmp(r->series[i].label, r->series[j].label)) {
				size_t n = strlen(r->series[j].label);

				snprintf(r->series[j].label + (n > 180 ? 180 : n),
					 sizeof(r->series[j].label) - (n > 180 ? 180 : n),
					 " #%d", j + 1);
			}
}

static void params_text(json_t *params, char *buf, size_t len)
{
	const char *key;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach(params, key, v) {
		if (json_is_string(v))
			fl_fmt_cat(buf, len, "%s%s=%s", *buf ? " " : "", key, json_string_value(v));
		else if (json_is_integer(v))
			fl_fmt_cat(buf, len, "%s%s=%lld", *buf ? " " : "", key,
			       (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			fl_fmt_cat(buf, len, "%s%s=%s", *buf ? " " : "", key,
			       json_is_true(v) ? "on" : "off");
	}
}

/*
 * The actors' mode when it is not threads (what every older document ran):
 * processes measure something else, so it is part of a configuration.
 */
static const char *other_mode(json_t *wl)
{
	const char *m = json_string_value(json_object_get(json_object_get(wl, "run_options"),
							  "mode"));

	return m && strcmp(m, "threads") ? m : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct rp_config *add_config(struct rp_report *r, const char *key,
				    const char *stem, json_t *doc)
{
	json_t *wl = json_object_get(doc, "workload");
	struct rp_config *c, *m;
	char name[80];

	m = realloc(r->configs, (size_t)(r->nr_configs + 1) * sizeof(*m));
	if (!m)
		return NULL;
	r->configs = m;
	c = &r->configs[r->nr_configs];
	*c = (struct rp_config){ 0 };
	snprintf(c->key, sizeof(c->key), "%s", key);
	snprintf(c->workload, sizeof(c->workload), "%s",
		 json_string_value(json_object_get(wl, "name")) ?: "?");
	c->params_obj = json_incref(json_object_get(wl, "params"));
	params_text(c->params_obj, c->params, sizeof(c->params));
	if (other_mode(wl))
		fl_fmt_cat(c->params, sizeof(c->params), " mode=%s", other_mode(wl));
	snprintf(c->mode, sizeof(c->mode), "%s", other_mode(wl) ?: "threads");
	/* Two configurations from files of one name: page_fault1, page_fault1-2. */
	rp_safe_name(name, sizeof(name), stem);
	snprintf(c->name, sizeof(c->name), "%s", name);
	for (int k = 2, clash = 1; clash; k++) {
		clash = 0;
		for (int i = 0; i < r->nr_configs; i++)
			clash |= !strcmp(r->configs[i].name, c->name);
		if (clash)
			snprintf(c->name, sizeof(c->name), "%s-%d", name, k);
	}
	r->nr_configs++;
	return c;
}

/*
 * A configuration's identity: the workload and its params with keys sorted
 * and numbers by value, so 0 and 0.0 (a copy through jq) are the same, and
 * the actors' mode other than threads.
 */
static void config_key(char *buf, size_t len, json_t *wl)
{
	json_t *params = json_object_get(wl, "params");
	const char *keys[128];
	size_t n = 0;
	const char *k;
	json_t *v;

	snprintf(buf, len, "%s", json_string_value(json_object_get(wl, "name")) ?: "?");
	json_object_foreach(params, k, v)
		if (n < ARRAY_SIZE(keys))
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++) {
		v = json_object_get(params, keys[i]);
		if (json_is_number(v)) {
			fl_fmt_cat(buf, len, " %s=%.17g", keys[i], json_number_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			fl_fmt_cat(buf, len, " %s=%s", keys[i], s ?: "?");
			free(s);
		}
	}
	if (other_mode(wl))
		fl_fmt_cat(buf, len, " mode=%s", other_mode(wl));
}

/*
 * Series of different accelerators never share a figure: emulated and
 * native CPUs are not comparable, so then each accelerator gets its own
 * configurations, named "page_fault1-tcg".
 */
int rp_build_configs(struct rp_report *r)
{
	bool mixed = false;

	for (int s = 1; s < r->nr_series; s++)
		mixed |= strcmp(r->series[s].accel, r->series[0].accel) != 0;
	for (int s = 0; s < r->nr_series; s++) {
		json_t *doc;
		size_t i;

		json_array_foreach(r->series[s].docs, i, doc) {
			const char *stem = json_string_value(json_array_get(r->series[s].stems, i));
			struct rp_config *c = NULL;
			char key[1024], name[160];

			config_key(key, sizeof(key), json_object_get(doc, "workload"));
			snprintf(name, sizeof(name), "%s", stem ?: "?");
			if (mixed) {
				fl_fmt_cat(key, sizeof(key), " accel=%s", r->series[s].accel);
				fl_fmt_cat(name, sizeof(name), "-%s", r->series[s].accel);
			}
			for (int k = 0; k < r->nr_configs; k++)
				if (!strcmp(r->configs[k].key, key))
					c = &r->configs[k];
			if (!c)
				c = add_config(r, key, name, doc);
			if (!c)
				return -ENOMEM;
			/* Several files of one configuration: their runs together. */
			if (!c->runs[s])
				c->runs[s] = json_array();
			json_array_extend(c->runs[s], json_object_get(doc, "runs"));
		}
	}
	return 0;
}

int rp_load_compare(struct rp_report *r, const char *path, char *err, size_t len)
{
	char msg[FL_ERR_LEN];
	json_t *doc;

	if (fl_doc_load(path, &doc, msg, sizeof(msg))) {
		fl_set_err(err, len, "report: %s", msg);
		return -EINVAL;
	}
	if (strcmp(schema_of(doc), FL_SCHEMA_COMPARE) ||
	    !json_is_array(json_object_get(doc, "metrics"))) {
		fl_set_err(err, len, "report: %s: not a compare document (want schema faultline-compare/1 with metrics[])",
			   path);
		json_decref(doc);
		return -EINVAL;
	}
	json_decref(r->compare);
	r->compare = doc;
	snprintf(r->compare_path, sizeof(r->compare_path), "%s", path);
	return 0;
}

/* One JSON object per line; lines that are not are skipped with a warning. */
int rp_load_history(struct rp_report *r, const char *path, char *err, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, bad = 0, ret = 0;
	struct stat st;
	FILE *f;

	/* A FIFO would keep the report waiting. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fl_set_err(err, len, "report: history %s: not a regular file", path);
		return -EINVAL;
	}
	f = fopen(path, "r");
	if (!f) {
		fl_set_err(err, len, "report: history %s: %s", path, strerror(errno));
		return -errno;
	}
	r->history = json_array();
	snprintf(r->history_path, sizeof(r->history_path), "%s", path);
	while (getline(&line, &cap, f) > 0) {
		char where[PATH_MAX + 16], msg[FL_ERR_LEN];
		json_error_t jerr;
		json_t *o;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		o = json_loads(line, 0, &jerr);
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (!json_is_object(o)) {
			if (!bad++)
				fl_warn("report: %s: not a JSON object: %s", where,
					o ? "" : jerr.text);
		} else if (fl_doc_check(o, FL_DOC_HISTORY_LINE, where, msg, sizeof(msg))) {
			/* Out of bounds: refused, as any document is. */
			fl_set_err(err, len, "report: %s", msg);
			json_decref(o);
			ret = -ERANGE;
			break;
		} else {
			json_array_append(r->history, o);
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	if (bad > 1)
		fl_warn("report: %s: %d lines skipped", path, bad);
	return ret;
}

void rp_report_free(struct rp_report *r)
{
	for (int s = 0; s < r->nr_series; s++)
		series_free(&r->series[s]);
	for (int i = 0; i < r->nr_configs; i++) {
		json_decref(r->configs[i].params_obj);
		for (int s = 0; s < RP_MAX_SERIES; s++)
			json_decref(r->configs[i].runs[s]);
	}
	free(r->configs);
	for (int i = 0; i < r->nr_figs; i++)
		free(r->figs[i]);
	free(r->figs);
	json_decref(r->compare);
	json_decref(r->history);
}
