// SPDX-License-Identifier: GPL-2.0
/* The known-failures list: parsing, kernel ranges, matching a failure. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "integrity/check.h"
#include "integrity/known.h"
#include "integrity/oracle.h"

_Static_assert(FL_VIOL_NR <= 32, "violation kinds must fit fl_known.kinds");

/* A list file larger than this is not a list (64 entries fit easily). */
#define KNOWN_FILE_MAX (256 * 1024)

/* The checked-in list, with a NUL after it (make runs in the tree's root). */
__asm__(".pushsection .rodata\n"
	".globl fl_known_builtin_text\n"
	".hidden fl_known_builtin_text\n"
	".type fl_known_builtin_text, @object\n"
	"fl_known_builtin_text:\n"
	".incbin \"" FL_KNOWN_BUILTIN "\"\n"
	".byte 0\n"
	".size fl_known_builtin_text, . - fl_known_builtin_text\n"
	".popsection\n");
extern const char fl_known_builtin_text[] __attribute__((visibility("hidden")));

enum { K_CHECK, K_FS, K_KERNEL, K_KINDS, K_REASON, K_REFERENCE, K_NR };
static const char *const keys[K_NR] = {
	"check", "fs", "kernel", "kinds", "reason", "reference",
};

/* Parser state: where we are, for messages. */
struct parse {
	const char *name;
	int line;
	char *err;
	size_t len;
};

static int bad(const struct parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "@name:@line: message" into the caller's buffer; returns -EINVAL. */
static int bad(const struct parse *p, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fl_set_err(p->err, p->len, "%s:%d: %s", p->name, line, msg);
	return -EINVAL;
}

/* Copy @n bytes of @s into @dst (@cap with the NUL); -EINVAL if too long. */
static int set_str(const struct parse *p, const char *key, char *dst,
		   size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return bad(p, p->line, "%s is too long (%zu bytes, at most %zu)",
			   key, n, cap - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * Up to three dot-separated numbers at the start of @s, into @v; the rest
 * of @s (from *@end) is left. 0, or -EINVAL when @s starts with no number.
 */
static int parse_kver(const char *s, struct fl_kver *v, const char **end)
{
	memset(v, 0, sizeof(*v));
	while (v->n < 3 && isdigit((unsigned char)*s)) {
		char *e;
		unsigned long x = strtoul(s, &e, 10);

		if (x > 100000)
			return -EINVAL;
		v->v[v->n++] = (unsigned int)x;
		s = e;
		if (*s != '.' || !isdigit((unsigned char)s[1]))
			break;
		s++;
	}
	*end = s;
	return v->n ? 0 : -EINVAL;
}

/* Compare release @r with bound @b on the numbers @b gives (<0, 0, >0). */
static int kver_cmp(const struct fl_kver *r, const struct fl_kver *b)
{
	for (int i = 0; i < b->n; i++) {
		unsigned int x = i < r->n ? r->v[i] : 0;

		if (x != b->v[i])
			return x < b->v[i] ? -1 : 1;
	}
	return 0;
}

/* "FROM..TO", each a version (6, 6.1, 6.1.70) or empty for open. */
static int parse_range(const struct parse *p, struct fl_known *k,
		       const char *s)
{
	const char *dots = strstr(s, ".."), *end;
	char side[32];
	size_t n;

	if (!dots)
		return bad(p, p->line, "kernel range \"%s\": expected FROM..TO, either side may be empty (\"6.1..\")",
			   s);
	for (int i = 0; i < 2; i++) {
		struct fl_kver *v = i ? &k->to : &k->from;
		const char *a = i ? dots + 2 : s;

		n = i ? strlen(a) : (size_t)(dots - s);
		if (!n)
			continue;
		if (n >= sizeof(side))
			return bad(p, p->line, "kernel range \"%s\": bad version", s);
		memcpy(side, a, n);
		side[n] = '\0';
		if (parse_kver(side, v, &end) || *end)
			return bad(p, p->line, "kernel range \"%s\": bad version \"%s\" (want numbers like 6.1 or 6.1.70)",
				   s, side);
	}
	/* Both ways: bounds may give different numbers of components. */
	if (k->from.n && k->to.n && kver_cmp(&k->from, &k->to) > 0 &&
	    kver_cmp(&k->to, &k->from) < 0)
		return bad(p, p->line, "kernel range \"%s\" is empty", s);
	return set_str(p, "kernel", k->kernel, sizeof(k->kernel), s, strlen(s));
}

/* A comma-separated list of violation kinds, into @k->kinds. */
static int parse_kinds(const struct parse *p, struct fl_known *k,
		       const char *s)
{
	char word[64], names[384];

	k->kinds = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		size_t lo = 0, hi = n;
		enum fl_viol_kind kind;

		while (lo < hi && isspace((unsigned char)s[lo]))
			lo++;
		while (hi > lo && isspace((unsigned char)s[hi - 1]))
			hi--;
		if (hi == lo || hi - lo >= sizeof(word))
			return bad(p, p->line, "kinds: empty or overlong kind in \"%s\"", s);
		memcpy(word, s + lo, hi - lo);
		word[hi - lo] = '\0';
		kind = fl_viol_kind_from_str(word);
		if (kind == FL_VIOL_NONE) {
			fl_known_kinds_str(~UINT32_C(0), names, sizeof(names));
			return bad(p, p->line, "unknown violation kind \"%s\" (kinds: %s)",
				   word, names);
		}
		k->kinds |= UINT32_C(1) << kind;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* Store the value @v of key @key into entry @k. */
static int set_key(const struct parse *p, struct fl_known *k, int key,
		   const char *v)
{
	switch (key) {
	case K_CHECK:
		if (!fl_check_find(v))
			return bad(p, p->line, "unknown check \"%s\" (faultline stress --list names them)",
				   v);
		return set_str(p, "check", k->check, sizeof(k->check), v, strlen(v));
	case K_FS:
		if (strpbrk(v, " \t"))
			return bad(p, p->line, "fs \"%s\": one filesystem type, as in /proc/mounts",
				   v);
		return set_str(p, "fs", k->fs, sizeof(k->fs), v, strlen(v));
	case K_KERNEL:
		return parse_range(p, k, v);
	case K_KINDS:
		return parse_kinds(p, k, v);
	case K_REASON:
		return set_str(p, "reason", k->reason, sizeof(k->reason), v, strlen(v));
	default:
		return set_str(p, "reference", k->reference, sizeof(k->reference),
			       v, strlen(v));
	}
}

/* The entry that started at @k->line is complete: check and keep it. */
static int finish(const struct parse *p, struct fl_known_list *l,
		  const struct fl_known *k, unsigned int have)
{
	for (int i = 0; i < K_NR; i++)
		if (!(have & (1u << i)))
			return bad(p, k->line, "entry has no \"%s\" (each needs check, fs, kernel, kinds, reason, reference)",
				   keys[i]);
	if (l->nr == FL_KNOWN_MAX)
		return bad(p, k->line, "more than %d entries", FL_KNOWN_MAX);
	l->e[l->nr++] = *k;
	return 0;
}

/*
 * One entry is a block of "key: value" lines; blank lines separate
 * entries, lines starting with # are comments.
 */
int fl_known_parse(struct fl_known_list *l, const char *name,
		   const char *text, char *err, size_t len)
{
	struct parse p = { .name = name, .err = err, .len = len };
	struct fl_known k;
	unsigned int have = 0;
	char line[1024];
	int ret = 0;

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	while (!ret && *text) {
		size_t n = strcspn(text, "\n"), lo = 0, hi = n;
		char *colon, *key, *val;
		int i;

		p.line++;
		if (n >= sizeof(line))
			return bad(&p, p.line, "line longer than %zu bytes", sizeof(line) - 1);
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (text[n] == '\n');
		while (lo < hi && isspace((unsigned char)line[lo]))
			lo++;
		while (hi > lo && isspace((unsigned char)line[hi - 1]))
			hi--;
		line[hi] = '\0';
		if (lo == hi) {
			if (have)
				ret = finish(&p, l, &k, have);
			have = 0;
			continue;
		}
		if (line[lo] == '#')
			continue;
		colon = strchr(line + lo, ':');
		if (!colon)
			return bad(&p, p.line, "expected \"key: value\", got \"%.60s\"", line + lo);
		*colon = '\0';
		key = line + lo;
		for (char *e = colon; e > key && isspace((unsigned char)e[-1]); e--)
			e[-1] = '\0';
		for (val = colon + 1; isspace((unsigned char)*val); val++)
			;
		for (i = 0; i < K_NR && strcmp(key, keys[i]); i++)
			;
		if (i == K_NR)
			return bad(&p, p.line, "unknown key \"%s\" (keys: check, fs, kernel, kinds, reason, reference)",
				   key);
		if (!have) {
			memset(&k, 0, sizeof(k));
			k.line = p.line;
		}
		if (have & (1u << i))
			return bad(&p, p.line, "\"%s\" given twice in one entry (entries are separated by a blank line)",
				   key);
		if (!*val)
			return bad(&p, p.line, "\"%s\" has no value", key);
		have |= 1u << i;
		ret = set_key(&p, &k, i, val);
	}
	if (!ret && have)
		ret = finish(&p, l, &k, have);
	return ret;
}

int fl_known_load(struct fl_known_list *l, const char *path, char *err,
		  size_t len)
{
	char *text;
	size_t n;
	FILE *f;
	int ret;

	if (!path)
		return fl_known_parse(l, FL_KNOWN_BUILTIN, fl_known_builtin_text,
				      err, len);
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		fl_set_err(err, len, "%s: %s", path, strerror(errno));
		return ret;
	}
	text = malloc(KNOWN_FILE_MAX + 1);
	if (!text) {
		ret = -ENOMEM;
		fl_set_err(err, len, "%s: out of memory", path);
		goto out;
	}
	n = fread(text, 1, KNOWN_FILE_MAX + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		fl_set_err(err, len, "%s: read error", path);
	} else if (n > KNOWN_FILE_MAX) {
		ret = -EFBIG;
		fl_set_err(err, len, "%s: larger than %d KiB: not a known-failures list",
			   path, KNOWN_FILE_MAX / 1024);
	} else if (memchr(text, '\0', n)) {
		ret = -EINVAL;
		fl_set_err(err, len, "%s: a NUL byte: not a text file", path);
	} else {
		text[n] = '\0';
		ret = fl_known_parse(l, path, text, err, len);
	}
	free(text);
out:
	fclose(f);
	return ret;
}

bool fl_known_kernel_in(const struct fl_known *k, const char *release)
{
	struct fl_kver r;
	const char *end;

	if (parse_kver(release, &r, &end))
		return false;
	return (!k->from.n || kver_cmp(&r, &k->from) >= 0) &&
	       (!k->to.n || kver_cmp(&r, &k->to) <= 0);
}

const struct fl_known *fl_known_match(const struct fl_known_list *l,
				      const char *check, const char *fs,
				      const char *release, uint32_t kinds,
				      const struct fl_known **near)
{
	if (near)
		*near = NULL;
	for (int i = 0; kinds && i < l->nr; i++) {
		const struct fl_known *k = &l->e[i];

		if (strcmp(k->check, check) || strcmp(k->fs, fs) ||
		    !fl_known_kernel_in(k, release))
			continue;
		if (!(kinds & ~k->kinds))
			return k;
		if (near && !*near)
			*near = k;
	}
	return NULL;
}

void fl_known_kinds_str(uint32_t kinds, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int k = FL_VIOL_NONE + 1; k < FL_VIOL_NR && at < len; k++)
		if (kinds & (UINT32_C(1) << k))
			at += (size_t)snprintf(buf + at, len - at, "%s%s",
					       at ? ", " : "",
					       fl_viol_kind_str((enum fl_viol_kind)k));
}

json_t *fl_known_json(const struct fl_known_list *l, const struct fl_known *k)
{
	json_t *kinds = json_array();

	for (int i = FL_VIOL_NONE + 1; i < FL_VIOL_NR; i++)
		if (k->kinds & (UINT32_C(1) << i))
			json_array_append_new(kinds, json_string(
				fl_viol_kind_str((enum fl_viol_kind)i)));
	return json_pack("{s:o, s:s, s:s, s:o, s:s, s:s}",
			 "entry", json_sprintf("%s:%d", l->name, k->line),
			 "fs", k->fs, "kernel", k->kernel, "kinds", kinds,
			 "reason", k->reason, "reference", k->reference);
}
