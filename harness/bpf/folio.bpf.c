// SPDX-License-Identifier: GPL-2.0
/*
 * folio: waits for a folio's lock (or writeback) bit, which no tracepoint
 * covers. fentry/fexit on folio_wait_bit_common(), the one place every
 * such wait sleeps; callers reach it only when the bit was already set.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "lockwait.bpf.h"

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

SEC("fentry/folio_wait_bit_common")
int BPF_PROG(folio_wait_enter, struct folio *folio, int bit_nr)
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

SEC("fexit/folio_wait_bit_common")
int BPF_PROG(folio_wait_exit, struct folio *folio, int bit_nr)
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
