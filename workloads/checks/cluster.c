// SPDX-License-Identifier: GPL-2.0
/* A clusterfs of a check's own, in fresh directories of its --dir. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/scratch.h"
#include "integrity/oracle.h"
#include "cluster.h"

bool chk_cluster_fault(const char *name)
{
	return !strcmp(getenv("FAULTLINE_CLUSTERFS_FAULT") ?: "", name);
}

int chk_cluster_start(struct chk_cluster *cl, struct fl_check_ctx *c,
		      const char *tag, int nodes, char *err, size_t len)
{
	struct fl_clusterfs_opts o = { .backing = cl->backing, .mount_dir = cl->mounts,
				       .nr_mounts = nodes };
	char prefix[64];
	int ret;

	*cl->backing = *cl->mounts = '\0';
	cl->fs = NULL;
	o.skip_invalidation = chk_cluster_fault("skip-invalidation");
	snprintf(prefix, sizeof(prefix), "%s-backing", tag);
	ret = fl_scratch_make(c->dir, prefix, cl->backing, sizeof(cl->backing), err, len);
	snprintf(prefix, sizeof(prefix), "%s-nodes", tag);
	if (!ret)
		ret = fl_scratch_make(c->dir, prefix, cl->mounts, sizeof(cl->mounts), err, len);
	if (!ret)
		ret = fl_clusterfs_start(&cl->fs, &o, err, len);
	if (ret == -ENODEV || ret == -EPERM || ret == -EACCES) {
		char why[FL_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err);
		fl_set_err(err, len, "needs FUSE (/dev/fuse, root) for clusterfs: %s", why);
		ret = -EOPNOTSUPP;
	}
	if (ret)
		chk_cluster_stop(cl, ret, NULL, 0);
	return ret;
}

int chk_cluster_stop(struct chk_cluster *cl, int ret, char *err, size_t len)
{
	char e2[FL_ERR_LEN];

	if (cl->fs && fl_clusterfs_stop(cl->fs, e2, sizeof(e2)) && !ret) {
		ret = -EIO;
		fl_set_err(err, len, "clusterfs: %s", e2);
	}
	cl->fs = NULL;
	if (*cl->mounts)
		fl_scratch_remove(cl->mounts);
	if (*cl->backing)
		fl_scratch_remove(cl->backing);
	*cl->mounts = *cl->backing = '\0';
	return ret;
}

void chk_cluster_incoherent(struct fl_check_ctx *c, uint32_t node, uint32_t file_id,
			    uint64_t off, uint64_t due, int64_t seen)
{
	struct fl_violation v = {
		.kind = FL_VIOL_INCOHERENT,
		.actor = node,
		.file_id = file_id,
		.offset = off,
		.expected.coh_gen = due,
		.observed.coh_gen = seen,
	};

	fl_oracle_report(c->oracle, &v);
}

void chk_cluster_sigbus(struct fl_check_ctx *c, uint32_t node, uint32_t file_id,
			uint64_t off, uint64_t size, int code)
{
	struct fl_violation v = {
		.kind = FL_VIOL_UNEXPECTED_SIGBUS,
		.actor = node,
		.file_id = file_id,
		.si_code = code,
		.offset = off,
		.expected.size = { size, size },
		.observed.sigbus = true,
	};

	fl_oracle_report(c->oracle, &v);
}
