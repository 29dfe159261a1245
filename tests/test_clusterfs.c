// SPDX-License-Identifier: GPL-2.0
/*
 * clusterfs (harness/clusterfs/clusterfs.c, harness/clusterfs/clusterfs_client.c): a write
 * through one mount reaches the other mounts' existing mappings before it
 * returns, explicit invalidations drop pages, the skip-invalidation fault
 * leaves them stale, and errors name their object. Needs root and
 * /dev/fuse; each test starts its own daemon on fresh directories in /tmp.
 *
 * This program is also the daemon: fl_clusterfs_start() runs
 * "/proc/self/exe clusterfs ...", which main() hands to fl_clusterfs_main().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/faultline.h"
#include "clusterfs/clusterfs.h"
#include "harness.h"

#define PAGE 4096u
#define FSIZE (65536u + 1000u)		/* 17 pages, the last one partial */
#define NPAGES ((FSIZE + PAGE - 1) / PAGE)

struct fx {
	char dir[64], backing[96], mnt[96];
	struct fl_clusterfs *c;
};

static struct fx *live;		/* cleaned up at exit, even after an ASSERT */

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void fx_cleanup(void)
{
	char err[FL_ERR_LEN];

	if (!live)
		return;
	if (live->c && fl_clusterfs_stop(live->c, err, sizeof(err)))
		TH_LOG("cleanup: %s", err);
	live->c = NULL;
	nftw(live->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	live = NULL;
}

static void need_fuse(void)
{
	if (geteuid())
		SKIP("clusterfs needs root to mount FUSE");
	if (access("/dev/fuse", F_OK))
		SKIP("no /dev/fuse");
}

static void fx_dirs(struct fx *fx)
{
	fx->c = NULL;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/faultline-cfs.XXXXXX");
	ASSERT_TRUE(mkdtemp(fx->dir) != NULL);
	snprintf(fx->backing, sizeof(fx->backing), "%s/backing", fx->dir);
	snprintf(fx->mnt, sizeof(fx->mnt), "%s/mnt", fx->dir);
	ASSERT_EQ(mkdir(fx->backing, 0755), 0);
	ASSERT_EQ(mkdir(fx->mnt, 0755), 0);
	live = fx;
	atexit(fx_cleanup);
}

static void setup(struct fx *fx, int nodes, bool skip)
{
	struct fl_clusterfs_opts o = {
		.backing = fx->backing, .mount_dir = fx->mnt, .nr_mounts = nodes,
		.skip_invalidation = skip,
	};
	char err[FL_ERR_LEN] = "";
	int ret;

	need_fuse();
	fx_dirs(fx);
	ret = fl_clusterfs_start(&fx->c, &o, err, sizeof(err));
	if (ret)
		TH_LOG("start: %s", err);
	ASSERT_EQ(ret, 0);
}

/* Stop; nothing of the daemon may stay mounted under the directory. */
static void teardown(struct fx *fx)
{
	char err[FL_ERR_LEN] = "", line[4096];
	FILE *f;
	int ret, left = 0;

	ret = fl_clusterfs_stop(fx->c, err, sizeof(err));
	fx->c = NULL;
	if (ret)
		TH_LOG("stop: %s", err);
	EXPECT_EQ(ret, 0);
	f = fopen("/proc/self/mountinfo", "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f))
		left += strstr(line, fx->mnt) != NULL;
	fclose(f);
	EXPECT_EQ(left, 0);
	fx_cleanup();
}

static void path_on(char *buf, size_t len, struct fx *fx, int node, const char *name)
{
	snprintf(buf, len, "%s/%s", fl_clusterfs_mount(fx->c, node), name);
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 131u + seed * 17u + (i >> 12)) ^ seed);
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	ASSERT_EQ(pwrite(fd, buf, len, off), (ssize_t)len);
}

/* Index of the first byte where @a and @b differ, or -1. */
static long first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/* Pages of [@first, @first + @n) resident in the page cache. */
static int resident(void *map, unsigned int first, unsigned int n)
{
	unsigned char vec[NPAGES];
	int r = 0;

	if (mincore(map, (size_t)NPAGES * PAGE, vec))
		return -1;
	for (unsigned int i = first; i < first + n; i++)
		r += vec[i] & 1;
	return r;
}

static long faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* "f" created through mount 0 with @exp; fds on mounts 0 and 1. */
static void make_file(struct fx *fx, unsigned char *exp, int *fda, int *fdb)
{
	char a[256], b[256];

	path_on(a, sizeof(a), fx, 0, "f");
	path_on(b, sizeof(b), fx, 1, "f");
	fill(exp, FSIZE, 1);
	*fda = open(a, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_GE(*fda, 0);
	pwrite_all(*fda, exp, FSIZE, 0);
	*fdb = open(b, O_RDWR);
	ASSERT_GE(*fdb, 0);
}

static void *map_fault_in(int fd, int prot, const unsigned char *exp)
{
	void *m = mmap(NULL, FSIZE, prot, MAP_SHARED, fd, 0);

	ASSERT_TRUE(m != MAP_FAILED);
	ASSERT_EQ(first_diff(m, exp, FSIZE), -1);	/* faults every page in */
	return m;
}

TEST(write_through_a_reaches_mapping_on_b)
{
	static const struct { off_t off; size_t len; } w[] = {
		{ 5000, 300 },			/* inside page 1 */
		{ 8192 - 123, 579 },		/* across the 2/3 boundary */
		{ 65536 + 10, 900 },		/* in the partial last page */
		{ 0, 3 * PAGE },		/* whole pages */
	};
	static unsigned char exp[FSIZE];
	struct stat sa, sb;
	struct fx fx = { 0 };
	unsigned char *mb;
	int fda, fdb;

	setup(&fx, 2, false);
	make_file(&fx, exp, &fda, &fdb);
	ASSERT_EQ(fstat(fda, &sa), 0);
	ASSERT_EQ(fstat(fdb, &sb), 0);
	EXPECT_EQ(sb.st_size, FSIZE);
	EXPECT_EQ(sa.st_ino, sb.st_ino);	/* one inode number on every mount */
	mb = map_fault_in(fdb, PROT_READ, exp);
	EXPECT_EQ(resident(mb, 0, NPAGES), (int)NPAGES);
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		double t0;
		long d;

		fill(exp + w[i].off, w[i].len, (unsigned int)(100 + i));
		t0 = now_us();
		pwrite_all(fda, exp + w[i].off, w[i].len, w[i].off);
		TH_LOG("pwrite %zu bytes at %lld through A: %.0f us", w[i].len,
		       (long long)w[i].off, now_us() - t0);
		d = first_diff(mb, exp, FSIZE);
		if (d >= 0)
			TH_LOG("after write %zu: B's mapping differs at byte %ld", i, d);
		ASSERT_EQ(d, -1);
	}
	munmap(mb, FSIZE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

TEST(store_and_msync_on_b_reach_a)
{
	static unsigned char exp[FSIZE], got[FSIZE];
	unsigned char *ma, *mb;
	struct fx fx = { 0 };
	int fda, fdb;

	setup(&fx, 2, false);
	make_file(&fx, exp, &fda, &fdb);
	ma = map_fault_in(fda, PROT_READ, exp);
	ASSERT_EQ(pread(fda, got, FSIZE, 0), (ssize_t)FSIZE);
	mb = map_fault_in(fdb, PROT_READ | PROT_WRITE, exp);
	fill(exp + PAGE - 77, 277, 7);			/* across pages 0/1 */
	fill(exp + 20000, 100, 8);
	memcpy(mb + PAGE - 77, exp + PAGE - 77, 277);
	memcpy(mb + 20000, exp + 20000, 100);
	ASSERT_EQ(msync(mb, FSIZE, MS_SYNC), 0);
	ASSERT_EQ(pread(fda, got, FSIZE, 0), (ssize_t)FSIZE);
	EXPECT_EQ(first_diff(got, exp, FSIZE), -1);	/* read() on A */
	EXPECT_EQ(first_diff(ma, exp, FSIZE), -1);	/* A's existing mapping */
	munmap(ma, FSIZE);
	munmap(mb, FSIZE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

TEST(explicit_invalidation_makes_b_refault)
{
	static unsigned char exp[FSIZE];
	struct fl_clusterfs_stats st0, st;
	char err[FL_ERR_LEN] = "";
	volatile unsigned char sink = 0;
	double t_cached = 0, t_empty = 0;
	unsigned char *mb;
	struct fx fx = { 0 };
	int fda, fdb, n = 50;
	long f0;

	setup(&fx, 2, false);
	make_file(&fx, exp, &fda, &fdb);
	mb = map_fault_in(fdb, PROT_READ, exp);
	ASSERT_EQ(fl_clusterfs_stats(fx.c, &st0, err, sizeof(err)), 0);
	ASSERT_EQ(resident(mb, 0, NPAGES), (int)NPAGES);

	ASSERT_EQ(fl_clusterfs_invalidate(fx.c, 1, "f", PAGE, 3 * PAGE, err, sizeof(err)), 0);
	EXPECT_EQ(resident(mb, 1, 3), 0);		/* dropped on return */
	EXPECT_EQ(resident(mb, 0, 1), 1);		/* the rest stays */
	EXPECT_EQ(resident(mb, 4, NPAGES - 4), (int)NPAGES - 4);
	/* One fault reads the range back (read-ahead and fault-around). */
	f0 = faults();
	for (unsigned int p = 1; p < 4; p++)
		sink += mb[p * PAGE];
	EXPECT_GE(faults() - f0, 1);			/* the next touch refaults */
	EXPECT_EQ(resident(mb, 1, 3), 3);
	EXPECT_EQ(first_diff(mb, exp, FSIZE), -1);	/* with the right data */

	/* LEN 0: to the end of the file. */
	ASSERT_EQ(fl_clusterfs_invalidate(fx.c, 1, "f", 2 * PAGE, 0, err, sizeof(err)), 0);
	EXPECT_EQ(resident(mb, 2, NPAGES - 2), 0);
	EXPECT_EQ(resident(mb, 0, 2), 2);
	EXPECT_EQ(first_diff(mb, exp, FSIZE), -1);

	ASSERT_EQ(fl_clusterfs_stats(fx.c, &st, err, sizeof(err)), 0);
	EXPECT_EQ(st.requested - st0.requested, 2);
	EXPECT_EQ(st.invalidations - st0.invalidations, 2);
	EXPECT_EQ(st.skipped, 0);

	/* What one revocation of a mapped 64 KiB costs, beside an empty one. */
	for (int i = 0; i < n; i++) {
		double t0;

		for (unsigned int p = 0; p < 16; p++)
			sink += mb[p * PAGE];
		t0 = now_us();
		fl_clusterfs_invalidate(fx.c, 1, "f", 0, 65536, err, sizeof(err));
		t_cached += now_us() - t0;
		t0 = now_us();
		fl_clusterfs_invalidate(fx.c, 1, "f", 0, 65536, err, sizeof(err));
		t_empty += now_us() - t0;
	}
	TH_LOG("invalidate 64 KiB mapped on B: %.1f us; nothing cached: %.1f us (round trips, mean of %d)",
	       t_cached / n, t_empty / n, n);
	(void)sink;
	munmap(mb, FSIZE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

TEST(skip_invalidation_leaves_b_stale)
{
	static unsigned char old[FSIZE], exp[FSIZE], got[FSIZE];
	struct fl_clusterfs_stats st;
	char err[FL_ERR_LEN] = "";
	unsigned char *mb;
	struct fx fx = { 0 };
	int fda, fdb;

	setup(&fx, 2, true);
	make_file(&fx, exp, &fda, &fdb);
	memcpy(old, exp, FSIZE);
	mb = map_fault_in(fdb, PROT_READ, exp);
	fill(exp + 5000, 3000, 9);
	pwrite_all(fda, exp + 5000, 3000, 5000);
	ASSERT_EQ(pread(fda, got, FSIZE, 0), (ssize_t)FSIZE);
	EXPECT_EQ(first_diff(got, exp, FSIZE), -1);	/* the write happened */
	EXPECT_EQ(first_diff(mb, old, FSIZE), -1);	/* but B still shows the old bytes */
	ASSERT_EQ(fl_clusterfs_invalidate(fx.c, 1, "f", 0, 0, err, sizeof(err)), 0);
	EXPECT_EQ(resident(mb, 0, NPAGES), (int)NPAGES);
	ASSERT_EQ(fl_clusterfs_stats(fx.c, &st, err, sizeof(err)), 0);
	EXPECT_EQ(st.invalidations, 0);
	EXPECT_GE(st.skipped, 2);
	EXPECT_GE(st.writes, 2);
	munmap(mb, FSIZE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

/* keep_cache: a file's pages survive close and a new open. */
TEST(page_cache_survives_reopen)
{
	static unsigned char exp[FSIZE], got[FSIZE];
	char b[256];
	void *m;
	struct fx fx = { 0 };
	int fda, fdb;

	setup(&fx, 2, false);
	make_file(&fx, exp, &fda, &fdb);
	ASSERT_EQ(pread(fdb, got, FSIZE, 0), (ssize_t)FSIZE);
	close(fdb);
	path_on(b, sizeof(b), &fx, 1, "f");
	fdb = open(b, O_RDONLY);
	ASSERT_GE(fdb, 0);
	m = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, fdb, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	EXPECT_EQ(resident(m, 0, NPAGES), (int)NPAGES);
	munmap(m, FSIZE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

TEST(truncate_and_punch_reach_b)
{
	static unsigned char exp[FSIZE], got[FSIZE];
	unsigned char *mb;
	struct stat st;
	struct fx fx = { 0 };
	int fda, fdb;

	setup(&fx, 2, false);
	make_file(&fx, exp, &fda, &fdb);
	mb = map_fault_in(fdb, PROT_READ, exp);
	ASSERT_EQ(fallocate(fda, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * PAGE,
			    2 * PAGE), 0);
	memset(exp + 2 * PAGE, 0, 2 * PAGE);
	EXPECT_EQ(first_diff(mb, exp, FSIZE), -1);	/* the hole shows on B */

	ASSERT_EQ(ftruncate(fda, 3 * PAGE), 0);
	ASSERT_EQ(fstat(fdb, &st), 0);
	EXPECT_EQ(st.st_size, 3 * PAGE);		/* B sees the size at once */
	EXPECT_EQ(resident(mb, 3, NPAGES - 3), 0);	/* and lost the pages */
	EXPECT_EQ(first_diff(mb, exp, 3 * PAGE), -1);

	ASSERT_EQ(ftruncate(fda, FSIZE), 0);
	memset(exp + 3 * PAGE, 0, FSIZE - 3 * PAGE);
	ASSERT_EQ(pread(fdb, got, FSIZE, 0), (ssize_t)FSIZE);
	EXPECT_EQ(first_diff(got, exp, FSIZE), -1);
	munmap(mb, FSIZE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

/*
 * A file grown through A can be faulted on B's existing mapping beyond
 * B's old end at once, without a stat on B first (no SIGBUS).
 */
TEST(growth_reaches_mapping_on_b)
{
	static unsigned char exp[4 * PAGE];
	unsigned char *mb;
	char a[256], b[256];
	struct fx fx = { 0 };
	int fda, fdb;

	setup(&fx, 2, false);
	path_on(a, sizeof(a), &fx, 0, "g");
	path_on(b, sizeof(b), &fx, 1, "g");
	fill(exp, PAGE, 3);
	fda = open(a, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_GE(fda, 0);
	pwrite_all(fda, exp, PAGE, 0);
	fdb = open(b, O_RDWR);
	ASSERT_GE(fdb, 0);
	mb = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fdb, 0);
	ASSERT_TRUE(mb != MAP_FAILED);
	EXPECT_EQ(first_diff(mb, exp, PAGE), -1);

	fill(exp + 2 * PAGE + 100, 200, 4);		/* a write past the end */
	pwrite_all(fda, exp + 2 * PAGE + 100, 200, 2 * PAGE + 100);
	EXPECT_EQ(first_diff(mb, exp, 2 * PAGE + 300), -1);

	ASSERT_EQ(ftruncate(fda, 4 * PAGE), 0);		/* a truncate up */
	EXPECT_EQ(first_diff(mb, exp, 4 * PAGE), -1);
	munmap(mb, 4 * PAGE);
	close(fda);
	close(fdb);
	teardown(&fx);
}

TEST(errors_name_their_object)
{
	struct fl_clusterfs_opts o = { .nr_mounts = 2 };
	struct fl_clusterfs *c = NULL;
	char err[FL_ERR_LEN] = "", missing[128];
	static unsigned char exp[FSIZE];
	struct fx fx = { 0 };
	int fda, fdb;

	need_fuse();
	fx_dirs(&fx);
	snprintf(missing, sizeof(missing), "%s/no-such-backing", fx.dir);
	o.backing = missing;
	o.mount_dir = fx.mnt;
	EXPECT_EQ(fl_clusterfs_start(&c, &o, err, sizeof(err)), -ENOENT);
	TH_LOG("missing backing: %s", err);
	EXPECT_TRUE(strstr(err, missing) != NULL);
	EXPECT_TRUE(c == NULL);
	o.backing = fx.backing;
	o.nr_mounts = 0;
	EXPECT_EQ(fl_clusterfs_start(&c, &o, err, sizeof(err)), -EINVAL);
	fx_cleanup();

	setup(&fx, 2, false);
	make_file(&fx, exp, &fda, &fdb);
	EXPECT_EQ(fl_clusterfs_invalidate(fx.c, 1, "no-such-file", 0, 0, err, sizeof(err)),
		  -ENOENT);
	TH_LOG("unknown file: %s", err);
	EXPECT_TRUE(strstr(err, "no-such-file") != NULL);
	EXPECT_EQ(fl_clusterfs_invalidate(fx.c, 5, "f", 0, 0, err, sizeof(err)), -EINVAL);
	EXPECT_TRUE(strstr(err, "mount 5") != NULL);
	EXPECT_EQ(fl_clusterfs_invalidate(fx.c, 0, "a/b", 0, 0, err, sizeof(err)), -EINVAL);
	EXPECT_EQ(fl_clusterfs_invalidate(fx.c, 0, "f", 0, 0, err, sizeof(err)), 0);
	close(fda);
	close(fdb);
	teardown(&fx);
}

/* A second handle from the control path: same mounts; stop only disconnects. */
TEST(connected_handle)
{
	struct fl_clusterfs *h;
	struct fl_clusterfs_stats st;
	static unsigned char exp[FSIZE];
	char err[FL_ERR_LEN] = "";
	struct stat sb;
	struct fx fx = { 0 };
	int fda, fdb;

	setup(&fx, 3, false);
	make_file(&fx, exp, &fda, &fdb);
	ASSERT_EQ(fl_clusterfs_connect(&h, fl_clusterfs_control(fx.c), err, sizeof(err)), 0);
	ASSERT_EQ(fl_clusterfs_nr_mounts(h), 3);
	for (int i = 0; i < 3; i++)
		EXPECT_STREQ(fl_clusterfs_mount(h, i), fl_clusterfs_mount(fx.c, i));
	EXPECT_TRUE(fl_clusterfs_mount(h, 3) == NULL);
	EXPECT_EQ(fl_clusterfs_invalidate(h, 2, "f", 0, 0, err, sizeof(err)), 0);
	EXPECT_EQ(fl_clusterfs_stats(h, &st, err, sizeof(err)), 0);
	EXPECT_EQ(st.requested, 1);
	EXPECT_EQ(fl_clusterfs_stop(h, err, sizeof(err)), 0);
	EXPECT_EQ(fstat(fdb, &sb), 0);			/* the daemon still serves */
	EXPECT_EQ(fl_clusterfs_stats(fx.c, &st, err, sizeof(err)), 0);
	close(fda);
	close(fdb);
	teardown(&fx);
}

/*
 * Writers on both mounts, stores to a mapping on B (dirty pages that
 * invalidations from A must launder: the nested case) and explicit
 * invalidations, all on one file at once, for a second. Nothing may hang,
 * and once quiet every view of the file is the backing file.
 */
#define STRESS_SIZE (256u * 1024u)

struct stress {
	struct fx *fx;
	int fd[2];
	unsigned char *mb;
	int ids;
	volatile bool stop;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void *stress_writer(void *arg)
{
	struct stress *s = arg;
	static __thread unsigned char buf[3 * PAGE];
	int id = __atomic_fetch_add(&s->ids, 1, __ATOMIC_RELAXED);
	uint32_t seed = 2654435761u * (uint32_t)(id + 1);
	int fd = s->fd[id & 1];

	for (unsigned int n = 0; !s->stop; n++) {
		size_t len = 1 + rnd(&seed) % sizeof(buf);
		off_t off = rnd(&seed) % (STRESS_SIZE - len);

		fill(buf, len, n);
		if (pwrite(fd, buf, len, off) != (ssize_t)len)
			return (void *)1;
	}
	return NULL;
}

static void *stress_storer(void *arg)
{
	struct stress *s = arg;
	uint32_t seed = 12345;

	for (unsigned int n = 0; !s->stop; n++) {
		size_t off = rnd(&seed) % STRESS_SIZE;

		s->mb[off] = (unsigned char)n;
		if (!(n % 64) && msync(s->mb, STRESS_SIZE, (n % 256) ? MS_ASYNC : MS_SYNC))
			return (void *)1;
	}
	return NULL;
}

static void *stress_revoker(void *arg)
{
	struct stress *s = arg;
	char err[FL_ERR_LEN];
	uint32_t seed = 777;

	while (!s->stop) {
		uint64_t off = rnd(&seed) % STRESS_SIZE;

		if (fl_clusterfs_invalidate(s->fx->c, (int)(rnd(&seed) & 1), "s", off,
					    rnd(&seed) % (4 * PAGE), err, sizeof(err)))
			return (void *)1;
	}
	return NULL;
}

TEST(concurrent_writers_converge)
{
	static unsigned char want[STRESS_SIZE], got[STRESS_SIZE];
	struct fl_clusterfs_stats st;
	char path[256], err[FL_ERR_LEN];
	struct stress s = { 0 };
	pthread_t t[5];
	void *(*fn[5])(void *) = { stress_writer, stress_writer, stress_writer,
				   stress_storer, stress_revoker };
	struct fx fx = { 0 };
	unsigned char *ma;
	bool same = false;
	int fdk;

	alarm(25);	/* a deadlock fails here, not after the default 120 s */
	setup(&fx, 2, false);
	s.fx = &fx;
	for (int i = 0; i < 2; i++) {
		path_on(path, sizeof(path), &fx, i, "s");
		s.fd[i] = open(path, O_CREAT | O_RDWR, 0644);
		ASSERT_GE(s.fd[i], 0);
	}
	ASSERT_EQ(ftruncate(s.fd[0], STRESS_SIZE), 0);
	s.mb = mmap(NULL, STRESS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd[1], 0);
	ASSERT_TRUE(s.mb != MAP_FAILED);
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, fn[i], &s), 0);
	usleep(1000 * 1000);
	s.stop = true;
	for (int i = 0; i < 5; i++) {
		void *r;

		ASSERT_EQ(pthread_join(t[i], &r), 0);
		EXPECT_TRUE(r == NULL);
	}
	ASSERT_EQ(msync(s.mb, STRESS_SIZE, MS_SYNC), 0);
	ASSERT_EQ(fl_clusterfs_stats(fx.c, &st, err, sizeof(err)), 0);
	TH_LOG("%llu writes, %llu invalidations (%llu requested), %llu deferred",
	       (unsigned long long)st.writes, (unsigned long long)st.invalidations,
	       (unsigned long long)st.requested, (unsigned long long)st.deferred);

	/* Deferred invalidations drain within moments: poll for agreement. */
	snprintf(path, sizeof(path), "%s/s", fx.backing);
	fdk = open(path, O_RDONLY);
	ASSERT_GE(fdk, 0);
	ma = mmap(NULL, STRESS_SIZE, PROT_READ, MAP_SHARED, s.fd[0], 0);
	ASSERT_TRUE(ma != MAP_FAILED);
	for (int tries = 0; tries < 100 && !same; tries++) {
		ASSERT_EQ(pread(fdk, want, STRESS_SIZE, 0), (ssize_t)STRESS_SIZE);
		same = first_diff(ma, want, STRESS_SIZE) < 0 &&
		       first_diff(s.mb, want, STRESS_SIZE) < 0 &&
		       pread(s.fd[0], got, STRESS_SIZE, 0) == (ssize_t)STRESS_SIZE &&
		       first_diff(got, want, STRESS_SIZE) < 0 &&
		       pread(s.fd[1], got, STRESS_SIZE, 0) == (ssize_t)STRESS_SIZE &&
		       first_diff(got, want, STRESS_SIZE) < 0;
		if (!same)
			usleep(20 * 1000);
	}
	EXPECT_TRUE(same);
	munmap(ma, STRESS_SIZE);
	munmap(s.mb, STRESS_SIZE);
	close(fdk);
	close(s.fd[0]);
	close(s.fd[1]);
	teardown(&fx);
}

/*
 * The control protocol without FUSE (fl_clusterfs_ctl_serve, what
 * fuzz_clusterfs_ctl feeds): one reply line per request line, CRLF taken,
 * errors as "err ERRNO MESSAGE", and a line longer than the daemon's
 * buffer hangs up without a reply.
 */
TEST(control_protocol_replies)
{
	static const char req[] =
		"info\nstats\r\ninval 0 f 0 0\ninval 1 f 4096 8192\ninval 2 f 0 0\n"
		"inval 0 a/b 0 0\ninval 0 nope 0 0\ninval 0 f 0\nbogus\n";
	static const char *const want[] = {
		"ok nodes=2 pid=", "ok writes=0 invalidations=0 skipped=0 requested=0 deferred=0",
		"ok", "ok", "err 22 inval: mount 2: there are 2 mounts (0..1)",
		"err 22 inval: a/b at 0+0: not a file name and range",
		"err 2 inval: nope (in (not mounted)): No such file or directory",
		"err 22 inval: expected \"inval MOUNT NAME OFF LEN\", got \"inval 0 f 0\"",
		"err 22 unknown request \"bogus\" (inval, stats, info, quit)",
	};
	char dir[] = "/tmp/faultline-ctl.XXXXXX", path[64], replies[4096], *line, *save;
	char big[8192];
	int sv[2], dfd, fd, i = 0;
	ssize_t n;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	dfd = open(dir, O_PATH | O_DIRECTORY);
	ASSERT_TRUE(dfd >= 0);

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	shutdown(sv[1], SHUT_WR);
	fl_clusterfs_ctl_serve(sv[0], dfd, 2);
	n = read(sv[1], replies, sizeof(replies) - 1);
	ASSERT_GT(n, 0);
	replies[n] = '\0';
	close(sv[1]);
	for (line = strtok_r(replies, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		ASSERT_LT(i, (int)ARRAY_SIZE(want));
		if (strncmp(line, want[i], strlen(want[i])))
			TH_LOG("reply %d: \"%s\", want \"%s...\"", i, line, want[i]);
		EXPECT_EQ(strncmp(line, want[i], strlen(want[i])), 0);
	}
	EXPECT_EQ(i, (int)ARRAY_SIZE(want));

	memset(big, 'x', sizeof(big));
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], big, sizeof(big)), (ssize_t)sizeof(big));
	fl_clusterfs_ctl_serve(sv[0], dfd, 2);
	/* Hung up, unread bytes left: end of file or a reset, no reply. */
	EXPECT_LE(read(sv[1], replies, sizeof(replies)), 0);
	close(sv[1]);
	close(dfd);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	int failed = 0;

	/* fl_clusterfs_start() runs /proc/self/exe clusterfs: be the daemon. */
	if (argc > 1 && !strcmp(argv[1], "clusterfs"))
		return fl_clusterfs_main(argc - 1, argv + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", fl_test_count);
	for (int i = 0; i < fl_test_count; i++)
		failed += fl_test_run_one(i);
	return failed ? 1 : 0;
}
