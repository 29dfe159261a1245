// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel variant files: the shipped variants parse, every bad input is
 * reported as FILE:LINE: problem, defaults, NUMA node partitions, patch
 * order, and the build cache key (which inputs change it and which not).
 */
#define _GNU_SOURCE	/* nftw */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>

#include "base/faultline.h"
#include "variant/variant.h"
#include "harness.h"

static char tmp[64];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void rm_tmp(void)
{
	if (tmp[0])
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch directory for this test, removed when the test exits. */
static void mk_tmp(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/fl-variant-test.XXXXXX");
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	atexit(rm_tmp);
}

static const char *tpath(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, rel);
	return buf[i];
}

static void put(const char *rel, const char *text)
{
	FILE *f = fopen(tpath(rel), "w");

	ASSERT_TRUE(f != NULL);
	fputs(text, f);
	ASSERT_EQ(fclose(f), 0);
}

/* The files a variant under test may refer to. */
static void put_inputs(void)
{
	put("p1.patch", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
	put("p2.patch", "--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n");
	put("frag.config", "# fragment\nCONFIG_NUMA=y\n\n# CONFIG_FOO is not set\n");
	put("bad.config", "CONFIG_NUMA=y\nFOO=y\n");
	ASSERT_EQ(mkdir(tpath("dir"), 0755), 0);
}

static struct fl_variant *load_ok(const char *path)
{
	struct fl_variant *v = NULL;
	char err[FL_ERR_LEN] = "";
	int ret = fl_variant_load(path, &v, err, sizeof(err));

	if (ret)
		TH_LOG("load %s: %d: %s", path, ret, err);
	ASSERT_EQ(ret, 0);
	ASSERT_TRUE(v != NULL);
	return v;
}

static void key_of(const char *path, char key[33])
{
	struct fl_variant *v = load_ok(path);
	char err[FL_ERR_LEN] = "";
	int ret = fl_variant_cache_key(v, key, err, sizeof(err));

	if (ret)
		TH_LOG("key %s: %s", path, err);
	ASSERT_EQ(ret, 0);
	fl_variant_free(v);
}

/* The repository's kernels/ directory (run-tests sets FL_TESTS). */
static const char *shipped(const char *file)
{
	static char buf[PATH_MAX];
	const char *t = getenv("FL_TESTS");

	snprintf(buf, sizeof(buf), "%s%skernels/%s", t ? t : "", t ? "/../" : "",
		 file);
	return buf;
}

TEST(shipped_variants_parse)
{
	struct fl_variant *v;

	v = load_ok(shipped("host.variant"));
	EXPECT_STREQ(v->name, "host");
	EXPECT_EQ(v->source, FL_VSRC_HOST);
	EXPECT_EQ(v->accel, FL_ACCEL_NATIVE);
	EXPECT_EQ(v->nr_nodes, 0);
	EXPECT_EQ(v->cpus, 0);
	fl_variant_free(v);

	v = load_ok(shipped("debian-6.1.variant"));
	EXPECT_STREQ(v->name, "debian-6.1");
	EXPECT_EQ(v->source, FL_VSRC_DEB);
	EXPECT_STREQ(v->package, "linux-image-6.1.0-50-cloud-amd64-unsigned");
	EXPECT_TRUE(v->version == NULL);
	EXPECT_EQ(v->cpus, 2);
	EXPECT_EQ(v->memory, 2ull << 30);
	ASSERT_EQ(v->nr_nodes, 2);
	EXPECT_STREQ(v->nodes[0].cpulist, "0");
	EXPECT_STREQ(v->nodes[1].cpulist, "1");
	EXPECT_EQ(v->nodes[0].memory, 1ull << 30);
	EXPECT_EQ(v->nodes[1].memory, 1ull << 30);
	EXPECT_EQ(v->accel, FL_ACCEL_TCG);
	EXPECT_EQ(v->timeout, 300);
	EXPECT_EQ(v->nr_patches, 0);
	fl_variant_free(v);

	v = load_ok(shipped("debian-6.1-rt.variant"));
	EXPECT_STREQ(v->name, "debian-6.1-rt");
	EXPECT_EQ(v->source, FL_VSRC_DEB);
	EXPECT_TRUE(strstr(v->package, "-rt-amd64") != NULL);
	EXPECT_EQ(v->nr_nodes, 2);
	fl_variant_free(v);

	v = load_ok(shipped("example-src.variant"));
	EXPECT_STREQ(v->name, "example-src");
	EXPECT_EQ(v->source, FL_VSRC_DEB_SOURCE);
	EXPECT_STREQ(v->package, "linux-source-6.1");
	ASSERT_EQ(v->nr_patches, 2);
	EXPECT_TRUE(strstr(v->patches[0], "/kernels/patches/example/0001-") != NULL);
	EXPECT_TRUE(strstr(v->patches[1], "/kernels/patches/example/0002-") != NULL);
	EXPECT_TRUE(v->patches[0][0] == '/' && v->patches[1][0] == '/');
	ASSERT_TRUE(v->config != NULL);
	EXPECT_TRUE(strstr(v->config, "/kernels/example-src.config") != NULL);
	fl_variant_free(v);
}

/* A bare name finds kernels/NAME.variant; an unknown one names itself. */
TEST(load_by_name)
{
	char dir[PATH_MAX], err[FL_ERR_LEN] = "";
	struct fl_variant *v = NULL;

	snprintf(dir, sizeof(dir), "%s", shipped(""));
	ASSERT_EQ(chdir(dir), 0);
	ASSERT_EQ(chdir(".."), 0);
	v = load_ok("debian-6.1");
	EXPECT_STREQ(v->name, "debian-6.1");
	fl_variant_free(v);
	v = NULL;
	ASSERT_EQ(fl_variant_load("no-such-kernel", &v, err, sizeof(err)), -ENOENT);
	EXPECT_TRUE(v == NULL);
	EXPECT_TRUE(strstr(err, "variant \"no-such-kernel\": no ") != NULL);
	EXPECT_TRUE(strstr(err, "no-such-kernel.variant") != NULL);
}

#define M "name = v\nsource = deb linux-image-x\ncpus = 2\nmemory = 2G\n"
#define S "name = v\nsource = deb-source linux-source-6.1\ncpus = 2\nmemory = 2G\n"

static const struct bad_case {
	const char *text;
	int line;
	const char *problem;
} bad_cases[] = {
	{ "name = v\nsource = host\nfoo = 1\n", 3, "unknown key \"foo\"" },
	{ "name = v\nname = v\nsource = host\n", 2, "duplicate name (already set on line 1)" },
	{ "name = v\nsource = host\n\nsource = host\n", 4, "duplicate source (already set on line 2)" },
	{ "source = host\n", 0, "missing name" },
	{ "# only a comment\nname = v\n", 0, "missing source" },
	{ "name = w\nsource = host\n", 1, "name \"w\" does not match the file name v.variant" },
	{ "name = V1\nsource = host\n", 1, "name \"V1\": use a-z" },
	{ "name = v\njunk line\n", 2, "expected KEY = VALUE, got \"junk line\"" },
	{ "name = v\n = x\n", 2, "no key before '='" },
	{ "name = v\ndescription =\n", 2, "description has no value" },
	{ "name = v\nsource = host\ncpus = 2\n", 3, "cpus describes a VM; source host runs natively" },
	{ "name = v\nsource = host\n\n# c\naccel = kvm\n", 5, "accel describes a VM" },
	{ "name = v\nsource = host\ntimeout = 9\nnode = cpus=0 memory=1G\n", 3, "timeout describes a VM" },
	{ "name = v\nsource = deb linux-image-x\nmemory = 1G\n", 0, "missing cpus" },
	{ "name = v\nsource = deb linux-image-x\ncpus = 1\n", 0, "missing memory" },
	{ "name = v\nsource = deb linux-image-x\ncpus = two\n", 3, "cpus \"two\": not a whole number" },
	{ "name = v\nsource = deb linux-image-x\ncpus = 0\n", 3, "cpus 0: out of range (1-256)" },
	{ "name = v\nsource = deb linux-image-x\ncpus = 257\n", 3, "cpus 257: out of range" },
	{ "name = v\nsource = deb linux-image-x\ncpus = -1\n", 3, "not a whole number" },
	{ "name = v\nsource = deb linux-image-x\nmemory = 2Q\n", 3, "memory \"2Q\": not a size" },
	{ "name = v\nsource = deb linux-image-x\nmemory = 1000\n", 3, "memory 1000: not a whole number of MiB" },
	{ M "node = cpus=0-1 memory=1G\nnode = cpus=1 memory=1G\n", 6,
	  "node 1 has CPU 1, already in node 0 (line 5)" },
	{ "name = v\nsource = deb linux-image-x\ncpus = 3\nmemory = 2G\n"
	  "node = cpus=0 memory=1G\nnode = cpus=1 memory=1G\n", 3, "CPU 2 is in no node" },
	{ M "node = cpus=0-2 memory=1G\nnode = cpus=3 memory=1G\n", 5,
	  "node 0 has CPU 2, beyond cpus = 2 (CPUs 0-1)" },
	{ M "node = cpus=0 memory=1G\nnode = cpus=1 memory=512M\n", 4,
	  "the nodes' memory sums to 1536M, not memory = 2G" },
	{ M "node = cpus=0 mem=1G\n", 5, "unknown node field \"mem=1G\"" },
	{ M "node = cpus=0-1\n", 5, "node needs memory=" },
	{ M "node = memory=2G\n", 5, "node needs cpus=" },
	{ M "node = cpus=0 cpus=1 memory=2G\n", 5, "node: cpus= given twice" },
	{ M "node = cpus=1-0 memory=2G\n", 5, "range 1-0 is backwards" },
	{ M "node = cpus=0,0-1 memory=2G\n", 5, "CPU 0 is listed twice" },
	{ M "node = cpus=a memory=2G\n", 5, "node cpus=a: not a CPU list" },
	{ M "node = cpus=0-1 memory=2X\n", 5, "node memory \"2X\": not a size" },
	{ M "node = cpus=0-300 memory=2G\n", 5, "CPU 300 is out of range" },
	{ M "patch = p1.patch\n", 5, "patch needs a source build (source tree, tarball or deb-source), not source deb" },
	{ "name = v\nsource = host\nconfig = frag.config\n", 3, "config needs a source build" },
	{ S "patch = nope.patch\n", 5, "patch nope.patch (" },
	{ S "patch = nope.patch\n", 5, "/nope.patch): No such file or directory" },
	{ S "patch = dir\n", 5, "patch dir: not a regular file" },
	{ S "patch = p1.patch\npatch = p2.patch\npatch = ./p1.patch\n", 7,
	  "patch ./p1.patch is already listed on line 5" },
	{ S "config = nope.config\n", 5, "config nope.config (" },
	{ S "config = bad.config\n", 5, "config bad.config:2: not CONFIG_NAME=VALUE" },
	{ S "config = frag.config\nconfig = frag.config\n", 6, "duplicate config" },
	{ M "accel = xen\n", 5, "accel \"xen\": expected auto, kvm or tcg" },
	{ M "accel = native\n", 5, "accel \"native\": expected auto, kvm or tcg" },
	{ M "timeout = 0\n", 5, "timeout 0: out of range (1-86400)" },
	{ M "cmdline = a\tb\n", 5, "cmdline has a control character" },
	{ "name = v\nsource = floppy a\n", 2, "unknown source kind \"floppy\"" },
	{ "name = v\nsource = deb\n", 2, "source deb: expected \"deb PACKAGE[=VERSION]\"" },
	{ "name = v\nsource = deb a b\n", 2, "source deb: expected" },
	{ "name = v\nsource = host now\n", 2, "source host: expected \"host\"" },
	{ "name = v\nsource = deb Linux_Image\n", 2, "source deb Linux_Image: not a Debian package name" },
	{ "name = v\nsource = deb-source linux-source-6.1=abc\n", 2, "\"abc\" is not a Debian version" },
	{ "name = v\nsource = image nope\n", 2, "image nope (" },
	{ "name = v\nsource = image p1.patch mods=dir\n", 2, "\"mods=dir\" is not modules=DIR" },
	{ "name = v\nsource = image p1.patch modules=p2.patch\n", 2, "modules p2.patch: not a directory" },
	{ "name = v\nsource = tree p1.patch\n", 2, "tree p1.patch: not a directory" },
	{ "name = v\nsource = tarball dir\n", 2, "tarball dir: not a regular file" },
	/* fuzz_variant: `variant show` said "out of memory" (exit 3) here. */
	{ "name = v\ndescription = caf\xe9\n", 2, "description is not UTF-8 text" },
	{ M "cmdline = a=\xff\n", 5, "cmdline is not UTF-8 text" },
};

/* Every bad input fails with exactly "FILE:LINE: " and the problem. */
TEST(bad_inputs_name_file_line_and_problem)
{
	char err[FL_ERR_LEN], prefix[PATH_MAX + 32];

	mk_tmp();
	put_inputs();
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct fl_variant *v = (struct fl_variant *)1;
		int ret;

		put("v.variant", c->text);
		err[0] = '\0';
		ret = fl_variant_load(tpath("v.variant"), &v, err, sizeof(err));
		snprintf(prefix, sizeof(prefix), "%s:%d: ", tpath("v.variant"), c->line);
		if (!ret || v || strncmp(err, prefix, strlen(prefix)) ||
		    !strstr(err, c->problem)) {
			TH_LOG("case %zu: ret %d; want \"%s...%s\"; got \"%s\"", i, ret,
			       prefix, c->problem, err);
			fl_test_failed_expect = 1;
		}
		if (!ret)
			fl_variant_free(v);
	}
}

TEST(unreadable_file_is_line_zero)
{
	struct fl_variant *v;
	char err[FL_ERR_LEN];

	mk_tmp();
	ASSERT_EQ(fl_variant_load(tpath("none.variant"), &v, err, sizeof(err)),
		  -ENOENT);
	EXPECT_TRUE(strstr(err, ":0: cannot read: No such file or directory") != NULL);
}

TEST(cmdline_length_is_bounded)
{
	char text[4096], err[FL_ERR_LEN];
	struct fl_variant *v;
	size_t room = FL_VARIANT_CMDLINE_SIZE - sizeof(FL_VARIANT_BOOT_ARGS) - 1;
	int n;

	mk_tmp();
	n = snprintf(text, sizeof(text), M "cmdline = ");
	memset(text + n, 'x', room);
	snprintf(text + n + room, sizeof(text) - (size_t)n - room, "\n");
	put("v.variant", text);
	v = load_ok(tpath("v.variant"));
	EXPECT_EQ(strlen(v->cmdline), room);
	fl_variant_free(v);
	snprintf(text + n + room, sizeof(text) - (size_t)n - room, "y\n");
	put("v.variant", text);
	ASSERT_EQ(fl_variant_load(tpath("v.variant"), &v, err, sizeof(err)), -EINVAL);
	EXPECT_TRUE(strstr(err, "v.variant:5: cmdline is ") != NULL);
}

TEST(defaults)
{
	struct fl_variant *v;

	mk_tmp();
	put("v.variant", "name = v\nsource = deb linux-image-x\ncpus = 4\nmemory = 3G\n");
	v = load_ok(tpath("v.variant"));
	EXPECT_EQ(v->accel, FL_ACCEL_AUTO);
	EXPECT_EQ(v->timeout, FL_VARIANT_DEF_TIMEOUT);
	EXPECT_EQ(v->timeout, 300);
	EXPECT_STREQ(v->cmdline, "");
	EXPECT_STREQ(v->description, "");
	ASSERT_EQ(v->nr_nodes, 1);
	EXPECT_STREQ(v->nodes[0].cpulist, "0-3");
	EXPECT_EQ(v->nodes[0].memory, 3ull << 30);
	EXPECT_TRUE(v->config == NULL);
	EXPECT_EQ(v->nr_patches, 0);
	fl_variant_free(v);
}

/* Comments, blank lines, CRLF, white space around '=' and a '#' in a value. */
TEST(syntax_tolerances)
{
	struct fl_variant *v;

	mk_tmp();
	put("v.variant", "# header\r\n\r\n  name=v\r\n\tdescription =  issue #6 kernels  \r\n"
	    "source\t=\tdeb  linux-image-x=6.1.176-1\r\ncpus = 1\nmemory = 512M\n"
	    "cmdline = mitigations=off numa_balancing=disable\n   # indented comment\n");
	v = load_ok(tpath("v.variant"));
	EXPECT_STREQ(v->description, "issue #6 kernels");
	EXPECT_STREQ(v->package, "linux-image-x");
	EXPECT_STREQ(v->version, "6.1.176-1");
	EXPECT_STREQ(v->source_spec, "deb linux-image-x=6.1.176-1");
	EXPECT_STREQ(v->cmdline, "mitigations=off numa_balancing=disable");
	EXPECT_EQ(v->memory, 512ull << 20);
	fl_variant_free(v);
}

TEST(node_partitions)
{
	struct fl_variant *v;

	mk_tmp();
	/* Interleaved CPU lists, mixed units, fields in either order. */
	put("v.variant", "name = v\nsource = deb linux-image-x\ncpus = 6\nmemory = 3G\n"
	    "node = cpus=0,2,4 memory=1024M\nnode = memory=1G cpus=1,3\n"
	    "node = cpus=5 memory=1048576K\n");
	v = load_ok(tpath("v.variant"));
	ASSERT_EQ(v->nr_nodes, 3);
	EXPECT_STREQ(v->nodes[0].cpulist, "0,2,4");
	EXPECT_STREQ(v->nodes[1].cpulist, "1,3");
	EXPECT_STREQ(v->nodes[2].cpulist, "5");
	EXPECT_EQ(v->nodes[2].memory, 1ull << 30);
	EXPECT_EQ(v->nodes[1].line, 6);
	fl_variant_free(v);

	/* Ranges are canonicalised; node lines may come before cpus/memory. */
	put("v.variant", "name = v\nsource = deb linux-image-x\n"
	    "node = cpus=3,0-1,2 memory=1G\nnode = cpus=4-7 memory=1G\n"
	    "cpus = 8\nmemory = 2G\n");
	v = load_ok(tpath("v.variant"));
	ASSERT_EQ(v->nr_nodes, 2);
	EXPECT_STREQ(v->nodes[0].cpulist, "0-3");
	EXPECT_STREQ(v->nodes[1].cpulist, "4-7");
	fl_variant_free(v);
}

TEST(patch_order_and_relative_paths)
{
	struct fl_variant *v;
	char want[PATH_MAX];

	mk_tmp();
	put_inputs();
	ASSERT_EQ(mkdir(tpath("sub"), 0755), 0);
	put("sub/p0.patch", "x\n");
	put("v.variant", S "patch = p2.patch\npatch = sub/p0.patch\npatch = p1.patch\n"
	    "config = frag.config\n");
	/* Relative to the variant file's directory, not the working one. */
	ASSERT_EQ(chdir("/"), 0);
	v = load_ok(tpath("v.variant"));
	ASSERT_EQ(v->nr_patches, 3);
	ASSERT_TRUE(realpath(tpath("p2.patch"), want) != NULL);
	EXPECT_STREQ(v->patches[0], want);
	ASSERT_TRUE(realpath(tpath("sub/p0.patch"), want) != NULL);
	EXPECT_STREQ(v->patches[1], want);
	ASSERT_TRUE(realpath(tpath("p1.patch"), want) != NULL);
	EXPECT_STREQ(v->patches[2], want);
	ASSERT_TRUE(realpath(tpath("frag.config"), want) != NULL);
	EXPECT_STREQ(v->config, want);
	fl_variant_free(v);
}

TEST(json_has_everything)
{
	struct fl_variant *v;
	json_t *j, *nodes;

	v = load_ok(shipped("example-src.variant"));
	j = fl_variant_json(v);
	ASSERT_TRUE(j != NULL);
	EXPECT_STREQ(json_string_value(json_object_get(j, "name")), "example-src");
	EXPECT_STREQ(json_string_value(json_object_get(json_object_get(j, "source"),
						       "kind")), "deb-source");
	EXPECT_STREQ(json_string_value(json_object_get(json_object_get(j, "source"),
						       "package")), "linux-source-6.1");
	EXPECT_EQ(json_array_size(json_object_get(j, "patches")), 2);
	EXPECT_EQ(json_string_value(json_object_get(j, "config"))[0], '/');
	EXPECT_EQ(json_string_value(json_object_get(j, "file"))[0], '/');
	nodes = json_object_get(j, "nodes");
	ASSERT_EQ(json_array_size(nodes), 2);
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(nodes, 1), "cpus")), "1");
	EXPECT_EQ(json_integer_value(json_object_get(json_array_get(nodes, 1), "memory")),
		  1ll << 30);
	EXPECT_EQ(json_integer_value(json_object_get(j, "memory")), 2ll << 30);
	EXPECT_STREQ(json_string_value(json_object_get(j, "accel")), "tcg");
	EXPECT_EQ(json_integer_value(json_object_get(j, "timeout")), 300);
	json_decref(j);
	fl_variant_free(v);

	v = load_ok(shipped("host.variant"));
	j = fl_variant_json(v);
	ASSERT_TRUE(j != NULL);
	EXPECT_STREQ(json_string_value(json_object_get(j, "accel")), "native");
	EXPECT_TRUE(json_object_get(j, "nodes") == NULL);
	EXPECT_TRUE(json_is_null(json_object_get(j, "config")));
	json_decref(j);
	fl_variant_free(v);
}

/*
 * fl_variant_parse (a buffer, what fuzz_variant feeds) is the file
 * parser: the same variant and the same FILE:LINE errors as from disk.
 */
TEST(parse_from_memory_is_the_file_parser)
{
	static const char *const files[] = {
		"host.variant", "debian-6.1.variant", "example-src.variant",
	};
	char err[FL_ERR_LEN], err2[FL_ERR_LEN], real[PATH_MAX], *text;
	struct fl_variant *v, *m;
	json_t *a, *b;
	size_t n;
	FILE *f;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		v = load_ok(shipped(files[i]));
		ASSERT_TRUE(realpath(shipped(files[i]), real) != NULL);
		f = fopen(real, "r");
		ASSERT_TRUE(f != NULL);
		text = malloc(65536);
		ASSERT_TRUE(text != NULL);
		n = fread(text, 1, 65536, f);
		fclose(f);
		ASSERT_EQ(fl_variant_parse(real, text, n, &m, err, sizeof(err)), 0);
		a = fl_variant_json(v);
		b = fl_variant_json(m);
		EXPECT_TRUE(json_equal(a, b));
		json_decref(a);
		json_decref(b);
		fl_variant_free(m);
		fl_variant_free(v);
		free(text);
	}

	mk_tmp();
	text = "name = y\nsource = host\n";
	put("x.variant", text);
	EXPECT_EQ(fl_variant_load(tpath("x.variant"), &v, err, sizeof(err)), -EINVAL);
	EXPECT_EQ(fl_variant_parse(tpath("x.variant"), text, strlen(text), &m, err2,
				   sizeof(err2)), -EINVAL);
	EXPECT_TRUE(m == NULL);
	EXPECT_STREQ(err2, err);
	EXPECT_TRUE(strstr(err2, "x.variant:1: name \"y\" does not match") != NULL);
	EXPECT_EQ(fl_variant_parse(tpath("x.variant"), "name = x\n\0", 10, &m, err,
				   sizeof(err)), -EINVAL);
	EXPECT_TRUE(strstr(err, "x.variant:2: NUL byte") != NULL);
	EXPECT_EQ(fl_variant_parse(tpath("x.variant"), "", 0, &m, err, sizeof(err)),
		  -EINVAL);
	EXPECT_TRUE(strstr(err, "x.variant:0: missing name") != NULL);
}

static const char *base_src =
	S "patch = p1.patch\npatch = p2.patch\nconfig = frag.config\n";

TEST(cache_key_stable_and_hex)
{
	char k1[33], k2[33];

	mk_tmp();
	put_inputs();
	put("v.variant", base_src);
	key_of(tpath("v.variant"), k1);
	key_of(tpath("v.variant"), k2);
	EXPECT_STREQ(k1, k2);
	EXPECT_EQ(strlen(k1), 32);
	EXPECT_EQ(strspn(k1, "0123456789abcdef"), 32);
}

TEST(cache_key_follows_every_build_input)
{
	char base[33], k[33];

	mk_tmp();
	put_inputs();
	put("v.variant", base_src);
	key_of(tpath("v.variant"), base);

	/* One byte of one patch. */
	put("p2.patch", "--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+e\n");
	key_of(tpath("v.variant"), k);
	EXPECT_TRUE(strcmp(k, base) != 0);
	put("p2.patch", "--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n");
	key_of(tpath("v.variant"), k);
	EXPECT_STREQ(k, base);

	/* The same patches in the other order. */
	put("v.variant", S "patch = p2.patch\npatch = p1.patch\nconfig = frag.config\n");
	key_of(tpath("v.variant"), k);
	EXPECT_TRUE(strcmp(k, base) != 0);

	/* A patch fewer. */
	put("v.variant", S "patch = p1.patch\nconfig = frag.config\n");
	key_of(tpath("v.variant"), k);
	EXPECT_TRUE(strcmp(k, base) != 0);

	/* The fragment's bytes, and no fragment at all. */
	put("v.variant", base_src);
	put("frag.config", "CONFIG_NUMA=n\n");
	key_of(tpath("v.variant"), k);
	EXPECT_TRUE(strcmp(k, base) != 0);
	put("v.variant", S "patch = p1.patch\npatch = p2.patch\n");
	key_of(tpath("v.variant"), k);
	EXPECT_TRUE(strcmp(k, base) != 0);

	/* The source package and a pinned version. */
	put("frag.config", "# fragment\nCONFIG_NUMA=y\n\n# CONFIG_FOO is not set\n");
	put("v.variant", "name = v\nsource = deb-source linux-source-6.1=6.1.192-2\n"
	    "cpus = 2\nmemory = 2G\npatch = p1.patch\npatch = p2.patch\nconfig = frag.config\n");
	key_of(tpath("v.variant"), k);
	EXPECT_TRUE(strcmp(k, base) != 0);
	put("v.variant", base_src);
	key_of(tpath("v.variant"), k);
	EXPECT_STREQ(k, base);
}

/* Machine keys, description and name do not change the kernel. */
TEST(cache_key_ignores_the_machine)
{
	char base[33], k[33];

	mk_tmp();
	put_inputs();
	put("v.variant", base_src);
	key_of(tpath("v.variant"), base);
	put("v.variant", "name = v\ndescription = other words\n"
	    "source = deb-source linux-source-6.1\ncpus = 4\nmemory = 8G\n"
	    "node = cpus=0-1 memory=4G\nnode = cpus=2-3 memory=4G\n"
	    "cmdline = mitigations=off\naccel = kvm\ntimeout = 900\n"
	    "patch = p1.patch\npatch = p2.patch\nconfig = frag.config\n");
	key_of(tpath("v.variant"), k);
	EXPECT_STREQ(k, base);
	put("w.variant", "name = w\nsource = deb-source linux-source-6.1\ncpus = 1\n"
	    "memory = 1G\npatch = p1.patch\npatch = p2.patch\nconfig = frag.config\n");
	key_of(tpath("w.variant"), k);
	EXPECT_STREQ(k, base);
}

/* Image, tarball and tree sources: what their keys cover. */
TEST(cache_key_other_sources)
{
	char k1[33], k2[33], k3[33];

	mk_tmp();
	put_inputs();
	put("bzImage", "MZ kernel one");
	put("v.variant", "name = v\nsource = image bzImage modules=dir\ncpus = 1\nmemory = 1G\n");
	key_of(tpath("v.variant"), k1);
	put("bzImage", "MZ kernel two");
	key_of(tpath("v.variant"), k2);
	EXPECT_TRUE(strcmp(k1, k2) != 0);

	put("linux.tar", "tar one");
	put("v.variant", "name = v\nsource = tarball linux.tar\ncpus = 1\nmemory = 1G\n");
	key_of(tpath("v.variant"), k1);
	put("linux.tar", "tar two");
	key_of(tpath("v.variant"), k2);
	EXPECT_TRUE(strcmp(k1, k2) != 0);

	/* A tree is keyed by where it is, not what is in it. */
	ASSERT_EQ(mkdir(tpath("dir2"), 0755), 0);
	put("v.variant", "name = v\nsource = tree dir\ncpus = 1\nmemory = 1G\n");
	key_of(tpath("v.variant"), k1);
	put("dir/Makefile", "VERSION = 6\n");
	key_of(tpath("v.variant"), k2);
	EXPECT_STREQ(k1, k2);
	put("v.variant", "name = v\nsource = tree dir2\ncpus = 1\nmemory = 1G\n");
	key_of(tpath("v.variant"), k3);
	EXPECT_TRUE(strcmp(k1, k3) != 0);

	/* Different kinds with the same text do not share a key. */
	put("v.variant", "name = v\nsource = deb linux-source-6.1\ncpus = 1\nmemory = 1G\n");
	key_of(tpath("v.variant"), k1);
	put("v.variant", "name = v\nsource = deb-source linux-source-6.1\ncpus = 1\nmemory = 1G\n");
	key_of(tpath("v.variant"), k2);
	EXPECT_TRUE(strcmp(k1, k2) != 0);
}

TEST(cache_key_reports_unreadable_patch)
{
	struct fl_variant *v;
	char err[FL_ERR_LEN], key[33];

	mk_tmp();
	put_inputs();
	put("v.variant", base_src);
	v = load_ok(tpath("v.variant"));
	ASSERT_EQ(unlink(tpath("p2.patch")), 0);
	EXPECT_EQ(fl_variant_cache_key(v, key, err, sizeof(err)), -ENOENT);
	EXPECT_TRUE(strstr(err, "patch ") && strstr(err, "p2.patch: No such file"));
	fl_variant_free(v);
}

TEST_HARNESS_MAIN
