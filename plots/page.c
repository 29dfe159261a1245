// SPDX-License-Identifier: GPL-2.0
/*
 * The report pages: report.md and index.html in the output directory,
 * each figure with its PNG shown, its SVG, data and gnuplot script linked,
 * and its reading; figures not drawn or failed are listed with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "faultline.h"
#include "report.h"

static const struct {
	const char *title, *about;
} sections[RP_NR_SECTIONS] = {
	[RP_SCALING] = { "Scaling",
		"Throughput against threads: the median over repetitions, bars from min to max, dotted lines: linear scaling from the fewest threads." },
	[RP_LATENCY] = { "Latency spectrum",
		"Latency per page touch against percentile, both on log scales, from the latency histograms merged over repetitions; per NUMA node where there are several." },
	[RP_NODES] = { "Per NUMA node",
		"Each node's fault rate and p99 touch latency: the median over repetitions, bars from min to max." },
	[RP_LOCKS] = { "Lock contention",
		"Kernel lock wait per run (BPF collectors), stacked by lock name and type, per series and NUMA node of the waiting CPU." },
	[RP_AB] = { "A/B comparison",
		"CUR/BASE ratio of each metric's median with its confidence interval, coloured by the compare verdict: green better, red worse, grey unchanged, orange noisy." },
	[RP_TREND] = { "Nightly trend",
		"Each metric night by night against the baseline's min-max band (blue) and median (dashed), points coloured by verdict." },
};

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
	fprintf(f, "\nWorkload configurations (a figure's name starts with one):\n\n"
		"| name | workload | params |\n|:--|:--|:--|\n");
	for (int i = 0; i < r->nr_configs; i++)
		fprintf(f, "| %s | %s | %s |\n", r->configs[i].name, r->configs[i].workload,
			r->configs[i].params);
	fputc('\n', f);
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

static int write_md(const struct rp_report *r, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "w");
	int drawn, skipped, failed;

	if (!f) {
		fl_set_err(err, len, "report: write %s: %s", path, strerror(errno));
		return -errno;
	}
	counts(r, &drawn, &skipped, &failed);
	fprintf(f, "# faultline report\n\n");
	inputs_md(f, r);
	fprintf(f, "%d figure%s drawn (PNG shown, SVG linked), %d not drawn for want of data, %d failed. "
		"Re-render any figure with `gnuplot NAME.gp` in this directory.\n\n",
		drawn, drawn == 1 ? "" : "s", skipped, failed);
	for (int s = 0; s < RP_NR_SECTIONS; s++) {
		fprintf(f, "## %s\n\n%s\n\n", sections[s].title, sections[s].about);
		for (int i = 0; i < r->nr_figs; i++)
			if (r->figs[i]->section == s)
				figure_md(f, r->figs[i]);
	}
	if (fclose(f)) {
		fl_set_err(err, len, "report: write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int write_html(const struct rp_report *r, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "w");
	int drawn, skipped, failed;

	if (!f) {
		fl_set_err(err, len, "report: write %s: %s", path, strerror(errno));
		return -errno;
	}
	counts(r, &drawn, &skipped, &failed);
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
		"<title>faultline report</title>\n<style>\n"
		"body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em;color:#222}\n"
		"img{max-width:100%%;border:1px solid #ddd}\n"
		".why{color:#666}.error{color:#b00}.links{font-size:90%%}\n"
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
	fprintf(f, "</table>\n<p>%d figures drawn (click one for its SVG), %d not drawn for want of data, %d failed. "
		"<a href=\"report.md\">report.md</a> has the same.</p>\n", drawn, skipped, failed);
	for (int s = 0; s < RP_NR_SECTIONS; s++) {
		fprintf(f, "<h2>%s</h2>\n<p>", sections[s].title);
		html_esc(f, sections[s].about);
		fprintf(f, "</p>\n");
		for (int i = 0; i < r->nr_figs; i++)
			if (r->figs[i]->section == s)
				figure_html(f, r->figs[i]);
	}
	fprintf(f, "</body></html>\n");
	if (fclose(f)) {
		fl_set_err(err, len, "report: write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int rp_write_pages(struct rp_report *r, char *err, size_t len)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/report.md", r->out);
	ret = write_md(r, path, err, len);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/index.html", r->out);
	return write_html(r, path, err, len);
}
