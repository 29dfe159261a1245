// SPDX-License-Identifier: GPL-2.0
/* selftest's programs: spawn one, wait for it, read what it measured. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/out_file.h"
#include "base/validity.h"
#include "cli/selftest.h"

extern char **environ;

int fl_selftest_env_init(struct fl_selftest_env *env, const char *dir,
			 char *err, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;

	memset(env, 0, sizeof(*env));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		fl_set_err(err, len, "/proc/self/exe: %s", strerror(errno));
		return -errno;
	}
	self[n] = '\0';
	snprintf(env->faultline, sizeof(env->faultline), "%s", self);
	snprintf(env->bare, sizeof(env->bare), "%s/faultline-bare", dirname(self));
	if (access(env->bare, X_OK)) {
		int e = errno;

		fl_set_err(err, len, "%s: %s (make builds it beside faultline)",
			   env->bare, strerror(e));
		return -e;
	}
	snprintf(env->dir, sizeof(env->dir), "%s", dir);
	snprintf(env->out, sizeof(env->out), "%s/selftest-%d.json", dir, (int)getpid());
	snprintf(env->log, sizeof(env->log), "%s/selftest-%d.log", dir, (int)getpid());
	return 0;
}

void fl_selftest_env_fini(struct fl_selftest_env *env)
{
	if (env->out[0])
		unlink(env->out);
	if (env->log[0])
		unlink(env->log);
}

/*
 * The program's last error line ("faultline: ..."), else its last line,
 * for error messages.
 */
static void last_line(const char *path, char *buf, size_t len)
{
	char line[FL_ERR_LEN];
	FILE *f = fopen(path, "r");
	bool error_seen = false;

	snprintf(buf, len, "(no output)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		bool error = !strncmp(line, "faultline: ", 11);

		line[strcspn(line, "\n")] = '\0';
		if (line[0] && (error || !error_seen))
			snprintf(buf, len, "%s", line + (error ? 11 : 0));
		error_seen |= error;
	}
	fclose(f);
}

/*
 * Start @argv with stdout and stderr in @log and wait for it. The exit
 * code, or -errno when it could not start or died of a signal.
 */
static int run_to_end(char *const argv[], const char *log, char *err, size_t len)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret, fd = fl_out_scratch(log, err, len);

	if (fd < 0)
		return fd;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	ret = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (ret) {
		fl_set_err(err, len, "%s: %s", argv[0], strerror(ret));
		return -ret;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			fl_set_err(err, len, "waiting for %s: %s", argv[0], strerror(errno));
			return -errno;
		}
	}
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		fl_set_err(err, len, "%s died of %s", argv[0], strsignal(sig));
		/* Stopped by the user (who signalled us too), or it broke. */
		return sig == SIGINT || sig == SIGTERM || sig == SIGHUP ? -EINTR : -EIO;
	}
	return WEXITSTATUS(st);
}

/* faultline-bare's rate and CPU share, from its --json. */
static int read_bare(const struct fl_selftest_env *env, struct fl_selftest_prog *p,
		     char *err, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_load_file(env->log, 0, &jerr);

	if (!doc) {
		fl_set_err(err, len, "%s: printed no JSON: %s", env->bare, jerr.text);
		return -EPROTO;
	}
	p->ops_per_sec = fl_json_num(doc, "ops_per_sec");
	p->cpu_share = fl_json_num(doc, "cpu_share");
	json_decref(doc);
	if (!isfinite(p->ops_per_sec)) {
		fl_set_err(err, len, "%s: printed no ops_per_sec", env->bare);
		return -EPROTO;
	}
	p->trustworthy = true;
	return 0;
}

/* ops/s, validity and collectors of a `run` result with one run. */
static int read_run(const struct fl_selftest_env *env, struct fl_selftest_prog *p,
		    char *err, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_load_file(env->out, 0, &jerr), *run, *reason;
	int ret = 0;

	run = json_array_get(json_object_get(doc, "runs"), 0);
	p->ops_per_sec = fl_json_num(run, "totals.ops_per_sec");
	if (!doc || json_array_size(json_object_get(doc, "runs")) != 1 ||
	    !isfinite(p->ops_per_sec)) {
		fl_set_err(err, len, "%s: %s", env->out,
			   doc ? "not one run with totals.ops_per_sec" : jerr.text);
		ret = -EPROTO;
		goto out;
	}
	p->trustworthy = fl_validity_ok(doc);
	reason = json_array_get(json_object_get(json_object_get(doc, "validity"),
						"reasons"), 0);
	snprintf(p->why, sizeof(p->why), "%s",
		 json_string_value(json_object_get(reason, "code")) ?: "");
	p->collectors = json_incref(json_object_get(json_object_get(run, "kernel"),
						    "collectors"));
out:
	json_decref(doc);
	return ret;
}

int fl_selftest_spawn(const struct fl_selftest_env *env,
		      struct fl_selftest_prog *p, char *err, size_t len)
{
	char *argv[32];
	char line[FL_ERR_LEN];
	int n = 0, ret;

	p->exit_code = -1;
	p->ops_per_sec = NAN;
	p->cpu_share = NAN;
	p->trustworthy = false;
	p->why[0] = '\0';
	p->collectors = NULL;
	if (p->bare) {
		argv[n++] = (char *)env->bare;
		argv[n++] = "--json";
	} else {
		argv[n++] = (char *)env->faultline;
		argv[n++] = "run";
		argv[n++] = "fault";
		argv[n++] = "--access=write";
		argv[n++] = "--no-progress";
		argv[n++] = "--out";
		argv[n++] = (char *)env->out;
		if (p->extra)
			argv[n++] = (char *)p->extra;
	}
	argv[n++] = "--map";
	argv[n++] = (char *)p->map;
	argv[n++] = "--threads";
	argv[n++] = (char *)p->threads;
	argv[n++] = "--duration";
	argv[n++] = (char *)p->duration;
	argv[n++] = "--warmup";
	argv[n++] = (char *)p->warmup;
	argv[n++] = "--size";
	argv[n++] = (char *)p->size;
	argv[n++] = "--dir";
	argv[n++] = (char *)env->dir;
	argv[n] = NULL;

	unlink(env->out);
	ret = run_to_end(argv, env->log, err, len);
	if (ret < 0)
		return ret;
	p->exit_code = ret;
	if (ret == FL_EXIT_OK && p->bare)
		return read_bare(env, p, err, len);
	if ((ret == FL_EXIT_OK || ret == FL_EXIT_UNTRUSTWORTHY) && !p->bare)
		return read_run(env, p, err, len);
	last_line(env->log, line, sizeof(line));
	fl_set_err(err, len, "%s exited %d: %s", p->bare ? "faultline-bare" :
		   "faultline run", ret, line);
	return -EIO;
}
