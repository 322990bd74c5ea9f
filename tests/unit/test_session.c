/* SPDX-License-Identifier: MIT */
/* Deploy sessions against an in-memory flash with the ops a board has
 * (erase, write, CRCs, finalise, read): hostile unique ids stay out of the
 * file system, a fresh host lays out against what the board holds, bases
 * that cannot be used fall back to a fresh, verified rewrite, and a board
 * that cannot read back is never deployed to unverified by accident. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgmk.h"
#include "romfs/romfs.h"
#include "romfs/romfs_session.h"

#define PART (64 * 1024)
#define BS 1024
#define NFILES 24

typedef struct flash {
    uint8_t mem[PART];
    long crc_blocks;      /* block CRCs the board was asked for */
    long read_bytes;
    long writes, fail_write_at;   /* write call that fails, after half of it; 0 never */
} flash_t;

static int f_erase(void *ctx, uint32_t off, uint32_t len)
{
    flash_t *f = ctx;
    if (off % BS || len % BS || off + len > PART)
        return -22;
    memset(f->mem + off, 0xff, len);
    return 8;
}

static int f_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
    flash_t *f = ctx;
    if (off + len > PART)
        return -22;
    int cut = ++f->writes == f->fail_write_at;
    for (uint32_t i = 0; i < (cut ? len / 2 : len); i++)
        f->mem[off + i] &= buf[i];
    return cut ? -5 : 0;
}

static int f_crcs(void *ctx, uint32_t off, uint32_t len, uint32_t bs, uint32_t *crcs)
{
    flash_t *f = ctx;
    if (off + len > PART)
        return -22;
    f->crc_blocks += (len + bs - 1) / bs;
    romfs_deploy_block_crcs(f->mem + off, len, bs, crcs);
    return 0;
}

static int f_read(void *ctx, uint32_t off, uint32_t len, uint8_t *buf)
{
    flash_t *f = ctx;
    if (off + len > PART)
        return -22;
    f->read_bytes += len;
    memcpy(buf, f->mem + off, len);
    return 0;
}

static romfs_deploy_ops_t ops_of(flash_t *f)
{
    romfs_deploy_ops_t o = {.ctx = f, .erase = f_erase, .write = f_write, .block_crcs = f_crcs, .read = f_read};
    return o;
}

/* A tree of NFILES modules; file `grow` gets `extra` more bytes. */
static uint8_t *tree(size_t grow, size_t extra, size_t *len)
{
    static uint8_t data[NFILES][900];
    static char names[NFILES][16];
    mk_ent_t e[NFILES];
    for (size_t i = 0; i < NFILES; i++) {
        size_t n = 500 + i * 13 + (i == grow ? extra : 0);
        for (size_t j = 0; j < n; j++)
            data[i][j] = (uint8_t)(j * 31 + i);
        snprintf(names[i], sizeof names[i], "m%02zu.py", i);
        e[i].name = names[i];
        e[i].data = data[i];
        e[i].len = n;
    }
    return mk_image(e, NFILES, len);
}

static int deploy(flash_t *f, const char *cache, const char *uid, const uint8_t *img, size_t len, int is_tree,
                  romfs_session_result_t *res)
{
    romfs_deploy_ops_t ops = ops_of(f);
    romfs_session_board_t b = {.part_size = PART, .block_size = BS, .unique_id = uid, .fallback_key = "test"};
    romfs_session_opts_t o = {.cache_dir = cache};
    romfs_session_t *s;
    assert_int_equal(romfs_session_open(&s, &ops, &b, &o), 0);
    int r = romfs_session_deploy(s, img, len, is_tree, res);
    romfs_session_close(s);
    return r;
}

/* Every file of src reads back the same from the flash. */
static void assert_holds_tree(const flash_t *f, const uint8_t *src, size_t len)
{
    romfs_t a, b;
    assert_int_equal(romfs_mount(&a, src, len), 0);
    assert_int_equal(romfs_mount(&b, f->mem, PART), 0);
    for (size_t i = 0; i < NFILES; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%02zu.py", i);
        romfs_info_t x, y;
        assert_int_equal(romfs_stat(&a, name, &x), 0);
        assert_int_equal(romfs_stat(&b, name, &y), 0);
        assert_int_equal(x.size, y.size);
        assert_memory_equal(x.data, y.data, x.size);
    }
}

static char *mkdtemp_s(char *tmpl)
{
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return d;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A board answering "../../x" as its unique id: the cache file is named by
 * a hash inside the cache directory, nothing is written outside it. */
static void test_hostile_uid_stays_in_cache(void **state)
{
    (void)state;
    char top[] = "/tmp/romfs-session-XXXXXX";
    mkdtemp_s(top);
    char cache[256], outside[256];
    snprintf(cache, sizeof cache, "%s/a/b", top);
    snprintf(outside, sizeof outside, "%s/a", top);
    mkdir(outside, 0700);
    mkdir(cache, 0700);
    static flash_t f;
    memset(f.mem, 0xff, PART);
    size_t len;
    uint8_t *img = tree(99, 0, &len);
    romfs_session_result_t res;
    assert_int_equal(deploy(&f, cache, "../../x", img, len, 1, &res), 0);
    assert_int_equal(count_entries(outside), 1);   /* only b/ */
    assert_int_equal(count_entries(top), 1);       /* only a/ */
    assert_int_equal(count_entries(cache), 1);     /* <hash>.romfs */
    char key[65];
    romfs_session_board_t b = {.unique_id = "../../x"};
    romfs_session_cache_key(&b, key);
    assert_int_equal(strspn(key, "0123456789abcdef"), 64);
    char path[400];
    snprintf(path, sizeof path, "%s/%s.romfs", cache, key);
    assert_int_equal(access(path, F_OK), 0);
    free(img);
    rm_rf(top);
}

/* Deploy from one cache, edit one module so that a fresh layout would
 * shift what follows, deploy from an empty cache: the board's own layout
 * is the base, about as few blocks go out as with the cache, and the board
 * then holds the new tree. */
static void test_empty_cache_reads_board(void **state)
{
    (void)state;
    char c1[] = "/tmp/romfs-session-XXXXXX", c2[] = "/tmp/romfs-session-XXXXXX";
    mkdtemp_s(c1);
    mkdtemp_s(c2);
    static flash_t f, g, g0;
    memset(f.mem, 0xff, PART);
    size_t alen, blen;
    uint8_t *a = tree(99, 0, &alen), *b = tree(3, 40, &blen);
    romfs_session_result_t res, with_cache, without;
    assert_int_equal(deploy(&f, c1, NULL, a, alen, 1, &res), 0);
    assert_true(res.blocks_total >= 12);
    g = f;
    g0 = f;
    assert_int_equal(deploy(&g, c1, NULL, b, blen, 1, &with_cache), 0);
    assert_int_equal(with_cache.base, ROMFS_SESSION_BASE_CACHE);
    f.crc_blocks = f.read_bytes = 0;
    assert_int_equal(deploy(&f, c2, NULL, b, blen, 1, &without), 0);
    assert_int_equal(without.base, ROMFS_SESSION_BASE_BOARD);
    assert_true(without.lst.used_base);
    assert_true(without.blocks_written <= with_cache.blocks_written + 1);
    assert_true(without.blocks_written * 3 < without.blocks_total);
    assert_holds_tree(&f, b, blen);
    /* Only the blocks the images span were asked for, not the partition. */
    assert_true(f.crc_blocks < PART / BS);
    /* Without the board's layout (no read op) a fresh layout shifts what
     * follows the edit and rewrites far more. */
    static flash_t h;
    h = g0;
    romfs_session_result_t fresh;
    romfs_deploy_ops_t ops = ops_of(&h);
    ops.read = NULL;
    romfs_session_board_t bd = {.part_size = PART, .block_size = BS, .fallback_key = "t"};
    romfs_session_opts_t o = {0};
    romfs_session_t *s;
    assert_int_equal(romfs_session_open(&s, &ops, &bd, &o), 0);
    assert_int_equal(romfs_session_deploy(s, b, blen, 1, &fresh), 0);
    romfs_session_close(s);
    print_message("one edit of %u blocks: cache %u written, empty cache %u (read %ld bytes, %ld CRCs), "
                  "fresh %u\n", without.blocks_total, with_cache.blocks_written, without.blocks_written,
                  f.read_bytes, f.crc_blocks, fresh.blocks_written);
    assert_true(without.blocks_written * 2 < fresh.blocks_written);
    free(a);
    free(b);
    rm_rf(c1);
    rm_rf(c2);
}

/* The board holds a packed `romfs build` image, or garbage: a fresh layout,
 * verified, and a note saying why. */
static void test_unusable_board_image(void **state)
{
    (void)state;
    static flash_t f;
    memset(f.mem, 0xff, PART);
    size_t alen, blen;
    uint8_t *a = tree(99, 0, &alen), *b = tree(3, 40, &blen);
    romfs_session_result_t res;
    assert_int_equal(deploy(&f, NULL, NULL, a, alen, 0, &res), 0);   /* as-is: reference layout */
    assert_int_equal(deploy(&f, NULL, NULL, b, blen, 1, &res), 0);
    assert_int_equal(res.base, ROMFS_SESSION_BASE_NONE);
    assert_non_null(strstr(res.note, "not in the stable layout"));
    assert_true(res.verified);
    assert_holds_tree(&f, b, blen);
    /* A stable image whose tree is then damaged. */
    memset(f.mem + 20, 0x00, 40);
    assert_int_equal(deploy(&f, NULL, NULL, a, alen, 1, &res), 0);
    assert_int_equal(res.base, ROMFS_SESSION_BASE_NONE);
    assert_non_null(strstr(res.note, "corrupt"));
    assert_holds_tree(&f, a, alen);
    free(a);
    free(b);
}

/* No way to read back: refused unless asked for; a session reuses what it
 * verified itself instead of asking for the same CRCs again. */
static void test_unverified_needs_asking(void **state)
{
    (void)state;
    static flash_t f;
    memset(f.mem, 0xff, PART);
    size_t alen, blen;
    uint8_t *a = tree(99, 0, &alen), *b = tree(5, 0, &blen);
    romfs_deploy_ops_t ops = ops_of(&f);
    ops.block_crcs = NULL;
    romfs_session_board_t bd = {.part_size = PART, .block_size = BS};
    romfs_session_opts_t o = {0};
    romfs_session_t *s;
    romfs_session_result_t res;
    assert_int_equal(romfs_session_open(&s, &ops, &bd, &o), 0);
    assert_true(romfs_session_deploy(s, a, alen, 1, &res) < 0);
    assert_non_null(strstr(res.error, "unverified"));
    assert_int_equal(f.mem[0], 0xff);   /* nothing written */
    romfs_session_close(s);
    o.allow_unverified = 1;
    assert_int_equal(romfs_session_open(&s, &ops, &bd, &o), 0);
    assert_int_equal(romfs_session_deploy(s, a, alen, 1, &res), 0);
    assert_false(res.verified);
    romfs_session_close(s);

    ops = ops_of(&f);
    o.allow_unverified = 0;
    assert_int_equal(romfs_session_open(&s, &ops, &bd, &o), 0);
    assert_int_equal(romfs_session_deploy(s, a, alen, 1, &res), 0);
    f.crc_blocks = 0;
    assert_int_equal(romfs_session_deploy(s, b, blen, 1, &res), 0);
    assert_int_equal(res.base, ROMFS_SESSION_BASE_SESSION);
    assert_int_equal(res.crcs_asked, 0);
    assert_true(res.blocks_written <= 3);
    /* Only the verification read-backs. */
    assert_true(f.crc_blocks <= (long)res.blocks_written + 1);
    /* A deploy that fails part-way: the session forgets what it had
     * verified, and the next deploy asks the board again. */
    uint8_t *c = tree(9, 250, &alen);
    f.writes = 0;
    f.fail_write_at = 2;
    assert_true(romfs_session_deploy(s, c, alen, 1, &res) < 0);
    assert_int_equal(res.state, ROMFS_DEPLOY_NOTHING);
    f.fail_write_at = 0;
    assert_int_equal(romfs_session_deploy(s, b, blen, 1, &res), 0);
    assert_int_not_equal(res.base, ROMFS_SESSION_BASE_SESSION);
    assert_holds_tree(&f, b, blen);
    free(c);
    size_t ilen;
    const uint8_t *img = romfs_session_image(s, &ilen);
    assert_int_equal(romfs_session_holds(s, img, ilen), 1);
    f.mem[ilen - 1] ^= 1;
    assert_int_equal(romfs_session_holds(s, img, ilen), 0);
    romfs_session_close(s);
    free(a);
    free(b);
}

/* Whatever the board holds (a stable image with random bytes changed, in
 * its tree too), a deploy from an empty cache ends with exactly the new
 * tree on the board: what is read from the board only steers the layout. */
static void test_hostile_board_images(void **state)
{
    (void)state;
    static flash_t f, start;
    memset(start.mem, 0xff, PART);
    size_t alen, blen;
    uint8_t *a = tree(99, 0, &alen), *b = tree(7, 25, &blen);
    romfs_session_result_t res;
    assert_int_equal(deploy(&start, NULL, NULL, a, alen, 1, &res), 0);
    size_t img_len = res.image_len;
    srand(1234);
    for (int it = 0; it < 300; it++) {
        f = start;
        int n = 1 + rand() % 8;
        for (int k = 0; k < n; k++) {
            /* Mostly the header and tree (the first 2 blocks), some anywhere. */
            size_t at = rand() % 4 ? (size_t)rand() % (2 * BS) : (size_t)rand() % img_len;
            f.mem[at] = (uint8_t)rand();
        }
        if (deploy(&f, NULL, NULL, b, blen, 1, &res) != 0)
            fail_msg("iteration %d: %s", it, res.error);
        assert_true(res.verified);
        assert_holds_tree(&f, b, blen);
    }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_uid_stays_in_cache),
        cmocka_unit_test(test_empty_cache_reads_board),
        cmocka_unit_test(test_unusable_board_image),
        cmocka_unit_test(test_unverified_needs_asking),
        cmocka_unit_test(test_hostile_board_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
