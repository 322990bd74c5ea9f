/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the builder round trip. The input is a tree
 * description, one operation per byte (low two bits: open a directory, close
 * it, add a file; the next byte gives a name length, the name follows; a
 * file's next byte gives its size, its bytes follow). The first byte picks
 * the layout (reference or aligned to 2..4096) and the order (sorted or as
 * added). Whatever the builder accepts must read back through the reader as
 * exactly that tree: every file at its path with its bytes (aligned data at
 * aligned image offsets), every directory with as many entries, nothing
 * else; whatever it refuses (unsafe or duplicate names) must be absent.
 * Only the public headers (builder, reader). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_build.h"

#define MAX_NODES 64
#define MAX_DEPTH 8
#define MAX_PATH 1024

struct node {
    int parent;              /* -1: the root */
    int is_dir;
    const uint8_t *name, *data;
    size_t name_len, size, children;
};

static struct node nodes[MAX_NODES];
static size_t count;

/* The path of node i ("/a/b"); its length, or 0 when it does not fit. */
static size_t path_of(size_t i, char *out)
{
    size_t len = 0, chain[MAX_DEPTH + 2], depth = 0;
    for (int j = (int)i; j >= 0; j = nodes[j].parent)
        chain[depth++] = (size_t)j;
    while (depth-- > 0) {
        const struct node *n = &nodes[chain[depth]];
        if (len + 1 + n->name_len >= MAX_PATH)
            return 0;
        out[len++] = '/';
        memcpy(out + len, n->name, n->name_len);
        len += n->name_len;
    }
    return len;
}

static void check(const uint8_t *img, size_t len, uint32_t align)
{
    romfs_t fs;
    romfs_info_t info, e;
    romfs_dir_t dir;
    char path[MAX_PATH];
    size_t root_children = 0;
    FUZZ_ASSERT(romfs_mount(&fs, img, len) == 0 && romfs_image_size(&fs) == len);
    for (size_t i = 0; i < count; i++) {
        root_children += nodes[i].parent < 0;
        size_t plen = path_of(i, path);
        if (plen == 0)
            continue;
        FUZZ_ASSERT(romfs_stat_n(&fs, path, plen, &info) == 0);
        FUZZ_ASSERT(info.name_len == nodes[i].name_len && memcmp(info.name, nodes[i].name, info.name_len) == 0);
        if (!nodes[i].is_dir) {
            FUZZ_ASSERT(info.type == ROMFS_TYPE_FILE && info.size == nodes[i].size);
            FUZZ_ASSERT(info.size == 0 || memcmp(info.data, nodes[i].data, info.size) == 0);
            if (align > 1 && info.size > 0)
                FUZZ_ASSERT((size_t)(info.data - img) % align == 0);
            continue;
        }
        FUZZ_ASSERT(info.type == ROMFS_TYPE_DIR);
        size_t seen = 0;
        int r;
        FUZZ_ASSERT(romfs_dir_open_info(&fs, &dir, &info) == 0);
        while ((r = romfs_dir_read(&dir, &e)) == 1)
            seen++;
        FUZZ_ASSERT(r == 0 && seen == nodes[i].children);
    }
    size_t seen = 0;
    int r;
    FUZZ_ASSERT(romfs_dir_open(&fs, &dir, "/") == 0);
    while ((r = romfs_dir_read(&dir, &e)) == 1)
        seen++;
    FUZZ_ASSERT(r == 0 && seen == root_children);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
    if (n == 0)
        return 0;
    romfs_build_opts_t o = {in[0] & 0x0f ? 1u << (in[0] & 0x0f) % 13 : 0, (in[0] >> 4) & 1};
    if (o.align == 1)
        o.align = 0;
    romfs_builder_t *b = romfs_builder_new(&o);
    FUZZ_ASSERT(b != NULL);
    int cur = -1, depth = 0;
    size_t pos = 1;
    count = 0;
    while (pos < n && count < MAX_NODES) {
        int op = in[pos++] & 3;
        if (op == 1) {
            if (depth > 0) {
                FUZZ_ASSERT(romfs_builder_close_dir(b) == 0);
                cur = nodes[cur].parent;
                depth--;
            } else {
                FUZZ_ASSERT(romfs_builder_close_dir(b) == ROMFS_ERR_INVAL);
            }
            continue;
        }
        if (pos >= n)
            break;
        size_t name_len = in[pos++] % 24;
        if (name_len > n - pos)
            name_len = n - pos;
        const uint8_t *name = in + pos;
        pos += name_len;
        struct node *nd = &nodes[count];
        *nd = (struct node){cur, op != 2, name, NULL, name_len, 0, 0};
        int r;
        if (op == 2) {
            size_t size = pos < n ? in[pos++] : 0;
            if (size > n - pos)
                size = n - pos;
            nd->data = in + pos;
            nd->size = size;
            pos += size;
            r = romfs_builder_add_file_mem(b, (const char *)name, name_len, nd->data, size);
        } else {
            if (depth >= MAX_DEPTH)
                continue;
            r = romfs_builder_open_dir(b, (const char *)name, name_len);
        }
        if (r != 0) {
            /* Refused: an unsafe or duplicate name (or bytes the builder
             * will not store as a name); it must not appear. */
            FUZZ_ASSERT(r == ROMFS_ERR_INVAL || r == ROMFS_ERR_EXIST);
            if (r == ROMFS_ERR_EXIST) {
                size_t j = 0;
                while (j < count && !(nodes[j].parent == cur && nodes[j].name_len == name_len &&
                                      memcmp(nodes[j].name, name, name_len) == 0))
                    j++;
                FUZZ_ASSERT(j < count);
            }
            continue;
        }
        FUZZ_ASSERT(romfs_name_is_safe(name, name_len));
        if (cur >= 0)
            nodes[cur].children++;
        if (op != 2) {
            cur = (int)count;
            depth++;
        }
        count++;
    }
    while (depth-- > 0)
        FUZZ_ASSERT(romfs_builder_close_dir(b) == 0);
    fuzz_mem_t m = {0};
    FUZZ_ASSERT(romfs_builder_write(b, fuzz_mem_write, &m) == 0);
    FUZZ_ASSERT(m.len == romfs_builder_image_size(b));
    romfs_builder_free(b);
    check(m.buf, m.len, o.align);
    free(m.buf);
    return 0;
}
