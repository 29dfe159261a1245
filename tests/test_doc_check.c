// SPDX-License-Identifier: GPL-2.0
/*
 * Documents read from disk held to their bounds (base/doc_check.c): the
 * messages name the file, the field and the bound; the limits every
 * document has; loading from memory and from files that are not regular;
 * and the bounds are the schemas' own (results/schema*.json).
 */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/schema.h"
#include "harness.h"

static json_t *result_with(json_int_t threads)
{
	return json_pack("{s:s, s:s, s:[{s:I, s:f, s:[{s:i, s:i}]}]}", "schema",
			 FL_SCHEMA_RESULT, "variant", "host", "runs", "threads", threads,
			 "duration_s", 1.0, "nodes", "node", 0, "threads", 1);
}

/* fl_doc_check's verdict and message on @doc (which it takes). */
static int check(json_t *doc, const char *kind, char *err, size_t len)
{
	int ret = fl_doc_check(doc, kind, "r.json", err, len);

	json_decref(doc);
	return ret;
}

TEST(validate_documents_threads_int_max_named)
{
	char err[FL_ERR_LEN] = "";

	ASSERT_EQ(check(result_with(INT_MAX), NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: runs[0].threads = 2147483647: above 65536");
	ASSERT_EQ(check(result_with(0), NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: runs[0].threads = 0: below 1");
	EXPECT_EQ(check(result_with(65536), NULL, err, sizeof(err)), 0);
}

TEST(validate_documents_types_strings_arrays)
{
	char err[FL_ERR_LEN] = "", long_name[300];
	json_t *doc = result_with(2);

	json_object_set_new(json_array_get(json_object_get(doc, "runs"), 0), "threads",
			    json_real(2.5));
	ASSERT_EQ(check(doc, NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: runs[0].threads = 2.5: not an integer");

	doc = result_with(2);
	json_object_set_new(json_array_get(json_object_get(doc, "runs"), 0), "duration_s",
			    json_string("long"));
	ASSERT_EQ(check(doc, NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: runs[0].duration_s is a string, not a number");

	memset(long_name, 'v', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	doc = result_with(2);
	json_object_set_new(doc, "variant", json_string(long_name));
	ASSERT_EQ(check(doc, NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: variant is 299 bytes long: above 256");

	doc = json_pack("{s:s, s:[]}", "schema", FL_SCHEMA_MPI, "ranks");
	for (int i = 0; i <= 65536; i++)
		json_array_append_new(json_object_get(doc, "ranks"), json_null());
	ASSERT_EQ(check(doc, NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: ranks has 65537 elements: above 65536");

	/* A null is an absent value; an absent field is the schema's business. */
	doc = result_with(2);
	json_object_set_new(json_array_get(json_object_get(doc, "runs"), 0), "duration_s",
			    json_null());
	json_object_del(doc, "variant");
	EXPECT_EQ(check(doc, NULL, err, sizeof(err)), 0);
}

TEST(validate_documents_every_kind_and_any_document)
{
	char err[FL_ERR_LEN] = "";
	json_t *deep = json_array(), *a = deep;

	ASSERT_EQ(check(json_pack("{s:s, s:f, s:i}", "schema", FL_SCHEMA_STRESS,
				  "duration_s", 3.0, "faulters", 100000), NULL, err, sizeof(err)),
		  -ERANGE);
	EXPECT_STREQ(err, "r.json: faulters = 100000: above 65536");
	ASSERT_EQ(check(json_pack("{s:i}", "threads", 99999999), FL_DOC_HISTORY_LINE, err,
			sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: threads = 99999999: above 65536");
	ASSERT_EQ(check(json_pack("{s:s, s:[{s:i}]}", "schema", FL_SCHEMA_COMPARE, "metrics",
				  "threads", -1), NULL, err, sizeof(err)), -ERANGE);
	EXPECT_STREQ(err, "r.json: metrics[0].threads = -1: below 0");
	/* Nesting beyond the limit, whatever the kind (here: none). */
	for (int i = 0; i < FL_DOC_MAX_DEPTH + 2; i++) {
		json_t *in = json_array();

		json_array_append_new(a, in);
		a = in;
	}
	ASSERT_EQ(check(deep, NULL, err, sizeof(err)), -ERANGE);
	EXPECT_TRUE(strstr(err, ": nested deeper than 32 levels") != NULL);
}

TEST(validate_documents_from_memory_and_files)
{
	char err[FL_ERR_LEN] = "", dir[] = "/tmp/fl-test-doc.XXXXXX", path[PATH_MAX];
	static const char doc_text[] = "{\"schema\": \"faultline-result/1\", \"runs\": [{\"threads\": 2147483647}]}";
	json_t *doc = (json_t *)1;

	ASSERT_EQ(fl_doc_loadb(doc_text, strlen(doc_text), "mem", &doc, err, sizeof(err)), -ERANGE);
	EXPECT_TRUE(doc == NULL);
	EXPECT_STREQ(err, "mem: runs[0].threads = 2147483647: above 65536");
	ASSERT_EQ(fl_doc_loadb("{\"a\":", 5, "mem", &doc, err, sizeof(err)), -EINVAL);
	EXPECT_TRUE(strstr(err, "mem:1: not JSON: ") == err);
	ASSERT_EQ(fl_doc_loadb("{\"a\": 1}", 8, "mem", &doc, err, sizeof(err)), 0);
	json_decref(doc);

	/* A FIFO is refused at once, not read from (nobody would write). */
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	ASSERT_EQ(mkfifo(path, 0600), 0);
	EXPECT_EQ(fl_doc_load(path, &doc, err, sizeof(err)), -EINVAL);
	EXPECT_TRUE(strstr(err, ": not a regular file") != NULL);
	unlink(path);
	EXPECT_EQ(fl_doc_load(path, &doc, err, sizeof(err)), -ENOENT);
	rmdir(dir);
}

/* The schema node a rule's path reaches: $ref followed, a non-null oneOf taken. */
static json_t *resolve(json_t *root, json_t *node)
{
	for (int hops = 0; node && hops < 16; hops++) {
		const char *ref = json_string_value(json_object_get(node, "$ref"));
		json_t *alts = json_object_get(node, "oneOf"), *alt;
		size_t i;

		if (ref && !strncmp(ref, "#/$defs/", 8)) {
			node = json_object_get(json_object_get(root, "$defs"), ref + 8);
			continue;
		}
		if (!alts)
			return node;
		node = NULL;
		json_array_foreach(alts, i, alt) {
			const char *type = json_string_value(json_object_get(alt, "type"));

			if (!node && !(type && !strcmp(type, "null")))
				node = alt;
		}
	}
	return node;
}

static json_t *schema_at(json_t *root, const char *path)
{
	json_t *node = resolve(root, root);
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *seg = strtok_r(buf, ".", &save); seg && node; seg = strtok_r(NULL, ".", &save)) {
		char *arr = strstr(seg, "[]");

		if (arr)
			*arr = '\0';
		if (*seg)
			node = resolve(root, json_object_get(json_object_get(node, "properties"), seg));
		if (arr && node)
			node = resolve(root, json_object_get(node, "items"));
	}
	return node;
}

/*
 * Each rule's maximum is its schema's maximum, maxLength or maxItems, and
 * a lower bound the rule sets is the schema's too: the loaders refuse
 * what `validate` (tests/validate-result.py) refuses.
 */
TEST(validate_documents_bounds_are_the_schemas)
{
	static const struct { const char *kind, *file; } schemas[] = {
		{ FL_SCHEMA_RESULT, "schema.json" },
		{ FL_SCHEMA_STRESS, "stress-schema.json" },
		{ FL_SCHEMA_MPI, "mpi-schema.json" },
	};
	const char *tests = getenv("FL_TESTS") ?: "tests";

	for (size_t k = 0; k < ARRAY_SIZE(schemas); k++) {
		char path[PATH_MAX];
		json_t *root;
		size_t nr;
		const struct fl_doc_rule *rules = fl_doc_rules(schemas[k].kind, &nr);

		snprintf(path, sizeof(path), "%s/../results/%s", tests, schemas[k].file);
		root = json_load_file(path, 0, NULL);
		ASSERT_TRUE(root != NULL);
		EXPECT_TRUE(nr > 0);
		for (size_t i = 0; i < nr; i++) {
			static const char *const max_kw[] = { "maximum", "maximum", "maxLength", "maxItems" };
			static const char *const min_kw[] = { "minimum", "minimum", "minLength", "minItems" };
			json_t *at = schema_at(root, rules[i].path);
			double max = json_number_value(json_object_get(at, max_kw[rules[i].type]));
			double min = json_number_value(json_object_get(at, min_kw[rules[i].type]));

			if (!at || max != rules[i].max || (rules[i].min != 0 && min != rules[i].min))
				TH_LOG("%s: %s: schema has %s %g, %s %g; the rule %g..%g",
				       schemas[k].file, rules[i].path, min_kw[rules[i].type], min,
				       max_kw[rules[i].type], max, rules[i].min, rules[i].max);
			EXPECT_TRUE(at && max == rules[i].max);
			EXPECT_TRUE(rules[i].min == 0 || min == rules[i].min);
		}
		json_decref(root);
	}
}

TEST_HARNESS_MAIN
