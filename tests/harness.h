/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal kselftest-style unit test harness: TEST() registers a function,
 * each test runs in a forked child with a timeout, results are TAP 13.
 * A test fails by returning through ASSERT_*, by crashing, or by timing out;
 * EXPECT_* records a failure and goes on.
 */
#ifndef FL_TEST_HARNESS_H
#define FL_TEST_HARNESS_H

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FL_TEST_MAX 256
#define FL_TEST_TIMEOUT_S 120
#define FL_TEST_EXIT_SKIP 77

struct fl_test {
	const char *name;
	void (*fn)(void);
};

static struct fl_test fl_tests[FL_TEST_MAX];
static int fl_test_count;
static int fl_test_failed_expect;

static inline void fl_test_register(const char *name, void (*fn)(void))
{
	if (fl_test_count < FL_TEST_MAX)
		fl_tests[fl_test_count++] = (struct fl_test){ name, fn };
}

#define TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void fl_reg_##name(void)	\
	{								\
		fl_test_register(#name, name);				\
	}								\
	static void name(void)

/* Diagnostics go to stdout as TAP comments so they stay with the test. */
#define TH_LOG(...)							\
	do {								\
		printf("# " __VA_ARGS__);				\
		printf("\n");						\
		fflush(stdout);						\
	} while (0)

#define FL_CHECK(cond, fatal, fmt, ...)					\
	do {								\
		if (!(cond)) {						\
			TH_LOG("%s:%d: " fmt, __FILE__, __LINE__,	\
			       ##__VA_ARGS__);				\
			if (fatal)					\
				exit(1);				\
			fl_test_failed_expect = 1;			\
		}							\
	} while (0)

#define FL_CMP(a, op, b, fatal)						\
	do {								\
		__typeof__(a) fl_a_ = (a);				\
		__typeof__(a) fl_b_ = (__typeof__(a))(b);	\
		FL_CHECK(fl_a_ op fl_b_, fatal,				\
			 "%s %s %s (%" PRId64 " vs %" PRId64 ")", #a,	\
			 #op, #b, (int64_t)fl_a_, (int64_t)fl_b_);	\
	} while (0)

#define ASSERT_EQ(a, b) FL_CMP(a, ==, b, 1)
#define ASSERT_NE(a, b) FL_CMP(a, !=, b, 1)
#define ASSERT_LT(a, b) FL_CMP(a, <, b, 1)
#define ASSERT_LE(a, b) FL_CMP(a, <=, b, 1)
#define ASSERT_GT(a, b) FL_CMP(a, >, b, 1)
#define ASSERT_GE(a, b) FL_CMP(a, >=, b, 1)
#define ASSERT_TRUE(c) FL_CHECK((c), 1, "expected true: %s", #c)
#define ASSERT_FALSE(c) FL_CHECK(!(c), 1, "expected false: %s", #c)
#define ASSERT_STREQ(a, b)						\
	FL_CHECK(strcmp((a), (b)) == 0, 1, "\"%s\" != \"%s\"", (a), (b))
#define EXPECT_EQ(a, b) FL_CMP(a, ==, b, 0)
#define EXPECT_LE(a, b) FL_CMP(a, <=, b, 0)
#define EXPECT_GE(a, b) FL_CMP(a, >=, b, 0)
#define EXPECT_TRUE(c) FL_CHECK((c), 0, "expected true: %s", #c)
#define EXPECT_STREQ(a, b)						\
	FL_CHECK(strcmp((a), (b)) == 0, 0, "\"%s\" != \"%s\"", (a), (b))

/* Skip the running test with a reason; printed as TAP "# SKIP reason". */
#define SKIP(...)							\
	do {								\
		printf("# SKIP ");					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		fflush(stdout);						\
		exit(FL_TEST_EXIT_SKIP);				\
	} while (0)

static inline int fl_test_run_one(int idx)
{
	const struct fl_test *t = &fl_tests[idx];
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok %d %s # fork failed\n", idx + 1, t->name);
		return 1;
	}
	if (pid == 0) {
		alarm(FL_TEST_TIMEOUT_S);
		t->fn();
		exit(fl_test_failed_expect ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		status = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == FL_TEST_EXIT_SKIP) {
		printf("ok %d %s # SKIP\n", idx + 1, t->name);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d %s\n", idx + 1, t->name);
		return 0;
	}
	if (WIFSIGNALED(status))
		printf("not ok %d %s # killed by signal %d%s\n", idx + 1,
		       t->name, WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	else
		printf("not ok %d %s\n", idx + 1, t->name);
	return 1;
}

#define TEST_HARNESS_MAIN						\
	int main(void)							\
	{								\
		int failed = 0;						\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		printf("TAP version 13\n1..%d\n", fl_test_count);	\
		for (int i = 0; i < fl_test_count; i++)			\
			failed += fl_test_run_one(i);			\
		return failed ? 1 : 0;					\
	}

#endif /* FL_TEST_HARNESS_H */
