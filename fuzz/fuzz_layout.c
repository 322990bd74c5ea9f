/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the stable layout (romfs_layout.h) against an arbitrary
 * base image. The input is the base; a small tree made from its bytes is
 * the image to lay out. Whatever the base: laying out succeeds, the result
 * reads back as exactly the tree, and laying it out again on itself keeps
 * every file where it is. The same goes for a base that is a real stable
 * image with bytes of the input XORed in (near-valid bases reach the
 * placement code), and for the input laid out on itself. Only the public
 * headers (builder, layout, reader). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_layout.h"

#define NFILES 4
static const char *const names[NFILES] = {"a.py", "b.txt", "lib/c.py", "lib/d"};

/* File i of the tree: bytes of the input, a size picked by the input. */
static void file_of(const uint8_t *in, size_t n, int i, const uint8_t **data, size_t *size)
{
    size_t start = n ? (in[i % n] * 7u + (size_t)i * 13u) % n : 0;
    size_t want = n ? in[(i * 5 + 1) % n] * (i + 1u) : (size_t)i;
    *data = in + start;
    *size = want < n - start ? want : n - start;
}

static uint8_t *build_tree(const uint8_t *in, size_t n, size_t *len)
{
    romfs_build_opts_t o = {0, 0};
    romfs_builder_t *b = romfs_builder_new(&o);
    fuzz_mem_t m = {0};
    FUZZ_ASSERT(b != NULL);
    for (int i = 0; i < NFILES; i++) {
        const uint8_t *d;
        size_t s;
        file_of(in, n, i, &d, &s);
        const char *slash = strchr(names[i], '/');
        if (slash && i == 2)
            FUZZ_ASSERT(romfs_builder_open_dir(b, names[i], (size_t)(slash - names[i])) == 0);
        const char *leaf = slash ? slash + 1 : names[i];
        FUZZ_ASSERT(romfs_builder_add_file_mem(b, leaf, strlen(leaf), d, s) == 0);
    }
    FUZZ_ASSERT(romfs_builder_close_dir(b) == 0);
    FUZZ_ASSERT(romfs_builder_write(b, fuzz_mem_write, &m) == 0);
    FUZZ_ASSERT(m.len == romfs_builder_image_size(b));
    romfs_builder_free(b);
    *len = m.len;
    return m.buf;
}

/* The image holds exactly the tree. */
static void same_tree(const uint8_t *img, size_t len, const uint8_t *in, size_t n)
{
    romfs_t fs;
    romfs_info_t info;
    FUZZ_ASSERT(romfs_mount(&fs, img, len) == 0);
    for (int i = 0; i < NFILES; i++) {
        const uint8_t *d;
        size_t s;
        file_of(in, n, i, &d, &s);
        FUZZ_ASSERT(romfs_stat(&fs, names[i], &info) == 0 && info.type == ROMFS_TYPE_FILE);
        FUZZ_ASSERT(info.size == s && (s == 0 || memcmp(info.data, d, s) == 0));
    }
}

static int layout(const uint8_t *src, size_t src_len, const uint8_t *base, size_t base_len,
                  const romfs_layout_opts_t *o, uint8_t **out, size_t *out_len, romfs_layout_stats_t *st)
{
    int r = romfs_layout_stable(src, src_len, base, base_len, o, out, out_len, st);
    /* ROMFS_ERR_IO would be a read-back mismatch: a layout bug. */
    FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_NODEV || r == ROMFS_ERR_CORRUPT || r == ROMFS_ERR_NOSPC ||
                r == ROMFS_ERR_NAMETOOLONG || r == ROMFS_ERR_NOMEM);
    if (r == 0)
        FUZZ_ASSERT(romfs_layout_data_start(*out, *out_len) > 0);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
    romfs_layout_opts_t o = {0};
    romfs_layout_stats_t st;
    uint8_t *out = NULL, *again = NULL;
    size_t out_len, again_len, src_len;
    if (n > 0) {
        o.block_size = 64u << (in[0] & 3);
        o.align = (in[0] >> 2) & 3 ? 1u << (((in[0] >> 2) & 3) * 2) : 0;
    }
    uint8_t *src = build_tree(in, n, &src_len);

    /* 1. The input as the base. */
    FUZZ_ASSERT(layout(src, src_len, in, n, &o, &out, &out_len, &st) == 0);
    same_tree(out, out_len, in, n);
    FUZZ_ASSERT(st.files == NFILES);

    /* 2. Unchanged against itself: every file stays, unless the base holds
     * so much waste that a fresh layout is made, which must then place
     * things as laying the tree out with no base at all does (the bytes of
     * unused space may still be the base's: they keep blocks unchanged). */
    FUZZ_ASSERT(layout(src, src_len, out, out_len, &o, &again, &again_len, &st) == 0);
    same_tree(again, again_len, in, n);
    if (st.compacted) {
        romfs_layout_opts_t f = o;
        uint8_t *fresh;
        size_t fresh_len;
        f.fresh = 1;
        FUZZ_ASSERT(layout(src, src_len, NULL, 0, &f, &fresh, &fresh_len, NULL) == 0);
        size_t ds = romfs_layout_data_start(fresh, fresh_len);
        FUZZ_ASSERT(fresh_len == again_len && ds == romfs_layout_data_start(again, again_len));
        /* The tree, up to and with the data area's marker, is the same. */
        const uint8_t *mk = memmem(fresh, ds, ROMFS_LAYOUT_MARKER, ROMFS_LAYOUT_MARKER_LEN);
        FUZZ_ASSERT(mk != NULL);
        FUZZ_ASSERT(memcmp(fresh, again, (size_t)(mk - fresh) + ROMFS_LAYOUT_MARKER_LEN) == 0);
        free(fresh);
    } else {
        FUZZ_ASSERT(st.used_base && st.kept + st.in_place == NFILES && st.moved == 0);
    }
    free(again);

    /* 3. A real stable base with input bytes XORed in at input positions. */
    for (size_t i = 1; i + 1 < n; i += 2)
        out[(in[i] * 131u + i) % out_len] ^= in[i + 1];
    FUZZ_ASSERT(layout(src, src_len, out, out_len, &o, &again, &again_len, &st) == 0);
    same_tree(again, again_len, in, n);
    free(again);
    free(out);

    /* 4. The input laid out on itself, when it is an image. */
    if (layout(in, n, in, n, &o, &out, &out_len, &st) == 0) {
        romfs_t fs;
        FUZZ_ASSERT(romfs_mount(&fs, out, out_len) == 0);
        free(out);
    }
    free(src);
    return 0;
}
