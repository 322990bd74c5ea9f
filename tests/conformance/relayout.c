/* SPDX-License-Identifier: MIT */
/*
 * relayout: re-lay an image out in the stable ("deploy") layout of
 * romfs_layout.h, so the conformance suite can check that MicroPython reads
 * those images exactly as our reader does.
 *
 *   relayout [--base BASE] [--align N] SRC OUT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_layout.h"

static uint8_t *load(const char *name, size_t *len)
{
    FILE *fp = fopen(name, "rb");
    if (!fp) {
        fprintf(stderr, "relayout: %s: %s\n", name, strerror(errno));
        exit(1);
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (!grown) {
                fprintf(stderr, "relayout: out of memory\n");
                exit(1);
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
    } while (got > 0);
    fclose(fp);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    const char *base_name = NULL;
    romfs_layout_opts_t opts = {0};
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "--base")) {
            base_name = argv[i + 1];
        } else if (!strcmp(argv[i], "--align")) {
            opts.align = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        } else {
            break;
        }
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: relayout [--base BASE] [--align N] SRC OUT\n");
        return 2;
    }
    size_t src_len, base_len = 0, out_len;
    uint8_t *src = load(argv[i], &src_len);
    uint8_t *base = base_name ? load(base_name, &base_len) : NULL;
    uint8_t *out;
    romfs_layout_stats_t st;
    int rc = romfs_layout_stable(src, src_len, base, base_len, &opts, &out, &out_len, &st);
    if (rc != 0) {
        fprintf(stderr, "relayout: %s: %s\n", argv[i], romfs_strerror(rc));
        return 1;
    }
    FILE *fp = fopen(argv[i + 1], "wb");
    if (!fp || fwrite(out, 1, out_len, fp) != out_len || fclose(fp) != 0) {
        fprintf(stderr, "relayout: %s: %s\n", argv[i + 1], strerror(errno));
        return 1;
    }
    printf("{\"used_base\":%d,\"compacted\":%d,\"kept\":%zu,\"in_place\":%zu,\"moved\":%zu,\"added\":%zu}\n", st.used_base,
           st.compacted, st.kept, st.in_place, st.moved, st.added);
    free(out);
    free(src);
    free(base);
    return 0;
}
