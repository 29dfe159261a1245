// SPDX-License-Identifier: GPL-2.0
/*
 * A figure's files and its rendering. A figure is NAME.dat (the numbers)
 * and NAME.gp: a few variable assignments, then plots/common.gp and the
 * figure's template copied in, so that `gnuplot NAME.gp` in the output
 * directory draws NAME.png and NAME.svg again after a user tweaks either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/out_file.h"
#include "report.h"

/* Okabe-Ito, then darker shades: distinct for colour-blind readers too. */
static const char *const palette[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
	"#000000", "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD",
};

/*
 * Pixels a legend of @n labels (and an entry of @extra characters) takes
 * across @width pixels: gnuplot fills columns as wide as the longest one.
 */
int rp_legend_px(char (*labels)[192], int n, int extra, int width)
{
	int longest = extra, cols, rows;

	for (int i = 0; i < n; i++)
		if ((int)strlen(labels[i]) > longest)
			longest = (int)strlen(labels[i]);
	cols = width / (longest * 8 + 70);
	cols = cols < 1 ? 1 : cols;
	rows = (n + (extra > 0) + cols - 1) / cols;
	return 24 + 20 * rows;
}

const char *rp_color(int i)
{
	return palette[(unsigned)i % ARRAY_SIZE(palette)];
}

#define RP_DRAW_config(kind) .per_config = rp_fig_##kind
#define RP_DRAW_report(kind) .per_report = rp_fig_##kind
const struct rp_figure_kind rp_figure_kinds[RP_NR_SECTIONS] = {
#define FIGURE(ID, k, scope, t, a) \
	[RP_##ID] = { .kind = #k, .title = t, .about = a, RP_DRAW_##scope(k) },
#include "plots/figures.h"
#undef FIGURE
};

static const char *const templates[] = {
	"common.gp",
#define FIGURE(ID, kind, scope, title, about) #kind ".gp",
#include "plots/figures.h"
#undef FIGURE
};

void rp_draw_figures(struct rp_report *r)
{
	for (int s = 0; s < RP_NR_SECTIONS; s++) {
		const struct rp_figure_kind *k = &rp_figure_kinds[s];

		for (int i = 0; k->per_config && i < r->nr_configs; i++)
			k->per_config(r, &r->configs[i]);
		if (k->per_report)
			k->per_report(r);
	}
}

bool rp_templates_ok(const struct rp_report *r, char *err, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(templates); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", r->plots, templates[i]);
		if (access(path, R_OK)) {
			fl_set_err(err, len, "report: gnuplot template %s: %s", path,
				   strerror(errno));
			return false;
		}
	}
	return true;
}

static void fig_close(struct rp_fig *f)
{
	if (f->dat)
		fclose(f->dat);
	if (f->vars_f)
		fclose(f->vars_f);
	f->dat = f->vars_f = NULL;
}

struct rp_fig *rp_fig_new(struct rp_report *r, int section, const char *name,
			  const char *title_fmt, ...)
{
	struct rp_fig *f = calloc(1, sizeof(*f)), **m;
	va_list ap;

	m = realloc(r->figs, (size_t)(r->nr_figs + 1) * sizeof(*m));
	if (m)
		r->figs = m;
	if (!f || !m)
		goto oom;
	r->figs[r->nr_figs++] = f;
	f->section = section;
	rp_safe_name(f->name, sizeof(f->name), name);
	/* Names are files: a second figure of one name gets -2, -3, ... */
	for (int k = 2, clash = 1; clash; k++) {
		clash = 0;
		for (int i = 0; i < r->nr_figs - 1; i++)
			clash |= !strcmp(r->figs[i]->name, f->name);
		if (clash) {
			char base[176];

			rp_safe_name(base, sizeof(base), name);
			snprintf(f->name, sizeof(f->name), "%s-%d", base, k);
		}
	}
	va_start(ap, title_fmt);
	vsnprintf(f->title, sizeof(f->title), title_fmt, ap);
	va_end(ap);
	/* In memory until drawn: a figure that is not drawn leaves no files. */
	f->dat = open_memstream(&f->dat_buf, &f->dat_len);
	f->vars_f = open_memstream(&f->vars, &f->vars_len);
	if (f->dat && f->vars_f)
		return f;
	r->nr_figs--;
	fig_close(f);
oom:
	free(f);
	fl_err("report: figure %s: out of memory", name);
	r->failed++;
	return NULL;
}

static void fig_release(struct rp_fig *f)
{
	fig_close(f);
	free(f->dat_buf);
	free(f->vars);
	f->dat_buf = f->vars = NULL;
}

void rp_fig_skip(struct rp_report *r, struct rp_fig *f, const char *why_fmt, ...)
{
	va_list ap;

	(void)r;
	if (!f)
		return;
	fig_release(f);
	f->state = RP_SKIPPED;
	va_start(ap, why_fmt);
	vsnprintf(f->text, sizeof(f->text), why_fmt, ap);
	va_end(ap);
}

/*
 * A string as a gnuplot expression, in single quotes, where gnuplot
 * expands nothing: no backquotes, no @macros, no escapes. A quote or a
 * newline is joined in as sprintf('%c', CODE): a doubled quote cannot
 * start a string in gnuplot 5.4, a double-quoted "'" confuses its macro
 * expansion, and a newline would end the line. Other control characters
 * become spaces.
 */
static void put_quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\n')
			fprintf(out, "' . sprintf('%%c', %d) . '", *s);
		else
			fputc((unsigned char)*s < ' ' ? ' ' : *s, out);
	}
	fputc('\'', out);
}

/*
 * Text in a comment line (of NAME.gp or NAME.dat): one line, and no
 * backslash at its end, which would continue the comment onto the next.
 */
static void put_comment_text(FILE *out, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		fputc((unsigned char)s[i] < ' ' ? ' ' : s[i], out);
	if (n && s[n - 1] == '\\')
		fputc(' ', out);
}

void rp_dat_comment(FILE *dat, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	fputs("# ", dat);
	put_comment_text(dat, n < 0 ? "" : s);
	fputc('\n', dat);
	free(s);
}

void rp_dat_str(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = src[i] == '"' ? '\'' : (unsigned char)src[i] < ' ' ? ' ' : src[i];
	dst[i] = '\0';
}

void rp_var_num(struct rp_fig *f, const char *name, double v)
{
	if (isfinite(v))
		fprintf(f->vars_f, "%s = %.10g\n", name, v);
	else
		fprintf(f->vars_f, "%s = NaN\n", name);
}

void rp_var_str(struct rp_fig *f, const char *name, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	fprintf(f->vars_f, "%s = ", name);
	put_quoted(f->vars_f, n < 0 ? "" : s);
	fputc('\n', f->vars_f);
	free(s);
}

/* gnuplot arrays cannot be empty: one empty element then. */
void rp_var_strs(struct rp_fig *f, const char *name, char (*v)[192], int n)
{
	fprintf(f->vars_f, "array %s[%d] = [", name, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f->vars_f);
		put_quoted(f->vars_f, v[i]);
	}
	fputs(n > 0 ? "]\n" : "'']\n", f->vars_f);
}

void rp_var_nums(struct rp_fig *f, const char *name, const double *v, int n)
{
	fprintf(f->vars_f, "array %s[%d] = [", name, n > 0 ? n : 1);
	for (int i = 0; i < n; i++)
		fprintf(f->vars_f, "%s%.10g", i ? ", " : "", isfinite(v[i]) ? v[i] : 0);
	fputs(n > 0 ? "]\n" : "0]\n", f->vars_f);
}

void rp_tic(struct rp_tics *t, const char *label, double at)
{
	if (t->n == RP_MAX_TICS)
		return;
	snprintf(t->label[t->n], sizeof(t->label[0]), "%s", label);
	t->at[t->n++] = at;
}

/* ntics, tic_labels[] and tic_at[]: the template adds them one by one. */
void rp_var_tics(struct rp_fig *f, const struct rp_tics *t)
{
	rp_var_num(f, "ntics", t->n);
	rp_var_strs(f, "tic_labels", (char (*)[192])t->label, t->n);
	rp_var_nums(f, "tic_at", t->at, t->n);
}

static int append_file(FILE *out, const char *path, char *err, size_t len)
{
	FILE *in = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!in) {
		fl_set_err(err, len, "read %s: %s", path, strerror(errno));
		return -errno;
	}
	fputs("\n# ---- ", out);
	put_comment_text(out, path);
	fputs(" ----\n", out);
	while ((n = fread(buf, 1, sizeof(buf), in)))
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

static int write_script(struct rp_report *r, struct rp_fig *f, const char *tmpl,
			char *err, size_t len)
{
	char path[PATH_MAX], src[PATH_MAX];
	struct fl_out_file o;
	FILE *out;
	int ret;

	snprintf(path, sizeof(path), "%s/%s.gp", r->out, f->name);
	ret = fl_out_open(&o, path, err, len);
	if (ret)
		return ret;
	out = o.f;
	fputs("# faultline report: ", out);
	put_comment_text(out, f->title);
	fprintf(out, "\n# Re-render in this directory with: gnuplot %s.gp\n"
		"# (the figure's variables, then plots/common.gp and plots/%s)\n",
		f->name, tmpl);
	fprintf(out, "out = ");
	put_quoted(out, f->name);
	fprintf(out, "\ndata = ");
	put_quoted(out, f->name);
	fprintf(out, " . '.dat'\nfig_title = ");
	put_quoted(out, f->title);
	fputc('\n', out);
	fwrite(f->vars, 1, f->vars_len, out);
	snprintf(src, sizeof(src), "%s/common.gp", r->plots);
	ret = append_file(out, src, err, len);
	snprintf(src, sizeof(src), "%s/%s", r->plots, tmpl);
	if (!ret)
		ret = append_file(out, src, err, len);
	if (ret)
		fl_out_discard(&o);
	else
		ret = fl_out_commit(&o, err, len);
	return ret;
}

/* gnuplot's stderr, on one line: what report.md says when a figure failed. */
static void collect_stderr(int fd, char *msg, size_t len)
{
	size_t used = 0;
	char buf[1024];
	ssize_t n;

	msg[0] = '\0';
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i] == '\n' || buf[i] == '\t' ? ' ' : buf[i];

			/* gnuplot points at the error with a line of spaces and ^ */
			if (c == ' ' && used && msg[used - 1] == ' ')
				continue;
			if (used + 1 < len)
				msg[used++] = c;
		}
	}
	while (used && msg[used - 1] == ' ')
		used--;
	msg[used] = '\0';
}

static int run_gnuplot(struct rp_report *r, const char *script, char *msg, size_t len)
{
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC)) {
		fl_set_err(msg, len, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		fl_set_err(msg, len, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		if (chdir(r->out) || null < 0)
			_exit(127);
		dup2(null, 0);
		dup2(null, 1);
		dup2(pipefd[1], 2);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		fprintf(stderr, "exec gnuplot: %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	collect_stderr(pipefd[0], msg, len);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (!msg[0])
		fl_set_err(msg, len, "gnuplot %s", WIFEXITED(status) ?
			   "exited with an error and no message" : "was killed by a signal");
	return -EIO;
}

static bool nonempty(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && st.st_size > 0;
}

void rp_fig_draw(struct rp_report *r, struct rp_fig *f, const char *tmpl)
{
	char path[PATH_MAX], script[256], msg[RP_TEXT];
	static const char *const ext[] = { "png", "svg" };

	fig_close(f);
	snprintf(path, sizeof(path), "%s/%s.dat", r->out, f->name);
	if (fl_out_write(path, f->dat_buf, f->dat_len, f->error, sizeof(f->error)) ||
	    write_script(r, f, tmpl, f->error, sizeof(f->error)))
		goto failed;
	/* A figure left from an earlier report must not pass for this one. */
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(path, sizeof(path), "%s/%s.%s", r->out, f->name, ext[i]);
		unlink(path);
	}
	snprintf(script, sizeof(script), "%s.gp", f->name);
	if (run_gnuplot(r, script, msg, sizeof(msg))) {
		snprintf(f->error, sizeof(f->error), "gnuplot: %s", msg);
		goto failed;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(path, sizeof(path), "%s/%s.%s", r->out, f->name, ext[i]);
		if (!nonempty(path)) {
			snprintf(f->error, sizeof(f->error),
				 "gnuplot exited 0 but did not write %s.%s%s%s", f->name,
				 ext[i], msg[0] ? ": " : "", msg);
			goto failed;
		}
	}
	/* Warnings (e.g. a data block without valid points) mean a poor figure. */
	if (msg[0])
		fl_warn("report: %s.gp: %s", f->name, msg);
	f->state = RP_DRAWN;
	fig_release(f);
	return;
failed:
	/* Half a figure (the PNG of a script that failed on the SVG) is none. */
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(path, sizeof(path), "%s/%s.%s", r->out, f->name, ext[i]);
		unlink(path);
	}
	fl_warn("report: figure %s failed: %s", f->name, f->error);
	f->state = RP_FAILED;
	r->failed++;
	fig_release(f);
}
