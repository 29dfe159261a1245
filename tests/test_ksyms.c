// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbols (harness/collect/ksyms.c) from a fabricated kallsyms file: load,
 * look up, format, and find the caller of a lock wait past the tracing
 * glue and the wait's own frames. Then the lock table's names and types
 * (harness/collect/bpf/locktable.c) where BPF is built.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "collect/ksyms.h"
#include "harness.h"

#ifdef FL_HAVE_BPF
#include <linux/types.h>
#include "collect/bpf/locktable.h"
#endif

/*
 * Out of order on purpose (the loader sorts), with a module symbol and
 * kinds the loader skips ('a', 'U'). Lock text and __sched text each hold
 * one slow path; everything else is ordinary text or data.
 */
static const char kallsyms[] =
	"ffffffff81100400 T unmap_mapping_range\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 T filemap_fault\n"
	"ffffffff81100800 T folio_wait_bit_common\n"
	"ffffffff81100c00 T __folio_lock\n"
	"ffffffff81101000 t __bpf_trace_contention_begin\n"
	"ffffffff81101100 T __vm_munmap\n"
	"ffffffff81200000 T __sched_text_start\n"
	"ffffffff81200010 T down_write\n"
	"ffffffff81200100 T rwsem_down_write_slowpath\n"
	"ffffffff81200800 T __sched_text_end\n"
	"ffffffff81300000 T __lock_text_start\n"
	"ffffffff81300010 T _raw_spin_lock\n"
	"ffffffff81300100 t queued_spin_lock_slowpath\n"
	"ffffffff81300800 T __lock_text_end\n"
	"ffffffff81300810 T pmd_install\n"
	"0000000000000000 a fixed_percpu_data\n"
	"ffffffff83000000 d some_global_lock\n"
	"ffffffff83000040 D other_data\n"
	"ffffffffc0001000 t ext4_page_mkwrite\t[ext4]\n"
	"this line is not a symbol\n";

#define A(x) UINT64_C(x)
#define GLUE A(0xffffffff81101020)		/* __bpf_trace_contention_begin+0x20 */
#define LOCK_SLOW A(0xffffffff81300150)		/* queued_spin_lock_slowpath+0x50 */
#define RAW_SPIN A(0xffffffff81300020)		/* _raw_spin_lock+0x10 */
#define DOWN_WRITE A(0xffffffff81200030)	/* down_write+0x20 */
#define RWSEM_SLOW A(0xffffffff81200200)	/* rwsem_down_write_slowpath+0x100 */
#define UNMAP A(0xffffffff81100442)		/* unmap_mapping_range+0x42 */
#define MUNMAP A(0xffffffff81101180)		/* __vm_munmap+0x80 */
#define FOLIO_WAIT A(0xffffffff81100890)	/* folio_wait_bit_common+0x90 */
#define FOLIO_LOCK A(0xffffffff81100c20)	/* __folio_lock+0x20 */
#define FILEMAP_FAULT A(0xffffffff81100123)	/* filemap_fault+0x123 */

static char path[64];

/* Write @text to a fresh temporary file named in path. */
static void write_file(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/faultline-ksyms.XXXXXX");
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ASSERT_EQ(close(fd), 0);
}

static struct fl_ksyms *load(const char *text)
{
	char err[FL_ERR_LEN] = "";
	struct fl_ksyms *ks;

	write_file(text);
	ks = fl_ksyms_load(path, err, sizeof(err));
	unlink(path);
	if (!ks) {
		TH_LOG("load: %s", err);
		exit(1);
	}
	return ks;
}

static const char *name_at(const struct fl_ksyms *ks, uint64_t addr)
{
	const struct fl_ksym *s = fl_ksyms_find(ks, addr);

	return s ? s->name : "(none)";
}

TEST(load_sorts_and_keeps_text_and_data)
{
	struct fl_ksyms *ks = load(kallsyms);

	/* 21 lines: the absolute symbol and the non-symbol line are left out. */
	EXPECT_EQ(ks->nr, (size_t)19);
	for (size_t i = 1; i < ks->nr; i++)
		EXPECT_LE(ks->syms[i - 1].addr, ks->syms[i].addr);
	EXPECT_EQ(ks->lock_text[0], A(0xffffffff81300000));
	EXPECT_EQ(ks->lock_text[1], A(0xffffffff81300800));
	EXPECT_EQ(ks->sched_text[0], A(0xffffffff81200000));
	EXPECT_EQ(ks->sched_text[1], A(0xffffffff81200800));
	fl_ksyms_free(ks);
}

TEST(find_exact_inside_and_below_the_first)
{
	struct fl_ksyms *ks = load(kallsyms);
	const struct fl_ksym *s;

	s = fl_ksyms_find(ks, A(0xffffffff81100400));
	ASSERT_TRUE(s != NULL);
	EXPECT_STREQ(s->name, "unmap_mapping_range");
	EXPECT_EQ(s->addr, A(0xffffffff81100400));
	EXPECT_EQ(s->type, 'T');
	EXPECT_STREQ(name_at(ks, UNMAP), "unmap_mapping_range");
	/* The last byte before the next symbol still belongs to this one. */
	EXPECT_STREQ(name_at(ks, A(0xffffffff811007ff)), "unmap_mapping_range");
	EXPECT_STREQ(name_at(ks, RWSEM_SLOW), "rwsem_down_write_slowpath");
	EXPECT_STREQ(name_at(ks, A(0xffffffff81000000)), "_stext");
	/* Below the first symbol: nothing, and no crash on empty or NULL. */
	EXPECT_TRUE(fl_ksyms_find(ks, A(0xffffffff80ffffff)) == NULL);
	EXPECT_TRUE(fl_ksyms_find(ks, 0) == NULL);
	EXPECT_TRUE(fl_ksyms_find(NULL, UNMAP) == NULL);
	/* Data, with its type; a module's symbol without its "[ext4]". */
	s = fl_ksyms_find(ks, A(0xffffffff83000008));
	ASSERT_TRUE(s != NULL);
	EXPECT_STREQ(s->name, "some_global_lock");
	EXPECT_EQ(s->type, 'd');
	EXPECT_STREQ(name_at(ks, A(0xffffffff83000040)), "other_data");
	EXPECT_STREQ(name_at(ks, A(0xffffffffc0001010)), "ext4_page_mkwrite");
	fl_ksyms_free(ks);
}

TEST(format_name_plus_offset_or_hex)
{
	struct fl_ksyms *ks = load(kallsyms);
	char buf[128];

	fl_ksyms_format(ks, UNMAP, buf, sizeof(buf));
	EXPECT_STREQ(buf, "unmap_mapping_range+0x42");
	fl_ksyms_format(ks, FILEMAP_FAULT, buf, sizeof(buf));
	EXPECT_STREQ(buf, "filemap_fault+0x123");
	/* Exactly at a symbol: offset 0 (printf's %#x writes 0 as "0"). */
	fl_ksyms_format(ks, A(0xffffffff81300810), buf, sizeof(buf));
	EXPECT_TRUE(!strcmp(buf, "pmd_install+0x0") || !strcmp(buf, "pmd_install+0"));
	fl_ksyms_format(ks, A(0x1234), buf, sizeof(buf));
	EXPECT_STREQ(buf, "0x1234");
	/* A short buffer is cut, never overrun. */
	memset(buf, 'x', sizeof(buf));
	fl_ksyms_format(ks, UNMAP, buf, 8);
	EXPECT_STREQ(buf, "unmap_m");
	EXPECT_EQ(buf[8], 'x');
	fl_ksyms_free(ks);
}

TEST(caller_skips_glue_and_lock_frames)
{
	struct fl_ksyms *ks = load(kallsyms);
	/* contention_begin from i_mmap_lock_write() inside unmap_mapping_range. */
	const uint64_t stack[] = { GLUE, LOCK_SLOW, RAW_SPIN, DOWN_WRITE, RWSEM_SLOW,
				   UNMAP, MUNMAP, 0 };
	const uint64_t no_glue[] = { DOWN_WRITE, MUNMAP, 0 };

	EXPECT_EQ(fl_ksyms_caller(ks, stack, 8, NULL), 5);
	EXPECT_STREQ(name_at(ks, stack[5]), "unmap_mapping_range");
	/* The frame count bounds the walk, not only the 0 terminator. */
	EXPECT_EQ(fl_ksyms_caller(ks, stack, 6, NULL), 5);
	EXPECT_EQ(fl_ksyms_caller(ks, no_glue, 3, NULL), 1);
	/* The sched/lock text of symbols is found without wait_fns too. */
	EXPECT_EQ(fl_ksyms_caller(ks, stack, 8, (const char *const[]){ NULL }), 5);
	fl_ksyms_free(ks);
}

TEST(caller_with_named_wait_functions)
{
	struct fl_ksyms *ks = load(kallsyms);
	const char *const wait_fns[] = { "folio_wait_bit_common", "__folio_lock", NULL };
	/* folio_wait_bit_common's fexit: folio lock wait from filemap_fault. */
	const uint64_t stack[] = { GLUE, FOLIO_WAIT, FOLIO_LOCK, FILEMAP_FAULT,
				   MUNMAP, 0 };
	/* A sleep in __sched text within the named wait is part of it. */
	const uint64_t mixed[] = { GLUE, DOWN_WRITE, FOLIO_WAIT, RWSEM_SLOW, FOLIO_LOCK,
				   FILEMAP_FAULT, 0 };
	int i;

	i = fl_ksyms_caller(ks, stack, 6, wait_fns);
	EXPECT_EQ(i, 3);
	if (i >= 0)
		EXPECT_STREQ(name_at(ks, stack[i]), "filemap_fault");
	EXPECT_EQ(fl_ksyms_caller(ks, mixed, 7, wait_fns), 5);
	/* Without the names, these frames are ordinary: no wait, no caller. */
	EXPECT_EQ(fl_ksyms_caller(ks, stack, 6, NULL), -1);
	fl_ksyms_free(ks);
}

TEST(caller_none_without_wait_or_after_it)
{
	struct fl_ksyms *ks = load(kallsyms);
	const uint64_t no_wait[] = { GLUE, UNMAP, MUNMAP, FILEMAP_FAULT, 0 };
	const uint64_t ends[] = { GLUE, LOCK_SLOW, DOWN_WRITE, 0, UNMAP };
	const uint64_t full[] = { GLUE, LOCK_SLOW, DOWN_WRITE };
	const uint64_t glue_only[] = { GLUE, 0, LOCK_SLOW, UNMAP };
	const uint64_t unknown[] = { A(0x10), A(0x20), 0 };

	EXPECT_EQ(fl_ksyms_caller(ks, no_wait, 5, NULL), -1);
	/* Wait frames, then the stack ends: the 0 stops the walk. */
	EXPECT_EQ(fl_ksyms_caller(ks, ends, 5, NULL), -1);
	/* Wait frames up to the last kept frame: the caller was cut off. */
	EXPECT_EQ(fl_ksyms_caller(ks, full, 3, NULL), -1);
	/* A 0 before any wait frame ends the stack too. */
	EXPECT_EQ(fl_ksyms_caller(ks, glue_only, 4, NULL), -1);
	EXPECT_EQ(fl_ksyms_caller(ks, unknown, 3, NULL), -1);
	EXPECT_EQ(fl_ksyms_caller(ks, no_wait, 0, NULL), -1);
	fl_ksyms_free(ks);
}

TEST(no_lock_text_symbols_no_lock_frames)
{
	/* A kallsyms without the section markers: only wait_fns name waits. */
	struct fl_ksyms *ks = load("ffffffff81300010 T _raw_spin_lock\n"
				   "ffffffff81100400 T unmap_mapping_range\n");
	const uint64_t stack[] = { RAW_SPIN, UNMAP, 0 };
	const char *const wait_fns[] = { "_raw_spin_lock", NULL };

	EXPECT_EQ(fl_ksyms_caller(ks, stack, 3, NULL), -1);
	EXPECT_EQ(fl_ksyms_caller(ks, stack, 3, wait_fns), 1);
	fl_ksyms_free(ks);
}

TEST(zero_addresses_fail_with_kptr_restrict)
{
	char err[FL_ERR_LEN] = "";
	struct fl_ksyms *ks;

	/* What an unprivileged reader sees with kptr_restrict set. */
	write_file("0000000000000000 T _stext\n"
		   "0000000000000000 T __lock_text_start\n"
		   "0000000000000000 T unmap_mapping_range\n"
		   "0000000000000000 d some_global_lock\n");
	ks = fl_ksyms_load(path, err, sizeof(err));
	unlink(path);
	EXPECT_TRUE(ks == NULL);
	EXPECT_TRUE(strstr(err, "kptr_restrict") != NULL);
	EXPECT_TRUE(strstr(err, path) != NULL);
	fl_ksyms_free(ks);
}

TEST(missing_file_fails_naming_it)
{
	char err[FL_ERR_LEN] = "";
	const char *missing = "/nonexistent/faultline-kallsyms";
	struct fl_ksyms *ks = fl_ksyms_load(missing, err, sizeof(err));

	EXPECT_TRUE(ks == NULL);
	EXPECT_TRUE(strstr(err, missing) != NULL);
	EXPECT_TRUE(strstr(err, strerror(ENOENT)) != NULL);
	fl_ksyms_free(NULL);	/* freeing nothing is fine */
}

TEST(real_kallsyms_when_readable)
{
	char err[FL_ERR_LEN] = "";
	struct fl_ksyms *ks = fl_ksyms_load("/proc/kallsyms", err, sizeof(err));
	const struct fl_ksym *s;

	if (!ks)
		SKIP("%s", err);
	ASSERT_GT(ks->nr, (size_t)1000);
	EXPECT_TRUE(ks->sched_text[0] && ks->sched_text[0] < ks->sched_text[1]);
	EXPECT_TRUE(ks->lock_text[0] && ks->lock_text[0] < ks->lock_text[1]);
	for (size_t i = 0; i < ks->nr; i++)
		if (!strcmp(ks->syms[i].name, "handle_mm_fault")) {
			s = fl_ksyms_find(ks, ks->syms[i].addr + 1);
			ASSERT_TRUE(s != NULL);
			EXPECT_STREQ(s->name, "handle_mm_fault");
			break;
		}
	fl_ksyms_free(ks);
}

#ifdef FL_HAVE_BPF
TEST(lock_types_from_class_and_flags)
{
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_WRITE), "rwsem:W");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_READ), "rwsem:R");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, 0), "semaphore");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_SPIN), "spinlock");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_SPIN | FL_LCB_F_READ), "rwlock:R");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_SPIN | FL_LCB_F_WRITE), "rwlock:W");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_MUTEX), "mutex");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_RT), "rtmutex");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_RT | FL_LCB_F_READ), "rt-rw:R");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_RT | FL_LCB_F_WRITE), "rt-rw:W");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_PERCPU | FL_LCB_F_READ), "pcpu-sem:R");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_OTHER, FL_LCB_F_PERCPU | FL_LCB_F_WRITE), "pcpu-sem:W");
	/* Known locks keep the type of their flags. */
	EXPECT_STREQ(fl_lock_type(FL_LOCK_MMAP, FL_LCB_F_WRITE), "rwsem:W");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_I_PAGES, FL_LCB_F_SPIN), "spinlock");
	/* Folio waits are folio waits whatever the flags. */
	EXPECT_STREQ(fl_lock_type(FL_LOCK_FOLIO, 0), "folio");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_FOLIO_WRITEBACK, FL_LCB_F_SPIN), "folio");
	EXPECT_STREQ(fl_lock_type(FL_LOCK_FOLIO_OTHER, 0), "folio");
}

TEST(lock_names_by_class)
{
	EXPECT_STREQ(fl_lock_name(FL_LOCK_MMAP, FL_LCB_F_WRITE, "__vm_munmap", NULL), "mmap_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_MMAP, FL_LCB_F_READ, "?", NULL), "mmap_lock");
	/* The class wins over a caller or symbol that would name it otherwise. */
	EXPECT_STREQ(fl_lock_name(FL_LOCK_MMAP, FL_LCB_F_WRITE, "__vma_start_write",
				  "some_global_lock"), "mmap_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_I_MMAP, FL_LCB_F_WRITE, "unmap_mapping_range", NULL),
		     "i_mmap_rwsem");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_INVALIDATE, FL_LCB_F_READ, "ext4_page_mkwrite", NULL),
		     "invalidate_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_I_PAGES, FL_LCB_F_SPIN, NULL, NULL), "i_pages");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_I_PRIVATE, FL_LCB_F_SPIN, "?", NULL), "i_private_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_FOLIO, 0, "filemap_fault", NULL), "folio_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_FOLIO_WRITEBACK, 0, "?", NULL), "folio_writeback");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_FOLIO_OTHER, 0, "?", NULL), "folio_bit");
}

TEST(lock_names_by_caller_symbol_or_type)
{
	/* Per-VMA locks, by where the wait started, whatever the flags. */
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, 0, "__vma_start_write", NULL), "vma_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_WRITE, "vma_start_write", NULL),
		     "vma_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_READ, "lock_vma_under_rcu", NULL),
		     "vma_lock");
	/* Page-table locks: a plain spinlock taken by a page-table walker. */
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN, "pmd_install", NULL),
		     "page_table_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN, "__pte_offset_map_lock", NULL),
		     "page_table_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN, "do_set_pmd", NULL),
		     "page_table_lock");
	/* ... but not a mutex or rwsem taken there, nor a spinlock elsewhere. */
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_MUTEX, "pmd_install", NULL), "mutex");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN | FL_LCB_F_READ, "pmd_install",
				  NULL), "rwlock:R");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN, "try_to_wake_up", NULL),
		     "spinlock");
	/* A global lock by its symbol. */
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN, "try_to_wake_up",
				  "some_global_lock"), "some_global_lock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_MUTEX, "?", "cgroup_mutex"),
		     "cgroup_mutex");
	/* Nothing known: the type; an unknown caller ("?") or none at all. */
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_WRITE, "?", NULL), "rwsem:W");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, FL_LCB_F_SPIN, NULL, NULL), "spinlock");
	EXPECT_STREQ(fl_lock_name(FL_LOCK_OTHER, 0, NULL, NULL), "semaphore");
}
#endif

TEST_HARNESS_MAIN
