/* SPDX-License-Identifier: GPL-2.0 */
/* Things every part of faultline shares: exit codes and error reporting. */
#ifndef FL_FAULTLINE_H
#define FL_FAULTLINE_H

#include <stdarg.h>
#include <stddef.h>

#ifndef FL_VERSION
#define FL_VERSION "0.1.0"
#endif
#ifndef FL_GIT
#define FL_GIT "unknown"
#endif

/* Exit codes, documented in the README and in `faultline --help`. */
enum fl_exit {
	FL_EXIT_OK = 0,
	FL_EXIT_CHECK = 1,	/* a check failed or a regression was found */
	FL_EXIT_USAGE = 2,	/* usage or environment error */
	FL_EXIT_RESOURCE = 3,	/* a required resource is unavailable */
	FL_EXIT_INTERRUPTED = 4,
	FL_EXIT_UNTRUSTWORTHY = 5,	/* ran, but a number cannot be trusted */
};

#define FL_ERR_LEN 512

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "faultline: <message>" on stderr. */
void fl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Format into a caller's buffer; used to carry messages up to one report. */
void fl_set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Map -errno from a failed setup step to an exit code. */
int fl_exit_for_errno(int neg_errno);

#endif /* FL_FAULTLINE_H */
