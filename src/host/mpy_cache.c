/* SPDX-License-Identifier: MIT */
/* The mpy-cross output cache; see mpy_cache.h. */
#include "mpy_cache.h"
#include "romfs/romfs_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#include "romfs/romfs_mpy.h"
#include "sha256.h"
#include "grow.h"

#define MAGIC "RFSMPY1\n"
#define HDR (8 + 8 + 64)
#define KEY_LEN 64

long long romfs_mpy_parse_bytes(const char *s)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    int shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end += *end == 'i' ? (end[1] == 'B' ? 2 : 1) : 1;
    if (*end || v > (unsigned long long)(INT64_MAX >> shift))
        return -1;
    return (long long)(v << shift);
}

/* mkdir -p, each created level mode 0700. */
static int mkdirs(char *path)
{
    for (char *p = path + 1;; p++) {
        if ((rp_is_sep(*p) && !(p[-1] == ':' && rp_is_sep('\\'))) || *p == '\0') {
            char c = *p;
            *p = '\0';
            int r = rp_mkdir(path, 0700);
            int e = errno;
            *p = c;
            if (r != 0 && e != EEXIST)
                return -e;
            if (!c)
                return 0;
        }
    }
}

int mpy_cache_open(mpy_cache_t *c, const char *dir, uint64_t max, char *msg, size_t cap)
{
    memset(c, 0, sizeof *c);
    char buf[4096];
    if (!dir || !*dir) {
        snprintf(msg, cap, "no cache directory");
        return -ENOENT;
    }
    snprintf(buf, sizeof buf, "%s", dir);
    if (!max)
        max = ROMFS_MPY_CACHE_DEFAULT;
    int r = mkdirs(buf);
    errno = 0;
    if (r == 0 && !rp_writable_dir(buf))
        r = -(errno ? errno : ENOTDIR);
    if (r != 0) {
        snprintf(msg, cap, "%s: cannot use as the mpy-cross cache: %s", buf, strerror(-r));
        return r;
    }
    if (!(c->dir = strdup(buf)))
        return -ENOMEM;
    c->max = max;
    return 0;
}

static char *entry_path(const mpy_cache_t *c, const char *key, const char *suffix)
{
    size_t n = strlen(c->dir) + KEY_LEN + strlen(suffix) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%.64s%s", c->dir, key, suffix);
    return p;
}

/* Read all n bytes at p. 0, or -1. */
static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        long r = rp_read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The entry's content when it is whole and its digest matches, else NULL. */
static uint8_t *load_entry(int fd, size_t *len)
{
    rp_stat_t st;
    uint8_t hdr[HDR];
    if (rp_fstat(fd, &st) != 0 || st.size < HDR || read_all(fd, hdr, HDR) != 0 ||
        memcmp(hdr, MAGIC, 8) != 0)
        return NULL;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | hdr[8 + i];
    if (n != st.size - HDR || n > (64u << 20))
        return NULL;
    uint8_t *data = malloc(n ? (size_t)n : 1);
    if (!data)
        return NULL;
    char hex[65];
    if (read_all(fd, data, (size_t)n) == 0) {
        romfs_sha256_hex(data, (size_t)n, hex);
        if (memcmp(hex, hdr + 16, 64) == 0) {
            *len = (size_t)n;
            return data;
        }
    }
    free(data);
    return NULL;
}

int mpy_cache_get(mpy_cache_t *c, const char *key, uint8_t **data, size_t *len,
                  int (*check)(const uint8_t *, size_t, void *), void *arg)
{
    if (!c->dir)
        return 0;
    char *p = entry_path(c, key, ".mpy");
    if (!p)
        return 0;
    int fd = rp_open(p, RP_RDONLY | RP_NOFOLLOW, 0);
    if (fd < 0) {
        free(p);
        return 0;
    }
    uint8_t *d = load_entry(fd, len);
    rp_close(fd);
    if (d && check && check(d, *len, arg) != 0) {
        free(d);
        d = NULL;
    }
    if (!d) {
        rp_unlink(p);
        free(p);
        return -1;
    }
    rp_touch(p); /* mark as recently used */
    free(p);
    *data = d;
    return 1;
}

void mpy_cache_put(mpy_cache_t *c, const char *key, const uint8_t *data, size_t len)
{
    if (!c->dir)
        return;
    /* The one atomic writer (romfs_io.h), without an fsync per entry: a
     * torn entry fails its checksum and is compiled again. */
    char name[KEY_LEN + 8];
    snprintf(name, sizeof name, "%s.mpy", key);
    int dfd = rp_dir_open(c->dir);
    romfs_out_t o;
    if (dfd < 0)
        return;
    if (romfs_out_openat(&o, dfd, name, ROMFS_OUT_LITERAL | ROMFS_OUT_NOSYNC) == 0) {
        uint8_t hdr[HDR];
        memcpy(hdr, MAGIC, 8);
        for (int i = 0; i < 8; i++)
            hdr[8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
        char hex[65];
        romfs_sha256_hex(data, len, hex);
        memcpy(hdr + 16, hex, 64);
        if (romfs_out_write(&o, hdr, HDR) != 0 || romfs_out_write(&o, data, len) != 0)
            romfs_out_abort(&o);
        else if (romfs_out_commit(&o) == 0)
            c->stored++;
    }
    rp_dir_close(dfd);
}

struct ent {
    char name[KEY_LEN + 8];
    uint64_t size;
    int64_t used;
};

static int by_use(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    return x->used < y->used ? -1 : x->used > y->used;
}

/* Every entry's name, size and last use; stale temporary files removed. */
static struct ent *list_entries(const mpy_cache_t *c, size_t *n_out, uint64_t *total)
{
    rp_dirstream_t *d = rp_opendir(c->dir);
    if (!d)
        return NULL;
    struct ent *v = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);
    for (const char *nm; (nm = rp_readdir(d)) != NULL;) {
        size_t l = strlen(nm);
        rp_stat_t st;
        if (rp_statat(rp_dirstream_dirfd(d), nm, &st, 0) != 0 || st.type != RP_REG)
            continue;
        if (strstr(nm, ".tmp-") != NULL) {
            if (now - st.mtime_ns / 1000000000 > 3600) /* left by a killed build */
                rp_unlinkat(rp_dirstream_dirfd(d), nm, 0);
            continue;
        }
        if (l != KEY_LEN + 4 || strcmp(nm + KEY_LEN, ".mpy") != 0)
            continue;
        struct ent *nv = romfs_grow(v, &cap, n + 1, sizeof *nv, 256);
        if (!nv)
            break;
        v = nv;
        memcpy(v[n].name, nm, l + 1);
        v[n].size = st.size;
        v[n].used = st.mtime_ns;
        *total += v[n].size;
        n++;
    }
    rp_closedir(d);
    *n_out = n;
    return v;
}

void mpy_cache_trim(mpy_cache_t *c)
{
    if (!c->dir)
        return;
    size_t n = 0;
    uint64_t total = 0;
    struct ent *v = list_entries(c, &n, &total);
    if (v && total > c->max) {
        qsort(v, n, sizeof *v, by_use);
        int dfd = rp_dir_open(c->dir);
        for (size_t i = 0; i < n && total > c->max && dfd >= 0; i++)
            if (rp_unlinkat(dfd, v[i].name, 0) == 0)
                total -= v[i].size;
        rp_dir_close(dfd);
    }
    free(v);
}

void mpy_cache_close(mpy_cache_t *c)
{
    free(c->dir);
    memset(c, 0, sizeof *c);
}
