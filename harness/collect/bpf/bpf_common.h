/* SPDX-License-Identifier: GPL-2.0 */
/* What the collectors' userspace halves share: errors, filters, maps. */
#ifndef FL_BPF_COMMON_H
#define FL_BPF_COMMON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_map;
struct bpf_object;

/* Route libbpf's messages to a buffer; FAULTLINE_BPF_DEBUG=1 prints them. */
void fl_bpf_init(void);

/*
 * Why @what failed with -@e, in @err for "unavailable: <why>": permission,
 * missing BTF or kernel function, or libbpf's last message.
 */
void fl_bpf_why(char *err, size_t len, const char *what, int e);

/* Can this process load BPF at all? 0, or -errno with the reason. */
int fl_bpf_usable(char *err, size_t len);

/* Count only the tasks of @tgid. 0 or -errno. */
int fl_bpf_follow(struct bpf_map *tgids, pid_t tgid);

/* Zero every slot of a per-CPU u64 array. */
int fl_bpf_percpu_clear(struct bpf_map *map);

/*
 * Sum a per-CPU u64 array by the NUMA node of each CPU: @out gets
 * nr_nodes rows of map-size values (node OS index = row). 0 or -errno.
 */
int fl_bpf_percpu_by_node(struct bpf_map *map, uint64_t **out, int *nr_nodes);

/* A latency object (fl_latency_json_ns) from one row of bpf_hist.h buckets. */
json_t *fl_bpf_latency_json(const uint64_t *buckets);

/* Kernel release has a tracepoint or function by this BTF name? */
int fl_bpf_btf_has(const char *name, int kind);
/* Number of parameters of the prototype behind btf_trace_@tp, or -1. */
int fl_bpf_tp_nr_args(const char *tp);



struct bpf_object_skeleton;
/*
 * Load an opened skeleton, follow @tgid through its "tgids" map and
 * attach. 0, or -errno with @err saying what failed ("@name: ...").
 */
int fl_bpf_load_attach(struct bpf_object_skeleton *skel, struct bpf_map *tgids,
		       pid_t tgid, const char *name, char *err, size_t len);

/* Flip a program's "enabled" switch, which the window start/stop use. */
static inline void fl_bpf_enable(int *enabled, int on)
{
	__atomic_store_n(enabled, on, __ATOMIC_SEQ_CST);
}
#endif /* FL_BPF_COMMON_H */
