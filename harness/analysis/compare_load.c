// SPDX-License-Identifier: GPL-2.0
/*
 * The two sides of `faultline compare`: result documents loaded from
 * files, directories and directories of directories, and whether the
 * sides may be compared at all.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analysis/compare.h"
#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/schema.h"

static const char *str_at(json_t *o, const char *a, const char *b,
			  const char *c)
{
	o = json_object_get(o, a);
	if (b)
		o = json_object_get(o, b);
	if (c)
		o = json_object_get(o, c);
	return json_string_value(o);
}

static bool is_compared(const char *schema)
{
	return !strcmp(schema, FL_SCHEMA_RESULT) ||
	       !strcmp(schema, FL_SCHEMA_STRESS);
}

/* @doc joins the side, in group @group. */
static int add_doc(struct fl_cmp_side *s, const char *path, json_t *doc,
		   int group)
{
	char **files = realloc(s->files, (size_t)(s->nr_docs + 1) * sizeof(*files));
	json_t **docs;
	int *groups;

	if (!files)
		return -ENOMEM;
	s->files = files;
	docs = realloc(s->docs, (size_t)(s->nr_docs + 1) * sizeof(*docs));
	if (!docs)
		return -ENOMEM;
	s->docs = docs;
	groups = realloc(s->group, (size_t)(s->nr_docs + 1) * sizeof(*groups));
	if (!groups)
		return -ENOMEM;
	s->group = groups;
	s->group[s->nr_docs] = group;
	s->files[s->nr_docs] = strdup(path);
	if (!s->files[s->nr_docs])
		return -ENOMEM;
	s->docs[s->nr_docs++] = doc;
	return 0;
}

/*
 * One JSON file. Inside a directory, faultline's other documents (MPI
 * results, comparisons, boot records) are skipped quietly and anything
 * else (the schemas in results/) with a warning; named on the command line
 * they are an error, as is anything that is not JSON.
 */
static int load_file(struct fl_cmp_side *s, const char *path, bool in_dir,
		     int group, char *err, size_t len)
{
	char msg[FL_ERR_LEN];
	const char *schema;
	json_t *doc;
	int ret;

	/* Not JSON, unreadable or out of its schema's bounds: refused. */
	ret = fl_doc_load(path, &doc, msg, sizeof(msg));
	if (ret) {
		fl_set_err(err, len, "compare: %s", msg);
		return -EINVAL;
	}
	schema = json_string_value(json_object_get(doc, "schema"));
	if (schema && is_compared(schema)) {
		ret = add_doc(s, path, doc, group);
		if (ret)
			json_decref(doc);
		return ret;
	}
	if (in_dir) {
		/*
		 * faultline's other documents beside the results (MPI runs,
		 * earlier comparisons, a guest's boot record): no warning.
		 */
		if (!schema)
			fl_warn("compare: %s: not a faultline result (no \"schema\"), skipped",
				path);
		else if (strncmp(schema, FL_SCHEMA_PREFIX, strlen(FL_SCHEMA_PREFIX)))
			fl_warn("compare: %s: %s documents are not compared, skipped",
				path, schema);
		json_decref(doc);
		return 0;
	}
	if (schema)
		fl_set_err(err, len, "compare: %s: not a faultline result (schema \"%s\")",
			   path, schema);
	else
		fl_set_err(err, len, "compare: %s: not a faultline result (no \"schema\")",
			   path);
	json_decref(doc);
	return -EINVAL;
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * *.json directly in @dir (group @group), and in its subdirectories when
 * @depth is 0 (a new group each).
 */
static int load_dir(struct fl_cmp_side *s, const char *dir, int depth,
		    int group, char *err, size_t len)
{
	struct dirent **ents;
	int n, ret = 0;

	n = scandir(dir, &ents, not_hidden, alphasort);
	if (n < 0) {
		fl_set_err(err, len, "compare: %s: %s", dir, strerror(errno));
		return -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (!ret && !stat(path, &st)) {
			if (S_ISREG(st.st_mode) && fl_is_json_name(name))
				ret = load_file(s, path, true, group, err, len);
			else if (S_ISDIR(st.st_mode) && depth == 0)
				ret = load_dir(s, path, 1, s->nr_groups++, err, len);
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

static int load_path(struct fl_cmp_side *s, const char *path, char *err,
		     size_t len)
{
	struct stat st;
	int before = s->nr_docs, ret;

	if (stat(path, &st)) {
		fl_set_err(err, len, "compare: %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(s, path, false, s->nr_groups++, err, len);
	ret = load_dir(s, path, 0, s->nr_groups++, err, len);
	if (!ret && s->nr_docs == before) {
		fl_set_err(err, len, "compare: %s: no result files (*.json) in it or its subdirectories",
			   path);
		return -EINVAL;
	}
	return ret;
}

void fl_cmp_add_word(char *buf, size_t len, const char *v)
{
	size_t vl = strlen(v), off = strlen(buf);

	for (const char *p = buf; (p = strstr(p, v)); p += vl)
		if ((p == buf || p[-1] == ',') && (p[vl] == ',' || !p[vl]))
			return;
	snprintf(buf + off, len - off, "%s%s", off ? "," : "", v);
}

/* When @w ("2026-11-24T15:51:01+0000") was, in seconds since the epoch. */
static time_t written_time(const char *w)
{
	struct tm tm = { 0 };
	const char *end = strptime(w, "%Y-%m-%dT%H:%M:%S%z", &tm);

	if (!end || *end)
		return 0;
	return timegm(&tm) - tm.tm_gmtoff;
}

static void side_summary(struct fl_cmp_side *s)
{
	time_t latest = 0;

	for (int i = 0; i < s->nr_docs; i++) {
		json_t *d = s->docs[i];
		const char *w = json_string_value(json_object_get(d, "written"));

		fl_cmp_add_word(s->accel, sizeof(s->accel),
			 str_at(d, "accel", NULL, NULL) ?: "unknown");
		fl_cmp_add_word(s->variant, sizeof(s->variant),
			 str_at(d, "variant", NULL, NULL) ?: "unknown");
		fl_cmp_add_word(s->kernel, sizeof(s->kernel),
			 str_at(d, "host", "kernel", "release") ?: "unknown");
		if (w && written_time(w) >= latest) {
			latest = written_time(w);
			snprintf(s->written, sizeof(s->written), "%s", w);
		}
	}
}

int fl_cmp_side_load(struct fl_cmp_side *s, const char *name, const char *arg,
		     char *err, size_t len)
{
	char *copy = strdup(arg), *save = NULL, *p;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->arg = arg;
	if (!copy)
		return -ENOMEM;
	for (p = strtok_r(copy, ",", &save); p && !ret; p = strtok_r(NULL, ",", &save))
		ret = load_path(s, p, err, len);
	free(copy);
	if (!ret && !s->nr_docs) {
		fl_set_err(err, len, "compare: %s: no paths given", name);
		ret = -EINVAL;
	}
	if (!ret)
		side_summary(s);
	return ret;
}

void fl_cmp_side_free(struct fl_cmp_side *s)
{
	for (int i = 0; i < s->nr_docs; i++) {
		free(s->files[i]);
		json_decref(s->docs[i]);
	}
	free(s->files);
	free(s->docs);
	free(s->group);
	s->files = NULL;
	s->docs = NULL;
	s->group = NULL;
	s->nr_docs = 0;
	s->nr_groups = 0;
}

static const char *accel_how(const char *accel)
{
	if (!strcmp(accel, "native"))
		return "natively";
	if (!strcmp(accel, "kvm"))
		return "under kvm";
	if (!strcmp(accel, "tcg"))
		return "under tcg";
	return "with accel unknown";
}

static const char *accel_kind(const char *accel)
{
	if (!strcmp(accel, "tcg"))
		return "emulated";
	if (!strcmp(accel, "kvm"))
		return "virtual";
	return strcmp(accel, "native") ? "unknown" : "native";
}

int fl_cmp_refuse(const struct fl_cmp_side *sides, bool force, char *err,
		  size_t len, void (*warn)(const char *msg))
{
	const struct fl_cmp_side *b = &sides[FL_BASE], *c = &sides[FL_CUR];
	static const char *const what[][2] = {
		{ "cpu", "model" }, { "test_fs", "type" },
	};
	char msg[FL_ERR_LEN];

	for (int k = 0; k < 2; k++) {
		const struct fl_cmp_side *s = &sides[k];
		const char *first = str_at(s->docs[0], "accel", NULL, NULL) ?: "unknown";

		for (int i = 1; i < s->nr_docs; i++) {
			const char *a = str_at(s->docs[i], "accel", NULL, NULL) ?: "unknown";

			if (strcmp(a, first)) {
				snprintf(msg, sizeof(msg), "compare: %s mixes runs made %s (%s) and %s (%s): %s and %s CPUs are not comparable%s",
					 s->name, accel_how(first), s->files[0],
					 accel_how(a), s->files[i], accel_kind(first),
					 accel_kind(a), force ? "" : "; --force to compare anyway");
				if (!force)
					goto refuse;
				warn(msg);
				break;
			}
		}
	}
	if (strcmp(b->accel, c->accel)) {
		snprintf(msg, sizeof(msg), "compare: BASE ran %s and CUR %s: %s and %s CPUs are not comparable%s",
			 accel_how(b->accel), accel_how(c->accel),
			 accel_kind(c->accel), accel_kind(b->accel),
			 force ? "" : "; --force to compare anyway");
		if (!force)
			goto refuse;
		warn(msg);
	}
	/* Legitimate to compare, but the reader should know. */
	for (size_t k = 0; k < 2; k++) {
		const char *x = str_at(b->docs[0], "host", what[k][0], what[k][1]);
		const char *y = str_at(c->docs[0], "host", what[k][0], what[k][1]);

		if (x && y && strcmp(x, y)) {
			snprintf(msg, sizeof(msg), "compare: BASE has %s.%s \"%s\" and CUR \"%s\"",
				 what[k][0], what[k][1], x, y);
			warn(msg);
		}
	}
	return 0;
refuse:
	fl_set_err(err, len, "%s", msg);
	return -EINVAL;
}
