// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel variant files: parsing, validation, JSON, the build cache key.
 * The format is documented in kernels/README.md; every problem is reported
 * as "FILE:LINE: problem", LINE 0 for what is missing from the whole file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/option.h"
#include "base/tool.h"
#include "variant/variant.h"

/*
 * Bump when the fetch/build recipe changes in a way that changes the
 * kernel it produces: every cached build then gets a new key.
 */
#define FL_VARIANT_RECIPE 2

#define MIB (1ull << 20)
#define NAME_MAX_LEN 64
#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ" LOWER_DIGITS

enum key {
	K_NAME, K_DESCRIPTION, K_SOURCE, K_PATCH, K_CONFIG, K_BASE,
	K_CPUS, K_MEMORY, K_NODE, K_CMDLINE, K_ACCEL, K_TIMEOUT,
	NR_KEYS
};

/* The state of one file being parsed. */
struct parse {
	const char *file;	/* as the user named it, for messages */
	char dir[PATH_MAX];	/* the file's directory, absolute */
	struct fl_variant *v;
	int line[NR_KEYS];	/* first line each key is on; 0: absent */
	int *patch_lines;
	char *err;
	size_t len;
};

static int __attribute__((format(printf, 3, 4)))
bad(struct parse *p, int line, const char *fmt, ...)
{
	char msg[FL_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fl_set_err(p->err, p->len, "%s:%d: %s", p->file, line, msg);
	return -EINVAL;
}

static int nomem(struct parse *p)
{
	fl_set_err(p->err, p->len, "%s: out of memory", p->file);
	return -ENOMEM;
}

const char *fl_variant_size(uint64_t b, char *buf, size_t len)
{
	static const char units[] = "TGMK";

	for (int i = 0; units[i]; i++) {
		uint64_t unit = 1ull << (10 * (4 - i));

		if (b && !(b % unit)) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(b / unit),
				 units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)b);
	return buf;
}

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) > NAME_MAX_LEN || !strchr(LOWER_DIGITS, *s))
		return false;
	return strspn(s, LOWER_DIGITS "._-") == strlen(s);
}

/* Debian policy: lower case alphanumerics, + - ., two or more, alnum first. */
static bool package_ok(const char *s)
{
	return strlen(s) >= 2 && strchr(LOWER_DIGITS, *s) &&
	       strspn(s, LOWER_DIGITS "+-.") == strlen(s);
}

static bool version_ok(const char *s)
{
	return *s >= '0' && *s <= '9' && strspn(s, ALNUM ".+~:-") == strlen(s);
}

/*
 * @value as an absolute path: relative paths are relative to the variant
 * file's directory. The path must exist and be a directory (@want_dir) or
 * a regular file; @what names it in messages ("patch", "image").
 */
static int resolve(struct parse *p, int line, const char *what,
		   const char *value, bool want_dir, char **out)
{
	char joined[PATH_MAX * 2], real[PATH_MAX];
	struct stat st;

	if (value[0] == '/')
		snprintf(joined, sizeof(joined), "%s", value);
	else
		snprintf(joined, sizeof(joined), "%s/%s", p->dir, value);
	if (!realpath(joined, real) || stat(real, &st)) {
		int e = errno;

		if (value[0] == '/')
			bad(p, line, "%s %s: %s", what, value, strerror(e));
		else
			bad(p, line, "%s %s (%s): %s", what, value, joined,
			    strerror(e));
		return -e;
	}
	if (want_dir && !S_ISDIR(st.st_mode))
		return bad(p, line, "%s %s: not a directory", what, value);
	if (!want_dir && !S_ISREG(st.st_mode))
		return bad(p, line, "%s %s: not a regular file", what, value);
	*out = strdup(real);
	return *out ? 0 : nomem(p);
}

static int dup_value(struct parse *p, const char *value, char **out)
{
	*out = strdup(value);
	return *out ? 0 : nomem(p);
}

static int parse_name(struct parse *p, int line, char *value)
{
	if (!name_ok(value))
		return bad(p, line,
			   "name \"%s\": use a-z, 0-9, '.', '_' and '-', starting with a letter or digit, at most %d characters",
			   value, NAME_MAX_LEN);
	return dup_value(p, value, &p->v->name);
}

static int parse_description(struct parse *p, int line, char *value)
{
	(void)line;
	free(p->v->description);
	return dup_value(p, value, &p->v->description);
}

static const char *const source_names[] = {
	[FL_VSRC_HOST] = "host",
	[FL_VSRC_DEB] = "deb",
	[FL_VSRC_IMAGE] = "image",
	[FL_VSRC_TREE] = "tree",
	[FL_VSRC_TARBALL] = "tarball",
	[FL_VSRC_DEB_SOURCE] = "deb-source",
};

static const char *const source_usage[] = {
	[FL_VSRC_HOST] = "host",
	[FL_VSRC_DEB] = "deb PACKAGE[=VERSION]",
	[FL_VSRC_IMAGE] = "image PATH [modules=DIR]",
	[FL_VSRC_TREE] = "tree PATH",
	[FL_VSRC_TARBALL] = "tarball PATH",
	[FL_VSRC_DEB_SOURCE] = "deb-source PACKAGE[=VERSION]",
};

const char *fl_variant_source_name(enum fl_variant_source s)
{
	return (unsigned int)s < ARRAY_SIZE(source_names) ? source_names[s] : "?";
}

static const char *const accel_names[] = {
	[FL_ACCEL_NATIVE] = "native",
	[FL_ACCEL_AUTO] = "auto",
	[FL_ACCEL_KVM] = "kvm",
	[FL_ACCEL_TCG] = "tcg",
};

const char *fl_variant_accel_name(enum fl_variant_accel a)
{
	return (unsigned int)a < ARRAY_SIZE(accel_names) ? accel_names[a] : "?";
}

/* "PACKAGE" or "PACKAGE=VERSION" into v->package and v->version. */
static int parse_package(struct parse *p, int line, const char *kind, char *word)
{
	char *eq = strchr(word, '=');

	if (eq) {
		*eq = '\0';
		if (!version_ok(eq + 1))
			return bad(p, line, "source %s %s=%s: \"%s\" is not a Debian version",
				   kind, word, eq + 1, eq + 1);
	}
	if (!package_ok(word))
		return bad(p, line, "source %s %s: not a Debian package name", kind, word);
	if (dup_value(p, word, &p->v->package))
		return -ENOMEM;
	if (eq && dup_value(p, eq + 1, &p->v->version))
		return -ENOMEM;
	return 0;
}

/*
 * "KIND ARGS...": host | deb PACKAGE[=VERSION] | image PATH [modules=DIR] |
 * tree PATH | tarball PATH | deb-source PACKAGE[=VERSION]. Paths may not
 * contain white space.
 */
static int parse_source(struct parse *p, int line, char *value)
{
	struct fl_variant *v = p->v;
	char *words[4], *save = NULL, *w;
	int nr = 0, ret, kind = -1, want_min, want_max;
	char spec[PATH_MAX * 2 + 64];

	for (w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (nr == (int)ARRAY_SIZE(words))
			return bad(p, line, "source has too many words");
		words[nr++] = w;
	}
	for (int i = 0; i < (int)ARRAY_SIZE(source_names); i++)
		if (!strcmp(words[0], source_names[i]))
			kind = i;
	if (kind < 0)
		return bad(p, line,
			   "unknown source kind \"%s\" (expected host, deb, image, tree, tarball or deb-source)",
			   words[0]);
	want_min = kind == FL_VSRC_HOST ? 1 : 2;
	want_max = kind == FL_VSRC_IMAGE ? 3 : want_min;
	if (nr < want_min || nr > want_max)
		return bad(p, line, "source %s: expected \"%s\"", words[0],
			   source_usage[kind]);
	v->source = (enum fl_variant_source)kind;

	switch (v->source) {
	case FL_VSRC_HOST:
		snprintf(spec, sizeof(spec), "host");
		break;
	case FL_VSRC_DEB:
	case FL_VSRC_DEB_SOURCE:
		ret = parse_package(p, line, words[0], words[1]);
		if (ret)
			return ret;
		snprintf(spec, sizeof(spec), "%s %s%s%s", words[0], v->package,
			 v->version ? "=" : "", v->version ? v->version : "");
		break;
	case FL_VSRC_IMAGE:
		ret = resolve(p, line, "image", words[1], false, &v->path);
		if (ret)
			return ret;
		if (nr == 3) {
			if (strncmp(words[2], "modules=", 8) || !words[2][8])
				return bad(p, line, "source image: \"%s\" is not modules=DIR",
					   words[2]);
			ret = resolve(p, line, "modules", words[2] + 8, true,
				      &v->modules);
			if (ret)
				return ret;
		}
		snprintf(spec, sizeof(spec), "image %s%s%s", v->path,
			 v->modules ? " modules=" : "", v->modules ? v->modules : "");
		break;
	case FL_VSRC_TREE:
	case FL_VSRC_TARBALL:
		ret = resolve(p, line, words[0], words[1], v->source == FL_VSRC_TREE,
			      &v->path);
		if (ret)
			return ret;
		snprintf(spec, sizeof(spec), "%s %s", words[0], v->path);
		break;
	}
	return dup_value(p, spec, &v->source_spec);
}

static int parse_patch(struct parse *p, int line, char *value)
{
	struct fl_variant *v = p->v;
	char **patches, *path;
	int *lines, ret;

	ret = resolve(p, line, "patch", value, false, &path);
	if (ret)
		return ret;
	for (int i = 0; i < v->nr_patches; i++) {
		if (!strcmp(v->patches[i], path)) {
			free(path);
			return bad(p, line, "patch %s is already listed on line %d",
				   value, p->patch_lines[i]);
		}
	}
	patches = realloc(v->patches, sizeof(*patches) * (size_t)(v->nr_patches + 1));
	if (patches)
		v->patches = patches;
	lines = realloc(p->patch_lines, sizeof(*lines) * (size_t)(v->nr_patches + 1));
	if (lines)
		p->patch_lines = lines;
	if (!patches || !lines) {
		free(path);
		return nomem(p);
	}
	v->patches[v->nr_patches] = path;
	p->patch_lines[v->nr_patches++] = line;
	return 0;
}

/* Variant files and config fragments are short text; more is a mistake. */
#define TEXT_MAX (1 << 20)

/*
 * @path opened for reading if it is a regular file of at most TEXT_MAX
 * bytes (a device or a FIFO is never read, nor waited for), else NULL
 * with errno set and the cause in @why.
 */
static FILE *open_text(const char *path, const char **why)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e;
	struct stat st;
	FILE *f;

	*why = NULL;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		e = errno;
	} else if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		e = EINVAL;
	} else if (st.st_size > TEXT_MAX) {
		*why = "larger than 1 MiB";
		e = EFBIG;
	} else if (fcntl(fd, F_SETFL, 0) || !(f = fdopen(fd, "r"))) {
		e = errno;
	} else {
		return f;
	}
	close(fd);
	errno = e;
	return NULL;
}

/*
 * A config fragment is what merge_config.sh takes: CONFIG_NAME=VALUE lines,
 * "# CONFIG_NAME is not set", comments and blank lines. Checked here so a
 * typo fails at check time, not an hour into a build.
 */
static int check_fragment(struct parse *p, int line, const char *value,
			  const char *path)
{
	const char *why;
	FILE *f = open_text(path, &why);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int nr = 0, ret = 0;

	if (!f) {
		int e = errno;

		bad(p, line, "config %s: %s", value, why ? why : strerror(e));
		return -e;
	}
	while ((n = getline(&buf, &cap, f)) >= 0) {
		char *s = buf, *eq;

		nr++;
		while (n > 0 && strchr(" \t\r\n", s[n - 1]))
			s[--n] = '\0';
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (strncmp(s, "CONFIG_", 7) || !eq || eq == s + 7 || !eq[1] ||
		    strspn(s + 7, ALNUM "_") != (size_t)(eq - s - 7)) {
			/* Its content is never quoted: it may be any file. */
			ret = bad(p, line, "config %s:%d: not CONFIG_NAME=VALUE or a # comment",
				  value, nr);
			break;
		}
	}
	free(buf);
	fclose(f);
	return ret;
}

static int parse_config(struct parse *p, int line, char *value)
{
	int ret = resolve(p, line, "config", value, false, &p->v->config);

	return ret ? ret : check_fragment(p, line, value, p->v->config);
}

static int parse_uint(struct parse *p, int line, const char *key, const char *value,
		      uint64_t max, unsigned int *out)
{
	uint64_t u;

	if (fl_parse_u64(value, &u))
		return bad(p, line, "%s \"%s\": not a whole number", key, value);
	if (u < 1 || u > max)
		return bad(p, line, "%s %s: out of range (1-%llu)", key, value,
			   (unsigned long long)max);
	*out = (unsigned int)u;
	return 0;
}

static int parse_cpus(struct parse *p, int line, char *value)
{
	return parse_uint(p, line, "cpus", value, FL_VARIANT_MAX_CPUS, &p->v->cpus);
}

static int parse_timeout(struct parse *p, int line, char *value)
{
	return parse_uint(p, line, "timeout", value, FL_VARIANT_MAX_TIMEOUT,
			  &p->v->timeout);
}

/* A size in whole MiB, more than zero: QEMU sizes guest memory in MiB. */
static int parse_mem(struct parse *p, int line, const char *what,
		     const char *value, uint64_t *out)
{
	if (fl_parse_size(value, out))
		return bad(p, line, "%s \"%s\": not a size (a number with K, M or G, e.g. 2G)",
			   what, value);
	if (!*out || *out % MIB)
		return bad(p, line, "%s %s: not a whole number of MiB (sizes take K, M or G, e.g. 512M)",
			   what, value);
	return 0;
}

static int parse_memory(struct parse *p, int line, char *value)
{
	return parse_mem(p, line, "memory", value, &p->v->memory);
}

static bool cpu_isset(const uint64_t *set, unsigned int cpu)
{
	return set[cpu / 64] & (1ull << (cpu % 64));
}

/* A CPU list "0-1,4" into @n's bitmap; each CPU at most once. */
static int parse_cpulist(struct parse *p, int line, const char *text,
			 struct fl_variant_node *n)
{
	const char *s = text;
	char *end;

	if (!*s)
		return bad(p, line, "node cpus=: empty CPU list");
	for (;;) {
		unsigned long lo, hi;

		if (*s < '0' || *s > '9')
			goto syntax;
		lo = strtoul(s, &end, 10);
		hi = lo;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				goto syntax;
			hi = strtoul(s, &end, 10);
		}
		if (*end && *end != ',')
			goto syntax;
		if (hi < lo)
			return bad(p, line, "node cpus=%s: range %lu-%lu is backwards",
				   text, lo, hi);
		if (hi >= FL_VARIANT_MAX_CPUS)
			return bad(p, line, "node cpus=%s: CPU %lu is out of range (0-%d)",
				   text, hi, FL_VARIANT_MAX_CPUS - 1);
		for (unsigned long c = lo; c <= hi; c++) {
			if (cpu_isset(n->cpus, (unsigned int)c))
				return bad(p, line, "node cpus=%s: CPU %lu is listed twice",
					   text, c);
			n->cpus[c / 64] |= 1ull << (c % 64);
		}
		if (!*end)
			return 0;
		s = end + 1;
	}
syntax:
	return bad(p, line, "node cpus=%s: not a CPU list (e.g. 0-1,4)", text);
}

/* The canonical text of a CPU bitmap: ranges, ascending. */
static char *format_cpulist(const uint64_t *set)
{
	char buf[FL_VARIANT_MAX_CPUS * 5];
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned int c = 0; c < FL_VARIANT_MAX_CPUS; c++) {
		unsigned int e = c;

		if (!cpu_isset(set, c))
			continue;
		while (e + 1 < FL_VARIANT_MAX_CPUS && cpu_isset(set, e + 1))
			e++;
		pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos,
					e == c ? "%s%u" : "%s%u-%u", pos ? "," : "",
					c, e);
		c = e;
	}
	return strdup(buf);
}

/* "cpus=LIST memory=SIZE", both required, in either order. */
static int parse_node(struct parse *p, int line, char *value)
{
	struct fl_variant *v = p->v;
	struct fl_variant_node n = { .line = line }, *nodes;
	char *save = NULL, *w;
	bool have_cpus = false, have_mem = false;
	int ret;

	if (v->nr_nodes == FL_VARIANT_MAX_NODES)
		return bad(p, line, "more than %d nodes", FL_VARIANT_MAX_NODES);
	for (w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(w, "cpus=", 5)) {
			if (have_cpus)
				return bad(p, line, "node: cpus= given twice");
			have_cpus = true;
			ret = parse_cpulist(p, line, w + 5, &n);
		} else if (!strncmp(w, "memory=", 7)) {
			if (have_mem)
				return bad(p, line, "node: memory= given twice");
			have_mem = true;
			ret = parse_mem(p, line, "node memory", w + 7, &n.memory);
		} else {
			return bad(p, line,
				   "unknown node field \"%s\" (expected cpus=LIST memory=SIZE)", w);
		}
		if (ret)
			return ret;
	}
	if (!have_cpus || !have_mem)
		return bad(p, line, "node needs %s (node = cpus=LIST memory=SIZE)",
			   have_cpus ? "memory=" : "cpus=");
	n.cpulist = format_cpulist(n.cpus);
	nodes = realloc(v->nodes, sizeof(*nodes) * (size_t)(v->nr_nodes + 1));
	if (!n.cpulist || !nodes) {
		free(n.cpulist);
		if (nodes)
			v->nodes = nodes;
		return nomem(p);
	}
	v->nodes = nodes;
	v->nodes[v->nr_nodes++] = n;
	return 0;
}

static int parse_cmdline(struct parse *p, int line, char *value)
{
	size_t room = FL_VARIANT_CMDLINE_SIZE - sizeof(FL_VARIANT_BOOT_ARGS) - 1;

	for (const char *s = value; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return bad(p, line, "cmdline has a control character");
	if (strlen(value) > room)
		return bad(p, line, "cmdline is %zu characters; at most %zu fit beside \"%s\"",
			   strlen(value), room, FL_VARIANT_BOOT_ARGS);
	free(p->v->cmdline);
	return dup_value(p, value, &p->v->cmdline);
}

static const char *const base_names[] = {
	[FL_BASE_MINIMAL] = "minimal",
	[FL_BASE_DEFCONFIG] = "defconfig",
};

const char *fl_variant_base_name(enum fl_variant_base b)
{
	return b <= FL_BASE_DEFCONFIG ? base_names[b] : "?";
}

static int parse_base(struct parse *p, int line, char *value)
{
	for (int b = FL_BASE_MINIMAL; b <= FL_BASE_DEFCONFIG; b++) {
		if (!strcmp(value, base_names[b])) {
			p->v->base = (enum fl_variant_base)b;
			return 0;
		}
	}
	return bad(p, line, "base \"%s\": expected minimal or defconfig", value);
}

static int parse_accel(struct parse *p, int line, char *value)
{
	for (int a = FL_ACCEL_AUTO; a <= FL_ACCEL_TCG; a++) {
		if (!strcmp(value, accel_names[a])) {
			p->v->accel = (enum fl_variant_accel)a;
			return 0;
		}
	}
	return bad(p, line, "accel \"%s\": expected auto, kvm or tcg", value);
}

static const struct {
	const char *name;
	bool repeat;	/* may be given more than once */
	bool machine;	/* describes the VM: meaningless for host */
	int (*parse)(struct parse *p, int line, char *value);
} keys[NR_KEYS] = {
	[K_NAME] = { "name", false, false, parse_name },
	[K_DESCRIPTION] = { "description", false, false, parse_description },
	[K_SOURCE] = { "source", false, false, parse_source },
	[K_PATCH] = { "patch", true, false, parse_patch },
	[K_CONFIG] = { "config", false, false, parse_config },
	[K_BASE] = { "base", false, false, parse_base },
	[K_CPUS] = { "cpus", false, true, parse_cpus },
	[K_MEMORY] = { "memory", false, true, parse_memory },
	[K_NODE] = { "node", true, true, parse_node },
	[K_CMDLINE] = { "cmdline", false, true, parse_cmdline },
	[K_ACCEL] = { "accel", false, true, parse_accel },
	[K_TIMEOUT] = { "timeout", false, true, parse_timeout },
};

/* Values end up in JSON (variant show --json, results' "variant"): UTF-8 only. */
static bool is_utf8(const char *s)
{
	json_t *j = json_string(s);	/* jansson refuses anything else */

	json_decref(j);
	return j != NULL;
}

/* One line: blank, a comment, or KEY = VALUE. */
static int parse_line(struct parse *p, int line, char *s)
{
	char *eq, *key, *value, *e;
	int k;

	s += strspn(s, " \t");
	if (!*s || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq)
		return bad(p, line, "expected KEY = VALUE, got \"%s\"", s);
	key = s;
	for (e = eq; e > key && strchr(" \t", e[-1]); e--)
		;
	*e = '\0';
	value = eq + 1 + strspn(eq + 1, " \t");
	if (!*key)
		return bad(p, line, "expected KEY = VALUE, got no key before '='");
	for (k = 0; k < NR_KEYS; k++)
		if (!strcmp(key, keys[k].name))
			break;
	if (k == NR_KEYS)
		return bad(p, line,
			   "unknown key \"%s\" (expected name, description, source, patch, config, cpus, memory, node, cmdline, accel or timeout)",
			   key);
	if (p->line[k] && !keys[k].repeat)
		return bad(p, line, "duplicate %s (already set on line %d)", key,
			   p->line[k]);
	if (!*value)
		return bad(p, line, "%s has no value", key);
	if (!is_utf8(value))
		return bad(p, line, "%s is not UTF-8 text", key);
	if (!p->line[k])
		p->line[k] = line;
	return keys[k].parse(p, line, value);
}

static bool is_source_build(enum fl_variant_source s)
{
	return s == FL_VSRC_TREE || s == FL_VSRC_TARBALL || s == FL_VSRC_DEB_SOURCE;
}

/* The machine: every node's CPUs in range, no CPU twice, none left out. */
static int check_nodes(struct parse *p)
{
	struct fl_variant *v = p->v;
	uint64_t all[FL_VARIANT_MAX_CPUS / 64] = { 0 }, sum = 0;
	char a[32], b[32];

	for (int i = 0; i < v->nr_nodes; i++) {
		struct fl_variant_node *n = &v->nodes[i];

		for (unsigned int c = 0; c < FL_VARIANT_MAX_CPUS; c++) {
			if (!cpu_isset(n->cpus, c))
				continue;
			if (c >= v->cpus)
				return bad(p, n->line,
					   "node %d has CPU %u, beyond cpus = %u (CPUs 0-%u)",
					   i, c, v->cpus, v->cpus - 1);
			if (cpu_isset(all, c)) {
				for (int j = 0; j < i; j++)
					if (cpu_isset(v->nodes[j].cpus, c))
						return bad(p, n->line,
							   "node %d has CPU %u, already in node %d (line %d)",
							   i, c, j, v->nodes[j].line);
			}
			all[c / 64] |= 1ull << (c % 64);
		}
		sum += n->memory;
	}
	for (unsigned int c = 0; c < v->cpus; c++)
		if (!cpu_isset(all, c))
			return bad(p, p->line[K_CPUS],
				   "CPU %u is in no node (node lines must cover CPUs 0-%u exactly once)",
				   c, v->cpus - 1);
	if (sum != v->memory)
		return bad(p, p->line[K_MEMORY],
			   "the nodes' memory sums to %s, not memory = %s",
			   fl_variant_size(sum, a, sizeof(a)),
			   fl_variant_size(v->memory, b, sizeof(b)));
	return 0;
}

/* Whole-file rules, after every line has been read. */
static int finish(struct parse *p)
{
	struct fl_variant *v = p->v;
	char expect[NAME_MAX_LEN + 16];
	const char *base;

	if (!p->line[K_NAME])
		return bad(p, 0, "missing name");
	if (!p->line[K_SOURCE])
		return bad(p, 0, "missing source (%s, %s, %s, %s, %s or %s)",
			   source_usage[0], source_usage[1], source_usage[2],
			   source_usage[3], source_usage[4], source_usage[5]);
	base = strrchr(p->file, '/');
	base = base ? base + 1 : p->file;
	snprintf(expect, sizeof(expect), "%s.variant", v->name);
	if (strcmp(base, expect))
		return bad(p, p->line[K_NAME],
			   "name \"%s\" does not match the file name %s (variant NAME lives in NAME.variant)",
			   v->name, base);
	if (!is_source_build(v->source)) {
		int line = p->line[K_CONFIG];

		if (v->nr_patches && (!line || p->patch_lines[0] < line))
			line = p->patch_lines[0];
		if (p->line[K_BASE] && (!line || p->line[K_BASE] < line))
			line = p->line[K_BASE];
		if (line)
			return bad(p, line,
				   "%s needs a source build (source tree, tarball or deb-source), not source %s",
				   line == p->line[K_CONFIG] ? "config" :
				   line == p->line[K_BASE] ? "base" : "patch",
				   fl_variant_source_name(v->source));
	}
	if (v->source == FL_VSRC_HOST) {
		int first = 0;

		for (int k = 0; k < NR_KEYS; k++)
			if (keys[k].machine && p->line[k] &&
			    (!first || p->line[k] < p->line[first]))
				first = k;
		if (first)
			return bad(p, p->line[first],
				   "%s describes a VM; source host runs natively on this machine and takes no cpus, memory, node, cmdline, accel or timeout",
				   keys[first].name);
		v->accel = FL_ACCEL_NATIVE;
		return 0;
	}
	if (!p->line[K_CPUS] || !p->line[K_MEMORY])
		return bad(p, 0, "missing %s (every source but host boots a VM and needs cpus and memory)",
			   p->line[K_CPUS] ? "memory" : "cpus");
	if (!v->nr_nodes) {
		/* One node with everything, as QEMU does without -numa. */
		v->nodes = calloc(1, sizeof(*v->nodes));
		if (!v->nodes)
			return nomem(p);
		v->nr_nodes = 1;
		v->nodes[0].memory = v->memory;
		for (unsigned int c = 0; c < v->cpus; c++)
			v->nodes[0].cpus[c / 64] |= 1ull << (c % 64);
		v->nodes[0].cpulist = format_cpulist(v->nodes[0].cpus);
		if (!v->nodes[0].cpulist)
			return nomem(p);
	}
	if (!v->cmdline && dup_value(p, "", &v->cmdline))
		return -ENOMEM;
	if (!p->line[K_ACCEL])
		v->accel = FL_ACCEL_AUTO;
	if (!p->line[K_TIMEOUT])
		v->timeout = FL_VARIANT_DEF_TIMEOUT;
	return check_nodes(p);
}

const char *fl_kernels_dir(void)
{
	static char dir[PATH_MAX + 16];

	return dir[0] ? dir : fl_tree_dir("kernels", dir, sizeof(dir));
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n >= 8 && !strcmp(s + n - 8, ".variant"));
}

/* The variant's file is @path; relative paths in it are from its directory. */
static int set_file(struct parse *p, const char *path)
{
	const char *slash = strrchr(path, '/');

	p->v->file = strdup(path);
	if (!p->v->file)
		return nomem(p);
	if (!slash)
		snprintf(p->dir, sizeof(p->dir), ".");
	else if (slash == path)
		snprintf(p->dir, sizeof(p->dir), "/");
	else
		snprintf(p->dir, sizeof(p->dir), "%.*s", (int)(slash - path), path);
	return 0;
}

/* Read @f line by line into @p->v, then apply the whole-file rules. */
static int parse_stream(struct parse *p, FILE *f)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int line = 0, ret = 0;

	while (!ret && (n = getline(&buf, &cap, f)) >= 0) {
		line++;
		if (strlen(buf) != (size_t)n) {
			ret = bad(p, line, "NUL byte in line (not a text file?)");
			break;
		}
		while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
			buf[--n] = '\0';
		ret = parse_line(p, line, buf);
	}
	if (!ret && ferror(f))
		ret = bad(p, line, "read error: %s", strerror(errno));
	free(buf);
	return ret ? ret : finish(p);
}

static int parse_file(struct parse *p, const char *path)
{
	char real[PATH_MAX];
	const char *why;
	int ret;
	FILE *f;

	f = open_text(path, &why);
	if (!f || !realpath(path, real)) {
		ret = -errno;
		fl_set_err(p->err, p->len, "%s:0: cannot read: %s", p->file,
			   why ? why : strerror(-ret));
		if (f)
			fclose(f);
		return ret;
	}
	ret = set_file(p, real);
	if (!ret)
		ret = parse_stream(p, f);
	fclose(f);
	return ret;
}

/* @n bytes of @text, read from @path, which need not exist. */
static int parse_text(struct parse *p, const char *path, const char *text,
		      size_t n)
{
	/* fmemopen refuses a size of 0: an empty file is one blank line. */
	FILE *f = n ? fmemopen((void *)text, n, "r") : fmemopen("\n", 1, "r");
	int ret;

	if (!f) {
		ret = -errno;
		fl_set_err(p->err, p->len, "%s:0: cannot read: %s", p->file,
			   strerror(-ret));
		return ret;
	}
	ret = set_file(p, path);
	if (!ret)
		ret = parse_stream(p, f);
	fclose(f);
	return ret;
}

/* @path parsed, from @text when it is not NULL (fl_variant_parse). */
static int load(const char *path, const char *text, size_t n,
		struct fl_variant **out, char *err, size_t len)
{
	struct parse p = { .file = path, .err = err, .len = len };
	int ret;

	p.v = calloc(1, sizeof(*p.v));
	if (!p.v)
		return nomem(&p);
	ret = text ? parse_text(&p, path, text, n) : parse_file(&p, path);
	free(p.patch_lines);
	if (ret) {
		fl_variant_free(p.v);
		return ret;
	}
	if (!p.v->description && dup_value(&p, "", &p.v->description)) {
		fl_variant_free(p.v);
		return -ENOMEM;
	}
	*out = p.v;
	return 0;
}

int fl_variant_load(const char *path_or_name, struct fl_variant **out,
		    char *err, size_t len)
{
	char path[PATH_MAX + 64];

	*out = NULL;
	if (is_path(path_or_name)) {
		snprintf(path, sizeof(path), "%s", path_or_name);
	} else {
		if (!name_ok(path_or_name)) {
			fl_set_err(err, len, "variant \"%s\": not a variant name or a path",
				   path_or_name);
			return -EINVAL;
		}
		snprintf(path, sizeof(path), "%s/%s.variant", fl_kernels_dir(),
			 path_or_name);
		if (access(path, F_OK)) {
			fl_set_err(err, len,
				   "variant \"%s\": no %s (faultline variant list shows the variants)",
				   path_or_name, path);
			return -ENOENT;
		}
	}
	return load(path, NULL, 0, out, err, len);
}

int fl_variant_parse(const char *file, const char *text, size_t n,
		     struct fl_variant **out, char *err, size_t len)
{
	*out = NULL;
	return load(file, text, n, out, err, len);
}

void fl_variant_free(struct fl_variant *v)
{
	if (!v)
		return;
	for (int i = 0; i < v->nr_patches; i++)
		free(v->patches[i]);
	for (int i = 0; i < v->nr_nodes; i++)
		free(v->nodes[i].cpulist);
	free(v->patches);
	free(v->nodes);
	free(v->file);
	free(v->name);
	free(v->description);
	free(v->source_spec);
	free(v->package);
	free(v->version);
	free(v->path);
	free(v->modules);
	free(v->config);
	free(v->cmdline);
	free(v);
}

/* json_object_set_new, failing on NULL values; returns -1 on failure. */
static int set(json_t *o, const char *key, json_t *val)
{
	return val ? json_object_set_new(o, key, val) : -1;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *fl_variant_json(const struct fl_variant *v)
{
	json_t *o = json_object(), *src = json_object(), *patches = json_array();
	json_t *nodes = NULL;
	int r = 0;

	if (!o || !src || !patches)
		goto fail;
	r |= set(src, "kind", json_string(fl_variant_source_name(v->source)));
	r |= set(src, "spec", json_string(v->source_spec));
	if (v->package)
		r |= set(src, "package", json_string(v->package));
	if (v->version)
		r |= set(src, "version", json_string(v->version));
	if (v->path)
		r |= set(src, "path", json_string(v->path));
	if (v->modules)
		r |= set(src, "modules", json_string(v->modules));
	for (int i = 0; i < v->nr_patches; i++)
		r |= json_array_append_new(patches, json_string(v->patches[i]));
	r |= set(o, "name", json_string(v->name));
	r |= set(o, "file", json_string(v->file));
	r |= set(o, "description", json_string(v->description));
	r |= set(o, "source", src);
	src = NULL;
	r |= set(o, "patches", patches);
	patches = NULL;
	r |= set(o, "config", str_or_null(v->config));
	if (is_source_build(v->source))
		r |= set(o, "base", json_string(fl_variant_base_name(v->base)));
	r |= set(o, "accel", json_string(fl_variant_accel_name(v->accel)));
	if (v->source != FL_VSRC_HOST) {
		nodes = json_array();
		if (!nodes)
			goto fail;
		for (int i = 0; i < v->nr_nodes; i++)
			r |= json_array_append_new(nodes,
				json_pack("{s:s, s:I}", "cpus", v->nodes[i].cpulist,
					  "memory", (json_int_t)v->nodes[i].memory));
		r |= set(o, "cpus", json_integer(v->cpus));
		r |= set(o, "memory", json_integer((json_int_t)v->memory));
		r |= set(o, "nodes", nodes);
		nodes = NULL;
		r |= set(o, "cmdline", json_string(v->cmdline));
		r |= set(o, "boot_args", json_string(FL_VARIANT_BOOT_ARGS));
		r |= set(o, "timeout", json_integer(v->timeout));
	}
	if (r)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(src);
	json_decref(patches);
	json_decref(nodes);
	return NULL;
}

/*
 * The cache key hash. This is a cache key, not a security hash: it only has
 * to tell apart the builds one user makes, so two independent 64-bit
 * multiply-xor hashes in the FNV-1a style, written here, are plenty. The
 * first is FNV-1a 64 as published; the second uses another start value and
 * multiplier and folds the high half down each byte, so the low bits do not
 * depend only on the inputs' low bits as they do in plain FNV.
 */
struct keyhash {
	uint64_t a, b;
};

static void kh_bytes(struct keyhash *h, const void *buf, size_t n)
{
	const unsigned char *s = buf;
	uint64_t a = h->a, b = h->b;

	for (size_t i = 0; i < n; i++) {
		a = (a ^ s[i]) * 0x100000001b3ull;
		b = (b ^ s[i]) * 0x9e3779b97f4a7c15ull;
		b ^= b >> 32;
	}
	h->a = a;
	h->b = b;
}

static void kh_u64(struct keyhash *h, uint64_t v)
{
	unsigned char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	kh_bytes(h, le, sizeof(le));
}

/*
 * Each field is its bytes followed by its length, so no two different
 * field sequences hash the same bytes (read from the end, the lengths
 * split them apart again).
 */
static void kh_field(struct keyhash *h, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	kh_bytes(h, s ? s : "", n);
	kh_u64(h, n);
}

static int kh_file(struct keyhash *h, const char *what, const char *path,
		   char *err, size_t len)
{
	unsigned char buf[65536];
	uint64_t total = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		fl_set_err(err, len, "%s %s: %s", what, path, strerror(-ret));
		return ret;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			fl_set_err(err, len, "read %s %s: %s", what, path,
				   strerror(-ret));
			break;
		}
		kh_bytes(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	kh_u64(h, total);
	return ret;
}

static uint64_t kh_final(uint64_t x)
{
	x ^= x >> 31;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 29;
	x *= 0xa0761d6478bd642full;
	x ^= x >> 32;
	return x;
}

/*
 * The build inputs, in a fixed order: recipe version, source kind, the
 * source (package and version; an image's bytes and modules directory; a
 * tree's path, since a tree is the user's live working copy; a tarball's
 * bytes; for host the running kernel's release and version), a source
 * build's base config, then every patch's bytes in apply order (not for
 * the tree key), then the fragment's bytes. The name,
 * description and machine keys are not inputs: two variants that differ
 * only there share one build.
 */
static int variant_key(const struct fl_variant *v, bool with_patches, char out[33],
		       char *err, size_t len)
{
	struct keyhash h = { 0xcbf29ce484222325ull, 0x6a09e667f3bcc908ull };
	struct utsname u;
	int ret = 0;

	kh_field(&h, with_patches ? "faultline kernel build" : "faultline kernel build tree");
	kh_u64(&h, FL_VARIANT_RECIPE);
	kh_field(&h, fl_variant_source_name(v->source));
	switch (v->source) {
	case FL_VSRC_HOST:
		if (uname(&u)) {
			ret = -errno;
			fl_set_err(err, len, "uname: %s", strerror(-ret));
			return ret;
		}
		kh_field(&h, u.release);
		kh_field(&h, u.version);
		break;
	case FL_VSRC_DEB:
	case FL_VSRC_DEB_SOURCE:
		kh_field(&h, v->package);
		kh_field(&h, v->version);
		break;
	case FL_VSRC_IMAGE:
		ret = kh_file(&h, "image", v->path, err, len);
		kh_field(&h, v->modules);
		break;
	case FL_VSRC_TREE:
		kh_field(&h, v->path);
		break;
	case FL_VSRC_TARBALL:
		ret = kh_file(&h, "tarball", v->path, err, len);
		break;
	}
	if (is_source_build(v->source))
		kh_field(&h, fl_variant_base_name(v->base));
	if (with_patches) {
		kh_u64(&h, (uint64_t)v->nr_patches);
		for (int i = 0; !ret && i < v->nr_patches; i++)
			ret = kh_file(&h, "patch", v->patches[i], err, len);
	}
	kh_u64(&h, v->config ? 1 : 0);
	if (!ret && v->config)
		ret = kh_file(&h, "config", v->config, err, len);
	if (ret)
		return ret;
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)kh_final(h.a),
		 (unsigned long long)kh_final(h.b));
	return 0;
}

int fl_variant_cache_key(const struct fl_variant *v, char out[33], char *err,
			 size_t len)
{
	return variant_key(v, true, out, err, len);
}

int fl_variant_tree_key(const struct fl_variant *v, char out[33], char *err,
			size_t len)
{
	return variant_key(v, false, out, err, len);
}
