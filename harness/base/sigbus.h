/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIGBUS from a touch of a file mapping is a result, not a crash: the
 * handler jumps back to the actor that took it, with the address and code.
 */
#ifndef FL_SIGBUS_H
#define FL_SIGBUS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_sigbus_info {
	uintptr_t addr;
	int code;			/* si_code: BUS_ADRERR, BUS_MCEERR_AR... */
};

/*
 * Where the calling thread's SIGBUS jumps to; NULL: default action.
 * Volatile: stores around a faulting access must not be merged away.
 */
extern __thread sigjmp_buf *volatile fl_sigbus_env;
extern __thread struct fl_sigbus_info fl_sigbus_last;

/*
 * Copy @n bytes from a mapping, word by word (then byte by byte), surviving
 * SIGBUS. True when copied; false after a SIGBUS, its si_code in *@si_code.
 */
bool fl_sigbus_copy(void *dst, const volatile void *src, size_t n, int *si_code);
/* Store @n bytes into a mapping; as fl_sigbus_copy. */
bool fl_sigbus_store(volatile void *dst, const void *src, size_t n, int *si_code);

/* Install the process-wide handler (idempotent). 0 or -errno. */
int fl_sigbus_install(void);
const char *fl_sigbus_code_str(int code);

#endif /* FL_SIGBUS_H */
