// SPDX-License-Identifier: GPL-2.0
/*
 * kfault: kernel time in handle_mm_fault() for the run's tasks, split by
 * file vs anonymous memory and by result, plus the exceptions:
 * page_fault_user/kernel counts. The result is classified the way
 * mm_account_fault() counts faults, so "accounted" matches the kernel's
 * per-task and perf counts. Kernels that refuse BPF trampolines get the
 * exception counts alone (the loader turns fentry/fexit off).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collect/bpf/common.bpf.h"
#include "collect/bpf/kfault.h"

char LICENSE[] SEC("license") = "GPL";

struct fl_fault_start {
	__u64 ts;
	__u32 backing;
	__u32 gup;		/* no user registers: get_user_pages */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_fault_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_KF_NR_CLASSES * FL_BPF_NR_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_KF_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("fentry/handle_mm_fault")
int BPF_PROG(fault_enter, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags, struct pt_regs *regs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fl_fault_start s;

	if (!fl_ours())
		return 0;
	/* Read now: once the fault has dropped its lock, vma may be gone. */
	s.backing = BPF_CORE_READ(vma, vm_file) ? FL_KF_FILE : FL_KF_ANON;
	s.gup = regs == NULL;
	s.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		fl_lost();
	return 0;
}

static __always_inline __u32 result_of(unsigned int ret, unsigned int flags)
{
	unsigned int error = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_OOM) |
			     bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGBUS) |
			     bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGSEGV) |
			     bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON) |
			     bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON_LARGE) |
			     bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_FALLBACK);

	if (ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_RETRY))
		return FL_KF_RETRY;
	if (ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGBUS))
		return FL_KF_SIGBUS;
	if (ret & error)
		return FL_KF_ERROR;
	if (ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_MAJOR) ||
	    flags & bpf_core_enum_value(enum fault_flag, FAULT_FLAG_TRIED))
		return FL_KF_MAJOR;
	return FL_KF_MINOR;
}

SEC("fexit/handle_mm_fault")
int BPF_PROG(fault_exit, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags, struct pt_regs *regs, unsigned int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), class, idx;
	struct fl_fault_start *s = bpf_map_lookup_elem(&starts, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!s)
		return 0;
	if (enabled) {
		class = s->backing * FL_KF_NR_RESULTS + result_of(ret, flags);
		if (class < FL_KF_NR_CLASSES) {
			idx = class * FL_BPF_NR_BUCKETS + fl_bucket(now - s->ts);
			fl_count(&hist, idx);
			fl_count(&counts, (s->gup ? FL_KF_CNT_GUP : FL_KF_CNT_USER) + class);
		}
	}
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

/* Every fault exception, taken in user or kernel mode (copy_to_user). */
SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user)
{
	if (fl_ours())
		fl_count(&counts, FL_KF_CNT_PAGE_FAULT_USER);
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(page_fault_kernel)
{
	if (fl_ours())
		fl_count(&counts, FL_KF_CNT_PAGE_FAULT_KERNEL);
	return 0;
}
