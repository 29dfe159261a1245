// SPDX-License-Identifier: GPL-2.0
/* A bisect step's rounds: found on disk, or run by the step program. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/faultline.h"
#include "base/out_file.h"
#include "base/stop.h"
#include "bisect/step.h"

/* The exit code by which the step program says "cannot build this". */
#define STEP_UNBUILDABLE 125

const char *fl_bisect_patch_name(const struct fl_variant *v, int k)
{
	const char *p;

	if (k <= 0 || k > v->nr_patches)
		return "no patch";
	p = strrchr(v->patches[k - 1], '/');
	return p ? p + 1 : v->patches[k - 1];
}

static void step_path(const struct fl_bisect_run *run, int k, const char *name,
		      char *buf, size_t len)
{
	snprintf(buf, len, "%s/p%d%s%s", run->out, k, *name ? "/" : "", name);
}

void fl_bisect_round_files(const struct fl_bisect_run *run, int k, int rounds,
			   char *buf, size_t len)
{
	char name[32], path[PATH_MAX];

	*buf = '\0';
	for (int r = 1; r <= rounds; r++) {
		size_t n = strlen(buf);

		snprintf(name, sizeof(name), "r%d.json", r);
		step_path(run, k, name, path, sizeof(path));
		if (n < len)
			snprintf(buf + n, len - n, "%s%s", n ? "," : "", path);
	}
}

/* A finished document: it parses and no signal cut it short. */
static bool round_done(const char *file)
{
	json_t *doc = json_load_file(file, 0, NULL);
	const char *status = json_string_value(json_object_get(doc, "status"));
	bool done = doc && json_object_get(doc, "schema") &&
		    !(status && !strcmp(status, "interrupted"));

	json_decref(doc);
	return done;
}

/* The first line of a small text file into @buf; false when it is absent. */
static bool read_note(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static void write_note(const char *path, const char *text)
{
	char err[FL_ERR_LEN], line[FL_ERR_LEN + 2];

	snprintf(line, sizeof(line), "%s\n", text);
	if (fl_out_write(path, line, strlen(line), err, sizeof(err)))
		fl_warn("bisect: %s", err);
}

/* The last line of the step's log that says something: why it failed. */
static void log_tail(const char *log, char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen(log, "re");

	snprintf(buf, len, "see %s", log);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			snprintf(buf, len, "%s (%s)", line, log);
	}
	if (f)
		fclose(f);
}

/* The guest's own account of its failure, from the step's boot.json. */
static void boot_why(const struct fl_bisect_run *run, int k, const char *log,
		     char *buf, size_t len)
{
	char path[PATH_MAX];
	json_t *doc;
	const char *why;

	step_path(run, k, "boot.json", path, sizeof(path));
	doc = json_load_file(path, 0, NULL);
	why = json_string_value(json_object_get(doc, "why"));
	if (why && *why)
		snprintf(buf, len, "%s", why);
	else
		log_tail(log, buf, len);
	json_decref(doc);
}

static int write_variant(const struct fl_bisect_run *run, int k, char *path,
			 size_t len, char *why, size_t wlen)
{
	char name[128];
	FILE *f;
	int ret;

	snprintf(name, sizeof(name), "%s-p%d", run->v->name, k);
	step_path(run, k, "", path, len);
	if (mkdir(path, 0755) && errno != EEXIST) {
		fl_set_err(why, wlen, "mkdir %s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(path + strlen(path), len - strlen(path), "/%s.variant", name);
	f = fopen(path, "we");
	if (!f) {
		fl_set_err(why, wlen, "write %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = fl_variant_write(run->v, name, k, f);
	if (fclose(f) || ret) {
		fl_set_err(why, wlen, "write %s: failed", path);
		return -EIO;
	}
	return 0;
}

static enum fl_round run_step(const struct fl_bisect_run *run, int k, int r,
			      const char *doc, const char *log, char *why, size_t len)
{
	char variant[PATH_MAX], dir[PATH_MAX], name[32], reps[32], err[FL_ERR_LEN];
	char **argv = calloc(run->nr_cmd + 10, sizeof(*argv));
	int n = 0, fd, status, ret;

	if (!argv || write_variant(run, k, variant, sizeof(variant), why, len)) {
		free(argv);
		if (!*why)
			fl_set_err(why, len, "out of memory");
		return FL_ROUND_ERROR;
	}
	step_path(run, k, "", dir, sizeof(dir));
	snprintf(name, sizeof(name), "r%d.json", r);
	snprintf(reps, sizeof(reps), "%u", run->repeat);
	argv[n++] = (char *)run->prog;
	argv[n++] = variant;
	argv[n++] = dir;
	argv[n++] = name;
	argv[n++] = "--";
	for (int i = 0; i < run->nr_cmd; i++)
		argv[n++] = run->cmd[i];
	if (!run->stress) {
		argv[n++] = "--repeat";
		argv[n++] = reps;
	}
	unlink(doc);
	fd = fl_out_scratch(log, err, sizeof(err));
	if (fd < 0) {
		free(argv);
		fl_set_err(why, len, "%s", err);
		return FL_ROUND_ERROR;
	}
	ret = fl_child_run(argv, fd, &status);
	close(fd);
	free(argv);
	if (ret == -EINTR || fl_stop_signal)
		return FL_ROUND_INTERRUPTED;
	if (ret) {
		fl_set_err(why, len, "start %s: %s", run->prog, strerror(-ret));
		return FL_ROUND_ERROR;
	}
	if (WIFSIGNALED(status)) {
		fl_set_err(why, len, "%s was killed by signal %d (%s); its log: %s",
			   run->prog, WTERMSIG(status), strsignal(WTERMSIG(status)), log);
		return FL_ROUND_ERROR;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
		if (round_done(doc))
			return FL_ROUND_DONE;
		fl_set_err(why, len, "%s exited 0 without a finished %s; its log: %s",
			   run->prog, doc, log);
		return FL_ROUND_ERROR;
	case 1:
		boot_why(run, k, log, why, len);
		return FL_ROUND_KERNEL_FAILED;
	case STEP_UNBUILDABLE:
		log_tail(log, why, len);
		return FL_ROUND_UNBUILDABLE;
	default:
		log_tail(log, err, sizeof(err));
		fl_set_err(why, len, "%s exited %d: %s", run->prog, WEXITSTATUS(status), err);
		return FL_ROUND_ERROR;
	}
}

enum fl_round fl_bisect_round(const struct fl_bisect_run *run, int k, int r,
			      char *why, size_t len)
{
	char doc[PATH_MAX], log[PATH_MAX], failed[PATH_MAX], skip[PATH_MAX], name[32];
	enum fl_round got;

	*why = '\0';
	snprintf(name, sizeof(name), "r%d.json", r);
	step_path(run, k, name, doc, sizeof(doc));
	snprintf(name, sizeof(name), "r%d.log", r);
	step_path(run, k, name, log, sizeof(log));
	snprintf(name, sizeof(name), "r%d.failed", r);
	step_path(run, k, name, failed, sizeof(failed));
	step_path(run, k, "skip", skip, sizeof(skip));
	if (read_note(skip, why, len))
		return FL_ROUND_UNBUILDABLE;
	if (read_note(failed, why, len))
		return FL_ROUND_KERNEL_FAILED;
	if (round_done(doc))
		return FL_ROUND_DONE;
	got = run_step(run, k, r, doc, log, why, len);
	if (got == FL_ROUND_UNBUILDABLE)
		write_note(skip, why);
	else if (got == FL_ROUND_KERNEL_FAILED)
		write_note(failed, why);
	return got;
}
