// SPDX-License-Identifier: GPL-2.0
/* Userspace helpers shared by the BPF collectors. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <numa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/hist.h"
#include "base/latency_json.h"
#include "collect/bpf/bpf_common.h"
#include "collect/bpf/bpf_hist.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static char last_msg[FL_ERR_LEN];
static int debug;

__attribute__((format(printf, 2, 0)))
static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[FL_ERR_LEN];
	size_t n;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Verifier logs are long: print them whole. */
	if (debug)
		vfprintf(stderr, fmt, copy);
	va_end(copy);
	if (level == LIBBPF_DEBUG)
		return 0;
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/* libbpf ends with a generic line; keep the specific one before. */
	if (!strstr(msg, "failed to load object") && !strstr(msg, "-- BEGIN") &&
	    !strstr(msg, "-- END"))
		snprintf(last_msg, sizeof(last_msg), "%s", msg);
	return 0;
}

void fl_bpf_init(void)
{
	const char *d = getenv("FAULTLINE_BPF_DEBUG");

	debug = d && *d && strcmp(d, "0");
	libbpf_set_print(capture);
}

int fl_bpf_usable(char *err, size_t len)
{
	if (access(VMLINUX_BTF, R_OK)) {
		fl_set_err(err, len, "no kernel BTF (%s: %s; needs CONFIG_DEBUG_INFO_BTF)",
			   VMLINUX_BTF, strerror(errno));
		return -ENOENT;
	}
	if (geteuid() != 0) {
		fl_set_err(err, len, "needs root (CAP_BPF and CAP_PERFMON); running as uid %d",
			   (int)geteuid());
		return -EPERM;
	}
	return 0;
}

/* The kernel lockdown mode, "" when securityfs does not say. */
static void lockdown_mode(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char line[128], *l, *r;

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (l = strchr(line, '[')) &&
	    (r = strchr(l, ']'))) {
		*r = '\0';
		snprintf(buf, len, "%s", l + 1);
	}
	fclose(f);
}

void fl_bpf_why(char *err, size_t len, const char *what, int e)
{
	char mode[64];

	if (e < 0)
		e = -e;
	if (e == EACCES && last_msg[0]) {
		/* The verifier said no: its last words say why. */
		fl_set_err(err, len, "%s: the kernel's verifier rejected it (libbpf: %s; FAULTLINE_BPF_DEBUG=1 prints the log)",
			   what, last_msg);
	} else if (e == EPERM && geteuid() == 0) {
		/* Root refused: the kernel forbids this attachment kind. */
		lockdown_mode(mode, sizeof(mode));
		fl_set_err(err, len, "%s: the kernel refuses it even to root (kernel lockdown: %s; fentry/fexit need BPF trampolines on ftrace)",
			   what, mode[0] ? mode : "unknown, securityfs not mounted");
	} else if (e == EPERM || e == EACCES)
		fl_set_err(err, len, "%s: permission denied (needs CAP_BPF and CAP_PERFMON)%s%s",
			   what, last_msg[0] ? "; libbpf: " : "", last_msg);
	else if (last_msg[0])
		fl_set_err(err, len, "%s: %s (libbpf: %s)", what, strerror(e), last_msg);
	else
		fl_set_err(err, len, "%s: %s", what, strerror(e));
	last_msg[0] = '\0';
}

int fl_bpf_follow(struct bpf_map *tgids, pid_t tgid)
{
	__u32 key = (__u32)tgid;
	__u8 one = 1;

	return bpf_map__update_elem(tgids, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY) ? -errno : 0;
}

int fl_bpf_percpu_clear(struct bpf_map *map)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 n = bpf_map__max_entries(map);
	uint64_t *zero;
	int ret = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc((size_t)ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (__u32 k = 0; k < n && !ret; k++)
		if (bpf_map__update_elem(map, &k, sizeof(k), zero,
					 (size_t)ncpu * sizeof(*zero), BPF_ANY))
			ret = -errno;
	free(zero);
	return ret;
}

int fl_bpf_percpu_by_node(struct bpf_map *map, uint64_t **out, int *nr_nodes)
{
	int ncpu = libbpf_num_possible_cpus();
	int nodes = numa_available() < 0 ? 1 : numa_max_node() + 1;
	__u32 n = bpf_map__max_entries(map);
	uint64_t *vals, *sum;
	int *node_of;
	int ret = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	sum = calloc((size_t)nodes * n, sizeof(*sum));
	node_of = calloc((size_t)ncpu, sizeof(*node_of));
	if (!vals || !sum || !node_of) {
		ret = -ENOMEM;
		goto out;
	}
	for (int c = 0; c < ncpu; c++) {
		node_of[c] = numa_available() < 0 ? 0 : numa_node_of_cpu(c);
		if (node_of[c] < 0 || node_of[c] >= nodes)
			node_of[c] = 0;	/* a possible CPU never online: no counts */
	}
	for (__u32 k = 0; k < n; k++) {
		if (bpf_map__lookup_elem(map, &k, sizeof(k), vals,
					 (size_t)ncpu * sizeof(*vals), 0)) {
			ret = -errno;
			goto out;
		}
		for (int c = 0; c < ncpu; c++)
			sum[(size_t)node_of[c] * n + k] += vals[c];
	}
	*out = sum;
	*nr_nodes = nodes;
	sum = NULL;
out:
	free(vals);
	free(sum);
	free(node_of);
	return ret;
}

/* Bounds of bpf_hist.h bucket @i, the same arithmetic as hist.h. */
static uint64_t bucket_lo(uint32_t i)
{
	unsigned int shift;

	if (i < 2 * FL_BPF_SUB)
		return i;
	shift = i / FL_BPF_SUB - 1;
	return (uint64_t)(i - shift * FL_BPF_SUB) << shift;
}

json_t *fl_bpf_latency_json(const uint64_t *buckets)
{
	struct fl_hist *h;
	json_t *j;

	if (fl_hist_init(&h))
		return json_null();
	/* Each bucket's count lands on its midpoint: within 1/32 of the value. */
	for (uint32_t i = 0; i < FL_BPF_NR_BUCKETS; i++)
		fl_hist_record_n(h, (bucket_lo(i) + bucket_lo(i + 1) - 1) / 2,
				 buckets[i]);
	j = fl_latency_json_ns(h);
	fl_hist_free(h);
	return j;
}

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static int tried;

	if (!tried) {
		tried = 1;
		btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(btf))
			btf = NULL;
	}
	return btf;
}

int fl_bpf_btf_has(const char *name, int kind)
{
	struct btf *btf = vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

int fl_bpf_tp_nr_args(const char *tp)
{
	struct btf *btf = vmlinux_btf();
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) : -1;
	if (id <= 0)
		return -1;
	/* typedef -> pointer -> function prototype (void *, args...). */
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
}

int fl_bpf_load_attach(struct bpf_object_skeleton *skel, struct bpf_map *tgids,
		       pid_t tgid, const char *name, char *err, size_t len)
{
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "%s: load", name);
	ret = bpf_object__load_skeleton(skel);
	if (!ret) {
		snprintf(what, sizeof(what), "%s: follow pid %d", name, (int)tgid);
		ret = fl_bpf_follow(tgids, tgid);
	}
	if (!ret) {
		snprintf(what, sizeof(what), "%s: attach", name);
		ret = bpf_object__attach_skeleton(skel);
	}
	if (ret)
		fl_bpf_why(err, len, what, ret);
	return ret < 0 ? ret : ret ? -ret : 0;
}
