/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols from /proc/kallsyms, to name the callers and locks the
 * BPF collectors report. Addresses read as zero without privilege
 * (kptr_restrict); loading then fails with the reason.
 */
#ifndef FL_KSYMS_H
#define FL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct fl_ksym {
	uint64_t addr;
	char type;		/* kallsyms letter: t/T/w/W text, d/D/b/B/r/R/v/V data */
	const char *name;
};

struct fl_ksyms {
	struct fl_ksym *syms;	/* sorted by address */
	size_t nr;
	char *names;		/* one buffer holding every name */
	/* Where lock slow paths live: spinlock text and __sched text. */
	uint64_t lock_text[2], sched_text[2];
};

/* Load @path (normally /proc/kallsyms). NULL with @err on failure. */
struct fl_ksyms *fl_ksyms_load(const char *path, char *err, size_t len);
void fl_ksyms_free(struct fl_ksyms *ks);

/* The symbol containing @addr (the last one at or below it), or NULL. */
const struct fl_ksym *fl_ksyms_find(const struct fl_ksyms *ks, uint64_t addr);
/* "name+0xoff", or the address in hex when no symbol holds it. */
void fl_ksyms_format(const struct fl_ksyms *ks, uint64_t addr, char *buf,
		     size_t len);

/*
 * Index of the caller in a kernel stack taken inside a wait: skip to the
 * first frame in lock or __sched text or named in @wait_fns (NULL-ended),
 * then past every such frame. -1 when the stack has none.
 */
int fl_ksyms_caller(const struct fl_ksyms *ks, const uint64_t *stack, int n,
		    const char *const *wait_fns);

#endif /* FL_KSYMS_H */
