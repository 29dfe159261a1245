// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline bisect VARIANT --good N --bad M -- COMMAND`: the first patch
 * of a source variant's series that makes COMMAND (a workload run or a
 * stress check) worse, found by building and booting prefixes of the
 * series. A workload is judged with compare's statistics, adding rounds of
 * repetitions until the interval decides; a check by its verdict.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/option.h"
#include "base/schema.h"
#include "base/stop.h"
#include "base/testdir.h"
#include "base/tool.h"
#include "bisect/judge.h"
#include "bisect/search.h"
#include "bisect/step.h"
#include "cli/commands.h"
#include "variant/variant.h"

/* Longest text kept for a step's call, its evidence. */
#define WHY_LEN 2048

struct bisect_opts {
	uint64_t good, bad;
	const char *out, *metric;
	uint64_t repeat, max_repeat;
	double threshold, noise, confidence;
};

#define O(f) offsetof(struct bisect_opts, f)
static const struct fl_option bisect_options[] = {
	{ .name = "good", .type = FL_OPT_UINT, .offset = O(good), .def = "0", .arg = "N",
	  .help = "the prefix known good: the first N patches applied", .max = 100000 },
	{ .name = "bad", .type = FL_OPT_UINT, .offset = O(bad), .arg = "M",
	  .help = "the prefix known bad (default: the whole series)", .max = 100000 },
	{ .name = "out", .type = FL_OPT_STR, .offset = O(out), .arg = "DIR",
	  .help = "the steps, their results and the log (default: results/bisect-VARIANT-N-M); "
		  "the same DIR resumes" },
	{ .name = "repeat", .type = FL_OPT_UINT, .offset = O(repeat), .def = "5",
	  .help = "run: repetitions per round", .min = 3, .max = 1000 },
	{ .name = "max-repeat", .type = FL_OPT_UINT, .offset = O(max_repeat), .def = "20",
	  .help = "run: most repetitions of one prefix before it is too noisy to call",
	  .min = 3, .max = 10000 },
	{ .name = "metric", .type = FL_OPT_STR, .offset = O(metric), .arg = "NAME",
	  .help = "run: follow this metric of the runs' totals (default: the headline ones)" },
	{ .name = "threshold", .type = FL_OPT_DOUBLE, .offset = O(threshold), .def = "2",
	  .arg = "PCT", .min = 0, .max = 1000, .help = "compare's threshold" },
	{ .name = "noise", .type = FL_OPT_DOUBLE, .offset = O(noise), .def = "10",
	  .arg = "PCT", .min = 0, .max = 1e6, .help = "compare's noise bound" },
	{ .name = "confidence", .type = FL_OPT_DOUBLE, .offset = O(confidence), .def = "0.95",
	  .arg = "C", .min = 0.5, .max = 0.999, .help = "confidence level of the intervals" },
	{ 0 }
};
#undef O

struct bisect {
	struct bisect_opts o;
	struct fl_variant *v;
	struct fl_bisect_run run;
	struct fl_bisect *b;
	struct fl_bisect_judge j;
	int *rounds;		/* finished rounds per prefix */
	char **why;		/* the last call's evidence per prefix */
	char out[PATH_MAX], doc_path[PATH_MAX + 16], log_path[PATH_MAX + 16];
	char step_prog[PATH_MAX];
	json_t *key;		/* what a resumed bisect must match */
	json_t *doc;
	FILE *log;
	int argc;
	char **argv;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: faultline bisect VARIANT [options] -- run WORKLOAD [RUN-OPTIONS]\n"
		"       faultline bisect VARIANT [options] -- stress CHECK... [STRESS-OPTIONS]\n\n"
		"Find the first patch of a source variant's series (kernels/NAME.variant) that\n"
		"makes a workload slower or a check fail. Prefix k is the kernel with the\n"
		"first k patches; --good N and --bad M are two prefixes known good and bad.\n"
		"Each prefix tested is built, booted and given the command\n"
		"(kernels/bisect-step.sh). A workload is judged by compare's statistics:\n"
		"bad when its headline metric is worse than at N, good when it is better\n"
		"than at M and not worse than at N; otherwise another round of --repeat\n"
		"repetitions, up to --max-repeat, and then \"too noisy\": never a guess.\n"
		"A check is judged by its verdict: fail is bad, pass (or known) good. A\n"
		"prefix that cannot be built, or (for a workload) whose kernel fails, is\n"
		"skipped; a kernel that fails under a check is bad.\n\n"
		"Every step's results, the log (bisect.log) and the state (bisect.json)\n"
		"are kept in --out; the same command again resumes an interrupted bisect.\n\n"
		"Options:\n");
	fl_opt_help(f, bisect_options);
	fprintf(f, "\nExit: 0 the first bad patch was found; 1 the endpoints are not good and\n"
		"bad as given (nothing to bisect); 2 usage, or --out holds another bisect;\n"
		"3 an endpoint cannot be built or booted, or a step failed; 4 interrupted\n"
		"(run it again to resume); 5 undecided: too noisy after --max-repeat, or\n"
		"the first bad patch is one of several prefixes that were skipped.\n");
}

__attribute__((format(printf, 2, 3)))
static void say(struct bisect *bs, const char *fmt, ...)
{
	char msg[WHY_LEN + 256], when[32];
	time_t now = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "bisect: %s\n", msg);
	if (bs->log) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime(&now));
		fprintf(bs->log, "%s %s\n", when, msg);
		fflush(bs->log);
	}
}

static const char *patch(const struct bisect *bs, int k)
{
	return fl_bisect_patch_name(bs->v, k);
}

static json_t *steps_json(const struct bisect *bs)
{
	json_t *steps = json_array();

	for (int k = bs->b->good; k <= bs->b->bad; k++) {
		if (bs->b->mark[k] == FL_BS_UNTESTED && !bs->rounds[k])
			continue;
		json_array_append_new(steps, json_pack("{s:i, s:s, s:s, s:i, s:s}",
				"prefix", k, "patch", patch(bs, k),
				"mark", fl_bisect_mark_name(bs->b->mark[k]),
				"rounds", bs->rounds[k], "why", bs->why[k] ? bs->why[k] : ""));
	}
	return steps;
}

/* bisect.json as it stands; @result is NULL while it runs. */
static void write_doc(struct bisect *bs, json_t *result)
{
	char err[FL_ERR_LEN];
	json_t *patches = json_array(), *signal = json_array();

	for (int i = 1; i <= bs->v->nr_patches; i++)
		json_array_append_new(patches, json_string(patch(bs, i)));
	for (int i = 0; i < bs->j.nr_signal; i++)
		json_array_append_new(signal, json_string(bs->j.label[i]));
	json_decref(bs->doc);
	bs->doc = fl_doc_new(FL_SCHEMA_BISECT, "faultline", bs->argc, bs->argv);
	json_object_set(bs->doc, "key", bs->key);
	json_object_set_new(bs->doc, "variant", json_pack("{s:s, s:s, s:o}", "name", bs->v->name,
							 "file", bs->v->file, "patches", patches));
	json_object_set_new(bs->doc, "signal", signal);
	json_object_set_new(bs->doc, "steps", steps_json(bs));
	json_object_set_new(bs->doc, "result", result ? result : json_pack("{s:s}", "status", "running"));
	if (fl_json_write_atomic(bs->doc, bs->doc_path, err, sizeof(err)))
		fl_warn("bisect: %s", err);
}

static void set_why(struct bisect *bs, int k, const char *why)
{
	free(bs->why[k]);
	bs->why[k] = strdup(why);
}

/*
 * Round @r of prefix @k. 0 when its document is there; else the exit code
 * to stop with (3 or 4), or -1 when the prefix is marked already, with the
 * reason: skipped when it cannot be built, or when its kernel failed under
 * a workload; bad when its kernel failed under a check.
 */
static int round_of(struct bisect *bs, int k, int r, char *why)
{
	enum fl_round got;

	if (r > bs->rounds[k])
		say(bs, "prefix %d (%s): round %d", k, patch(bs, k), r);
	got = fl_bisect_round(&bs->run, k, r, why, WHY_LEN);
	switch (got) {
	case FL_ROUND_DONE:
		if (r > bs->rounds[k])
			bs->rounds[k] = r;
		return 0;
	case FL_ROUND_KERNEL_FAILED:
		bs->b->mark[k] = bs->run.stress ? FL_BS_BAD : FL_BS_SKIP;
		set_why(bs, k, why);
		say(bs, "prefix %d: the kernel failed: %s", k, why);
		return -1;
	case FL_ROUND_UNBUILDABLE:
		bs->b->mark[k] = FL_BS_SKIP;
		set_why(bs, k, why);
		say(bs, "prefix %d: cannot be built: %s", k, why);
		return -1;
	case FL_ROUND_INTERRUPTED:
		return FL_EXIT_INTERRUPTED;
	default:
		fl_err("bisect: prefix %d: %s", k, why);
		return FL_EXIT_RESOURCE;
	}
}

static bool more_rounds(const struct bisect *bs, int k)
{
	return (bs->rounds[k] + 1) * bs->o.repeat <= bs->o.max_repeat;
}

/* A check's verdict at prefix @k. */
static int judge_stress(struct bisect *bs, int k)
{
	char why[WHY_LEN], files[PATH_MAX];
	int ret = round_of(bs, k, 1, why), call;

	if (ret)
		return ret > 0 ? ret : 0;
	fl_bisect_round_files(&bs->run, k, 1, files, sizeof(files));
	call = fl_bisect_judge_stress(files, why, sizeof(why));
	if (call < 0) {
		fl_err("bisect: prefix %d: %s", k, why);
		return FL_EXIT_RESOURCE;
	}
	bs->b->mark[k] = call == FL_CALL_BAD ? FL_BS_BAD :
			 call == FL_CALL_GOOD ? FL_BS_GOOD : FL_BS_SKIP;
	set_why(bs, k, why);
	say(bs, "prefix %d (%s): %s: %s", k, patch(bs, k), fl_bisect_mark_name(bs->b->mark[k]),
	    *why ? why : "every check passed");
	return 0;
}

/* Too noisy: the answer is "more repetitions", never a guess. */
static int too_noisy(struct bisect *bs, int k, const char *why)
{
	say(bs, "prefix %d (%s): too noisy after %d repetitions: %s", k, patch(bs, k),
	    bs->rounds[k] * (int)bs->o.repeat, why);
	fprintf(stdout, "undecided: prefix %d (%s) could not be called good or bad after %d "
		"repetitions (%s)\nrun again with a larger --max-repeat (now %llu) to resume "
		"with more\n", k, patch(bs, k), bs->rounds[k] * (int)bs->o.repeat, why,
		(unsigned long long)bs->o.max_repeat);
	write_doc(bs, json_pack("{s:s, s:i, s:s}", "status", "too_noisy", "prefix", k, "why", why));
	return FL_EXIT_UNTRUSTWORTHY;
}

/* The endpoints of a workload bisect: is there a regression to follow? */
static int judge_endpoints(struct bisect *bs)
{
	int good = bs->b->good, bad = bs->b->bad, ret;
	char why[WHY_LEN], gf[PATH_MAX * 4], bf[PATH_MAX * 4];

	for (int r = 1;; r++) {
		for (int k = good; k <= bad; k += bad - good) {
			ret = round_of(bs, k, r, why);
			if (ret)
				return ret > 0 ? ret : 0;
		}
		fl_bisect_judge_free(&bs->j);
		fl_bisect_round_files(&bs->run, good, r, gf, sizeof(gf));
		fl_bisect_round_files(&bs->run, bad, r, bf, sizeof(bf));
		ret = fl_bisect_signal(&bs->j, gf, bf, why, sizeof(why));
		if (ret < 0) {
			fl_err("bisect: %s", why);
			return FL_EXIT_RESOURCE;
		}
		set_why(bs, bad, why);
		if (ret == FL_CALL_BAD || ret == FL_CALL_GOOD) {
			bs->b->mark[good] = FL_BS_GOOD;
			bs->b->mark[bad] = ret == FL_CALL_BAD ? FL_BS_BAD : FL_BS_GOOD;
			say(bs, "prefix %d against prefix %d: %s", bad, good,
			    ret == FL_CALL_BAD ? why : "no regression");
			return 0;
		}
		if (ret == FL_CALL_SKIP) {
			fl_err("bisect: %s", why);
			return FL_EXIT_USAGE;
		}
		if (!more_rounds(bs, good) || !more_rounds(bs, bad))
			return too_noisy(bs, bad, why);
		say(bs, "endpoints: %s; another round", why);
	}
}

/* A workload at a prefix between the endpoints, round after round. */
static int judge_run(struct bisect *bs, int k)
{
	char why[WHY_LEN], gf[PATH_MAX * 4], bf[PATH_MAX * 4], sf[PATH_MAX * 4];
	int ret, call;

	for (int r = 1;; r++) {
		ret = round_of(bs, k, r, why);
		if (ret)
			return ret > 0 ? ret : 0;
		fl_bisect_round_files(&bs->run, bs->b->good, bs->rounds[bs->b->good], gf, sizeof(gf));
		fl_bisect_round_files(&bs->run, bs->b->bad, bs->rounds[bs->b->bad], bf, sizeof(bf));
		fl_bisect_round_files(&bs->run, k, r, sf, sizeof(sf));
		call = fl_bisect_judge_run(&bs->j, gf, bf, sf, why, sizeof(why));
		if (call < 0) {
			fl_err("bisect: %s", why);
			return FL_EXIT_RESOURCE;
		}
		set_why(bs, k, why);
		if (call != FL_CALL_UNDECIDED) {
			bs->b->mark[k] = call == FL_CALL_BAD ? FL_BS_BAD : FL_BS_GOOD;
			say(bs, "prefix %d (%s): %s: %s", k, patch(bs, k),
			    fl_bisect_call_name(call), why);
			return 0;
		}
		if (!more_rounds(bs, k))
			return too_noisy(bs, k, why);
		say(bs, "prefix %d: undecided: %s; another round", k, why);
	}
}

static int found(struct bisect *bs, int k)
{
	char why[WHY_LEN], before[PATH_MAX * 4], after[PATH_MAX * 4];
	int lo = k - 1;

	while (bs->b->mark[lo] != FL_BS_GOOD)
		lo--;
	if (bs->run.stress) {
		snprintf(why, sizeof(why), "%s; prefix %d passed", bs->why[k] ? bs->why[k] : "",
			 lo);
	} else {
		fl_bisect_round_files(&bs->run, lo, bs->rounds[lo], before, sizeof(before));
		fl_bisect_round_files(&bs->run, k, bs->rounds[k], after, sizeof(after));
		if (fl_bisect_evidence(&bs->j, before, after, why, sizeof(why)) < 0)
			fl_warn("bisect: evidence: %s", why);
	}
	printf("first bad patch: %d of %d, %s\n", k, bs->v->nr_patches, patch(bs, k));
	printf("  prefix %d is good and prefix %d bad, by %s\n", lo, k,
	       bs->run.stress ? "the check's verdict" : "compare's statistics");
	printf("  evidence (prefix %d against prefix %d): %s\n", k, lo, why);
	printf("  steps: %s, %s\n", bs->log_path, bs->doc_path);
	say(bs, "first bad patch: %d, %s: %s", k, patch(bs, k), why);
	write_doc(bs, json_pack("{s:s, s:{s:i, s:s}, s:i, s:s}", "status", "found",
				"first_bad", "prefix", k, "patch", patch(bs, k),
				"last_good", lo, "evidence", why));
	return FL_EXIT_OK;
}

static int finish(struct bisect *bs, const struct fl_bisect_state *st)
{
	char list[4096] = "";
	const char *w = bs->why[st->first] ? bs->why[st->first] : "";

	switch (st->end) {
	case FL_BE_FOUND:
		return found(bs, st->first);
	case FL_BE_AMBIGUOUS:
		for (int k = st->first; k <= st->last; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d (%s)",
				 *list ? ", " : "", k, patch(bs, k));
		printf("undecided: the first bad patch is one of %s: the prefixes between "
		       "could not be tested (see %s)\n", list, bs->log_path);
		write_doc(bs, json_pack("{s:s, s:[i, i]}", "status", "ambiguous", "range",
					st->first, st->last));
		return FL_EXIT_UNTRUSTWORTHY;
	case FL_BE_ENDPOINT_SKIPPED:
		fl_err("bisect: prefix %d, an endpoint, could not be tested: %s", st->first, w);
		write_doc(bs, json_pack("{s:s, s:i, s:s}", "status", "endpoint_untestable",
					"prefix", st->first, "why", w));
		return FL_EXIT_RESOURCE;
	default:
		printf("nothing to bisect: prefix %d, given as %s, is %s: %s\n", st->first,
		       st->end == FL_BE_GOOD_IS_BAD ? "good" : "bad",
		       st->end == FL_BE_GOOD_IS_BAD ? "bad" : "good", *w ? w : "as measured");
		write_doc(bs, json_pack("{s:s, s:i, s:s}", "status",
					st->end == FL_BE_GOOD_IS_BAD ? "good_is_bad" : "bad_is_good",
					"prefix", st->first, "why", w));
		return FL_EXIT_CHECK;
	}
}

static int bisect_loop(struct bisect *bs)
{
	struct fl_bisect_state st;
	int ret = 0;

	if (!bs->run.stress)
		ret = judge_endpoints(bs);
	while (!ret) {
		write_doc(bs, NULL);
		fl_bisect_state(bs->b, &st);
		if (st.end != FL_BE_NONE)
			return finish(bs, &st);
		if (st.next != bs->b->good && st.next != bs->b->bad)
			say(bs, "first bad patch in %d..%d; testing prefix %d", st.lo + 1,
			    st.hi, st.next);
		ret = bs->run.stress ? judge_stress(bs, st.next) : judge_run(bs, st.next);
	}
	if (ret == FL_EXIT_INTERRUPTED) {
		say(bs, "interrupted; the same command resumes from %s", bs->out);
		write_doc(bs, json_pack("{s:s}", "status", "interrupted"));
	} else if (ret == FL_EXIT_RESOURCE) {
		write_doc(bs, json_pack("{s:s}", "status", "failed"));
	}
	return ret;
}

/* The command after "--": run or stress, without the options bisect sets. */
static int check_command(struct bisect *bs, char *err, size_t len)
{
	char **cmd = (char **)bs->run.cmd;

	if (!bs->run.nr_cmd || (strcmp(cmd[0], "run") && strcmp(cmd[0], "stress"))) {
		fl_set_err(err, len, "after --, give run WORKLOAD [OPTIONS] or stress CHECK... [OPTIONS]");
		return -EINVAL;
	}
	bs->run.stress = !strcmp(cmd[0], "stress");
	if (!bs->run.stress && bs->run.nr_cmd < 2) {
		fl_set_err(err, len, "run needs a workload");
		return -EINVAL;
	}
	for (int i = 1; i < bs->run.nr_cmd; i++) {
		const char *a = cmd[i];

		if (!strcmp(a, "--out") || !strncmp(a, "--out=", 6) ||
		    (!bs->run.stress && (!strcmp(a, "--repeat") || !strncmp(a, "--repeat=", 9)))) {
			fl_set_err(err, len, "%s: bisect sets it (its --repeat, --max-repeat and --out)", a);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_variant(struct bisect *bs, char *err, size_t len)
{
	struct fl_variant *v = bs->v;

	if (v->source != FL_VSRC_TREE && v->source != FL_VSRC_TARBALL &&
	    v->source != FL_VSRC_DEB_SOURCE) {
		fl_set_err(err, len, "%s: a %s variant has no patch series to bisect (tree, tarball or deb-source)",
			   v->name, fl_variant_source_name(v->source));
		return -EINVAL;
	}
	if (!bs->o.bad)
		bs->o.bad = (uint64_t)v->nr_patches;
	if (bs->o.bad > (uint64_t)v->nr_patches || bs->o.good >= bs->o.bad) {
		fl_set_err(err, len, "%s has %d patches: need 0 <= --good (%llu) < --bad (%llu) <= %d",
			   v->name, v->nr_patches, (unsigned long long)bs->o.good,
			   (unsigned long long)bs->o.bad, v->nr_patches);
		return -EINVAL;
	}
	if (bs->o.max_repeat < bs->o.repeat) {
		fl_set_err(err, len, "--max-repeat (%llu) is below --repeat (%llu)",
			   (unsigned long long)bs->o.max_repeat, (unsigned long long)bs->o.repeat);
		return -EINVAL;
	}
	return 0;
}

/* What a bisect in --out must have been started with to be resumed. */
static int make_key(struct bisect *bs, char *err, size_t len)
{
	char key[33];
	json_t *cmd = json_array();
	int ret = fl_variant_cache_key(bs->v, key, err, len);

	if (ret)
		return ret;
	for (int i = 0; i < bs->run.nr_cmd; i++)
		json_array_append_new(cmd, json_string(bs->run.cmd[i]));
	bs->key = json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:f, s:f, s:f, s:s?}",
			    "variant", bs->v->name, "build_key", key,
			    "good", (json_int_t)bs->o.good, "bad", (json_int_t)bs->o.bad,
			    "command", cmd, "repeat", (json_int_t)bs->o.repeat,
			    "max_repeat", (json_int_t)bs->o.max_repeat,
			    "threshold", bs->o.threshold, "noise", bs->o.noise,
			    "confidence", bs->o.confidence, "metric", bs->o.metric);
	return bs->key ? 0 : -ENOMEM;
}

/*
 * --out: created, or a bisect of the same key to resume. --max-repeat may
 * grow between the two: that is how "too noisy" is answered.
 */
static int open_out(struct bisect *bs, char *err, size_t len)
{
	char abs[PATH_MAX];
	json_t *old;
	int ret;

	snprintf(bs->doc_path, sizeof(bs->doc_path), "%s/bisect.json", bs->out);
	snprintf(bs->log_path, sizeof(bs->log_path), "%s/bisect.log", bs->out);
	if (access(bs->out, F_OK)) {
		ret = fl_mkdir_p(bs->out, err, len);
		if (ret)
			return ret;
	} else if (!access(bs->doc_path, F_OK)) {
		json_t *was, *now = json_deep_copy(bs->key);

		old = json_load_file(bs->doc_path, 0, NULL);
		was = json_deep_copy(json_object_get(old, "key"));
		json_decref(old);
		json_object_del(was, "max_repeat");
		json_object_del(now, "max_repeat");
		ret = was && json_equal(was, now);
		json_decref(was);
		json_decref(now);
		if (!ret) {
			fl_set_err(err, len, "%s holds a bisect of other arguments (its key in %s differs); "
				   "give another --out or remove it", bs->out, bs->doc_path);
			return -EEXIST;
		}
	} else {
		fl_set_err(err, len, "%s exists and holds no bisect.json: give a new directory", bs->out);
		return -EEXIST;
	}
	/* Absolute: the step programs are free to change directory. */
	if (!realpath(bs->out, abs)) {
		fl_set_err(err, len, "%s: %s", bs->out, strerror(errno));
		return -errno;
	}
	snprintf(bs->out, sizeof(bs->out), "%s", abs);
	snprintf(bs->doc_path, sizeof(bs->doc_path), "%s/bisect.json", bs->out);
	snprintf(bs->log_path, sizeof(bs->log_path), "%s/bisect.log", bs->out);
	bs->log = fopen(bs->log_path, "ae");
	if (!bs->log) {
		fl_set_err(err, len, "%s: %s", bs->log_path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void bisect_free(struct bisect *bs)
{
	if (bs->why)
		for (int k = 0; bs->b && k <= bs->b->bad; k++)
			free(bs->why[k]);
	free(bs->why);
	free(bs->rounds);
	free(bs->b);
	fl_bisect_judge_free(&bs->j);
	json_decref(bs->key);
	json_decref(bs->doc);
	if (bs->log)
		fclose(bs->log);
	if (bs->v)
		fl_variant_free(bs->v);
}

static int setup(struct bisect *bs, int argc, char **argv, char *err, size_t len)
{
	struct fl_opt_set set = { bisect_options, &bs->o };
	const char *env = getenv("FAULTLINE_BISECT_STEP");
	char dir[PATH_MAX];
	int dash = 2, ret;

	while (dash < argc && strcmp(argv[dash], "--"))
		dash++;
	ret = fl_opt_defaults(&set, 1, err, len);
	ret = ret ?: fl_opt_parse(&set, 1, dash - 2, argv + 2, err, len);
	if (ret)
		return ret;
	if (dash >= argc) {
		fl_set_err(err, len, "no command: end the options with -- run WORKLOAD ... or -- stress CHECK ...");
		return -EINVAL;
	}
	bs->run.cmd = argv + dash + 1;
	bs->run.nr_cmd = argc - dash - 1;
	ret = check_command(bs, err, len);
	ret = ret ?: fl_variant_load(argv[1], &bs->v, err, len);
	ret = ret ?: check_variant(bs, err, len);
	ret = ret ?: make_key(bs, err, len);
	if (ret)
		return ret;
	if (bs->o.out)
		snprintf(bs->out, sizeof(bs->out), "%s", bs->o.out);
	else
		snprintf(bs->out, sizeof(bs->out), "results/bisect-%s-%llu-%llu", bs->v->name,
			 (unsigned long long)bs->o.good, (unsigned long long)bs->o.bad);
	if (env && *env)
		snprintf(bs->step_prog, sizeof(bs->step_prog), "%s", env);
	else
		snprintf(bs->step_prog, sizeof(bs->step_prog), "%s/bisect-step.sh",
			 fl_tree_dir("kernels", dir, sizeof(dir)));
	if (access(bs->step_prog, X_OK)) {
		fl_set_err(err, len, "the step program %s: %s", bs->step_prog, strerror(errno));
		return -ENOENT;
	}
	bs->run.out = bs->out;
	bs->run.prog = bs->step_prog;
	bs->run.v = bs->v;
	bs->run.repeat = (unsigned int)bs->o.repeat;
	bs->j.stats = (struct fl_stats_opts){ 0 };
	fl_stats_opts_default(&bs->j.stats);
	bs->j.stats.threshold_pct = bs->o.threshold;
	bs->j.stats.noise_pct = bs->o.noise;
	bs->j.stats.confidence = bs->o.confidence;
	bs->j.metric = bs->o.metric;
	bs->b = fl_bisect_new((int)bs->o.good, (int)bs->o.bad);
	bs->rounds = calloc(bs->o.bad + 1, sizeof(*bs->rounds));
	bs->why = calloc(bs->o.bad + 1, sizeof(*bs->why));
	if (!bs->b || !bs->rounds || !bs->why) {
		fl_set_err(err, len, "out of memory");
		return -ENOMEM;
	}
	return open_out(bs, err, len);
}

int cmd_bisect(int argc, char **argv)
{
	struct bisect bs = { .argc = argc, .argv = argv };
	char err[FL_ERR_LEN];
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FL_EXIT_USAGE : FL_EXIT_OK;
	}
	ret = setup(&bs, argc, argv, err, sizeof(err));
	if (ret == 1) {
		usage(stdout);
		ret = FL_EXIT_OK;
	} else if (ret) {
		fl_err("bisect: %s", err);
		ret = ret == -ENOENT && strstr(err, "step program") ? FL_EXIT_RESOURCE : FL_EXIT_USAGE;
	} else {
		fl_child_forward_stops(0);
		say(&bs, "%s, prefixes %llu (good) to %llu (bad) of %d patches, in %s", bs.v->name,
		    (unsigned long long)bs.o.good, (unsigned long long)bs.o.bad,
		    bs.v->nr_patches, bs.out);
		ret = bisect_loop(&bs);
	}
	bisect_free(&bs);
	return ret;
}
