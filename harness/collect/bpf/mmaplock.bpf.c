// SPDX-License-Identifier: GPL-2.0
/*
 * mmaplock: how long the run's tasks wait to acquire mmap_lock, from the
 * mmap_lock tracepoints. Their arguments changed in 6.10 (the memcg path
 * went away); the loader enables the pair that matches the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collect/bpf/common.bpf.h"
#include "collect/bpf/mmaplock.h"

char LICENSE[] SEC("license") = "GPL";

struct fl_lock_start {
	__u64 ts;
	__u64 write;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_lock_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_ML_NR_MODES * FL_BPF_NR_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_ML_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void record_start(bool write)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fl_lock_start s = { .write = write };

	if (!fl_ours())
		return;
	s.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		fl_lost();
}

static __always_inline void record_acquired(bool success)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), mode;
	struct fl_lock_start *s = bpf_map_lookup_elem(&starts, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!s)
		return;
	mode = s->write ? FL_ML_WRITE : FL_ML_READ;
	if (enabled) {
		fl_count(&hist, mode * FL_BPF_NR_BUCKETS + fl_bucket(now - s->ts));
		fl_count(&counts, (success ? FL_ML_CNT_ACQUIRED : FL_ML_CNT_FAILED) + mode);
	}
	bpf_map_delete_elem(&starts, &tid);
}

/* 6.10 and later: (mm, write) and (mm, write, success). */
SEC("tp_btf/mmap_lock_start_locking")
int BPF_PROG(start_locking, struct mm_struct *mm, bool write)
{
	record_start(write);
	return 0;
}

SEC("tp_btf/mmap_lock_acquire_returned")
int BPF_PROG(acquire_returned, struct mm_struct *mm, bool write, bool success)
{
	record_acquired(success);
	return 0;
}

/* Before 6.10: a memcg path came second. */
SEC("tp_btf/mmap_lock_start_locking")
int BPF_PROG(start_locking_memcg, struct mm_struct *mm, const char *memcg_path,
	     bool write)
{
	record_start(write);
	return 0;
}

SEC("tp_btf/mmap_lock_acquire_returned")
int BPF_PROG(acquire_returned_memcg, struct mm_struct *mm, const char *memcg_path,
	     bool write, bool success)
{
	record_acquired(success);
	return 0;
}
