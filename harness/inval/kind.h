/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract of one invalidator kind (kind_*.c), and the helpers the
 * kinds share. Not for users of invalidators: they include invalidator.h.
 *
 * A kind is a struct fl_inval_ops named in kinds.def:
 *
 *	const struct fl_inval_ops fl_inval_punch = {
 *		.flags = FL_INVAL_FILES,
 *		.op = punch_op,
 *	};
 *
 * .init (optional) sets up what the kind keeps in s->priv, in the
 * invalidator's thread; .op does one op on file @file (-1 without files);
 * .fini (optional) undoes .init, also after a failed .init. All return 0
 * or -errno with @err naming the call, file and cause.
 */
#ifndef FL_INVAL_KIND_H
#define FL_INVAL_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "inval/invalidator.h"

/* Pages one dio, punch or madvise op covers: 64 KiB with 4 KiB pages. */
#define FL_INVAL_SPAN_PAGES 16

struct fl_inval_state {
	enum fl_inval_kind kind;
	struct fl_inval_target t;
	uint64_t x;		/* xorshift state */
	uint64_t op;		/* ops done */
	char *buf;		/* page-aligned, FL_INVAL_SPAN_PAGES pages of 0x5a */
	void *priv;		/* the kind's own */
};

struct fl_inval_ops {
	unsigned int flags;	/* FL_INVAL_* of invalidator.h */
	int (*init)(struct fl_inval_state *s, char *err, size_t len);
	int (*op)(struct fl_inval_state *s, int file, char *err, size_t len);
	void (*fini)(struct fl_inval_state *s);
};

#define INVAL(id, name, ops) extern const struct fl_inval_ops ops;
#include "inval/kinds.def"
#undef INVAL

/* Ops done on @s's file: the round, for kinds that alternate per round. */
static inline uint64_t fl_inval_round(const struct fl_inval_state *s)
{
	return s->t.nr_files ? s->op / (uint64_t)s->t.nr_files : s->op;
}

/* A page-aligned range of FL_INVAL_SPAN_PAGES pages (or the whole file). */
void fl_inval_pick_range(struct fl_inval_state *s, uint64_t *off, uint64_t *len);

/*
 * Write whole pages [off, off + n) of @file through @fd from s->buf:
 * stamped and announced with an oracle, the plain pattern without.
 */
int fl_inval_refill(struct fl_inval_state *s, int file, int fd, uint64_t off,
		    uint64_t n, const char *what, char *err, size_t len);

/* Announce that bytes [off, off + n) of @file are about to become zero. */
int fl_inval_zero_begin(struct fl_inval_state *s, int file, uint64_t off,
			uint64_t n, char *err, size_t len);
/* The zeroing call returned (@ok) or failed and changed nothing. */
void fl_inval_zero_end(struct fl_inval_state *s, int file, uint64_t off,
		       uint64_t n, bool ok);

#endif /* FL_INVAL_KIND_H */
