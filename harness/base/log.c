// SPDX-License-Identifier: GPL-2.0
/* Error reporting: one line on stderr, prefixed with the program name. */
#include <errno.h>
#include <stdio.h>

#include "base/faultline.h"

static void __attribute__((format(printf, 2, 0)))
vreport(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "faultline: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void fl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void fl_set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Resource shortages are exit 3; everything else in setup is exit 2. */
int fl_exit_for_errno(int neg_errno)
{
	switch (-neg_errno) {
	case ENOSPC:
	case ENOMEM:
	case EDQUOT:
	case ENODEV:
	case EOPNOTSUPP:
		return FL_EXIT_RESOURCE;
	case EINTR:
		return FL_EXIT_INTERRUPTED;
	default:
		return FL_EXIT_USAGE;
	}
}
