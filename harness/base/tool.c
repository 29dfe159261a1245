// SPDX-License-Identifier: GPL-2.0
/* What faultline is (name, version, commit) and where its tree lives. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/faultline.h"
#include "base/tool.h"

json_t *fl_env_tool_json(void)
{
	return json_pack("{s:s, s:s, s:s}", "name", "faultline", "version",
			 FL_VERSION, "git", FL_GIT);
}

json_t *fl_doc_new(const char *schema, const char *prog, int argc,
		   char *const argv[])
{
	json_t *doc, *cmd = NULL;
	char written[64];
	time_t now = time(NULL);
	struct tm tm;

	strftime(written, sizeof(written), "%Y-%m-%dT%H:%M:%S%z",
		 localtime_r(&now, &tm));
	doc = json_pack("{s:s, s:o, s:s}", "schema", schema,
			"tool", fl_env_tool_json(), "written", written);
	if (doc && (prog || argc > 0)) {
		cmd = json_array();
		if (prog)
			json_array_append_new(cmd, json_string(prog));
		for (int i = 0; i < argc; i++)
			json_array_append_new(cmd, json_string(argv[i]));
		json_object_set_new(doc, "command", cmd);
	}
	return doc;
}

const char *fl_tree_dir(const char *sub, char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	struct stat st;

	if (realpath("/proc/self/exe", exe)) {
		/* build/faultline -> build -> the tree */
		for (int i = 0; i < 2 && (slash = strrchr(exe, '/')); i++)
			*slash = '\0';
		snprintf(buf, len, "%s/%s", exe, sub);
		if (!stat(buf, &st) && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, len, "%s", sub);
	return buf;
}
