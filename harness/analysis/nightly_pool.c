// SPDX-License-Identifier: GPL-2.0
/* The nightly's baseline pool: adding a night, pruning old ones. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/nightly_pool.h"
#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/out_file.h"
#include "base/schema.h"
#include "base/testdir.h"
#include "base/tool.h"

#define MARKER ".pool.json"

int fl_pool_name(const char *out, char *name, size_t len, char *err,
		 size_t elen)
{
	size_t end = strlen(out), start;

	while (end > 0 && out[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && out[start - 1] != '/')
		start--;
	if (end == start || out[start] == '.' || end - start >= len) {
		fl_set_err(err, elen, "nightly: --out %s: no usable directory name for the baseline pool",
			   out);
		return -EINVAL;
	}
	for (size_t i = start; i < end; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-:@",
			    out[i])) {
			fl_set_err(err, elen, "nightly: --out %s: the name \"%.*s\" has '%c': the baseline pool takes letters, digits and . _ + - : @ only",
				   out, (int)(end - start), out + start, out[i]);
			return -EINVAL;
		}
	snprintf(name, len, "%.*s", (int)(end - start), out + start);
	return 0;
}

/*
 * @path made absolute with symbolic links resolved, as far as it exists;
 * the components that do not exist yet are appended as mkdir -p would
 * make them ("." dropped, ".." one up). @buf has PATH_MAX bytes.
 */
static void resolve(const char *path, char *buf)
{
	char head[PATH_MAX], tail[PATH_MAX] = "", *save = NULL;

	snprintf(head, sizeof(head), "%s", path);
	while (!realpath(head[0] ? head : ".", buf)) {
		if (!head[0] || !strcmp(head, "/")) {	/* no cwd: as given */
			snprintf(buf, PATH_MAX, "%s", path);
			return;
		}
		char *slash = strrchr(head, '/'), *comp = slash ? slash + 1 : head;
		size_t c = strlen(comp), t = strlen(tail);

		/* The last component moves to the front of @tail. */
		if (c + 1 + t < sizeof(tail)) {
			memmove(tail + c + 1, tail, t + 1);
			memcpy(tail, comp, c);
			tail[c] = '/';
		}
		if (!slash)
			head[0] = '\0';
		else if (slash == head)
			head[1] = '\0';
		else
			*slash = '\0';
	}
	for (char *c = strtok_r(tail, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t n = strlen(buf);

		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *up = strrchr(buf, '/');

			up[up == buf] = '\0';	/* "/" stays */
			continue;
		}
		snprintf(buf + n, PATH_MAX - n, "%s%s", buf[n - 1] == '/' ? "" : "/", c);
	}
}

int fl_pool_check_out(const char *pool, const char *out, char *err, size_t len)
{
	char p[PATH_MAX], o[PATH_MAX];
	size_t n;

	resolve(pool, p);
	resolve(out, o);
	n = strlen(p);
	if (!strncmp(o, p, n) && (o[n] == '\0' || o[n] == '/' || p[n - 1] == '/')) {
		fl_set_err(err, len, "nightly: --out %s is inside the baseline pool %s: the pool holds the nights it added, nothing else",
			   out, pool);
		return -EINVAL;
	}
	return 0;
}

/* Copy @from to @to. 0 or -errno with the cause in @err. */
static int copy_file(const char *from, const char *to, char *err, size_t len)
{
	char buf[65536];
	struct fl_out_file o;
	int in = open(from, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (in < 0) {
		ret = -errno;
		fl_set_err(err, len, "nightly: %s: %s", from, strerror(errno));
		return ret;
	}
	ret = fl_out_open(&o, to, err, len);
	if (ret)
		goto close_in;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, o.f) != (size_t)n) {
			n = -1;
			break;
		}
	if (n < 0) {
		ret = -(o.error ?: errno ?: EIO);
		fl_set_err(err, len, "nightly: copy %s to %s: %s", from, to, strerror(-ret));
		fl_out_discard(&o);
	} else {
		ret = fl_out_commit(&o, err, len);
	}
close_in:
	close(in);
	return ret;
}

/* @dir's marker, or NULL when the nightly did not put @dir in the pool. */
static json_t *load_marker(const char *dir)
{
	char path[PATH_MAX], msg[FL_ERR_LEN];
	json_t *m;

	snprintf(path, sizeof(path), "%s/%s", dir, MARKER);
	fl_doc_load(path, &m, msg, sizeof(msg));
	if (m && strcmp(json_string_value(json_object_get(m, "schema")) ?: "", FL_SCHEMA_POOL_NIGHT)) {
		json_decref(m);
		m = NULL;
	}
	return m;
}

/*
 * Remove a night the nightly added: the plain *.json names its marker
 * lists, the marker, then the directory, which must then be empty.
 */
static int remove_night(const char *dir, json_t *marker, char *err, size_t len)
{
	char path[PATH_MAX];
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(marker, "files"), i, f) {
		const char *name = json_string_value(f);

		if (!name || strchr(name, '/') || !fl_is_json_name(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MARKER);
	unlink(path);
	if (rmdir(dir)) {
		fl_set_err(err, len, "nightly: baseline %s: %s (files the nightly did not put there are kept)",
			   dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* A link in the pool leads elsewhere: never the nightly's to remove. */
static bool is_link(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISLNK(st.st_mode);
}

/* Whether @path is a document the pool keeps: a result or a stress run. */
static bool pooled_doc(const char *path)
{
	char msg[FL_ERR_LEN];
	json_t *doc;
	const char *schema;

	fl_doc_load(path, &doc, msg, sizeof(msg));
	schema = json_string_value(json_object_get(doc, "schema"));
	bool yes = schema && (!strcmp(schema, FL_SCHEMA_RESULT) ||
			      !strcmp(schema, FL_SCHEMA_STRESS));

	json_decref(doc);
	return yes;
}

int fl_pool_add(const char *pool, const char *out, const char *name,
		char *err, size_t len)
{
	char dir[PATH_MAX / 2], from[PATH_MAX], to[PATH_MAX];
	json_t *marker, *files = json_array();
	struct dirent **ents = NULL;
	struct timespec now;
	char when[64];
	int n, ret;

	snprintf(dir, sizeof(dir), "%s/%s", pool, name);
	ret = fl_mkdir_p(pool, err, len);
	if (ret)
		goto out;
	if (is_link(dir)) {
		fl_set_err(err, len, "nightly: baseline %s is a symbolic link: not replaced", dir);
		ret = -EEXIST;
		goto out;
	}
	marker = load_marker(dir);
	if (marker) {
		ret = remove_night(dir, marker, err, len);
		json_decref(marker);
		if (ret)
			goto out;
	} else if (!access(dir, F_OK)) {
		fl_set_err(err, len, "nightly: baseline %s exists and the nightly did not put it there (no %s): not replaced",
			   dir, MARKER);
		ret = -EEXIST;
		goto out;
	}
	if (mkdir(dir, 0755)) {
		ret = -errno;
		fl_set_err(err, len, "nightly: mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	n = fl_json_files(out, &ents);
	if (n < 0) {
		ret = -errno;
		fl_set_err(err, len, "nightly: %s: %s", out, strerror(errno));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		snprintf(from, sizeof(from), "%s/%s", out, ents[i]->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, ents[i]->d_name);
		if (!ret && pooled_doc(from)) {
			ret = copy_file(from, to, err, len);
			json_array_append_new(files, json_string(ents[i]->d_name));
		}
		free(ents[i]);
	}
	free(ents);
	clock_gettime(CLOCK_REALTIME, &now);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime(&now.tv_sec));
	marker = fl_doc_new(FL_SCHEMA_POOL_NIGHT, NULL, 0, NULL);
	if (marker)
		json_object_update_new(marker, json_pack("{s:s, s:I, s:s, s:O}", "added", when,
			   "added_ns", (json_int_t)now.tv_sec * 1000000000 + now.tv_nsec,
			   "from", out, "files", files));
	snprintf(to, sizeof(to), "%s/%s", dir, MARKER);
	if (!ret)
		ret = marker ? fl_json_write_atomic(marker, to, err, len) : -ENOMEM;
	if (ret && marker)
		remove_night(dir, marker, err + strlen(err), len - strlen(err));
	json_decref(marker);
out:
	json_decref(files);
	return ret;
}

struct night {
	char name[NAME_MAX + 1];
	json_int_t added;
};

static int by_added(const void *a, const void *b)
{
	const struct night *x = a, *y = b;

	if (x->added != y->added)
		return x->added < y->added ? -1 : 1;
	return strcmp(x->name, y->name);
}

int fl_pool_prune(const char *pool, int keep, char *err, size_t len)
{
	struct dirent **ents;
	struct night *nights;
	char dir[PATH_MAX];
	int n, nr = 0, left, ret = 0;

	n = scandir(pool, &ents, NULL, alphasort);
	if (n < 0) {
		fl_set_err(err, len, "nightly: baseline %s: %s", pool, strerror(errno));
		return -errno;
	}
	nights = calloc((size_t)n + 1, sizeof(*nights));
	for (int i = 0; i < n; i++) {
		struct stat st;
		json_t *m;

		snprintf(dir, sizeof(dir), "%s/%s", pool, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && is_link(dir)) {
			fl_warn("nightly: baseline %s is a symbolic link: never pruned", dir);
		} else if (ents[i]->d_name[0] != '.' && !stat(dir, &st) && S_ISDIR(st.st_mode)) {
			m = load_marker(dir);
			if (m && nights) {
				snprintf(nights[nr].name, sizeof(nights[nr].name), "%s",
					 ents[i]->d_name);
				nights[nr++].added = json_integer_value(json_object_get(m, "added_ns"));
			} else if (!m) {
				fl_warn("nightly: baseline %s was not added by the nightly (no %s): pooled, never pruned",
					dir, MARKER);
			}
			json_decref(m);
		}
		free(ents[i]);
	}
	free(ents);
	if (!nights) {
		fl_set_err(err, len, "nightly: out of memory");
		return -ENOMEM;
	}
	qsort(nights, (size_t)nr, sizeof(*nights), by_added);
	left = nr;
	for (int i = 0; i + keep < nr; i++) {
		json_t *m;

		snprintf(dir, sizeof(dir), "%s/%s", pool, nights[i].name);
		m = load_marker(dir);
		ret = m ? remove_night(dir, m, err, len) : 0;
		json_decref(m);
		if (ret)
			break;
		left--;
	}
	free(nights);
	return ret ?: left;
}
