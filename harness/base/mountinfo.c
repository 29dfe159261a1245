// SPDX-License-Identifier: GPL-2.0
/* /proc/self/mountinfo, parsed once for clusterfs and the scratch sweep. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mountinfo.h"

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* One line into @m; false for a line not in the expected shape. */
static int parse_line(char *line, struct fl_mount *m)
{
	char *field[5], *save = NULL, *tok, *sep, *type, *source;
	int i = 0;

	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - TYPE SOURCE SB */
	sep = strstr(line, " - ");
	if (!sep)
		return 0;
	*sep = '\0';
	for (tok = strtok_r(line, " ", &save); tok && i < 5; tok = strtok_r(NULL, " ", &save))
		field[i++] = tok;
	if (i < 5)
		return 0;
	save = NULL;
	type = strtok_r(sep + 3, " \n", &save);
	source = strtok_r(NULL, " \n", &save);
	if (!type || !source)
		return 0;
	unescape(field[4]);
	unescape(source);
	snprintf(m->point, sizeof(m->point), "%s", field[4]);
	snprintf(m->type, sizeof(m->type), "%s", type);
	snprintf(m->source, sizeof(m->source), "%s", source);
	return 1;
}

int fl_mountinfo_read(struct fl_mount **out, int *nr)
{
	struct fl_mount *list = NULL;
	char *line = NULL;
	size_t cap = 0;
	int n = 0, room = 0;
	FILE *f;

	*out = NULL;
	*nr = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (n == room) {
			struct fl_mount *l;

			room = room ? room * 2 : 16;
			l = realloc(list, (size_t)room * sizeof(*l));
			if (!l) {
				free(list);
				free(line);
				fclose(f);
				return -ENOMEM;
			}
			list = l;
		}
		n += parse_line(line, &list[n]);
	}
	free(line);
	fclose(f);
	*out = list;
	*nr = n;
	return 0;
}
