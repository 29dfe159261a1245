// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms: load, look up by address, find a wait's caller. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "collect/ksyms.h"

static int by_addr(const void *a, const void *b)
{
	const struct fl_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void note_range(struct fl_ksyms *ks, const char *name, uint64_t addr)
{
	if (!strcmp(name, "__lock_text_start"))
		ks->lock_text[0] = addr;
	else if (!strcmp(name, "__lock_text_end"))
		ks->lock_text[1] = addr;
	else if (!strcmp(name, "__sched_text_start"))
		ks->sched_text[0] = addr;
	else if (!strcmp(name, "__sched_text_end"))
		ks->sched_text[1] = addr;
}

struct fl_ksyms *fl_ksyms_load(const char *path, char *err, size_t len)
{
	struct fl_ksyms *ks = calloc(1, sizeof(*ks));
	size_t cap = 0, names_len = 0, names_cap = 0, nonzero = 0;
	char line[512], name[256];
	FILE *f = fopen(path, "re");

	if (!ks || !f) {
		fl_set_err(err, len, "%s: %s", path, strerror(f ? ENOMEM : errno));
		goto fail;
	}
	while (fgets(line, sizeof(line), f)) {
		uint64_t addr;
		char type;

		/* Module symbols carry a "[module]" suffix we do not need. */
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3)
			continue;
		note_range(ks, name, addr);
		if (!strchr("tTdDbBrRwWvV", type))
			continue;
		if (ks->nr == cap) {
			struct fl_ksym *n;

			cap = cap ? cap * 2 : 65536;
			n = realloc(ks->syms, cap * sizeof(*n));
			if (!n)
				goto nomem;
			ks->syms = n;
		}
		if (names_len + strlen(name) + 1 > names_cap) {
			char *n;

			names_cap = names_cap ? names_cap * 2 : 1 << 22;
			n = realloc(ks->names, names_cap);
			if (!n)
				goto nomem;
			ks->names = n;
		}
		/* Names are offsets until the buffer stops moving. */
		ks->syms[ks->nr].addr = addr;
		ks->syms[ks->nr].type = type;
		ks->syms[ks->nr].name = (const char *)(uintptr_t)names_len;
		strcpy(ks->names + names_len, name);
		names_len += strlen(name) + 1;
		ks->nr++;
		nonzero += addr != 0;
	}
	fclose(f);
	f = NULL;
	if (!nonzero) {
		fl_set_err(err, len, "%s shows no addresses (kptr_restrict; needs root)", path);
		goto fail;
	}
	for (size_t i = 0; i < ks->nr; i++)
		ks->syms[i].name = ks->names + (uintptr_t)ks->syms[i].name;
	qsort(ks->syms, ks->nr, sizeof(*ks->syms), by_addr);
	return ks;
nomem:
	fl_set_err(err, len, "%s: out of memory", path);
fail:
	if (f)
		fclose(f);
	fl_ksyms_free(ks);
	return NULL;
}

void fl_ksyms_free(struct fl_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks);
}

const struct fl_ksym *fl_ksyms_find(const struct fl_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->nr : 0;

	/* The last symbol at or below @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->syms[lo - 1] : NULL;
}

void fl_ksyms_format(const struct fl_ksyms *ks, uint64_t addr, char *buf,
		     size_t len)
{
	const struct fl_ksym *s = fl_ksyms_find(ks, addr);

	if (s)
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
	else
		snprintf(buf, len, "%#" PRIx64, addr);
}

static int in_range(const uint64_t r[2], uint64_t addr)
{
	return r[0] && addr >= r[0] && addr < r[1];
}

static int is_wait_frame(const struct fl_ksyms *ks, uint64_t addr,
			 const char *const *wait_fns)
{
	const struct fl_ksym *s;

	if (in_range(ks->lock_text, addr) || in_range(ks->sched_text, addr))
		return 1;
	s = fl_ksyms_find(ks, addr);
	for (int i = 0; s && wait_fns && wait_fns[i]; i++)
		if (!strcmp(s->name, wait_fns[i]))
			return 1;
	return 0;
}

int fl_ksyms_caller(const struct fl_ksyms *ks, const uint64_t *stack, int n,
		    const char *const *wait_fns)
{
	int i = 0;

	/* Tracing glue comes first: BPF trampolines, tracepoint stubs. */
	while (i < n && stack[i] && !is_wait_frame(ks, stack[i], wait_fns))
		i++;
	if (i == n || !stack[i])
		return -1;
	while (i < n && stack[i] && is_wait_frame(ks, stack[i], wait_fns))
		i++;
	return i < n && stack[i] ? i : -1;
}
