// SPDX-License-Identifier: GPL-2.0
/* Reading the lock-wait table: name locks and callers, merge, emit JSON. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "collect/bpf/locktable.h"
#include "collect/ksyms.h"

#define STACK_SHOWN 4	/* frames from the caller on, in the JSON */

const char *fl_lock_type(uint32_t class, uint32_t flags)
{
	switch (class) {
	case FL_LOCK_FOLIO:
	case FL_LOCK_FOLIO_WRITEBACK:
	case FL_LOCK_FOLIO_OTHER:
		return "folio";
	}
	/* The naming of `perf lock contention`, from the tracepoint flags. */
	if (flags & FL_LCB_F_PERCPU)
		return flags & FL_LCB_F_WRITE ? "pcpu-sem:W" : "pcpu-sem:R";
	if (flags & FL_LCB_F_MUTEX)
		return "mutex";
	if (flags & FL_LCB_F_RT)
		return flags & FL_LCB_F_WRITE ? "rt-rw:W" : flags & FL_LCB_F_READ ?
		       "rt-rw:R" : "rtmutex";
	if (flags & FL_LCB_F_SPIN)
		return flags & FL_LCB_F_WRITE ? "rwlock:W" : flags & FL_LCB_F_READ ?
		       "rwlock:R" : "spinlock";
	if (flags & FL_LCB_F_WRITE)
		return "rwsem:W";
	if (flags & FL_LCB_F_READ)
		return "rwsem:R";
	return "semaphore";
}

/* Where per-VMA lock waits start (6.4-6.14 rwsem; later a refcount). */
static const char *const vma_lock_callers[] = {
	"vma_start_write", "__vma_start_write", "vma_start_read",
	"vma_start_read_locked", "vma_start_read_locked_nested",
	"lock_vma_under_rcu", "vma_end_read", "__vma_enter_locked", NULL,
};

/* Who takes a page-table lock (split PTE/PMD ptl, or mm->page_table_lock). */
static const char *const ptl_callers[] = {
	"__pte_offset_map_lock", "pte_offset_map_lock", "pmd_install",
	"do_set_pmd", "__pmd_trans_huge_lock", "__pud_trans_huge_lock",
	"pmd_lock", "pud_lock", "do_huge_pmd_anonymous_page", "__do_huge_pmd_anonymous_page",
	"huge_pmd_set_accessed", "do_huge_pmd_wp_page", "set_huge_zero_folio",
	"copy_huge_pmd", "zap_huge_pmd", "move_huge_pmd", "change_huge_pmd",
	"__split_huge_pmd", "do_swap_page", "do_numa_page", "wp_page_copy",
	"finish_fault", "do_anonymous_page", "filemap_map_pages", NULL,
};

static bool named_in(const char *const *list, const char *name)
{
	for (int i = 0; name && list[i]; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

const char *fl_lock_name(uint32_t class, uint32_t flags, const char *caller,
			 const char *lock_sym)
{
	switch (class) {
	case FL_LOCK_MMAP:
		return "mmap_lock";
	case FL_LOCK_I_MMAP:
		return "i_mmap_rwsem";
	case FL_LOCK_INVALIDATE:
		return "invalidate_lock";
	case FL_LOCK_I_PAGES:
		return "i_pages";
	case FL_LOCK_I_PRIVATE:
		return "i_private_lock";
	case FL_LOCK_FOLIO:
		return "folio_lock";
	case FL_LOCK_FOLIO_WRITEBACK:
		return "folio_writeback";
	case FL_LOCK_FOLIO_OTHER:
		return "folio_bit";
	}
	if (named_in(vma_lock_callers, caller))
		return "vma_lock";
	if (lock_sym)
		return lock_sym;
	if (flags == FL_LCB_F_SPIN && named_in(ptl_callers, caller))
		return "page_table_lock";
	return fl_lock_type(class, flags);
}

int fl_locktable_clear(struct bpf_map *map)
{
	struct fl_lock_key key, next;
	void *prev = NULL;

	/* Deleting while walking restarts from the first key each time. */
	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		key = next;
		if (bpf_map__delete_elem(map, &key, sizeof(key), 0))
			return -errno;
	}
	return 0;
}

struct group {
	int node;
	char name[64], type[16], caller[128];
	char stack[STACK_SHOWN][160];
	uint64_t stack_weight;		/* total of the entry the stack came from */
	struct fl_lock_stat st;
	int files, test_files;
	uint64_t last_ino;
};

struct groups {
	struct group *g;
	size_t nr, cap;
};

static struct group *group_get(struct groups *gs, int node, const char *name,
			       const char *type, const char *caller)
{
	for (size_t i = 0; i < gs->nr; i++)
		if (gs->g[i].node == node && !strcmp(gs->g[i].name, name) &&
		    !strcmp(gs->g[i].type, type) && !strcmp(gs->g[i].caller, caller))
			return &gs->g[i];
	if (gs->nr == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 64;
		struct group *n = realloc(gs->g, cap * sizeof(*n));

		if (!n)
			return NULL;
		gs->g = n;
		gs->cap = cap;
	}
	memset(&gs->g[gs->nr], 0, sizeof(gs->g[0]));
	gs->g[gs->nr].node = node;
	snprintf(gs->g[gs->nr].name, sizeof(gs->g[0].name), "%s", name);
	snprintf(gs->g[gs->nr].type, sizeof(gs->g[0].type), "%s", type);
	snprintf(gs->g[gs->nr].caller, sizeof(gs->g[0].caller), "%s", caller);
	return &gs->g[gs->nr++];
}

static void group_add(struct group *g, const struct fl_lock_key *k,
		      const struct fl_lock_stat *st, const struct fl_collect_env *env,
		      int caller_idx)
{
	g->st.count += st->count;
	g->st.total_ns += st->total_ns;
	if (st->max_ns > g->st.max_ns)
		g->st.max_ns = st->max_ns;
	for (int i = 0; i < FL_LOCK_HIST; i++)
		g->st.hist[i] += st->hist[i];
	if (k->ino && k->ino != g->last_ino) {
		/* Entries of one file are usually adjacent: a cheap count. */
		g->files++;
		g->test_files += env->test_kdev && k->dev == env->test_kdev;
		g->last_ino = k->ino;
	}
	/* Show the stack that waited longest. */
	if (st->total_ns >= g->stack_weight) {
		g->stack_weight = st->total_ns;
		for (int i = 0; i < STACK_SHOWN; i++) {
			int f = caller_idx < 0 ? i : caller_idx + i;

			g->stack[i][0] = '\0';
			if (f < FL_LOCK_STACK && k->stack[f])
				fl_ksyms_format(env->ksyms, k->stack[f], g->stack[i],
						sizeof(g->stack[i]));
		}
	}
}

static json_t *group_json(const struct group *g, const char *collector)
{
	json_t *o = json_object(), *hist = json_array(), *stack = json_array();

	json_object_set_new(o, "name", json_string(g->name));
	json_object_set_new(o, "type", json_string(g->type));
	json_object_set_new(o, "caller", json_string(g->caller));
	for (int i = 0; i < STACK_SHOWN && g->stack[i][0]; i++)
		json_array_append_new(stack, json_string(g->stack[i]));
	json_object_set_new(o, "stack", stack);
	json_object_set_new(o, "contended", json_integer((json_int_t)g->st.count));
	json_object_set_new(o, "wait_total_ns", json_integer((json_int_t)g->st.total_ns));
	json_object_set_new(o, "wait_max_ns", json_integer((json_int_t)g->st.max_ns));
	json_object_set_new(o, "wait_mean_ns", json_real(g->st.count ?
			    (double)g->st.total_ns / (double)g->st.count : 0));
	/* log2 buckets [low_ns, high_ns, count]; bucket 0 also holds 0 ns. */
	for (int i = 0; i < FL_LOCK_HIST; i++)
		if (g->st.hist[i])
			json_array_append_new(hist, json_pack("[I,I,I]",
					      (json_int_t)(i ? 1ull << i : 0),
					      (json_int_t)(1ull << (i + 1)),
					      (json_int_t)g->st.hist[i]));
	json_object_set_new(o, "hist", hist);
	if (g->files)
		json_object_set_new(o, "files", json_pack("{s:i, s:i}", "seen", g->files,
							  "on_test_fs", g->test_files));
	json_object_set_new(o, "collector", json_string(collector));
	return o;
}

int fl_locktable_read(struct bpf_map *map, const struct fl_collect_env *env,
		      const char *collector, const char *const *wait_fns,
		      struct fl_collect_out *out, char *err, size_t len)
{
	struct groups gs = { 0 };
	struct fl_lock_key key, *prev = NULL;
	struct fl_lock_stat st;
	int ret = 0;

	while (!bpf_map__get_next_key(map, prev, &key, sizeof(key))) {
		const struct fl_ksym *lock_sym = NULL, *sym;
		const char *caller = "?";
		struct group *g;
		int ci;

		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &st, sizeof(st), 0))
			continue;	/* deleted meanwhile */
		ci = env->ksyms ? fl_ksyms_caller(env->ksyms, (const uint64_t *)key.stack, FL_LOCK_STACK,
						  wait_fns) : -1;
		sym = ci >= 0 ? fl_ksyms_find(env->ksyms, key.stack[ci]) : NULL;
		if (sym)
			caller = sym->name;
		if (key.class == FL_LOCK_OTHER && key.lock && env->ksyms) {
			lock_sym = fl_ksyms_find(env->ksyms, key.lock);
			if (lock_sym && (lock_sym->addr != key.lock ||
					 !strchr("dDbBvV", lock_sym->type)))
				lock_sym = NULL;
		}
		g = group_get(&gs, (int)key.node,
			      fl_lock_name(key.class, key.flags, caller,
					   lock_sym ? lock_sym->name : NULL),
			      fl_lock_type(key.class, key.flags), caller);
		if (!g) {
			ret = -ENOMEM;
			fl_set_err(err, len, "%s: out of memory", collector);
			goto out;
		}
		group_add(g, &key, &st, env, ci);
	}
	for (size_t i = 0; i < gs.nr; i++) {
		json_t *node = fl_collect_node(out, gs.g[i].node);
		json_t *locks = json_object_get(node, "locks");

		if (!locks) {
			locks = json_array();
			json_object_set_new(node, "locks", locks);
		}
		json_array_append_new(locks, group_json(&gs.g[i], collector));
	}
out:
	free(gs.g);
	return ret;
}
