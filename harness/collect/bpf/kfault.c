// SPDX-License-Identifier: GPL-2.0
/* kfault, userspace half: handle_mm_fault() latency per node and result. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>

#include "collect/bpf/bpf_common.h"
#include "collect/bpf/kfault.h"
#include "collect/collect.h"
#include "kfault.skel.h"

static const char *const result_names[FL_KF_NR_RESULTS] = {
	[FL_KF_MINOR] = "minor", [FL_KF_MAJOR] = "major",
	[FL_KF_RETRY] = "retry", [FL_KF_SIGBUS] = "sigbus",
	[FL_KF_ERROR] = "error",
};
static const char *const backing_names[FL_KF_NR_BACKINGS] = {
	[FL_KF_ANON] = "anon", [FL_KF_FILE] = "file",
};

/* Open, optionally without the fentry/fexit pair, load, attach. */
static int load(struct fl_kfault **out, bool latency, pid_t tgid, char *why,
		size_t len)
{
	struct fl_kfault *skel = fl_kfault__open();
	int ret;

	if (!skel) {
		ret = -errno;
		fl_bpf_why(why, len, "kfault: open", ret);
		return ret;
	}
	bpf_program__set_autoload(skel->progs.fault_enter, latency);
	bpf_program__set_autoload(skel->progs.fault_exit, latency);
	ret = fl_bpf_load_attach(skel->skeleton, skel->maps.tgids, tgid,
				 latency ? "kfault: fentry/fexit handle_mm_fault" :
				 "kfault: exception tracepoints", why, len);
	if (ret) {
		fl_kfault__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

static int kfault_prepare(struct fl_collector *c, const struct fl_collect_env *env,
			  char *err, size_t len)
{
	struct fl_kfault *skel = NULL;
	int ret = -ENOENT;

	if (fl_bpf_btf_has("handle_mm_fault", BTF_KIND_FUNC))
		ret = load(&skel, true, env->tgid, err, len);
	else
		fl_set_err(err, len, "kfault: no handle_mm_fault() in the kernel BTF");
	if (ret) {
		/* Counts alone are still worth having: latency says why not. */
		snprintf(c->partial, sizeof(c->partial), "no kernel fault latency: %s", err);
		ret = load(&skel, false, env->tgid, err, len);
		if (ret)
			c->partial[0] = '\0';
	}
	if (ret)
		return ret;
	c->priv = skel;
	c->tgids = skel->maps.tgids;
	return 0;
}

static void kfault_start(struct fl_collector *c)
{
	struct fl_kfault *skel = c->priv;

	fl_bpf_percpu_clear(skel->maps.hist);
	fl_bpf_percpu_clear(skel->maps.counts);
	skel->bss->lost = 0;
	fl_bpf_enable(&skel->bss->enabled, 1);
}

static void kfault_stop(struct fl_collector *c)
{
	struct fl_kfault *skel = c->priv;

	fl_bpf_enable(&skel->bss->enabled, 0);
}

/* Sum the latency rows of the classes @want accepts into @sum. */
static void sum_rows(const uint64_t *hist, uint64_t *sum, int backing, int result)
{
	for (int b = 0; b < FL_KF_NR_BACKINGS; b++)
		for (int r = 0; r < FL_KF_NR_RESULTS; r++) {
			const uint64_t *row = hist + (size_t)(b * FL_KF_NR_RESULTS + r) *
						     FL_BPF_NR_BUCKETS;

			if ((backing >= 0 && b != backing) || (result >= 0 && r != result))
				continue;
			for (int i = 0; i < FL_BPF_NR_BUCKETS; i++)
				sum[i] += row[i];
		}
}

static json_t *latency_of(const uint64_t *hist, int backing, int result)
{
	uint64_t sum[FL_BPF_NR_BUCKETS] = { 0 };

	sum_rows(hist, sum, backing, result);
	return fl_bpf_latency_json(sum);
}

static json_t *node_json(const uint64_t *hist, const uint64_t *counts)
{
	json_t *lat = latency_of(hist, -1, -1), *by_result = json_object();
	json_t *by_backing = json_object();

	for (int r = 0; r < FL_KF_NR_RESULTS; r++) {
		uint64_t n = 0;

		for (int b = 0; b < FL_KF_NR_BACKINGS; b++)
			n += counts[FL_KF_CNT_USER + b * FL_KF_NR_RESULTS + r] +
			     counts[FL_KF_CNT_GUP + b * FL_KF_NR_RESULTS + r];
		if (n)
			json_object_set_new(by_result, result_names[r],
					    latency_of(hist, -1, r));
	}
	for (int b = 0; b < FL_KF_NR_BACKINGS; b++) {
		json_t *l = latency_of(hist, b, -1);

		if (json_integer_value(json_object_get(l, "count")))
			json_object_set_new(by_backing, backing_names[b], l);
		else
			json_decref(l);
	}
	json_object_set_new(lat, "by_result", by_result);
	json_object_set_new(lat, "by_backing", by_backing);
	return lat;
}

/* Run-wide counts: what mm_account_fault() counted, and the rest. */
static void add_totals(json_t *faults, const uint64_t *counts, bool handled)
{
	uint64_t calls = 0, user = 0, gup = 0, by[FL_KF_NR_RESULTS] = { 0 };

	for (int b = 0; b < FL_KF_NR_BACKINGS; b++)
		for (int r = 0; r < FL_KF_NR_RESULTS; r++) {
			uint64_t u = counts[FL_KF_CNT_USER + b * FL_KF_NR_RESULTS + r];
			uint64_t g = counts[FL_KF_CNT_GUP + b * FL_KF_NR_RESULTS + r];

			calls += u + g;
			by[r] += u + g;
			if (r == FL_KF_MINOR || r == FL_KF_MAJOR) {
				user += u;
				gup += g;
			}
		}
#define ADD(key, v) json_object_set_new(faults, key, json_integer( \
		json_integer_value(json_object_get(faults, key)) + (json_int_t)(v)))
	if (handled) {
		ADD("handle_mm_fault", calls);
		ADD("accounted_user", user);
		ADD("accounted_gup", gup);
		for (int r = 0; r < FL_KF_NR_RESULTS; r++)
			ADD(result_names[r], by[r]);
	}
	ADD("exceptions_user", counts[FL_KF_CNT_PAGE_FAULT_USER]);
	ADD("exceptions_kernel", counts[FL_KF_CNT_PAGE_FAULT_KERNEL]);
#undef ADD
}

static int kfault_read(struct fl_collector *c, struct fl_collect_out *out,
		       uint64_t *lost, char *err, size_t len)
{
	struct fl_kfault *skel = c->priv;
	uint64_t *hist = NULL, *counts = NULL;
	int nodes, nodes2, ret;
	json_t *faults = json_object();

	ret = fl_bpf_percpu_by_node(skel->maps.hist, &hist, &nodes);
	if (!ret)
		ret = fl_bpf_percpu_by_node(skel->maps.counts, &counts, &nodes2);
	if (ret) {
		fl_set_err(err, len, "kfault: reading maps: %s", strerror(-ret));
		goto out;
	}
	bool handled = !c->partial[0];

	add_totals(faults, (const uint64_t[FL_KF_NR_COUNTERS]){ 0 }, handled);
	for (int n = 0; n < nodes; n++) {
		const uint64_t *nc = counts + (size_t)n * FL_KF_NR_COUNTERS;
		const uint64_t *nh = hist + (size_t)n * FL_KF_NR_CLASSES * FL_BPF_NR_BUCKETS;
		uint64_t any = 0;

		for (int i = 0; i < FL_KF_NR_COUNTERS; i++)
			any += nc[i];
		if (!any)
			continue;
		if (handled)
			json_object_set_new(fl_collect_node(out, n), "kernel_fault_latency_ns",
					    node_json(nh, nc));
		add_totals(faults, nc, handled);
	}
	json_object_set_new(out->kernel, "faults", json_incref(faults));
	*lost = skel->bss->lost;
out:
	json_decref(faults);
	free(hist);
	free(counts);
	return ret;
}

static void kfault_finish(struct fl_collector *c)
{
	fl_kfault__destroy(c->priv);
	c->priv = NULL;
}

/* What this collector puts in each node's object, for compare and summaries. */
static const struct fl_metric_decl kfault_metrics[] = {
	{ "kernel_fault_latency_p50", "kernel_fault_latency_ns.p50", "kernel p50", "ns",
	  false, "kernel_latency", true },
	{ "kernel_fault_latency_p99", "kernel_fault_latency_ns.p99", "kernel p99", "ns",
	  false, "kernel_latency", true },
	{ "kernel_fault_latency_max", "kernel_fault_latency_ns.max", "kernel max", "ns",
	  false, "kernel_latency", false },
	{ 0 },
};

const struct fl_collector_ops fl_kfault_ops = {
	.prepare = kfault_prepare,
	.start = kfault_start,
	.stop = kfault_stop,
	.read = kfault_read,
	.finish = kfault_finish,
	.metrics = kfault_metrics,
};
