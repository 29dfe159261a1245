// SPDX-License-Identifier: GPL-2.0
/* The collector set: --collect, life cycle, and each window's JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/collect.h"
#include "collect/ksyms.h"

#ifdef FL_HAVE_BPF
#include "collect/bpf/bpf_common.h"
#define COLLECTOR(name, help, callers) extern const struct fl_collector_ops fl_##name##_ops;
#include "collect/collectors.def"
#undef COLLECTOR
#define OPS(x) (&(x))
#else
#define OPS(x) NULL
#endif

const struct fl_collector_info fl_collectors[] = {
#define COLLECTOR(name, help, callers) { #name, help, OPS(fl_##name##_ops), callers },
#include "collect/collectors.def"
#undef COLLECTOR
};
const int fl_nr_collectors = (int)ARRAY_SIZE(fl_collectors);

/* A node's lock list keeps this many, longest total wait first. */
#define LOCKS_SHOWN 20

int fl_collect_parse(const char *arg, void *field, char *err, size_t len)
{
	char buf[256], *save = NULL;
	unsigned int m = 0, *mask = field;

	if (!strcmp(arg, "all")) {
		*mask = FL_COLLECT_ALL;
		return 0;
	}
	if (!strcmp(arg, "none")) {
		*mask = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < fl_nr_collectors; i++)
			if (!strcmp(t, fl_collectors[i].name))
				break;
		if (i == fl_nr_collectors) {
			char names[128] = "";

			for (int k = 0; k < fl_nr_collectors; k++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", k ? "," : "", fl_collectors[k].name);
			fl_set_err(err, len, "--collect: unknown collector \"%s\" (choose from %s, all, none)",
				   t, names);
			return -EINVAL;
		}
		m |= 1u << i;
	}
	if (!m) {
		fl_set_err(err, len, "--collect: empty list (use none to turn collectors off)");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

const char *fl_collect_format(const void *field, char *buf, size_t len)
{
	unsigned int mask = *(const unsigned int *)field;
	size_t n = 0;

	buf[0] = '\0';
	if ((mask & ((1u << fl_nr_collectors) - 1)) == (1u << fl_nr_collectors) - 1) {
		snprintf(buf, len, "all");
		return buf;
	}
	for (int i = 0; i < fl_nr_collectors; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
					      n ? "," : "", fl_collectors[i].name);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

struct fl_collect_set {
	struct fl_collect_env env;
	struct fl_ksyms *ksyms;
	char ksyms_why[FL_ERR_LEN];
	struct {
		struct fl_collector c;
		bool selected, ready;
		char why[FL_ERR_LEN];
	} col[8];
};

_Static_assert(ARRAY_SIZE(fl_collectors) <= 8, "fl_collect_set.col is too small");

struct fl_collect_set *fl_collect_prepare(unsigned int mask,
					  const struct fl_collect_env *env)
{
	struct fl_collect_set *s = calloc(1, sizeof(*s));
	char why[FL_ERR_LEN] = "";
	int usable = -ENOTSUP;

	if (!s)
		return NULL;
	s->env = *env;
#ifdef FL_HAVE_BPF
	if (mask) {
		fl_bpf_init();
		usable = fl_bpf_usable(why, sizeof(why));
	}
	if (mask && !usable) {
		s->ksyms = fl_ksyms_load("/proc/kallsyms", s->ksyms_why,
					 sizeof(s->ksyms_why));
		s->env.ksyms = s->ksyms;
	}
#else
	fl_set_err(why, sizeof(why), "faultline was built without BPF (%s)", FL_BPF_MISSING);
#endif
	for (int i = 0; i < fl_nr_collectors; i++) {
		typeof(s->col[0]) *c = &s->col[i];

		c->selected = mask & (1u << i);
		c->c.ops = fl_collectors[i].ops;
		c->c.env = &s->env;
		if (!c->selected)
			continue;
		if (usable) {
			snprintf(c->why, sizeof(c->why), "%s", why);
			continue;
		}
		c->ready = !c->c.ops->prepare(&c->c, &s->env, c->why, sizeof(c->why));
	}
	return s;
}

int fl_collect_follow(struct fl_collect_set *s, pid_t pid, char *err, size_t len)
{
#ifdef FL_HAVE_BPF
	for (int i = 0; s && i < fl_nr_collectors; i++) {
		int ret;

		if (!s->col[i].ready || !s->col[i].c.tgids)
			continue;
		ret = fl_bpf_follow(s->col[i].c.tgids, pid);
		if (ret) {
			fl_set_err(err, len, "%s: follow pid %d: %s", fl_collectors[i].name,
				   (int)pid, strerror(-ret));
			return ret;
		}
	}
#else
	(void)s, (void)pid, (void)err, (void)len;
#endif
	return 0;
}

void fl_collect_start(struct fl_collect_set *s)
{
	for (int i = 0; s && i < fl_nr_collectors; i++)
		if (s->col[i].ready)
			s->col[i].c.ops->start(&s->col[i].c);
}

void fl_collect_stop(struct fl_collect_set *s)
{
	for (int i = 0; s && i < fl_nr_collectors; i++)
		if (s->col[i].ready)
			s->col[i].c.ops->stop(&s->col[i].c);
}

static int by_wait_total(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "wait_total_ns"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "wait_total_ns"));

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Longest total wait first; the tail is summed, not dropped silently. */
static void sort_locks(json_t *node)
{
	json_t *locks = json_object_get(node, "locks"), *sorted, **v;
	size_t n = json_array_size(locks);
	json_int_t omitted = 0, omitted_wait = 0, omitted_contended = 0;

	if (n < 2)
		return;
	v = calloc(n, sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(locks, i);
	qsort(v, n, sizeof(*v), by_wait_total);
	sorted = json_array();
	for (size_t i = 0; i < n; i++) {
		if (i < LOCKS_SHOWN) {
			json_array_append(sorted, v[i]);
			continue;
		}
		omitted++;
		omitted_wait += json_integer_value(json_object_get(v[i], "wait_total_ns"));
		omitted_contended += json_integer_value(json_object_get(v[i], "contended"));
	}
	free(v);
	json_object_set_new(node, "locks", sorted);
	if (omitted)
		json_object_set_new(node, "locks_omitted", json_pack("{s:I, s:I, s:I}",
				    "locks", omitted, "contended", omitted_contended,
				    "wait_total_ns", omitted_wait));
}

/* A collector's declared metrics as the document lists them. */
static json_t *metrics_json(const struct fl_metric_decl *m)
{
	json_t *a = json_array();

	for (; m && m->name; m++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
						   "name", m->name, "path", m->path,
						   "label", m->label, "unit", m->unit,
						   "better", m->higher_better ? "higher" : "lower",
						   "family", m->family, "compare", m->compare));
	return a;
}

/* A collector's declared node lists as the document lists them. */
static json_t *lists_json(const struct fl_list_decl *l)
{
	json_t *a = json_array();

	for (; l && l->name; l++)
		json_array_append_new(a, json_pack("{s:s, s:b}", "name", l->name,
						   "complete", l->complete));
	return a;
}

json_t *fl_collect_read(struct fl_collect_set *s)
{
	struct fl_collect_out out;
	json_t *doc, *status = json_object(), *node;
	char untrusted[FL_ERR_LEN] = "";
	const char *key;

	if (!s)
		return NULL;
	out.nodes = json_object();
	out.kernel = json_object();
	for (int i = 0; i < fl_nr_collectors; i++) {
		typeof(s->col[0]) *c = &s->col[i];
		const char *name = fl_collectors[i].name;
		char err[FL_ERR_LEN] = "";
		uint64_t lost = 0;
		json_t *st;

		/* Its lists, ran or not: a reader names who could have filled one. */
		if (!c->selected || !c->ready) {
			st = c->selected ? json_pack("{s:o}", "status",
						     json_sprintf("unavailable: %s", c->why)) :
					   json_pack("{s:s}", "status", "off (--collect)");
			if (fl_collectors[i].ops)
				json_object_set_new(st, "lists", lists_json(fl_collectors[i].ops->lists));
			json_object_set_new(status, name, st);
			continue;
		}
		st = json_object();
		if (c->c.ops->read(&c->c, &out, &lost, err, sizeof(err))) {
			json_object_set_new(st, "status", json_sprintf("error: %s", err));
			snprintf(untrusted + strlen(untrusted), sizeof(untrusted) - strlen(untrusted),
				 "%s%s could not be read", untrusted[0] ? "; " : "", name);
		} else if (c->c.partial[0]) {
			json_object_set_new(st, "status", json_sprintf("partial: %s",
					    c->c.partial));
		} else {
			json_object_set_new(st, "status", json_string("ok"));
		}
		json_object_set_new(st, "lost", json_integer((json_int_t)lost));
		if (lost)
			snprintf(untrusted + strlen(untrusted), sizeof(untrusted) - strlen(untrusted),
				 "%s%s lost %llu events (a map or nesting slot was full)",
				 untrusted[0] ? "; " : "", name, (unsigned long long)lost);
		json_object_set_new(st, "metrics", metrics_json(c->c.ops->metrics));
		json_object_set_new(st, "lists", lists_json(c->c.ops->lists));
		if (fl_collectors[i].names_callers && !s->ksyms)
			json_object_set_new(st, "callers", json_sprintf("unavailable: %s",
					    s->ksyms_why));
		json_object_set_new(status, name, st);
	}
	json_object_foreach(out.nodes, key, node)
		sort_locks(node);
	doc = json_pack("{s:o, s:o, s:o, s:b}", "collectors", status, "nodes", out.nodes,
			"kernel", out.kernel, "trustworthy", !untrusted[0]);
	if (untrusted[0])
		json_object_set_new(doc, "why_untrustworthy", json_string(untrusted));
	return doc;
}

void fl_collect_finish(struct fl_collect_set *s)
{
	if (!s)
		return;
	for (int i = 0; i < fl_nr_collectors; i++)
		if (s->col[i].ready)
			s->col[i].c.ops->finish(&s->col[i].c);
	fl_ksyms_free(s->ksyms);
	free(s);
}
