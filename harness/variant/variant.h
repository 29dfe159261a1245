/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel variants: one text file per kernel to run the suite on,
 * kernels/NAME.variant (the format is in kernels/README.md). A variant says
 * where the kernel comes from (the host, a Debian package, a prebuilt
 * image, or a source tree or tarball with patches and a config fragment)
 * and the QEMU machine to boot it on. This file parses and validates
 * variants and computes the build cache key; fetching, building and
 * booting live elsewhere.
 */
#ifndef FL_VARIANT_H
#define FL_VARIANT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define FL_VARIANT_MAX_CPUS 256
#define FL_VARIANT_MAX_NODES 64
#define FL_VARIANT_DEF_TIMEOUT 300
#define FL_VARIANT_MAX_TIMEOUT 86400

/* Added to every guest's command line by the boot step, before cmdline. */
#define FL_VARIANT_BOOT_ARGS "console=ttyS0 panic=-1"
/* x86's COMMAND_LINE_SIZE, which the boot arguments share. */
#define FL_VARIANT_CMDLINE_SIZE 2048

enum fl_variant_source {
	FL_VSRC_HOST,		/* the running kernel, natively */
	FL_VSRC_DEB,		/* a Debian kernel image package */
	FL_VSRC_IMAGE,		/* a prebuilt bzImage, optional modules dir */
	FL_VSRC_TREE,		/* a kernel source tree */
	FL_VSRC_TARBALL,	/* a kernel source tarball */
	FL_VSRC_DEB_SOURCE,	/* a Debian kernel source package */
};

/* The config a source build starts from (before fragment and suite.config). */
enum fl_variant_base {
	FL_BASE_MINIMAL,	/* tinyconfig + kvm_guest.config + kernels/minimal.config */
	FL_BASE_DEFCONFIG,	/* x86_64 defconfig + kvm_guest.config */
};

enum fl_variant_accel {
	FL_ACCEL_NATIVE,	/* host variants only: no VM */
	FL_ACCEL_AUTO,		/* KVM when it works, else TCG */
	FL_ACCEL_KVM,
	FL_ACCEL_TCG,
};

struct fl_variant_node {
	uint64_t cpus[FL_VARIANT_MAX_CPUS / 64];	/* bitmap of CPU numbers */
	char *cpulist;		/* canonical text, e.g. "0-1,4" */
	uint64_t memory;	/* bytes */
	int line;		/* of its node = line */
};

struct fl_variant {
	char *file;		/* the variant file, absolute */
	char *name;
	char *description;	/* "" when not given */
	enum fl_variant_source source;
	char *source_spec;	/* canonical source text, paths absolute */
	char *package;		/* deb, deb-source */
	char *version;		/* deb, deb-source PACKAGE=VERSION; else NULL */
	char *path;		/* image, tree, tarball; absolute */
	char *modules;		/* image modules=DIR, absolute; else NULL */
	char **patches;		/* absolute, in the order they apply */
	int nr_patches;
	char *config;		/* config fragment, absolute; else NULL */
	enum fl_variant_base base;	/* source builds; minimal by default */

	/* The machine; zero for host variants. */
	unsigned int cpus;
	uint64_t memory;	/* bytes */
	struct fl_variant_node *nodes;
	int nr_nodes;		/* at least 1 unless host */
	char *cmdline;		/* extra kernel arguments, "" when none */
	enum fl_variant_accel accel;
	unsigned int timeout;	/* longest silent console before a hang, s */
};

/*
 * Load and validate a variant. @path_or_name is a file path (it has a '/'
 * or ends in ".variant") or a bare NAME, which means NAME.variant in
 * fl_kernels_dir(). Returns 0 and the variant in @out, or -errno with
 * "FILE:LINE: problem" in @err (LINE 0 for whole-file problems).
 */
int fl_variant_load(const char *path_or_name, struct fl_variant **out,
		    char *err, size_t len);
/*
 * The same for @n bytes of @text said to be the file @file, which need
 * not exist: its name must be NAME.variant and relative paths are from its
 * directory, as for a file on disk (one parser for both; fuzz_variant).
 */
int fl_variant_parse(const char *file, const char *text, size_t n,
		     struct fl_variant **out, char *err, size_t len);
void fl_variant_free(struct fl_variant *v);

/*
 * @v as a variant file named @name that keeps only its first @nr_patches
 * patches, paths absolute, so that it may be written anywhere (a bisect
 * step). The caller names the file NAME.variant. 0, or -1 when @nr_patches
 * is out of range or writing failed.
 */
int fl_variant_write(const struct fl_variant *v, const char *name,
		     int nr_patches, FILE *f);

/* Everything parsed, paths absolute; NULL on allocation failure. */
json_t *fl_variant_json(const struct fl_variant *v);

/*
 * The build cache key: 32 hex digits over every build input (the source,
 * each patch's bytes in order, the fragment's bytes, the recipe version).
 * The machine keys do not enter it. 0 or -errno with @err naming the file
 * that could not be read.
 */
int fl_variant_cache_key(const struct fl_variant *v, char out[33], char *err,
			 size_t len);
/*
 * The build tree's key: the cache key's inputs without the patches. One
 * tree per source, base and fragment is kept, and a variant's patches are
 * applied (or reverted) in it, so a new patch rebuilds only what it changes.
 */
int fl_variant_tree_key(const struct fl_variant *v, char out[33], char *err,
			size_t len);

/* kernels/ next to the binary's build/ directory, else ./kernels. */
const char *fl_kernels_dir(void);

/* "2G", "1536M", "4K" or bytes: the largest unit that divides exactly. */
const char *fl_variant_size(uint64_t bytes, char *buf, size_t len);
const char *fl_variant_source_name(enum fl_variant_source s);
const char *fl_variant_accel_name(enum fl_variant_accel a);
const char *fl_variant_base_name(enum fl_variant_base b);

#endif /* FL_VARIANT_H */
