/* SPDX-License-Identifier: GPL-2.0 */
/* What faultline is, the envelope of its documents, and where its source tree lives. */
#ifndef FL_TOOL_H
#define FL_TOOL_H

#include <jansson.h>
#include <stddef.h>

/* {name, version, git}: the "tool" object of every document. */
json_t *fl_env_tool_json(void);

/*
 * Every document's envelope: {schema, tool, written (local time, ISO
 * 8601), command}. command is @prog, when not NULL, then @argv's @argc
 * words, so that it can be run again; without either there is none.
 * NULL when out of memory.
 */
json_t *fl_doc_new(const char *schema, const char *prog, int argc,
		   char *const argv[]);

/*
 * Directory @sub of the source tree this binary was built in (build/..),
 * or @sub relative to the current directory when that does not exist.
 */
const char *fl_tree_dir(const char *sub, char *buf, size_t len);

#endif /* FL_TOOL_H */
