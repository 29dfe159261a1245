/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directory test files live in: a fresh private scratch directory
 * (base/scratch.h) in the user's --dir, or under $TMPDIR (or /tmp),
 * removed with everything in it afterwards. Never a name that was there
 * before the run: --dir may be writable by others.
 */
#ifndef FL_TESTDIR_H
#define FL_TESTDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_testdir {
	char path[PATH_MAX];
	bool created;		/* ours to remove */
};

/* 0, or -errno with @err naming the directory and the cause. */
int fl_testdir_prepare(struct fl_testdir *td, const char *user_dir, char *err,
		       size_t len);
void fl_testdir_cleanup(struct fl_testdir *td);

/* mkdir -p @dir. 0, or -errno with the directory and the cause in @err. */
int fl_mkdir_p(const char *dir, char *err, size_t len);

/*
 * 0 when @dir's filesystem has @need bytes free (or sets no limit), else
 * -ENOSPC (or statvfs's -errno) with @err naming the directory and sizes.
 */
int fl_testdir_check_space(const char *dir, uint64_t need, char *err, size_t len);

/*
 * A second descriptor of test file @fd opened with O_DIRECT (test files
 * are unlinked, so through /proc/self/fd). The new fd, or -errno: -EINVAL
 * means the filesystem takes no O_DIRECT.
 */
int fl_open_direct(int fd);

#endif /* FL_TESTDIR_H */
