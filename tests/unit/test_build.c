/* SPDX-License-Identifier: MIT */
/* Builder and directory scan: layouts, round trips through the reader,
 * golden vectors, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "romfs/romfs.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_mpy.h"
#include "sha256.h"
#include "testutil.h"

static void test_sha256_known(void **state)
{
    (void)state;
    char hex[65];
    sha256_buf_hex((const uint8_t *)"abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_buf_hex((const uint8_t *)"", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

#include "buildtest.h"

/// Calls API: refusals ///

static void test_new_rejects_bad_align(void **state)
{
    (void)state;
    romfs_build_opts_t o = {.align = 3};
    assert_null(romfs_builder_new(&o));
    o.align = 12;
    assert_null(romfs_builder_new(&o));
    o.align = 0;
    romfs_builder_t *b = romfs_builder_new(&o);
    assert_non_null(b);
    romfs_builder_free(b);
    romfs_builder_free(NULL);
}

static void test_unsafe_names_refused(void **state)
{
    (void)state;
    romfs_builder_t *b = romfs_builder_new(NULL);
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {{"", 0}, {".", 1}, {"..", 2}, {"a/b", 3}, {"/", 1}, {"a\0b", 3}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(romfs_builder_add_file_mem(b, bad[i].s, bad[i].n, "x", 1), ROMFS_ERR_INVAL);
        assert_non_null(strstr(romfs_builder_errmsg(b), "unsafe name"));
        assert_int_equal(romfs_builder_open_dir(b, bad[i].s, bad[i].n), ROMFS_ERR_INVAL);
    }
    assert_int_equal(romfs_builder_add_file_mem(b, "a", 1, "x", 1), 0);
    assert_int_equal(romfs_builder_add_file_mem(b, "a", 1, "y", 1), ROMFS_ERR_EXIST);
    assert_int_equal(romfs_builder_open_dir(b, "a", 1), ROMFS_ERR_EXIST);
    assert_int_equal(romfs_builder_open_dir(b, "d", 1), 0);
    /* The same name in another directory is fine. */
    assert_int_equal(romfs_builder_add_file_mem(b, "a", 1, "z", 1), 0);
    struct membuf m = {0};
    assert_int_equal(romfs_builder_write(b, mem_write, &m), ROMFS_ERR_INVAL);
    assert_non_null(strstr(romfs_builder_errmsg(b), "/d"));
    assert_int_equal(romfs_builder_close_dir(b), 0);
    assert_int_equal(romfs_builder_close_dir(b), ROMFS_ERR_INVAL);
    build_to_mem(b, &m);
    romfs_t fs;
    assert_int_equal(romfs_mount(&fs, m.p, m.len), 0);
    romfs_file_t f;
    assert_int_equal(romfs_file_open(&fs, &f, "/d/a"), 0);
    assert_int_equal(f.size, 1);
    assert_int_equal(f.data[0], 'z');
    free(m.p);
    romfs_builder_free(b);
}

static void test_empty_image(void **state)
{
    (void)state;
    static const uint8_t expect[4] = {0xd2, 0xcd, 0x31, 0x00};
    uint32_t aligns[] = {0, 4, 4096};
    for (size_t i = 0; i < 3; i++) {
        romfs_build_opts_t o = {.align = aligns[i]};
        romfs_builder_t *b = romfs_builder_new(&o);
        struct membuf m;
        build_to_mem(b, &m);
        assert_int_equal(m.len, 4);
        assert_memory_equal(m.p, expect, 4);
        free(m.p);
        romfs_builder_free(b);
    }
}

/* The reference layout, byte by byte, for a tree that needs the odd-size pad. */
static void test_reference_bytes(void **state)
{
    (void)state;
    romfs_builder_t *b = romfs_builder_new(NULL);
    assert_int_equal(romfs_builder_add_file_mem(b, "b", 1, "h", 1), 0);
    assert_int_equal(romfs_builder_open_dir(b, "a", 1), 0);
    assert_int_equal(romfs_builder_close_dir(b), 0);
    struct membuf m;
    build_to_mem(b, &m);
    /* a/ sorts first; root payload 4 + 7 = 11; 3+1+11 is odd so the length is 80 0b. */
    static const uint8_t expect[] = {0xd2, 0xcd, 0x31, 0x80, 0x0b, 0x04, 0x02, 0x01,
                                     'a',  0x05, 0x05, 0x01, 'b',  0x02, 0x01, 'h'};
    assert_int_equal(m.len, sizeof expect);
    assert_memory_equal(m.p, expect, sizeof expect);
    free(m.p);
    romfs_builder_free(b);
}

static void test_writer_error_propagates(void **state)
{
    (void)state;
    romfs_builder_t *b = romfs_builder_new(NULL);
    static uint8_t big[200000];
    assert_int_equal(romfs_builder_add_file_mem(b, "f", 1, big, sizeof big), 0);
    struct membuf m = {0};
    m.fail_after = 70000;
    assert_int_equal(romfs_builder_write(b, mem_write, &m), -ENOSPC);
    assert_non_null(strstr(romfs_builder_errmsg(b), "writing the image failed"));
    free(m.p);
    romfs_builder_free(b);
}

/// Callback files that lie about their size ///

struct liar {
    size_t real;  /* bytes it actually yields */
};

static long liar_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct liar *l = ctx;
    if (off >= l->real)
        return 0;
    size_t n = l->real - (size_t)off;
    if (n > len)
        n = len;
    memset(buf, 'q', n);
    return (long)n;
}

static void test_callback_size_mismatch(void **state)
{
    (void)state;
    size_t reals[] = {10, 12, 100000};
    for (size_t i = 0; i < 3; i++) {
        struct liar l = {reals[i]};
        romfs_builder_t *b = romfs_builder_new(NULL);
        assert_int_equal(romfs_builder_open_dir(b, "dir", 3), 0);
        assert_int_equal(romfs_builder_add_file_cb(b, "f.bin", 5, 11, liar_read, &l), 0);
        assert_int_equal(romfs_builder_close_dir(b), 0);
        struct membuf m = {0};
        assert_int_equal(romfs_builder_write(b, mem_write, &m), ROMFS_ERR_IO);
        assert_non_null(strstr(romfs_builder_errmsg(b), "/dir/f.bin"));
        free(m.p);
        romfs_builder_free(b);
    }
    /* Exactly the declared size is fine. */
    struct liar ok = {11};
    romfs_builder_t *b = romfs_builder_new(NULL);
    assert_int_equal(romfs_builder_add_file_cb(b, "f", 1, 11, liar_read, &ok), 0);
    struct membuf m;
    build_to_mem(b, &m);
    free(m.p);
    romfs_builder_free(b);
}

/// Random trees: build with the library, read back with the reader ///

struct mnode {
    uint8_t name[64];
    size_t name_len;
    int is_dir;
    uint8_t *data;
    size_t size;
    struct mnode *kids;
    size_t nkids;
};

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng >> 33) % n);
}

static void rand_name(struct mnode *n)
{
    static const char *pieces[] = {"a", "b", "Z", "0", ".", "-", "_", " ", "py", ".mpy",
                                   "\xc3\xa9", "\xc3\xbc", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "~", "\x7f"};
    do {
        n->name_len = 0;
        size_t k = 1 + rnd(6);
        for (size_t i = 0; i < k; i++) {
            const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(p);
            if (n->name_len + l > sizeof n->name)
                break;
            memcpy(n->name + n->name_len, p, l);
            n->name_len += l;
        }
    } while (!romfs_name_is_safe(n->name, n->name_len));
}

static long mnode_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct mnode *n = ctx;
    if (off >= n->size)
        return 0;
    size_t k = n->size - (size_t)off;
    if (k > len)
        k = len;
    /* Short reads on purpose: the builder must loop. */
    if (k > 1000)
        k = 1000;
    memcpy(buf, n->data + off, k);
    return (long)k;
}

static void gen_dir(struct mnode *d, int depth, size_t *budget)
{
    static const size_t sizes[] = {0, 1, 2, 127, 128, 129, 255, 256, 1000, 16383, 16384, 16385};
    size_t want = rnd(depth == 0 ? 8 : 6);
    d->kids = calloc(want ? want : 1, sizeof *d->kids);
    for (size_t i = 0; i < want; i++) {
        struct mnode *n = &d->kids[d->nkids];
        int dup;
        do {
            rand_name(n);
            dup = 0;
            for (size_t j = 0; j < d->nkids; j++)
                if (d->kids[j].name_len == n->name_len && !memcmp(d->kids[j].name, n->name, n->name_len))
                    dup = 1;
        } while (dup);
        if (depth < 4 && rnd(4) == 0) {
            n->is_dir = 1;
            gen_dir(n, depth + 1, budget);
        } else {
            size_t s = rnd(3) ? sizes[rnd(sizeof sizes / sizeof sizes[0])] : rnd(300);
            if (s > *budget)
                s = rnd(64);
            *budget -= s < *budget ? s : *budget;
            n->size = s;
            n->data = malloc(s ? s : 1);
            for (size_t k = 0; k < s; k++)
                n->data[k] = (uint8_t)rnd(256);
        }
        d->nkids++;
    }
}

static void add_to_builder(romfs_builder_t *b, struct mnode *d)
{
    for (size_t i = 0; i < d->nkids; i++) {
        struct mnode *n = &d->kids[i];
        if (n->is_dir) {
            assert_int_equal(romfs_builder_open_dir(b, (char *)n->name, n->name_len), 0);
            add_to_builder(b, n);
            assert_int_equal(romfs_builder_close_dir(b), 0);
        } else if (i % 2) {
            assert_int_equal(romfs_builder_add_file_cb(b, (char *)n->name, n->name_len, n->size, mnode_read, n), 0);
        } else {
            assert_int_equal(romfs_builder_add_file_mem(b, (char *)n->name, n->name_len, n->data, n->size), 0);
        }
    }
}

static int mnode_cmp(const void *a, const void *b)
{
    const struct mnode *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int r = memcmp(x->name, y->name, n);
    return r ? r : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* Walk the image directory and the model side by side. */
static void compare_dir(const romfs_t *fs, const romfs_info_t *dinfo, struct mnode *d, uint32_t align,
                        size_t *files)
{
    qsort(d->kids, d->nkids, sizeof *d->kids, mnode_cmp);
    romfs_dir_t dir;
    assert_int_equal(romfs_dir_open_info(fs, &dir, dinfo), 0);
    romfs_info_t info;
    size_t i = 0;
    int r;
    while ((r = romfs_dir_read(&dir, &info)) == 1) {
        assert_true(i < d->nkids);
        struct mnode *n = &d->kids[i++];
        assert_int_equal(info.name_len, n->name_len);
        assert_memory_equal(info.name, n->name, n->name_len);
        assert_int_equal(info.type, n->is_dir ? ROMFS_TYPE_DIR : ROMFS_TYPE_FILE);
        if (n->is_dir) {
            compare_dir(fs, &info, n, align, files);
            continue;
        }
        assert_int_equal(info.size, n->size);
        if (n->size)
            assert_memory_equal(info.data, n->data, n->size);
        if (align > 1 && n->size)
            assert_int_equal((size_t)(info.data - fs->image) % align, 0);
        (*files)++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(i, d->nkids);
}

static void free_model(struct mnode *d)
{
    for (size_t i = 0; i < d->nkids; i++)
        free_model(&d->kids[i]);
    free(d->kids);
    free(d->data);
}

/* Count root-level data-area records: padding ones, and verbatim ones whose
 * length varuint was widened by a leading 0x80 to fill a one-byte gap. */
static void count_gap_fillers(const romfs_t *fs, size_t *padding, size_t *widened)
{
    romfs_record_t rec;
    for (const uint8_t *p = fs->fs; p < fs->fs_end; p = rec.next) {
        assert_int_equal(romfs_record_decode(p, fs->fs_end, &rec), 0);
        if (rec.kind == ROMFS_KIND_PADDING)
            (*padding)++;
        else if (rec.kind == ROMFS_KIND_DATA_VERBATIM && rec.start[1] == 0x80)
            (*widened)++;
    }
}

static void test_random_round_trip(void **state)
{
    (void)state;
    size_t padding = 0, widened = 0;
    static const uint32_t aligns[] = {0, 2, 4, 16, 64, 4096};
    for (uint64_t seed = 1; seed <= 12; seed++) {
        rng = seed * 0x9e3779b97f4a7c15ull;
        struct mnode root = {0};
        root.is_dir = 1;
        size_t budget = 300000;
        gen_dir(&root, 0, &budget);
        for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
            romfs_build_opts_t o = {.align = aligns[a]};
            romfs_builder_t *b = romfs_builder_new(&o);
            add_to_builder(b, &root);
            struct membuf m;
            build_to_mem(b, &m);
            romfs_t fs;
            assert_int_equal(romfs_mount(&fs, m.p, m.len), 0);
            assert_int_equal(romfs_image_size(&fs), m.len);
            romfs_info_t ri;
            assert_int_equal(romfs_stat(&fs, "/", &ri), 0);
            size_t files = 0;
            compare_dir(&fs, &ri, &root, aligns[a], &files);
            if (aligns[a])
                count_gap_fillers(&fs, &padding, &widened);
            free(m.p);
            romfs_builder_free(b);
        }
        free_model(&root);
    }
    /* Both ways of filling a gap were exercised. */
    assert_true(padding > 0);
    assert_true(widened > 0);
}

/* Files whose sizes straddle varuint boundaries, in every layout. */
static void test_varuint_boundaries(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 127, 128, 16383, 16384, 2097151, 2097152};
    static const uint32_t aligns[] = {0, 4, 64, 4096};
    uint8_t *data = malloc(2097152);
    for (size_t i = 0; i < 2097152; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 9));
    for (size_t a = 0; a < 4; a++) {
        romfs_build_opts_t o = {.align = aligns[a]};
        romfs_builder_t *b = romfs_builder_new(&o);
        for (size_t i = 0; i < 8; i++) {
            char name[16];
            snprintf(name, sizeof name, "s%zu", sizes[i]);
            assert_int_equal(romfs_builder_add_file_mem(b, name, strlen(name), data, sizes[i]), 0);
        }
        struct membuf m;
        build_to_mem(b, &m);
        romfs_t fs;
        assert_int_equal(romfs_mount(&fs, m.p, m.len), 0);
        for (size_t i = 0; i < 8; i++) {
            char name[16];
            snprintf(name, sizeof name, "/s%zu", sizes[i]);
            romfs_info_t info;
            assert_int_equal(romfs_stat(&fs, name, &info), 0);
            assert_int_equal(info.size, sizes[i]);
            if (sizes[i]) {
                assert_memory_equal(info.data, data, sizes[i]);
                if (aligns[a])
                    assert_int_equal((size_t)(info.data - m.p) % aligns[a], 0);
            }
        }
        free(m.p);
        romfs_builder_free(b);
    }
    free(data);
}

/// Golden vectors: rebuild from source, compare bytes, read back per manifest ///

/* Next JSON string at *p (p just past the opening quote); \u escapes become UTF-8. */
static char *json_string(const char **p)
{
    const char *s = *p;
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    while (*s && *s != '"') {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        s++;
        char c = *s++;
        if (c == 'u') {
            unsigned cp = (unsigned)strtoul((char[5]){s[0], s[1], s[2], s[3], 0}, NULL, 16);
            s += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && s[0] == '\\' && s[1] == 'u') {
                unsigned lo = (unsigned)strtoul((char[5]){s[2], s[3], s[4], s[5], 0}, NULL, 16);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                s += 6;
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xc0 | cp >> 6), *o++ = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xe0 | cp >> 12), *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
            } else {
                *o++ = (char)(0xf0 | cp >> 18), *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f)), *o++ = (char)(0x80 | (cp & 0x3f));
            }
        } else {
            *o++ = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'b' ? '\b' : c == 'f' ? '\f' : c;
        }
    }
    *o = '\0';
    *p = *s ? s + 1 : s;
    return out;
}

struct golden {
    char *image, *source;
    size_t nentries, checked;
    romfs_t fs;
    uint8_t *img;
    size_t img_len;
    /* The entry being read. */
    char *path, *type, *sha;
    long long size;
};

static void golden_entry_done(struct golden *g)
{
    if (!g->path)
        return;
    romfs_info_t info;
    if (romfs_stat(&g->fs, g->path, &info) != 0)
        fail_msg("%s: %s missing", g->image, g->path);
    if (strcmp(g->type, "dir") == 0) {
        assert_int_equal(info.type, ROMFS_TYPE_DIR);
    } else {
        assert_int_equal(info.type, ROMFS_TYPE_FILE);
        assert_int_equal(info.size, (size_t)g->size);
        char hex[65];
        sha256_buf_hex(info.data, info.size, hex);
        if (strcmp(hex, g->sha) != 0)
            fail_msg("%s: %s sha256 %s, manifest says %s", g->image, g->path, hex, g->sha);
    }
    g->checked++;
    free(g->path);
    free(g->type);
    free(g->sha);
    g->path = g->type = g->sha = NULL;
}

static size_t count_entries(const romfs_t *fs, const romfs_info_t *d)
{
    romfs_dir_t dir;
    romfs_info_t info;
    size_t n = 0;
    assert_int_equal(romfs_dir_open_info(fs, &dir, d), 0);
    while (romfs_dir_read(&dir, &info) == 1) {
        n++;
        if (info.type == ROMFS_TYPE_DIR)
            n += count_entries(fs, &info);
    }
    return n;
}

/* Build the vector's source tree with the library and compare. */
static void golden_build(struct golden *g)
{
    char cmd[2048], rel[512];
    snprintf(rel, sizeof rel, "golden/%s", g->source);
    snprintf(cmd, sizeof cmd, "rm -rf '%s/g' && mkdir '%s/g' && tar xf '%s' -C '%s/g'", tmp_root, tmp_root,
             tu_vector(rel), tmp_root);
    assert_int_equal(system(cmd), 0);
    snprintf(rel, sizeof rel, "golden/%s", g->image);
    g->img = tu_read_file(tu_vector(rel), &g->img_len);
    romfs_builder_t *b = romfs_builder_new(NULL);
    struct scanlog l;
    assert_int_equal(scan(b, tpath("g"), &l, NULL), 0);
    struct membuf m;
    build_to_mem(b, &m);
    if (m.len != g->img_len || memcmp(m.p, g->img, m.len) != 0)
        fail_msg("%s: rebuilt image differs (%zu vs %zu bytes)", g->image, m.len, g->img_len);
    free(m.p);
    romfs_builder_free(b);
    assert_int_equal(romfs_mount(&g->fs, g->img, g->img_len), 0);
}

static void golden_vector_done(struct golden *g)
{
    golden_entry_done(g);
    if (!g->img)
        return;
    assert_int_equal(g->checked, g->nentries);
    romfs_info_t root;
    assert_int_equal(romfs_stat(&g->fs, "/", &root), 0);
    assert_int_equal(count_entries(&g->fs, &root), g->nentries);
    free(g->img);
    free(g->image);
    free(g->source);
    memset(g, 0, sizeof *g);
}

static void test_golden_vectors(void **state)
{
    (void)state;
    tmp_setup();
    size_t len;
    char *json = (char *)tu_read_file(tu_vector("golden/manifest.json"), &len);
    json = realloc(json, len + 1);
    json[len] = '\0';
    struct golden g = {0};
    size_t vectors = 0;
    for (const char *p = json; (p = strchr(p, '"')) != NULL;) {
        p++;
        char *key = json_string(&p);
        while (*p == ' ' || *p == '\n')
            p++;
        if (*p != ':') {
            free(key);
            continue;
        }
        p++;
        while (*p == ' ' || *p == '\n')
            p++;
        char *sval = NULL;
        long long nval = -1;
        if (*p == '"') {
            p++;
            sval = json_string(&p);
        } else if (*p >= '0' && *p <= '9') {
            nval = strtoll(p, (char **)&p, 10);
        }
        if (strcmp(key, "name") == 0) {
            golden_vector_done(&g);
            vectors++;
        } else if (strcmp(key, "source") == 0) {
            g.source = sval, sval = NULL;
        } else if (strcmp(key, "image") == 0) {
            g.image = sval, sval = NULL;
        } else if (strcmp(key, "entries") == 0) {
            golden_build(&g);
        } else if (strcmp(key, "path") == 0) {
            golden_entry_done(&g);
            g.path = sval, sval = NULL;
            g.nentries++;
        } else if (strcmp(key, "type") == 0) {
            g.type = sval, sval = NULL;
        } else if (strcmp(key, "size") == 0) {
            g.size = nval;
        } else if (strcmp(key, "sha256") == 0) {
            g.sha = sval, sval = NULL;
        }
        free(key);
        free(sval);
    }
    golden_vector_done(&g);
    assert_true(vectors >= 13);
    free(json);
    tmp_cleanup();
}

/* vectors/upstream/random_romfs.bin is MicroPython's test image: its sources
 * in plain name order, reference layout. */
static void test_upstream_random(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("upstream/random_romfs.bin"), &len);
    romfs_builder_t *b = romfs_builder_new(NULL);
    struct scanlog l;
    assert_int_equal(scan(b, tu_vector("upstream/romfs_source"), &l, NULL), 0);
    struct membuf m;
    build_to_mem(b, &m);
    assert_int_equal(m.len, len);
    assert_memory_equal(m.p, img, len);
    free(m.p);
    free(img);
    romfs_builder_free(b);
}

/* Names that are not valid UTF-8 make MicroPython's os.listdir raise
 * UnicodeError: refused, the name shown with its bytes escaped. */
static void test_add_file_later(void **state)
{
    (void)state;
    romfs_builder_t *b = romfs_builder_new(NULL), *ref = romfs_builder_new(NULL);
    romfs_build_file_t *f1, *f2;
    assert_int_equal(romfs_builder_open_dir(b, "lib", 3), 0);
    assert_int_equal(romfs_builder_add_file_later(b, "a.mpy", 5, &f1), 0);
    assert_int_equal(romfs_builder_close_dir(b), 0);
    assert_int_equal(romfs_builder_add_file_later(b, "b.mpy", 5, &f2), 0);
    assert_int_equal(romfs_builder_add_file_later(b, "b.mpy", 5, &f2), ROMFS_ERR_EXIST);
    struct membuf m = {0};
    assert_int_equal(romfs_builder_write(b, mem_write, &m), ROMFS_ERR_INVAL);
    assert_non_null(strstr(romfs_builder_errmsg(b), "2 files"));
    assert_int_equal(m.len, 0);
    assert_int_equal(romfs_builder_set_file_mem(b, f1, "M\006abc", 5), 0);
    assert_int_equal(romfs_builder_set_file_mem(b, f1, "again", 5), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_builder_write(b, mem_write, &m), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_builder_set_file_mem(b, f2, "", 0), 0);
    build_to_mem(b, &m);
    assert_int_equal(romfs_builder_open_dir(ref, "lib", 3), 0);
    assert_int_equal(romfs_builder_add_file_mem(ref, "a.mpy", 5, "M\006abc", 5), 0);
    assert_int_equal(romfs_builder_close_dir(ref), 0);
    assert_int_equal(romfs_builder_add_file_mem(ref, "b.mpy", 5, "", 0), 0);
    struct membuf r;
    build_to_mem(ref, &r);
    assert_int_equal(m.len, r.len);
    assert_memory_equal(m.p, r.p, r.len);
    free(m.p);
    free(r.p);
    romfs_builder_free(b);
    romfs_builder_free(ref);
}

/* sys.implementation._mpy: version | sub-version << 8 | arch << 10. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known),
        cmocka_unit_test(test_new_rejects_bad_align),
        cmocka_unit_test(test_unsafe_names_refused),
        cmocka_unit_test(test_empty_image),
        cmocka_unit_test(test_reference_bytes),
        cmocka_unit_test(test_writer_error_propagates),
        cmocka_unit_test(test_callback_size_mismatch),
        cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test(test_varuint_boundaries),
        cmocka_unit_test_teardown(test_golden_vectors, teardown_tmp),
        cmocka_unit_test(test_upstream_random),
        cmocka_unit_test(test_add_file_later),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
