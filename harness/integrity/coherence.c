// SPDX-License-Identifier: GPL-2.0
/* Block contents of the rotating-writer coherence test. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "integrity/coherence.h"

#define COH_MAGIC 0x48436f46u	/* "FoCH" */

uint64_t fl_coh_expected(const struct fl_coh_layout *l, uint64_t b, uint64_t done)
{
	uint32_t owner = fl_coh_owner(l, b);
	uint64_t last;

	/* The owner's last pass among 0 .. done-1 is the largest q < done
	 * with q % writers == owner. */
	if (done <= owner)
		return l->prefilled ? 1 : 0;
	last = (done - 1 - owner) / l->writers * l->writers + owner;
	return fl_coh_pass_gen(last);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Byte @i of block @b at generation @gen (@i past the header). */
static uint8_t body_byte(uint64_t seed, uint64_t i)
{
	return (uint8_t)(mix(seed + i / 8) >> (i % 8 * 8));
}

static void header(uint8_t h[FL_COH_MIN_BLOCK], uint64_t b, uint64_t gen)
{
	uint32_t magic = COH_MAGIC, blk = (uint32_t)b;

	memcpy(h, &magic, 4);
	memcpy(h + 4, &blk, 4);
	memcpy(h + 8, &gen, 8);
}

void fl_coh_fill(void *dst, uint64_t b, uint64_t gen, uint64_t len)
{
	uint8_t *d = dst, h[FL_COH_MIN_BLOCK];
	uint64_t seed = mix(b * 0x9e3779b97f4a7c15ull ^ gen);

	if (!gen) {
		memset(d, 0, len);
		return;
	}
	header(h, b, gen);
	memcpy(d, h, len < sizeof(h) ? len : sizeof(h));
	for (uint64_t i = sizeof(h); i < len; i++)
		d[i] = body_byte(seed, i);
}

/* First byte where @src differs from generation @gen; @len when none. */
static uint64_t first_diff(const uint8_t *src, uint64_t b, uint64_t gen, uint64_t len)
{
	uint8_t h[FL_COH_MIN_BLOCK];
	uint64_t seed = mix(b * 0x9e3779b97f4a7c15ull ^ gen);

	if (!gen) {
		for (uint64_t i = 0; i < len; i++)
			if (src[i])
				return i;
		return len;
	}
	header(h, b, gen);
	for (uint64_t i = 0; i < len && i < sizeof(h); i++)
		if (src[i] != h[i])
			return i;
	for (uint64_t i = sizeof(h); i < len; i++)
		if (src[i] != body_byte(seed, i))
			return i;
	return len;
}

bool fl_coh_verify(const void *src, uint64_t b, uint64_t gen, uint64_t len,
		   struct fl_coh_seen *seen)
{
	const uint8_t *s = src;
	uint32_t magic, blk;
	uint64_t other;

	seen->first_bad = first_diff(s, b, gen, len);
	if (seen->first_bad == len) {
		seen->gen = (int64_t)gen;
		return true;
	}
	/* Wrong: name what is there instead, if it is anything whole. */
	seen->gen = -1;
	if (first_diff(s, b, 0, len) == len) {
		seen->gen = 0;
	} else if (len >= FL_COH_MIN_BLOCK) {
		memcpy(&magic, s, 4);
		memcpy(&blk, s + 4, 4);
		memcpy(&other, s + 8, 8);
		if (magic == COH_MAGIC && blk == (uint32_t)b && other &&
		    first_diff(s, b, other, len) == len)
			seen->gen = (int64_t)other;
	}
	return false;
}

/* The value of option @key in a comma-separated list: "" if bare, NULL if absent. */
static const char *option_value(const char *options, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *o = options; o && *o; o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL) {
		size_t n = strcspn(o, ",");

		if (n >= klen && !strncmp(o, key, klen) && (n == klen || o[klen] == '=')) {
			size_t v = n > klen ? n - klen - 1 : 0;

			snprintf(buf, len, "%.*s", (int)v, o + klen + (n > klen));
			return buf;
		}
	}
	return NULL;
}

enum fl_coh_promise fl_coh_promise_of(const char *type, const char *options, char *why,
				      size_t len)
{
	char v[64], regmin[64] = "?", regmax[64] = "?";

	if (strcmp(type, "nfs") && strcmp(type, "nfs4")) {
		snprintf(why, len, "%s: a synced write shows in every mapping", type);
		return FL_COH_MMAP;
	}
	if (!option_value(options, "nocto", v, sizeof(v))) {
		snprintf(why, len, "%s: close-to-open; a write shows after the writer's sync or close and the reader's open",
			 type);
		return FL_COH_CLOSE_TO_OPEN;
	}
	option_value(options, "acregmin", regmin, sizeof(regmin));
	option_value(options, "acregmax", regmax, sizeof(regmax));
	snprintf(why, len, "%s mounted nocto (acregmin=%s, acregmax=%s): an open revalidates nothing, stale pages are allowed until the attribute cache expires",
		 type, regmin, regmax);
	return FL_COH_NONE;
}

const char *const fl_coh_promise_choices[] = { "auto", "mmap", "close-to-open", "none", NULL };

const char *fl_coh_promise_name(enum fl_coh_promise p)
{
	return fl_coh_promise_choices[p + 1];
}

int fl_coh_reopen(enum fl_coh_promise p, const char *path, size_t map_len, char *err,
		  size_t len)
{
	void *map;
	int fd;

	if (p == FL_COH_MMAP)
		return 0;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(err, len, "reopen %s: %s", path, strerror(errno));
		return -errno;
	}
	map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int e = errno;

		snprintf(err, len, "mmap %s again: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	munmap(map, map_len);
	close(fd);
	return 0;
}
