/* SPDX-License-Identifier: MIT */
/* libFuzzer target: whatever a board's partition holds, a deploy session
 * over it (no cache: the layout is read from the board, parsed by the
 * reader, guessed and read back) ends with exactly the laid-out new image
 * on the board, verified, and the image mounts.
 * Input: byte 0 picks the mode (bit 0: XOR the rest over a stable image of
 * the old tree, so most inputs are damaged stable images; else the rest is
 * the partition as it is) and the new tree (bits 1-2). */
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_layout.h"
#include "romfs/romfs_session.h"

#define PART 16384u
#define BS 512u

static uint8_t flash[PART];

static int f_erase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx;
    FUZZ_ASSERT(off % BS == 0 && len % BS == 0 && off + len <= PART);
    memset(flash + off, 0xff, len);
    return 4;
}

static int f_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
    (void)ctx;
    FUZZ_ASSERT(off + len <= PART);
    for (uint32_t i = 0; i < len; i++)
        flash[off + i] &= buf[i];
    return 0;
}

static int f_crcs(void *ctx, uint32_t off, uint32_t len, uint32_t bs, uint32_t *crcs)
{
    (void)ctx;
    FUZZ_ASSERT(off + len <= PART);
    romfs_deploy_block_crcs(flash + off, len, bs, crcs);
    return 0;
}

static int f_read(void *ctx, uint32_t off, uint32_t len, uint8_t *buf)
{
    (void)ctx;
    FUZZ_ASSERT(off + len <= PART);
    memcpy(buf, flash + off, len);
    return 0;
}

typedef struct mem {
    uint8_t buf[PART];
    size_t len;
} mem_t;

static int mem_write(void *ctx, const void *data, size_t n)
{
    mem_t *m = ctx;
    if (n > sizeof m->buf - m->len)
        return ROMFS_ERR_NOSPC;
    memcpy(m->buf + m->len, data, n);
    m->len += n;
    return 0;
}

/* A small tree; variant v grows one file by 40 v bytes. */
static void build(int v, mem_t *m)
{
    static uint8_t data[700];
    romfs_builder_t *b = romfs_builder_new(NULL);
    FUZZ_ASSERT(b);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    FUZZ_ASSERT(romfs_builder_add_file_mem(b, "main.py", 7, data, 300) == 0);
    FUZZ_ASSERT(romfs_builder_open_dir(b, "lib", 3) == 0);
    for (int i = 0; i < 6; i++) {
        char name[8] = {'m', (char)('0' + i), '.', 'p', 'y'};
        FUZZ_ASSERT(romfs_builder_add_file_mem(b, name, 5, data + i, 400 + (i == 2 ? 40u * (unsigned)v : 0)) == 0);
    }
    FUZZ_ASSERT(romfs_builder_close_dir(b) == 0);
    m->len = 0;
    FUZZ_ASSERT(romfs_builder_write(b, mem_write, m) == 0);
    romfs_builder_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mem_t trees[4], old;
    static uint8_t *stable;
    static size_t stable_len;
    if (!stable) {
        for (int v = 0; v < 4; v++)
            build(v, &trees[v]);
        build(0, &old);
        romfs_layout_opts_t lo = {.block_size = BS};
        FUZZ_ASSERT(romfs_layout_stable(old.buf, old.len, NULL, 0, &lo, &stable, &stable_len, NULL) == 0);
    }
    if (size < 1)
        return 0;
    memset(flash, 0xff, PART);
    if (data[0] & 1) {
        memcpy(flash, stable, stable_len);
        for (size_t i = 1; i < size; i++)
            flash[(i - 1) % PART] ^= data[i];
    } else {
        memcpy(flash, data + 1, size - 1 < PART ? size - 1 : PART);
    }
    const mem_t *t = &trees[(data[0] >> 1) & 3];
    romfs_deploy_ops_t ops = {.erase = f_erase, .write = f_write, .block_crcs = f_crcs, .read = f_read};
    romfs_session_board_t board = {.part_size = PART, .block_size = BS, .fallback_key = "fuzz"};
    romfs_session_opts_t opts = {0};
    romfs_session_t *s;
    FUZZ_ASSERT(romfs_session_open(&s, &ops, &board, &opts) == 0);
    romfs_session_result_t res;
    int r = romfs_session_deploy(s, t->buf, t->len, 1, &res);
    if (r != 0)
        fprintf(stderr, "deploy failed: %s\n", res.error);
    FUZZ_ASSERT(r == 0 && res.verified && res.state == ROMFS_DEPLOY_NEW);
    size_t len;
    const uint8_t *img = romfs_session_image(s, &len);
    FUZZ_ASSERT(img && len <= PART && memcmp(flash, img, len) == 0);
    romfs_t fs;
    FUZZ_ASSERT(romfs_mount(&fs, flash, PART) == 0);
    romfs_session_close(s);
    return 0;
}
