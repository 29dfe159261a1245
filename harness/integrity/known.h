/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Known kernel behaviours (workloads/checks/known-failures): a stress
 * check that fails only with violation kinds an entry covers, on the
 * entry's filesystem and under a kernel in its range, is "known" rather
 * than "fail": reported and counted, but not a failure. The list is built
 * into the binary, so guests and copies carry it; --known reads another.
 */
#ifndef FL_KNOWN_H
#define FL_KNOWN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the built-in list comes from, as named in messages. */
#define FL_KNOWN_BUILTIN "workloads/checks/known-failures"
#define FL_KNOWN_MAX 64

/* A kernel version bound: the first @n numbers of the release; n 0: open. */
struct fl_kver {
	unsigned int v[3];
	int n;
};

struct fl_known {
	int line;			/* of the entry's first key */
	char check[64];
	char fs[32];
	char kernel[64];		/* the range as written: "6.1..", "..6.6" */
	struct fl_kver from, to;	/* inclusive */
	uint32_t kinds;			/* bit (1 << enum fl_viol_kind) */
	char reason[256];
	char reference[256];
};

struct fl_known_list {
	char name[256];			/* the file, for messages and results */
	int nr;
	struct fl_known e[FL_KNOWN_MAX];
};

/*
 * Parse the text of a list named @name. 0, or -EINVAL with
 * "@name:LINE: why" in @err (nothing usable in @l then).
 */
int fl_known_parse(struct fl_known_list *l, const char *name,
		   const char *text, char *err, size_t len);
/* Read and parse the list at @path; NULL: the built-in one. 0 or -errno. */
int fl_known_load(struct fl_known_list *l, const char *path, char *err,
		  size_t len);

/* Whether kernel release @release ("6.18.44-fc-v1272") is in @k's range. */
bool fl_known_kernel_in(const struct fl_known *k, const char *release);

/*
 * The entry of @l covering a failure of @check on filesystem @fs under
 * kernel @release whose violations were of the kinds in @kinds (bits as
 * in fl_known.kinds, not 0): same check, filesystem and kernel range, and
 * every kind seen among its kinds. NULL when none does; then *@near (when
 * not NULL) is an entry that matched all but the kinds, or NULL.
 */
const struct fl_known *fl_known_match(const struct fl_known_list *l,
				      const char *check, const char *fs,
				      const char *release, uint32_t kinds,
				      const struct fl_known **near);

/* {entry: "NAME:LINE", fs, kernel, kinds[], reason, reference} */
json_t *fl_known_json(const struct fl_known_list *l, const struct fl_known *k);

/* "eof_data_reappeared, torn": the kinds in @kinds, into @buf. */
void fl_known_kinds_str(uint32_t kinds, char *buf, size_t len);

#endif /* FL_KNOWN_H */
