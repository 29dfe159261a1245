// SPDX-License-Identifier: GPL-2.0
/*
 * Scratch directories (base/scratch.h): fresh and private, checked without
 * following symlinks, and swept only when ours and their owner is dead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/scratch.h"
#include "harness.h"

static char parent[PATH_MAX];

static void make_parent(void)
{
	snprintf(parent, sizeof(parent), "/tmp/faultline-test-scratch.XXXXXX");
	if (!mkdtemp(parent))
		abort();
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* A directory made by a child that then died, as a SIGKILLed run leaves it. */
static void dead_run_dir(char *out, size_t len)
{
	int fds[2], status;
	pid_t pid;

	ASSERT_EQ(pipe(fds), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char dir[PATH_MAX], file[PATH_MAX + 16];

		if (fl_scratch_make(parent, FL_SCRATCH_PREFIX, dir, sizeof(dir), NULL, 0))
			_exit(1);
		snprintf(file, sizeof(file), "%s/sub", dir);
		mkdir(file, 0700);
		snprintf(file, sizeof(file), "%s/sub/file", dir);
		close(open(file, O_CREAT | O_WRONLY, 0600));
		if (write(fds[1], dir, strlen(dir) + 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ASSERT_GT(read(fds[0], out, len), 0);
	close(fds[0]);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(make_is_fresh_private_and_named_after_its_owner)
{
	char dir[PATH_MAX], want[PATH_MAX + 64];
	struct stat st;

	make_parent();
	ASSERT_EQ(fl_scratch_make(parent, "x", dir, sizeof(dir), NULL, 0), 0);
	ASSERT_EQ(lstat(dir, &st), 0);
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(st.st_mode & 0777, 0700);
	EXPECT_EQ(st.st_uid, geteuid());
	/* x.<8 hex digits of the boot id>-<pid>-<start>.XXXXXX */
	snprintf(want, sizeof(want), "-%d-%llu.", (int)getpid(), fl_process_start(getpid()));
	EXPECT_EQ(strncmp(dir, parent, strlen(parent)), 0);
	EXPECT_EQ(strncmp(dir + strlen(parent), "/x.", 3), 0);
	EXPECT_EQ(strspn(dir + strlen(parent) + 3, "0123456789abcdef"), 8);
	EXPECT_EQ(strncmp(dir + strlen(parent) + 11, want, strlen(want)), 0);
	EXPECT_EQ(strlen(dir), strlen(parent) + 11 + strlen(want) + 6);
	fl_scratch_remove(dir);
	EXPECT_TRUE(!exists(dir));
	rmdir(parent);
}

TEST(check_refuses_symlinks_and_directories_others_can_write)
{
	char dir[PATH_MAX + 8], link[PATH_MAX + 8], err[512];

	make_parent();
	snprintf(dir, sizeof(dir), "%s/open", parent);
	snprintf(link, sizeof(link), "%s/link", parent);
	ASSERT_EQ(mkdir(dir, 0700), 0);
	ASSERT_EQ(chmod(dir, 0777), 0);
	ASSERT_EQ(symlink(parent, link), 0);
	EXPECT_EQ(fl_scratch_check(parent, err, sizeof(err)), 0);
	EXPECT_EQ(fl_scratch_check(dir, err, sizeof(err)), -EPERM);
	EXPECT_TRUE(strstr(err, "writable by others") != NULL);
	EXPECT_EQ(fl_scratch_check(link, err, sizeof(err)), -ELOOP);
	EXPECT_TRUE(strstr(err, "symlink") != NULL);
	if (!geteuid()) {
		ASSERT_EQ(chmod(dir, 0700), 0);
		ASSERT_EQ(chown(dir, 65534, 65534), 0);
		EXPECT_EQ(fl_scratch_check(dir, err, sizeof(err)), -EPERM);
		EXPECT_TRUE(strstr(err, "owned by uid 65534") != NULL);
	}
	unlink(link);
	rmdir(dir);
	rmdir(parent);
}

TEST(owner_alive_knows_dead_reused_and_live_pids)
{
	unsigned long long self = fl_process_start(getpid());
	int status;
	pid_t pid;

	ASSERT_GT(self, 0);
	EXPECT_TRUE(fl_scratch_owner_alive(getpid(), self));
	/* Our pid with another start time: a reused pid, not the owner. */
	EXPECT_TRUE(!fl_scratch_owner_alive(getpid(), self + 1));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	/* A zombie's run is over (waited for, not reaped)... */
	ASSERT_EQ(waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT), 0);
	EXPECT_TRUE(!fl_scratch_owner_alive(pid, fl_process_start(pid)));
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	/* ... and so is a reaped child's. */
	EXPECT_TRUE(!fl_scratch_owner_alive(pid, 1));
}

TEST(sweep_removes_only_dead_owners_directories_of_ours)
{
	char dead[PATH_MAX], live[PATH_MAX], loose[PATH_MAX], bad[PATH_MAX + 32];
	char link[PATH_MAX + 32], outside[PATH_MAX + 32], inner[PATH_MAX + 32];
	char other[PATH_MAX], elsewhere[PATH_MAX], *tag;

	make_parent();
	dead_run_dir(dead, sizeof(dead));
	ASSERT_TRUE(exists(dead));
	/* A symlink inside the dead run's directory: removed, its target kept. */
	snprintf(outside, sizeof(outside), "%s/outside", parent);
	close(open(outside, O_CREAT | O_WRONLY, 0600));
	snprintf(inner, sizeof(inner), "%s/sub/to-outside", dead);
	ASSERT_EQ(symlink(outside, inner), 0);
	ASSERT_EQ(fl_scratch_make(parent, FL_SCRATCH_PREFIX, live, sizeof(live), NULL, 0), 0);
	/* A dead owner's name on a directory others can write: not ours. */
	dead_run_dir(loose, sizeof(loose));
	ASSERT_EQ(chmod(loose, 0777), 0);
	/* A dead owner's name on a symlink to a directory: never followed. */
	snprintf(bad, sizeof(bad), "%s/" FL_SCRATCH_PREFIX ".1-1.linked", parent);
	snprintf(link, sizeof(link), "%s/target", parent);
	ASSERT_EQ(mkdir(link, 0700), 0);
	ASSERT_EQ(symlink(link, bad), 0);

	/* A dead owner's directory of another boot or host: not provably dead. */
	dead_run_dir(other, sizeof(other));
	snprintf(elsewhere, sizeof(elsewhere), "%s", other);
	tag = elsewhere + strlen(parent) + 1 + strlen(FL_SCRATCH_PREFIX) + 1;
	*tag = *tag == '0' ? '1' : '0';
	ASSERT_EQ(rename(other, elsewhere), 0);

	EXPECT_EQ(fl_scratch_sweep(parent, FL_SCRATCH_PREFIX, NULL, 0), 1);
	EXPECT_TRUE(exists(elsewhere));
	EXPECT_TRUE(!exists(dead));
	EXPECT_TRUE(exists(outside));
	EXPECT_TRUE(exists(live));
	EXPECT_TRUE(exists(loose));
	EXPECT_TRUE(exists(bad));
	EXPECT_TRUE(exists(link));

	fl_scratch_remove(live);
	fl_scratch_remove(loose);
	fl_scratch_remove(elsewhere);
	unlink(bad);
	rmdir(link);
	unlink(outside);
	EXPECT_EQ(rmdir(parent), 0);
}

TEST_HARNESS_MAIN
