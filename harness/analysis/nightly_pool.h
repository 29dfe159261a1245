/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nightly's baseline pool: a directory with one subdirectory per night
 * that joined it, holding that night's result documents and a marker,
 * .pool.json, that says the nightly put them there. compare pools the
 * nights; the nightly learns its drift from them. Pruning only ever
 * removes the files a marker lists, then the empty directory, and never
 * follows a symbolic link.
 */
#ifndef FL_NIGHTLY_POOL_H
#define FL_NIGHTLY_POOL_H

#include <stddef.h>

/*
 * The name a night gets in the pool: the last component of @out without
 * trailing slashes. -EINVAL with the reason in @err when that is empty,
 * hidden, or has anything but letters, digits and . _ + - : @.
 */
int fl_pool_name(const char *out, char *name, size_t len, char *err,
		 size_t elen);

/*
 * 0 when --out @out is neither the pool @pool nor inside it (symbolic
 * links resolved, as far as the paths exist), else -EINVAL with @err: a
 * night there would replace a pooled night, or pool the pool.
 */
int fl_pool_check_out(const char *pool, const char *out, char *err, size_t len);

/*
 * Copy the result documents (faultline-result/1, faultline-stress/1) of
 * @out into @pool/@name, made for it (and @pool too), with the marker
 * last; a night of that name already in the pool is replaced only if the
 * nightly put it there. 0, or -errno with the file and the cause in @err.
 */
int fl_pool_add(const char *pool, const char *out, const char *name,
		char *err, size_t len);

/*
 * Keep the @keep nights added last; remove older ones that have a marker.
 * Subdirectories without one are left alone (and named in a warning).
 * Returns the number of nights left, or -errno with the cause in @err.
 */
int fl_pool_prune(const char *pool, int keep, char *err, size_t len);

#endif /* FL_NIGHTLY_POOL_H */
