// SPDX-License-Identifier: GPL-2.0
/*
 * folio: waits for a folio's lock (or writeback) bit, which no tracepoint
 * covers. fentry/fexit on folio_wait_bit_common(), the one place every
 * such wait sleeps (callers reach it only when the bit was already set),
 * or, where that cannot be traced, on its callers.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collect/bpf/lockwait.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct fl_pending {
	__u64 ts;
	struct fl_lock_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_pending);
} waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_pending);
} scratch SEC(".maps");

static __always_inline int enter(void *ctx, int bit_nr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct fl_pending *p;

	if (!fl_ours())
		return 0;
	p = bpf_map_lookup_elem(&scratch, &zero);
	if (!p)
		return 0;
	__builtin_memset(&p->key, 0, sizeof(p->key));
	p->key.node = bpf_get_numa_node_id();
	if (bit_nr == bpf_core_enum_value(enum pageflags, PG_locked))
		p->key.class = FL_LOCK_FOLIO;
	else if (bit_nr == bpf_core_enum_value(enum pageflags, PG_writeback))
		p->key.class = FL_LOCK_FOLIO_WRITEBACK;
	else
		p->key.class = FL_LOCK_FOLIO_OTHER;
	if (bpf_get_stack(ctx, p->key.stack, sizeof(p->key.stack), 0) < 0)
		p->key.stack[0] = 0;
	p->ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&waits, &tid, p, BPF_ANY))
		fl_lost();
	return 0;
}

static __always_inline int leave(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fl_pending *p = bpf_map_lookup_elem(&waits, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!p)
		return 0;
	if (enabled)
		fl_lock_record(&p->key, now - p->ts);
	bpf_map_delete_elem(&waits, &tid);
	return 0;
}

/* Where the kernel can trace it, the one function every wait goes through. */
SEC("fentry/folio_wait_bit_common")
int BPF_PROG(common_enter, struct folio *folio, int bit_nr)
{
	return enter(ctx, bit_nr);
}

SEC("fexit/folio_wait_bit_common")
int BPF_PROG(common_exit)
{
	return leave();
}

/*
 * Elsewhere (6.1 marks it untraceable) its callers: the lock slow paths
 * and folio_wait_bit(), which writeback waits use. They do not nest.
 */
SEC("fentry/__folio_lock")
int BPF_PROG(lock_enter)
{
	return enter(ctx, bpf_core_enum_value(enum pageflags, PG_locked));
}

SEC("fexit/__folio_lock")
int BPF_PROG(lock_exit)
{
	return leave();
}

SEC("fentry/__folio_lock_killable")
int BPF_PROG(lock_killable_enter)
{
	return enter(ctx, bpf_core_enum_value(enum pageflags, PG_locked));
}

SEC("fexit/__folio_lock_killable")
int BPF_PROG(lock_killable_exit)
{
	return leave();
}

SEC("fentry/folio_wait_bit")
int BPF_PROG(wait_bit_enter, struct folio *folio, int bit_nr)
{
	return enter(ctx, bit_nr);
}

SEC("fexit/folio_wait_bit")
int BPF_PROG(wait_bit_exit)
{
	return leave();
}
