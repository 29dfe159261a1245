// SPDX-License-Identifier: GPL-2.0
/*
 * The known-failures list (harness/integrity/known.c): the checked-in list parses
 * and says what it should, kernel ranges and matching hold, and every bad
 * input is refused with the list's name and line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "integrity/known.h"
#include "integrity/oracle.h"
#include "harness.h"

#define KIND(k) (UINT32_C(1) << (k))

static struct fl_known_list list;
static char err[FL_ERR_LEN];

/* An entry with every key, for the error cases to spoil one line of. */
#define GOOD "check: eof_boundary\nfs: tmpfs\nkernel: 6.1..\nkinds: eof_data_reappeared\n" \
	     "reason: r\nreference: ref\n"

/* Parse @text as "t.list"; the error must be @want (at its line). */
static void refused(const char *text, const char *want)
{
	err[0] = '\0';
	ASSERT_EQ(fl_known_parse(&list, "t.list", text, err, sizeof(err)), -EINVAL);
	TH_LOG("%s", err);
	ASSERT_TRUE(strstr(err, want) != NULL);
}

TEST(builtin_list)
{
	const struct fl_known *k, *near;

	ASSERT_EQ(fl_known_load(&list, NULL, err, sizeof(err)), 0);
	EXPECT_STREQ(list.name, "workloads/checks/known-failures");
	ASSERT_GE(list.nr, 1);
	/* eof_boundary on tmpfs, 6.1 and 6.18 seen, no upper bound. */
	k = fl_known_match(&list, "eof_boundary", "tmpfs", "6.18.44-fc-v1272",
			   KIND(FL_VIOL_EOF_DATA_REAPPEARED), NULL);
	ASSERT_TRUE(k != NULL);
	EXPECT_EQ(k->kinds, KIND(FL_VIOL_EOF_DATA_REAPPEARED));
	EXPECT_EQ(k->to.n, 0);
	EXPECT_TRUE(strstr(k->reason, "past EOF") != NULL);
	EXPECT_TRUE(strstr(k->reference, "generic/363") != NULL);
	EXPECT_TRUE(fl_known_kernel_in(k, "6.1.0-18-cloud-amd64"));
	EXPECT_TRUE(fl_known_kernel_in(k, "7.3.1"));
	/* Another filesystem, another kind, or no violation: not covered. */
	EXPECT_TRUE(fl_known_match(&list, "eof_boundary", "ext4", "6.18.44",
				   KIND(FL_VIOL_EOF_DATA_REAPPEARED), NULL) == NULL);
	EXPECT_TRUE(fl_known_match(&list, "eof_boundary", "tmpfs", "6.18.44",
				   KIND(FL_VIOL_EOF_DATA_REAPPEARED) |
				   KIND(FL_VIOL_TORN), &near) == NULL);
	EXPECT_TRUE(near == k);
	EXPECT_TRUE(fl_known_match(&list, "eof_boundary", "tmpfs", "6.18.44", 0,
				   NULL) == NULL);
	EXPECT_TRUE(fl_known_match(&list, "trunc_fault_shared", "tmpfs", "6.18.44",
				   KIND(FL_VIOL_EOF_DATA_REAPPEARED), &near) == NULL);
	EXPECT_TRUE(near == NULL);
}

TEST(parse_entries_and_comments)
{
	const struct fl_known *k;
	json_t *j;

	ASSERT_EQ(fl_known_parse(&list, "t.list",
				 "# a comment\n"
				 "\n"
				 "  # indented comment\n"
				 "check:eof_boundary\n"
				 "fs :  ext4  \n"
				 "kernel: ..6.6\n"
				 "kinds: torn , garbage,stale\n"
				 "reason: a reason: with a colon\n"
				 "reference: https://example.org/x#L12\n"
				 "\n\n"
				 "reference: r2\n"
				 "reason: second\n"
				 "kinds: incoherent\n"
				 "kernel: ..\n"
				 "fs: fuse\n"
				 "check: remote_coherence", err, sizeof(err)), 0);
	ASSERT_EQ(list.nr, 2);
	k = &list.e[0];
	EXPECT_EQ(k->line, 4);
	EXPECT_STREQ(k->check, "eof_boundary");
	EXPECT_STREQ(k->fs, "ext4");
	EXPECT_STREQ(k->kernel, "..6.6");
	EXPECT_EQ(k->kinds, KIND(FL_VIOL_TORN) | KIND(FL_VIOL_GARBAGE) |
		  KIND(FL_VIOL_STALE));
	EXPECT_STREQ(k->reason, "a reason: with a colon");
	EXPECT_STREQ(k->reference, "https://example.org/x#L12");
	EXPECT_EQ(list.e[1].line, 12);
	EXPECT_STREQ(list.e[1].check, "remote_coherence");
	/* A subset of the kinds is covered; the entry is named in JSON. */
	ASSERT_TRUE(fl_known_match(&list, "eof_boundary", "ext4", "6.6.30",
				   KIND(FL_VIOL_GARBAGE), NULL) == k);
	j = fl_known_json(&list, k);
	ASSERT_TRUE(j != NULL);
	EXPECT_STREQ(json_string_value(json_object_get(j, "entry")), "t.list:4");
	EXPECT_EQ(json_array_size(json_object_get(j, "kinds")), 3);
	EXPECT_STREQ(json_string_value(json_array_get(json_object_get(j, "kinds"), 0)),
		     "stale");
	json_decref(j);
	/* An empty list is a list. */
	ASSERT_EQ(fl_known_parse(&list, "t.list", "# nothing\n\n", err, sizeof(err)), 0);
	EXPECT_EQ(list.nr, 0);
}

TEST(kernel_ranges)
{
	struct fl_known k;

	ASSERT_EQ(fl_known_parse(&list, "t.list", GOOD, err, sizeof(err)), 0);
	k = list.e[0];
	EXPECT_TRUE(fl_known_kernel_in(&k, "6.1"));
	EXPECT_TRUE(fl_known_kernel_in(&k, "6.1.0-18-cloud-amd64"));
	EXPECT_TRUE(!fl_known_kernel_in(&k, "6.0.19"));
	EXPECT_TRUE(!fl_known_kernel_in(&k, "5.15.0-91-generic"));
	EXPECT_TRUE(!fl_known_kernel_in(&k, "garbage"));

	/* A bound covers every release that starts with it. */
	ASSERT_EQ(fl_known_parse(&list, "t.list",
				 "check: eof_boundary\nfs: tmpfs\nkernel: 6.1.70..6.6\n"
				 "kinds: torn\nreason: r\nreference: ref\n",
				 err, sizeof(err)), 0);
	k = list.e[0];
	EXPECT_TRUE(!fl_known_kernel_in(&k, "6.1.69"));
	EXPECT_TRUE(fl_known_kernel_in(&k, "6.1.70"));
	EXPECT_TRUE(fl_known_kernel_in(&k, "6.2-rc1"));
	EXPECT_TRUE(fl_known_kernel_in(&k, "6.6.30-arch1"));
	EXPECT_TRUE(!fl_known_kernel_in(&k, "6.7.0"));
	EXPECT_TRUE(!fl_known_kernel_in(&k, "6.10"));
	ASSERT_EQ(fl_known_parse(&list, "t.list",
				 "check: eof_boundary\nfs: tmpfs\nkernel: ..\n"
				 "kinds: torn\nreason: r\nreference: ref\n",
				 err, sizeof(err)), 0);
	EXPECT_TRUE(fl_known_kernel_in(&list.e[0], "2.6.32"));
	EXPECT_TRUE(fl_known_kernel_in(&list.e[0], "6.18.44"));
	/* Different lengths that still meet: 6.1.5 is in 6.1..6.1.5. */
	ASSERT_EQ(fl_known_parse(&list, "t.list",
				 "check: eof_boundary\nfs: tmpfs\nkernel: 6.1.5..6.1\n"
				 "kinds: torn\nreason: r\nreference: ref\n",
				 err, sizeof(err)), 0);
	EXPECT_TRUE(fl_known_kernel_in(&list.e[0], "6.1.5"));
	EXPECT_TRUE(!fl_known_kernel_in(&list.e[0], "6.1.4"));
}

TEST(bad_input_names_file_and_line)
{
	refused("check eof_boundary\n", "t.list:1: expected \"key: value\"");
	refused("# c\n\ncheck: eof_boundary\ncolour: red\n",
		"t.list:4: unknown key \"colour\"");
	refused(GOOD "check: eof_boundary\n",
		"t.list:7: \"check\" given twice");
	refused("# first line\ncheck: eof_boundary\nfs: tmpfs\nkernel: 6.1..\n"
		"kinds: torn\nreason: r\n\n",
		"t.list:2: entry has no \"reference\"");
	refused(GOOD "\ncheck: eof_boundary\n", "t.list:8: entry has no \"fs\"");
	refused("check: no_such_check\n", "t.list:1: unknown check \"no_such_check\"");
	refused("check: eof_boundary\nkinds: torn, eof_data_lost\n",
		"t.list:2: unknown violation kind \"eof_data_lost\"");
	refused("kinds: torn,,stale\n", "t.list:1: kinds: empty");
	refused("kinds: none\n", "unknown violation kind \"none\"");
	refused("kernel: 6.1\n", "t.list:1: kernel range \"6.1\": expected FROM..TO");
	refused("kernel: 6.x..\n", "t.list:1: kernel range \"6.x..\": bad version \"6.x\"");
	refused("kernel: 6.6..6.1\n", "t.list:1: kernel range \"6.6..6.1\" is empty");
	refused("kernel: 6.1.70..6.1.5\n", "is empty");
	refused("fs: tmp fs\n", "t.list:1: fs \"tmp fs\": one filesystem type");
	refused("reason:\n", "t.list:1: \"reason\" has no value");
	refused("reason:   \n", "t.list:1: \"reason\" has no value");
}

TEST(limits)
{
	size_t n = 70 * (sizeof(GOOD) + 1) + 1;
	char *text = calloc(1, n), *long_reason = calloc(1, 600);

	ASSERT_TRUE(text && long_reason);
	for (int i = 0; i < 65; i++)
		strcat(strcat(text, GOOD), "\n");
	refused(text, "t.list:449: more than 64 entries");
	text[0] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(strcat(text, GOOD), "\n");
	ASSERT_EQ(fl_known_parse(&list, "t.list", text, err, sizeof(err)), 0);
	EXPECT_EQ(list.nr, 64);
	strcpy(long_reason, "reason: ");
	memset(long_reason + 8, 'x', 300);
	refused(long_reason, "t.list:1: reason is too long (300 bytes, at most 255)");
	memset(long_reason + 8, 'x', 590);
	refused(long_reason, "t.list:1: reason is too long");
	free(text);
	free(long_reason);
}

TEST(load_files)
{
	char path[] = "/tmp/faultline-test-known.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ASSERT_GE(fd, 0);
	f = fdopen(fd, "w");
	ASSERT_TRUE(f != NULL);
	fputs(GOOD "\ncheck: eof_boundary\nfs: ext4\nkernel: 6.1..\nkinds: nope\n", f);
	fclose(f);
	ASSERT_EQ(fl_known_load(&list, path, err, sizeof(err)), -EINVAL);
	TH_LOG("%s", err);
	EXPECT_TRUE(!strncmp(err, path, strlen(path)));
	EXPECT_TRUE(strstr(err, ":11: unknown violation kind \"nope\"") != NULL);

	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(GOOD, f);
	fclose(f);
	ASSERT_EQ(fl_known_load(&list, path, err, sizeof(err)), 0);
	EXPECT_EQ(list.nr, 1);
	EXPECT_STREQ(list.name, path);

	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fwrite("check: eof\0boundary\n", 1, 20, f);
	fclose(f);
	ASSERT_EQ(fl_known_load(&list, path, err, sizeof(err)), -EINVAL);
	EXPECT_TRUE(strstr(err, "NUL byte") != NULL);
	unlink(path);

	ASSERT_EQ(fl_known_load(&list, path, err, sizeof(err)), -ENOENT);
	TH_LOG("%s", err);
	EXPECT_TRUE(strstr(err, "No such file") != NULL);
}

TEST(kinds_str)
{
	char buf[64];

	fl_known_kinds_str(KIND(FL_VIOL_TORN) | KIND(FL_VIOL_EOF_DATA_REAPPEARED),
			   buf, sizeof(buf));
	EXPECT_STREQ(buf, "torn, eof_data_reappeared");
	fl_known_kinds_str(0, buf, sizeof(buf));
	EXPECT_STREQ(buf, "");
}

TEST_HARNESS_MAIN
