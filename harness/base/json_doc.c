// SPDX-License-Identifier: GPL-2.0
/* Result documents as files: numbers by key path, atomic writes, listing. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/out_file.h"

double fl_json_num(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	return json_is_number(o) ? json_number_value(o) : NAN;
}

int fl_json_write_atomic(json_t *doc, const char *path, char *err, size_t len)
{
	struct fl_out_file o;
	int ret = fl_out_open(&o, path, err, len);

	if (ret)
		return ret;
	if (json_dumpf(doc, o.f, JSON_INDENT(1) | JSON_REAL_PRECISION(10)) ||
	    fputc('\n', o.f) == EOF) {
		ret = -(o.error ?: EIO);
		fl_set_err(err, len, "write %s: %s", path, strerror(-ret));
		fl_out_discard(&o);
		return ret;
	}
	return fl_out_commit(&o, err, len);
}

bool fl_is_json_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static int json_entry(const struct dirent *d)
{
	return fl_is_json_name(d->d_name);
}

int fl_json_files(const char *dir, struct dirent ***names)
{
	return scandir(dir, names, json_entry, alphasort);
}
