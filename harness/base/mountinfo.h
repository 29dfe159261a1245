/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/self/mountinfo as a list: where each mount is, its type and its
 * source, with the octal escapes (\040 for a space) undone.
 */
#ifndef FL_MOUNTINFO_H
#define FL_MOUNTINFO_H

#include <limits.h>

struct fl_mount {
	char point[PATH_MAX];
	char type[64];
	char source[256];
};

/* 0 with *@out (free it) and *@nr, or -errno. */
int fl_mountinfo_read(struct fl_mount **out, int *nr);

#endif /* FL_MOUNTINFO_H */
