// SPDX-License-Identifier: GPL-2.0
/*
 * The report pages: report.md and index.html in the output directory, the
 * inputs and their validity, then each figure with its PNG shown, its SVG,
 * data and gnuplot script linked, and its reading; figures not drawn or
 * failed are listed with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/faultline.h"
#include "base/out_file.h"
#include "base/table.h"
#include "report.h"

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void counts(const struct rp_report *r, int *drawn, int *skipped, int *failed)
{
	*drawn = *skipped = *failed = 0;
	for (int i = 0; i < r->nr_figs; i++) {
		*drawn += r->figs[i]->state == RP_DRAWN;
		*skipped += r->figs[i]->state == RP_SKIPPED;
		*failed += r->figs[i]->state == RP_FAILED;
	}
}

static void inputs_md(FILE *f, const struct rp_report *r)
{
	struct fl_table *t;

	fprintf(f, "Inputs, one series each:\n\n");
	for (int s = 0; s < r->nr_series; s++) {
		const struct rp_series *v = &r->series[s];

		fprintf(f, "- **%s**: `%s`, %zu result file%s", v->label, v->path,
			json_array_size(v->docs), json_array_size(v->docs) == 1 ? "" : "s");
		if (v->nr_other)
			fprintf(f, " (and %d stress or MPI document%s, not plotted)", v->nr_other,
				v->nr_other == 1 ? "" : "s");
		fputc('\n', f);
	}
	if (r->compare)
		fprintf(f, "- compare: `%s`, verdict **%s**\n", r->compare_path,
			json_string_value(json_object_get(r->compare, "verdict")) ?: "?");
	else
		fprintf(f, "- compare: none\n");
	if (r->history)
		fprintf(f, "- history: `%s`, %zu entries\n", r->history_path,
			json_array_size(r->history));
	else
		fprintf(f, "- history: none (%s)\n", r->history_why);
	t = fl_table_new("lll", "name", "workload", "params", NULL);
	for (int i = 0; i < r->nr_configs; i++)
		fl_table_cells(t, r->configs[i].name, r->configs[i].workload,
			       r->configs[i].params, NULL);
	fprintf(f, "\nWorkload configurations (a figure's name starts with one):\n\n");
	fl_table_print(t, f, true);
	fl_table_free(t);
	fputc('\n', f);
}

static const char validity_about[] =
	"Each run, stress check and MPI rank judges whether its numbers can be trusted "
	"(its \"validity\"; the README explains each reason code and what to do). The "
	"figures draw untrustworthy numbers in purple: crosses, hollow points, hatching.";

/* "2 of 12 documents are untrustworthy (3 runs, 1 stress check)..." */
static void trust_summary(char *buf, size_t len, const struct rp_trust *t)
{
	int judged = t->docs - (int)json_array_size(t->unjudged);
	char parts[256] = "";

	buf[0] = '\0';
	if (!t->docs)
		fl_fmt_cat(buf, len, "No result, stress or MPI document among the inputs.");
	else if (!judged)
		fl_fmt_cat(buf, len, "None of the %d documents records its validity (they were written by a faultline that did not judge its results): nothing says whether they can be trusted.",
		       t->docs);
	else if (!t->bad_docs && judged == t->docs)
		fl_fmt_cat(buf, len, "All %d documents are valid: every run, stress check and MPI rank says its numbers can be trusted.",
		       t->docs);
	else if (!t->bad_docs)
		fl_fmt_cat(buf, len, "The %d documents that record their validity are valid.", judged);
	if (t->bad_docs) {
		if (t->bad_runs)
			fl_fmt_cat(parts, sizeof(parts), "%s%d run%s", *parts ? ", " : "", t->bad_runs,
			       t->bad_runs == 1 ? "" : "s");
		if (t->bad_checks)
			fl_fmt_cat(parts, sizeof(parts), "%s%d stress check%s", *parts ? ", " : "",
			       t->bad_checks, t->bad_checks == 1 ? "" : "s");
		if (t->not_run)
			fl_fmt_cat(parts, sizeof(parts), "%s%d check%s not run", *parts ? ", " : "",
			       t->not_run, t->not_run == 1 ? "" : "s");
		if (t->bad_ranks)
			fl_fmt_cat(parts, sizeof(parts), "%s%d MPI rank%s", *parts ? ", " : "",
			       t->bad_ranks, t->bad_ranks == 1 ? "" : "s");
		fl_fmt_cat(buf, len, "%d of %d documents %s untrustworthy%s%s%s.", t->bad_docs, t->docs,
		       t->bad_docs == 1 ? "is" : "are", *parts ? " (" : "", parts, *parts ? ")" : "");
	}
	if (t->known)
		fl_fmt_cat(buf, len, " %d stress check%s failed as known (expected, not a failure).",
		       t->known, t->known == 1 ? "" : "s");
	if (t->bad_metrics)
		fl_fmt_cat(buf, len, " %d compare metric%s untrustworthy, not judged.", t->bad_metrics,
		       t->bad_metrics == 1 ? " is" : "s are");
	if (judged && judged < t->docs)
		fl_fmt_cat(buf, len, " %d document%s no validity (written before faultline judged its results): nothing says whether %s can be trusted.",
		       t->docs - judged, t->docs - judged == 1 ? " records" : "s record",
		       t->docs - judged == 1 ? "it" : "they");
}

static void validity_md(FILE *f, const struct rp_trust *t)
{
	char summary[1024];
	json_t *g, *l;
	size_t i, k;

	trust_summary(summary, sizeof(summary), t);
	fprintf(f, "## Validity\n\n%s\n\n%s\n\n", validity_about, summary);
	json_array_foreach(t->groups, i, g) {
		fprintf(f, "**`%s`** (%s):\n\n", json_string_value(json_object_get(g, "path")),
			json_string_value(json_object_get(g, "label")));
		json_array_foreach(json_object_get(g, "lines"), k, l)
			fprintf(f, "- %s\n", json_string_value(l));
		fputc('\n', f);
	}
	if (json_array_size(t->unjudged) && json_array_size(t->unjudged) < (size_t)t->docs) {
		fprintf(f, "No validity recorded:\n\n");
		json_array_foreach(t->unjudged, i, l)
			fprintf(f, "- `%s`\n", json_string_value(l));
		fputc('\n', f);
	}
}

static void figure_md(FILE *f, const struct rp_fig *g)
{
	fprintf(f, "### %s\n\n", g->title);
	switch (g->state) {
	case RP_DRAWN:
		fprintf(f, "![%s](%s.png)\n\n[SVG](%s.svg) · [data](%s.dat) · [gnuplot](%s.gp)\n\n"
			"Reading: %s\n\n", g->title, g->name, g->name, g->name, g->name, g->text);
		break;
	case RP_SKIPPED:
		fprintf(f, "Not drawn: %s.\n\n", g->text);
		break;
	case RP_FAILED:
		fprintf(f, "**Failed**: %s\n\n", g->error);
		break;
	}
}

static void figure_html(FILE *f, const struct rp_fig *g)
{
	fprintf(f, "<div class=\"fig %s\">\n<h3>", g->state == RP_DRAWN ? "drawn" :
		g->state == RP_SKIPPED ? "skipped" : "failed");
	html_esc(f, g->title);
	fprintf(f, "</h3>\n");
	switch (g->state) {
	case RP_DRAWN:
		fprintf(f, "<a href=\"%s.svg\"><img src=\"%s.png\" alt=\"", g->name, g->name);
		html_esc(f, g->title);
		fprintf(f, "\"></a>\n<p class=\"links\"><a href=\"%s.svg\">SVG</a> · <a href=\"%s.dat\">data</a> · <a href=\"%s.gp\">gnuplot</a></p>\n<p class=\"reading\">",
			g->name, g->name, g->name);
		html_esc(f, g->text);
		fprintf(f, "</p>\n");
		break;
	case RP_SKIPPED:
		fprintf(f, "<p class=\"why\">Not drawn: ");
		html_esc(f, g->text);
		fprintf(f, ".</p>\n");
		break;
	case RP_FAILED:
		fprintf(f, "<p class=\"error\">Failed: ");
		html_esc(f, g->error);
		fprintf(f, "</p>\n");
		break;
	}
	fprintf(f, "</div>\n");
}

static int write_md(const struct rp_report *r, const struct rp_trust *t, const char *path,
		    char *err, size_t len)
{
	struct fl_out_file o;
	int drawn, skipped, failed, ret = fl_out_open(&o, path, err, len);
	FILE *f = o.f;

	if (ret)
		return ret;
	counts(r, &drawn, &skipped, &failed);
	fprintf(f, "# faultline report\n\n");
	inputs_md(f, r);
	validity_md(f, t);
	fprintf(f, "%d figure%s drawn (PNG shown, SVG linked), %d not drawn for want of data, %d failed. "
		"Re-render any figure with `gnuplot NAME.gp` in this directory.\n\n",
		drawn, drawn == 1 ? "" : "s", skipped, failed);
	for (int s = 0; s < RP_NR_SECTIONS; s++) {
		fprintf(f, "## %s\n\n%s\n\n", rp_figure_kinds[s].title, rp_figure_kinds[s].about);
		for (int i = 0; i < r->nr_figs; i++)
			if (r->figs[i]->section == s)
				figure_md(f, r->figs[i]);
	}
	return fl_out_commit(&o, err, len);
}

static void validity_html(FILE *f, const struct rp_trust *t)
{
	char summary[1024];
	json_t *g, *l;
	size_t i, k;

	trust_summary(summary, sizeof(summary), t);
	fprintf(f, "<h2>Validity</h2>\n<p>");
	html_esc(f, validity_about);
	fprintf(f, "</p>\n<p class=\"%s\">", t->bad_docs ? "untrust" : "valid");
	html_esc(f, summary);
	fprintf(f, "</p>\n");
	json_array_foreach(t->groups, i, g) {
		fprintf(f, "<p><b><code>");
		html_esc(f, json_string_value(json_object_get(g, "path")));
		fprintf(f, "</code></b> (");
		html_esc(f, json_string_value(json_object_get(g, "label")));
		fprintf(f, "):</p>\n<ul>\n");
		json_array_foreach(json_object_get(g, "lines"), k, l) {
			fprintf(f, "<li>");
			html_esc(f, json_string_value(l));
			fprintf(f, "</li>\n");
		}
		fprintf(f, "</ul>\n");
	}
	if (json_array_size(t->unjudged) && json_array_size(t->unjudged) < (size_t)t->docs) {
		fprintf(f, "<p>No validity recorded:</p>\n<ul>\n");
		json_array_foreach(t->unjudged, i, l) {
			fprintf(f, "<li><code>");
			html_esc(f, json_string_value(l));
			fprintf(f, "</code></li>\n");
		}
		fprintf(f, "</ul>\n");
	}
}

static int write_html(const struct rp_report *r, const struct rp_trust *t, const char *path,
		      char *err, size_t len)
{
	struct fl_out_file o;
	int drawn, skipped, failed, ret = fl_out_open(&o, path, err, len);
	FILE *f = o.f;

	if (ret)
		return ret;
	counts(r, &drawn, &skipped, &failed);
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
		"<title>faultline report</title>\n<style>\n"
		"body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em;color:#222}\n"
		"img{max-width:100%%;border:1px solid #ddd}\n"
		".why{color:#666}.error{color:#b00}.links{font-size:90%%}.untrust{color:#7B3294}\n"
		"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\n"
		"</style></head><body>\n<h1>faultline report</h1>\n<ul>\n");
	for (int s = 0; s < r->nr_series; s++) {
		fprintf(f, "<li><b>");
		html_esc(f, r->series[s].label);
		fprintf(f, "</b>: <code>");
		html_esc(f, r->series[s].path);
		fprintf(f, "</code>, %zu result file%s</li>\n", json_array_size(r->series[s].docs),
			json_array_size(r->series[s].docs) == 1 ? "" : "s");
	}
	fprintf(f, "<li>compare: ");
	if (r->compare) {
		fprintf(f, "<code>");
		html_esc(f, r->compare_path);
		fprintf(f, "</code>, verdict <b>");
		html_esc(f, json_string_value(json_object_get(r->compare, "verdict")) ?: "?");
		fprintf(f, "</b>");
	} else {
		fprintf(f, "none");
	}
	fprintf(f, "</li>\n<li>history: ");
	if (r->history) {
		fprintf(f, "<code>");
		html_esc(f, r->history_path);
		fprintf(f, "</code>, %zu entries", json_array_size(r->history));
	} else {
		fprintf(f, "none (");
		html_esc(f, r->history_why);
		fprintf(f, ")");
	}
	fprintf(f, "</li>\n</ul>\n<table><tr><th>name</th><th>workload</th><th>params</th></tr>\n");
	for (int i = 0; i < r->nr_configs; i++) {
		fprintf(f, "<tr><td>");
		html_esc(f, r->configs[i].name);
		fprintf(f, "</td><td>");
		html_esc(f, r->configs[i].workload);
		fprintf(f, "</td><td>");
		html_esc(f, r->configs[i].params);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
	validity_html(f, t);
	fprintf(f, "<p>%d figures drawn (click one for its SVG), %d not drawn for want of data, %d failed. "
		"<a href=\"report.md\">report.md</a> has the same.</p>\n", drawn, skipped, failed);
	for (int s = 0; s < RP_NR_SECTIONS; s++) {
		fprintf(f, "<h2>%s</h2>\n<p>", rp_figure_kinds[s].title);
		html_esc(f, rp_figure_kinds[s].about);
		fprintf(f, "</p>\n");
		for (int i = 0; i < r->nr_figs; i++)
			if (r->figs[i]->section == s)
				figure_html(f, r->figs[i]);
	}
	fprintf(f, "</body></html>\n");
	return fl_out_commit(&o, err, len);
}

int rp_write_pages(struct rp_report *r, char *err, size_t len)
{
	char path[PATH_MAX];
	struct rp_trust t;
	int ret;

	ret = rp_trust_gather(r, &t);
	if (ret) {
		fl_set_err(err, len, "out of memory");
		goto out;
	}
	r->bad_docs = t.bad_docs;
	snprintf(path, sizeof(path), "%s/report.md", r->out);
	ret = write_md(r, &t, path, err, len);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "%s/index.html", r->out);
	ret = write_html(r, &t, path, err, len);
out:
	rp_trust_free(&t);
	return ret;
}
