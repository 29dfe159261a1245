// SPDX-License-Identifier: GPL-2.0
/*
 * The one path for writing files (base/out_file.c): temp plus rename for
 * regular targets, in place for everything else, nothing left by a
 * failed write, planted temp links not followed, bad targets refused.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/out_file.h"
#include "harness.h"

static char dir[64];

static void scratch(void)
{
	snprintf(dir, sizeof(dir), "/tmp/fl-out-test.XXXXXX");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
}

static void remove_scratch(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
}

static int entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	while (dp && (e = readdir(dp)))
		n += e->d_name[0] != '.';
	if (dp)
		closedir(dp);
	return n;
}

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ASSERT_GE(fd, 0);
	n = read(fd, buf, len - 1);
	ASSERT_GE(n, 0);
	buf[n] = '\0';
	close(fd);
}

TEST(regular_target_replaced_whole)
{
	char path[128], buf[64], err[256];
	struct stat before, after;

	scratch();
	snprintf(path, sizeof(path), "%s/r.json", dir);
	ASSERT_EQ(fl_out_write(path, "old\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(stat(path, &before), 0);
	ASSERT_EQ(fl_out_write(path, "new\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(stat(path, &after), 0);
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "new\n");
	/* A new inode: renamed over, not rewritten in place. */
	ASSERT_NE(before.st_ino, after.st_ino);
	ASSERT_EQ(entries(dir), 1);
	remove_scratch();
}

TEST(replaced_file_keeps_its_mode)
{
	char path[128], err[256];
	struct stat st;

	scratch();
	snprintf(path, sizeof(path), "%s/private.json", dir);
	ASSERT_EQ(fl_out_write(path, "old\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(chmod(path, 0600), 0);
	ASSERT_EQ(fl_out_write(path, "new\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0600);
	remove_scratch();
}

TEST(S4_planted_temp_symlink_not_followed)
{
	char path[128], victim[128], link[160], buf[64], err[256];

	scratch();
	snprintf(path, sizeof(path), "%s/r.json", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	ASSERT_EQ(fl_out_write(victim, "keep\n", 5, err, sizeof(err)), 0);
	/* Every name the temp could take first, planted as links. */
	for (int k = 0; k < 3; k++) {
		snprintf(link, sizeof(link), "%s.tmp.%d.%d", path, (int)getpid(), k);
		ASSERT_EQ(symlink(victim, link), 0);
	}
	ASSERT_EQ(fl_out_write(path, "new\n", 4, err, sizeof(err)), 0);
	slurp(victim, buf, sizeof(buf));
	ASSERT_STREQ(buf, "keep\n");
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "new\n");
	remove_scratch();
}

TEST(S2_device_written_in_place_never_replaced)
{
	char err[256];
	struct stat st;

	ASSERT_EQ(fl_out_write("/dev/null", "x\n", 2, err, sizeof(err)), 0);
	ASSERT_EQ(stat("/dev/null", &st), 0);
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(fl_out_check("/dev/null", err, sizeof(err)), 0);
}

TEST(S2_dev_full_fails_with_ENOSPC)
{
	char err[256];
	struct stat st;

	ASSERT_EQ(fl_out_write("/dev/full", "x\n", 2, err, sizeof(err)), -ENOSPC);
	ASSERT_TRUE(strstr(err, "/dev/full") != NULL);
	ASSERT_EQ(stat("/dev/full", &st), 0);
	ASSERT_TRUE(S_ISCHR(st.st_mode));
}

TEST(S2_symlink_to_proc_fd_written_through)
{
	char path[128], link[128], buf[64], err[256];
	struct fl_out_file o;
	struct stat st;
	int fd, saved;

	scratch();
	snprintf(path, sizeof(path), "%s/stdout", dir);
	snprintf(link, sizeof(link), "%s/out.json", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "table\n", 6), 6);
	saved = dup(1);
	ASSERT_EQ(dup2(fd, 1), 1);
	ASSERT_EQ(symlink("/proc/self/fd/1", link), 0);
	ASSERT_EQ(fl_out_open(&o, link, err, sizeof(err)), 0);
	fputs("json\n", o.f);
	ASSERT_EQ(fl_out_commit(&o, err, sizeof(err)), 0);
	dup2(saved, 1);
	close(saved);
	close(fd);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	/* Added after what the descriptor holds, as `>>` would. */
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "table\njson\n");
	remove_scratch();
}

TEST(symlink_to_regular_file_stays_a_link)
{
	char path[128], link[128], buf[64], err[256];
	struct stat st;

	scratch();
	snprintf(path, sizeof(path), "%s/real.json", dir);
	snprintf(link, sizeof(link), "%s/latest.json", dir);
	ASSERT_EQ(fl_out_write(path, "old\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(symlink("real.json", link), 0);
	ASSERT_EQ(fl_out_write(link, "new\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "new\n");
	ASSERT_EQ(entries(dir), 2);
	remove_scratch();
}

TEST(failed_write_leaves_target_and_no_temp)
{
	char path[128], buf[64], err[256];
	struct fl_out_file o;

	scratch();
	snprintf(path, sizeof(path), "%s/r.json", dir);
	ASSERT_EQ(fl_out_write(path, "old\n", 4, err, sizeof(err)), 0);
	ASSERT_EQ(fl_out_open(&o, path, err, sizeof(err)), 0);
	fputs("half", o.f);
	fl_out_discard(&o);
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "old\n");
	ASSERT_EQ(entries(dir), 1);
	remove_scratch();
}

TEST(append_adds_and_keeps_link)
{
	char path[128], buf[64], err[256];
	struct fl_out_file o;

	scratch();
	snprintf(path, sizeof(path), "%s/h.jsonl", dir);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(fl_out_open_append(&o, path, err, sizeof(err)), 0);
		fprintf(o.f, "line %d\n", i);
		ASSERT_EQ(fl_out_commit(&o, err, sizeof(err)), 0);
	}
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "line 0\nline 1\n");
	remove_scratch();
}

TEST(discarded_append_leaves_the_file_as_it_was)
{
	char path[128], buf[64], err[256];
	struct fl_out_file o;

	scratch();
	snprintf(path, sizeof(path), "%s/h.jsonl", dir);
	ASSERT_EQ(fl_out_write(path, "line 0\n", 7, err, sizeof(err)), 0);
	ASSERT_EQ(fl_out_open_append(&o, path, err, sizeof(err)), 0);
	fputs("half a li", o.f);
	fflush(o.f);
	fl_out_discard(&o);
	slurp(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "line 0\n");
	/* A file the append created is removed again. */
	snprintf(path, sizeof(path), "%s/new.jsonl", dir);
	ASSERT_EQ(fl_out_open_append(&o, path, err, sizeof(err)), 0);
	fputs("x", o.f);
	fl_out_discard(&o);
	ASSERT_EQ(access(path, F_OK), -1);
	remove_scratch();
}

TEST(check_refuses_bad_targets_first)
{
	char path[160], file[128], err[256];

	scratch();
	ASSERT_EQ(fl_out_check("", err, sizeof(err)), -EINVAL);
	ASSERT_EQ(fl_out_check(dir, err, sizeof(err)), -EISDIR);
	snprintf(path, sizeof(path), "%s/sub/", dir);
	ASSERT_EQ(fl_out_check(path, err, sizeof(err)), -EISDIR);
	snprintf(path, sizeof(path), "%s/missing/x.json", dir);
	ASSERT_EQ(fl_out_check(path, err, sizeof(err)), -ENOENT);
	ASSERT_TRUE(strstr(err, "missing") != NULL);
	snprintf(file, sizeof(file), "%s/file", dir);
	ASSERT_EQ(fl_out_write(file, "", 0, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/x.json", file);
	ASSERT_EQ(fl_out_check(path, err, sizeof(err)), -ENOTDIR);
	snprintf(path, sizeof(path), "%s/dangling", dir);
	ASSERT_EQ(symlink("nowhere", path), 0);
	ASSERT_EQ(fl_out_check(path, err, sizeof(err)), -ENOENT);
	snprintf(path, sizeof(path), "%s/new.json", dir);
	ASSERT_EQ(fl_out_check(path, err, sizeof(err)), 0);
	ASSERT_EQ(fl_out_check("rel.json", err, sizeof(err)), 0);
	remove_scratch();
}

TEST(S4_scratch_file_never_follows_a_planted_link)
{
	char path[128], victim[128], buf[64], err[256];
	struct stat st;
	int fd;

	scratch();
	snprintf(path, sizeof(path), "%s/faultline-selftest.log", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	ASSERT_EQ(fl_out_write(victim, "keep\n", 5, err, sizeof(err)), 0);
	ASSERT_EQ(symlink(victim, path), 0);
	fd = fl_out_scratch(path, err, sizeof(err));
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "log\n", 4), 4);
	close(fd);
	slurp(victim, buf, sizeof(buf));
	ASSERT_STREQ(buf, "keep\n");
	ASSERT_EQ(lstat(path, &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	remove_scratch();
}

TEST_HARNESS_MAIN
