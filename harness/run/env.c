// SPDX-License-Identifier: GPL-2.0
/* Recording the environment: what a reader needs to trust a number. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "run/env.h"

/* First line of a small file, trailing newline dropped; NULL if unreadable. */
static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *ret = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = buf;
	}
	fclose(f);
	return ret;
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The [selected] word of a sysfs choice file such as THP "enabled". */
static json_t *selected_choice(const char *path)
{
	char buf[256], *l, *r;

	if (!read_line(path, buf, sizeof(buf)))
		return json_null();
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!l || !r)
		return json_string(buf);
	*r = '\0';
	return json_string(l + 1);
}

/*
 * FNV-1a over the uncompressed kernel config: a short identity, enough to
 * tell two configs apart in results, not a security hash.
 */
static json_t *kernel_config_hash(const char *release)
{
	char path[PATH_MAX], buf[65536], hex[32];
	uint64_t h = 0xcbf29ce484222325ull;
	const char *src = "/proc/config.gz";
	gzFile gz;
	int n;

	gz = gzopen(src, "rb");
	if (!gz) {
		snprintf(path, sizeof(path), "/boot/config-%s", release);
		src = path;
		gz = gzopen(src, "rb");	/* reads plain files too */
	}
	if (!gz)
		return json_null();
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		for (int i = 0; i < n; i++)
			h = (h ^ (uint8_t)buf[i]) * 0x100000001b3ull;
	gzclose(gz);
	if (n < 0)
		return json_null();
	snprintf(hex, sizeof(hex), "fnv1a64:%016" PRIx64, h);
	return json_pack("{s:s, s:s}", "hash", hex, "source", src);
}

static json_t *cpu_model(void)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	json_t *ret = json_null();

	if (!f)
		return ret;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon[strcspn(colon, "\n")] = '\0';
		json_decref(ret);
		ret = json_string(colon + 2);
		break;
	}
	fclose(f);
	return ret;
}

static json_t *sysctls(void)
{
	static const char *const names[] = {
		"vm/max_map_count", "vm/overcommit_memory", "vm/dirty_ratio",
		"vm/dirty_background_ratio", "vm/swappiness",
		"kernel/numa_balancing", "kernel/perf_event_paranoid",
	};
	json_t *o = json_object();

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[128], key[64], buf[128];

		snprintf(path, sizeof(path), "/proc/sys/%s", names[i]);
		snprintf(key, sizeof(key), "%s", names[i]);
		*strchr(key, '/') = '.';
		json_object_set_new(o, key, string_or_null(read_line(path, buf,
								     sizeof(buf))));
	}
	return o;
}

void fl_env_fs_of(const char *path, struct fl_mount *m)
{
	char real[PATH_MAX], line[4096];
	size_t best = 0;
	FILE *f;

	snprintf(m->type, sizeof(m->type), "?");
	snprintf(m->source, sizeof(m->source), "?");
	snprintf(m->options, sizeof(m->options), "?");
	if (!realpath(path, real))
		return;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return;
	/* id parent maj:min root mountpoint opts [optional...] - fstype source sopts */
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], src[256], opts[512];
		char *dash = strstr(line, " - ");
		size_t n;

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %255s %511s", fstype, src, opts) != 3)
			continue;
		n = strlen(mnt);
		/* Longest mount point that is a path prefix of the directory. */
		if (strncmp(real, mnt, n) ||
		    (n > 1 && real[n] != '/' && real[n] != '\0') || n < best)
			continue;
		best = n;
		snprintf(m->type, sizeof(m->type), "%s", fstype);
		snprintf(m->source, sizeof(m->source), "%s", src);
		snprintf(m->options, sizeof(m->options), "%s", opts);
	}
	fclose(f);
}

json_t *fl_env_host_json(const struct fl_topology *topo, const char *dir)
{
	struct utsname u;
	char buf[4096], desc[512];
	struct fl_mount mnt;
	json_t *host = json_object(), *kernel, *cpu, *thp, *clock, *fs;

	uname(&u);
	gethostname(buf, sizeof(buf));
	json_object_set_new(host, "hostname", json_string(buf));

	kernel = json_pack("{s:s, s:s, s:s}", "release", u.release, "version",
			   u.version, "machine", u.machine);
	json_object_set_new(kernel, "cmdline",
			    string_or_null(read_line("/proc/cmdline", buf, sizeof(buf))));
	json_object_set_new(kernel, "config", kernel_config_hash(u.release));
	json_object_set_new(kernel, "clocksource", string_or_null(read_line(
		"/sys/devices/system/clocksource/clocksource0/current_clocksource",
		buf, sizeof(buf))));
	json_object_set_new(host, "kernel", kernel);

	cpu = json_object();
	json_object_set_new(cpu, "model", cpu_model());
	json_object_set_new(cpu, "pus", json_integer(fl_topology_nr_pus(topo)));
	json_object_set_new(cpu, "cores", json_integer(fl_topology_nr_cores(topo)));
	json_object_set_new(cpu, "packages",
			    json_integer(fl_topology_nr_packages(topo)));
	json_object_set_new(cpu, "nodes", json_integer(fl_topology_nr_nodes(topo)));
	json_object_set_new(cpu, "topology",
			    json_string(fl_topology_describe(topo, desc, sizeof(desc))));
	json_object_set_new(host, "cpu", cpu);
	json_object_set_new(host, "memory_bytes",
			    json_integer((json_int_t)sysconf(_SC_PHYS_PAGES) *
					 sysconf(_SC_PAGESIZE)));
	json_object_set_new(host, "page_size", json_integer(sysconf(_SC_PAGESIZE)));

	thp = json_object();
	json_object_set_new(thp, "enabled", selected_choice(
		"/sys/kernel/mm/transparent_hugepage/enabled"));
	json_object_set_new(thp, "defrag", selected_choice(
		"/sys/kernel/mm/transparent_hugepage/defrag"));
	json_object_set_new(thp, "shmem_enabled", selected_choice(
		"/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
	json_object_set_new(host, "thp", thp);
	json_object_set_new(host, "sysctl", sysctls());

	clock = json_object();
	json_object_set_new(clock, "source", json_string(fl_clock.source));
	json_object_set_new(clock, "tsc_hz", fl_clock.tsc ?
			    json_real(fl_clock.tsc_hz) : json_null());
	if (fl_clock.why)
		json_object_set_new(clock, "why_not_tsc", json_string(fl_clock.why));
	json_object_set_new(clock, "read_ns", json_real(fl_clock.read_ns));
	json_object_set_new(clock, "calibration_spread", json_real(fl_clock.calib_spread));
	json_object_set_new(host, "clock", clock);

	if (dir) {
		fl_env_fs_of(dir, &mnt);
		fs = json_pack("{s:s, s:s, s:s, s:s}", "path", dir, "type", mnt.type,
			       "source", mnt.source, "options", mnt.options);
		json_object_set_new(host, "test_fs", fs);
	}
	return host;
}

const char *fl_env_variant(void)
{
	const char *v = getenv("FAULTLINE_VARIANT");

	return v && *v ? v : "host";
}

const char *fl_env_accel(void)
{
	const char *a = getenv("FAULTLINE_ACCEL");

	if (!a || !*a)
		return "native";
	if (strcmp(a, "native") && strcmp(a, "kvm") && strcmp(a, "tcg")) {
		fl_warn("FAULTLINE_ACCEL=%s is not native, kvm or tcg: labelling results native", a);
		return "native";
	}
	return a;
}
