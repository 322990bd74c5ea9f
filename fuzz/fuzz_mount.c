/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the FUSE daemon of `romfs mount` (src/fuse/fuse_ops.c), its
 * operations called directly as the kernel would call them: readdir of
 * every directory reached, getattr, open and read of every entry listed
 * (bounded), statfs, and lookups of paths the input spells. Besides not
 * crashing: every name listed is one a path can hold, and what read
 * returns is the reader's data for the file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>

#include "fuzz_common.h"
#include "romfs_fuse_ops.h"

#define MAX_VISITS 512

typedef struct names {
    char **v;
    size_t n, cap;
} names_t;

static int on_fill(void *buf, const char *name, const struct stat *st, off_t off, enum fuse_fill_dir_flags flags)
{
    (void)st, (void)off, (void)flags;
    names_t *l = buf;
    size_t len = strlen(name);
    FUZZ_ASSERT(len >= 1 && len <= NAME_MAX && !strchr(name, '/'));
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return 1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(name)))
        return 1;
    l->n++;
    return 0;
}

static void read_file(const struct fuse_operations *ops, const romfs_t *fs, const char *path)
{
    struct fuse_file_info fi = {.flags = O_RDONLY};
    if (ops->open(path, &fi) != 0)
        return;
    romfs_file_t f;
    FUZZ_ASSERT(romfs_file_open(fs, &f, path) == 0);
    size_t len;
    const uint8_t *data = romfs_file_data(&f, &len);
    char buf[4096];
    size_t offs[] = {0, 1, len / 2, len ? len - 1 : 0, len, len + 4096};
    for (size_t i = 0; i < sizeof offs / sizeof *offs; i++) {
        int n = ops->read(path, buf, sizeof buf, (off_t)offs[i], &fi);
        size_t want = offs[i] >= len ? 0 : len - offs[i] < sizeof buf ? len - offs[i] : sizeof buf;
        FUZZ_ASSERT(n >= 0 && (size_t)n == want);
        FUZZ_ASSERT(n == 0 || memcmp(buf, data + offs[i], (size_t)n) == 0);
    }
    struct fuse_file_info wr = {.flags = O_WRONLY};
    FUZZ_ASSERT(ops->open(path, &wr) == -EROFS);
}

int LLVMFuzzerTestOneInput(const uint8_t *img, size_t len)
{
    romfs_t fs;
    if (romfs_mount(&fs, img, len) != 0)
        return 0;
    struct stat ist;
    memset(&ist, 0, sizeof ist);
    const struct fuse_operations *ops = mount_operations(&fs, &ist);
    struct statvfs sv;
    FUZZ_ASSERT(ops->statfs("/", &sv) == 0);

    /* Breadth first from the root, each directory's path kept in a queue. */
    char **queue = malloc(MAX_VISITS * sizeof *queue);
    size_t head = 0, tail = 0, visits = 0;
    if (!queue || !(queue[tail++] = strdup("/")))
        goto out;
    while (head < tail) {
        char *dir = queue[head++];
        names_t l = {0};
        struct fuse_file_info fi = {0};
        int r = ops->readdir(dir, &l, on_fill, 0, &fi, 0);
        FUZZ_ASSERT(r == 0 || r == -EIO || r == -ENOTDIR || r == -ENOENT);
        for (size_t i = 0; i < l.n; i++) {
            size_t dl = strlen(dir), nl = strlen(l.v[i]);
            char *p = malloc(dl + nl + 2);
            if (p && visits++ < MAX_VISITS) {
                snprintf(p, dl + nl + 2, "%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", l.v[i]);
                struct stat st;
                int g = ops->getattr(p, &st, NULL);
                FUZZ_ASSERT(g == 0 || g == -EIO);
                FUZZ_ASSERT(g != 0 || S_ISDIR(st.st_mode) || S_ISREG(st.st_mode));
                if (g == 0 && S_ISDIR(st.st_mode) && tail < MAX_VISITS) {
                    queue[tail++] = p;
                    p = NULL;
                } else if (g == 0 && S_ISREG(st.st_mode)) {
                    read_file(ops, &fs, p);
                }
            }
            free(p);
            free(l.v[i]);
        }
        free(l.v);
    }
    /* Paths the input spells, stopped at its first NUL: lookups of
     * anything, read if they open. */
    size_t n = strnlen((const char *)img, len < 4096 ? len : 4096);
    char *p = malloc(n + 2);
    if (p) {
        p[0] = '/';
        memcpy(p + 1, img, n);
        p[n + 1] = '\0';
        struct stat st;
        if (ops->getattr(p, &st, NULL) == 0 && S_ISREG(st.st_mode))
            read_file(ops, &fs, p);
        free(p);
    }
out:
    for (size_t i = 0; queue && i < tail; i++)
        free(queue[i]);
    free(queue);
    return 0;
}
