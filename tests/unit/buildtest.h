/* SPDX-License-Identifier: MIT */
/* Helpers of the builder's unit tests (test_build.c, test_buildtree.c,
 * test_mpy.c): an image written into memory, a private temporary tree. */
#ifndef ROMFS_TEST_BUILDTEST_H
#define ROMFS_TEST_BUILDTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_build.h"


struct membuf {
    uint8_t *p;
    size_t len, cap;
    int fail_after; /* >0: fail the write that would pass this many bytes */
};

static inline int mem_write(void *ctx, const void *data, size_t len)
{
    struct membuf *m = ctx;
    if (m->fail_after && m->len + len > (size_t)m->fail_after)
        return -ENOSPC;
    if (m->len + len > m->cap) {
        size_t nc = m->cap ? m->cap : 4096;
        while (nc < m->len + len)
            nc *= 2;
        m->p = realloc(m->p, nc);
        assert_non_null(m->p);
        m->cap = nc;
    }
    memcpy(m->p + m->len, data, len);
    m->len += len;
    return 0;
}

/* What *m holds, as a string (at most 8 KiB; a buffer of the calling
 * file, valid until its next call), and *m emptied for the next write. */
static inline const char *mem_take(struct membuf *m)
{
    static char s[8192];
    assert_true(m->len < sizeof s);
    memcpy(s, m->p ? (const char *)m->p : "", m->len);
    s[m->len] = '\0';
    free(m->p);
    memset(m, 0, sizeof *m);
    return s;
}

static inline void build_to_mem(romfs_builder_t *b, struct membuf *m)
{
    memset(m, 0, sizeof *m);
    uint64_t expect = romfs_builder_image_size(b);
    int r = romfs_builder_write(b, mem_write, m);
    if (r != 0)
        fail_msg("write failed: %d %s", r, romfs_builder_errmsg(b));
    assert_int_equal(m->len, expect);
    assert_int_equal(m->len % 2, 0);
}

static char tmp_root[256];

static inline void tmp_setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/romfs-test-build-XXXXXX", t && *t ? t : "/tmp");
    assert_non_null(mkdtemp(tmp_root));
}

static inline void tmp_cleanup(void)
{
    char cmd[600];
    if (!tmp_root[0])
        return;
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tmp_root, tmp_root);
    tmp_root[0] = '\0';
    assert_int_equal(system(cmd), 0);
}

/* Runs after every test, failed ones included, so no temp tree survives. */
static inline int teardown_tmp(void **state)
{
    (void)state;
    tmp_cleanup();
    return 0;
}

static const char *tpath(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_root, rel);
    return buf[k];
}

/* data written to tpath(name). */
static inline const char *write_file(const char *name, const void *data, size_t len)
{
    const char *path = tpath(name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static inline void put_file(const char *rel, const char *content)
{
    FILE *fp = fopen(tpath(rel), "wb");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
}

/// Directory scan ///

struct scanlog {
    char lines[4096];
    char err[2048];
    int nerr;
};

static inline void log_line(void *ctx, const char *line)
{
    struct scanlog *l = ctx;
    size_t used = strlen(l->lines), n = strlen(line);
    if (used + n + 2 > sizeof l->lines)
        return; /* long listings are only checked for not failing */
    memcpy(l->lines + used, line, n);
    memcpy(l->lines + used + n, "\n", 2);
}

static inline void log_err(void *ctx, const char *path, const char *msg)
{
    struct scanlog *l = ctx;
    snprintf(l->err, sizeof l->err, "%s: %s", path, msg);
    l->nerr++;
}

static inline int scan(romfs_builder_t *b, const char *dir, struct scanlog *l, const char *out)
{
    memset(l, 0, sizeof *l);
    romfs_dirscan_opts_t o = {log_line, NULL, log_err, out, l, NULL, NULL};
    int r = romfs_build_from_dir(b, dir, &o);
    if (r < 0)
        assert_int_equal(l->nerr, 1);
    return r;
}

#endif
