// SPDX-License-Identifier: GPL-2.0
/* The SIGBUS handler: record what happened, jump back to the actor. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "base/sigbus.h"

__thread sigjmp_buf *volatile fl_sigbus_env;
__thread struct fl_sigbus_info fl_sigbus_last;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (!fl_sigbus_env) {
		/* Not inside an actor: die the normal way, with a core. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	fl_sigbus_last.addr = (uintptr_t)si->si_addr;
	fl_sigbus_last.code = si->si_code;
	siglongjmp(*fl_sigbus_env, 1);
}

int fl_sigbus_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) ? -errno : 0;
}

bool fl_sigbus_copy(void *dst, const volatile void *src, size_t n, int *si_code)
{
	sigjmp_buf env, *volatile saved = fl_sigbus_env;

	if (sigsetjmp(env, 1)) {
		fl_sigbus_env = saved;
		*si_code = fl_sigbus_last.code;
		return false;
	}
	fl_sigbus_env = &env;
	/* Word by word: memcpy may be vectorised past what a SIGBUS tells. */
	for (size_t i = 0; i < n / 8; i++)
		((uint64_t *)dst)[i] = ((const volatile uint64_t *)src)[i];
	for (size_t i = n & ~(size_t)7; i < n; i++)
		((uint8_t *)dst)[i] = ((const volatile uint8_t *)src)[i];
	fl_sigbus_env = saved;
	return true;
}

bool fl_sigbus_store(volatile void *dst, const void *src, size_t n, int *si_code)
{
	sigjmp_buf env, *volatile saved = fl_sigbus_env;

	if (sigsetjmp(env, 1)) {
		fl_sigbus_env = saved;
		*si_code = fl_sigbus_last.code;
		return false;
	}
	fl_sigbus_env = &env;
	for (size_t i = 0; i < n / 8; i++)
		((volatile uint64_t *)dst)[i] = ((const uint64_t *)src)[i];
	for (size_t i = n & ~(size_t)7; i < n; i++)
		((volatile uint8_t *)dst)[i] = ((const uint8_t *)src)[i];
	fl_sigbus_env = saved;
	return true;
}

const char *fl_sigbus_code_str(int code)
{
	switch (code) {
	case BUS_ADRALN:
		return "BUS_ADRALN";
	case BUS_ADRERR:
		return "BUS_ADRERR";
	case BUS_OBJERR:
		return "BUS_OBJERR";
	case BUS_MCEERR_AR:
		return "BUS_MCEERR_AR";
	case BUS_MCEERR_AO:
		return "BUS_MCEERR_AO";
	default:
		return "unknown si_code";
	}
}
