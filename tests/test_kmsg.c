// SPDX-License-Identifier: GPL-2.0
/* Kernel-log patterns: which lines fail a stress run. */
#include "integrity/kmsg.h"
#include "harness.h"

TEST(failing_patterns_fail)
{
	const char *lines[] = {
		"BUG: Bad page map in process faultline  pte:8000000101",
		"BUG: Bad page state in process kworker/0:1  pfn:12345",
		"page still mapped when deleted",
		"WARNING: CPU: 1 PID: 42 at mm/filemap.c:1234 filemap_fault+0x1",
		"WARNING: possible circular locking dependency detected",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		bool fails = false;

		EXPECT_TRUE(fl_kmsg_match(lines[i], &fails, false) != NULL);
		EXPECT_TRUE(fails);
	}
}

TEST(invalidation_failure_fails_only_when_asked)
{
	const char *line = "Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!";
	bool fails = true;

	ASSERT_TRUE(fl_kmsg_match(line, &fails, false) != NULL);
	EXPECT_TRUE(!fails);
	ASSERT_TRUE(fl_kmsg_match(line, &fails, true) != NULL);
	EXPECT_TRUE(fails);
}

TEST(ordinary_lines_pass)
{
	const char *lines[] = {
		"EXT4-fs (vda): mounted filesystem with ordered data mode",
		"faultline-test: all good",
		"virtio_net virtio0 eth0: renamed",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		bool fails = false;

		EXPECT_TRUE(fl_kmsg_match(lines[i], &fails, true) == NULL);
	}
}

TEST_HARNESS_MAIN
