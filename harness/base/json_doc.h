/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result documents as files, for every layer that reads or writes them:
 * numbers by key path, atomic writes, the documents of a directory.
 */
#ifndef FL_JSON_DOC_H
#define FL_JSON_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The number at a key path ("a.b.c") inside @o; NAN when absent. */
double fl_json_num(json_t *o, const char *path);

/*
 * Write @doc to @path through base/out_file.h (temp file, fsync, rename,
 * fsync of the directory). 0 or -errno.
 */
int fl_json_write_atomic(json_t *doc, const char *path, char *err,
			 size_t len);

/* A result document's file name: "*.json", not hidden. */
bool fl_is_json_name(const char *name);
/*
 * The result documents in @dir, sorted by name, as scandir(3) hands them
 * back (free each and the array): how many, or -1 with errno set.
 */
struct dirent;
int fl_json_files(const char *dir, struct dirent ***names);

#endif /* FL_JSON_DOC_H */
