// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the kernel variant parser (harness/variant/variant.c)
 * through fl_variant_parse(), the same parser `faultline variant check`
 * runs on a file, then the variant as JSON (`variant show`). The cache
 * key is left out: it hashes whole files (a kernel image), it parses
 * nothing. The input's first line is the file's name (the name key must
 * match it), the rest the file; the file is taken to be in kernels/, so
 * relative patch and config paths find the example series there.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "variant/variant.h"

#define NAME_MAX_LEN 255

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t name_len = nl ? (size_t)(nl - data) : 0;
	char path[PATH_MAX + NAME_MAX_LEN + 2], err[FL_ERR_LEN];
	struct fl_variant *v;
	json_t *json;

	/* A file name: one path component, no NUL. */
	if (!nl || !name_len || name_len > NAME_MAX_LEN ||
	    memchr(data, '/', name_len) || memchr(data, '\0', name_len))
		return 0;
	snprintf(path, sizeof(path), "%s/%.*s", fl_kernels_dir(), (int)name_len,
		 (const char *)data);
	if (fl_variant_parse(path, (const char *)nl + 1, size - name_len - 1, &v,
			     err, sizeof(err)))
		return 0;
	json = fl_variant_json(v);
	if (!json)
		abort();
	json_decref(json);
	fl_variant_free(v);
	return 0;
}
