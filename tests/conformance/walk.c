/* SPDX-License-Identifier: MIT */
/*
 * walk: print our reader's view of a ROMFS image as JSON, in exactly the shape
 * that oracle.mjs produces from real MicroPython, so the driver can diff data.
 *
 *   walk [--vfs] [--max-entries N] [--nested PATH] [--probe PATH]... IMAGE
 *   walk --boot IMAGE      (boot decision and sys.path entries, as JSON)
 *
 * With --vfs every call goes through the mount table (romfs_vfs.h) with the
 * image mounted at /rom, as MicroPython's boot mounts it, instead of the
 * reader API.
 *
 * The image is loaded into a buffer of exactly its size so ASan flags any read
 * past it; every data pointer the reader hands out is also checked to lie
 * inside the image, and the program aborts (exit 3) if one does not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs.h"
#include "romfs/romfs_boot.h"
#include "romfs/romfs_vfs.h"
#include "sha256.h"

/* ---- JSON output helpers ---- */

static void put_hex(const uint8_t *p, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
    putchar('"');
}

/* MicroPython's errno names, as the oracle prints them. */
static const char *err_name(int rc)
{
    switch (rc) {
    case ROMFS_ERR_PERM: return "EPERM";
    case ROMFS_ERR_NOENT: return "ENOENT";
    case ROMFS_ERR_IO: return "EIO";
    case ROMFS_ERR_CORRUPT: return "EIO"; /* the reader's code for what MicroPython calls EIO */
    case ROMFS_ERR_BADF: return "EBADF";
    case ROMFS_ERR_NOMEM: return "ENOMEM";
    case ROMFS_ERR_EXIST: return "EEXIST";
    case ROMFS_ERR_NODEV: return "ENODEV";
    case ROMFS_ERR_NOTDIR: return "ENOTDIR";
    case ROMFS_ERR_ISDIR: return "EISDIR";
    case ROMFS_ERR_INVAL: return "EINVAL";
    case ROMFS_ERR_ROFS: return "EROFS";
    case ROMFS_ERR_NAMETOOLONG: return "ENAMETOOLONG";
    case ROMFS_ERR_OVERFLOW: return "EOVERFLOW";
    case ROMFS_ERR_OPNOTSUPP: return "EOPNOTSUPP";
    default: return "EUNKNOWN";
    }
}

static void put_err(int rc)
{
    printf("\"%s\"", err_name(rc));
}

/* ---- bounds: the reader must never hand out a byte outside the image ---- */

static const uint8_t *g_lo, *g_hi;

static void check_inside(const uint8_t *p, size_t n, const char *what, const char *path)
{
    if (n == 0) {
        return;
    }
    if (p < g_lo || p > g_hi || n > (size_t)(g_hi - p)) {
        fflush(stdout);
        fprintf(stderr, "walk: %s of '%s' lies outside the image (%zu bytes)\n", what, path, n);
        exit(3);
    }
}

/* ---- the seek/tell/read sequence, mirrored in oracle.mjs (SEQ_OPS) ---- */

enum { OP_TELL, OP_READ, OP_SEEK };
static const struct {
    int op;
    long a, b;
} seq_ops[] = {
    {OP_TELL, 0, 0}, {OP_READ, 5, 0}, {OP_TELL, 0, 0}, {OP_SEEK, 3, 0}, {OP_READ, 5, 0},
    {OP_TELL, 0, 0}, {OP_SEEK, -2, 1}, {OP_READ, 3, 0}, {OP_TELL, 0, 0}, {OP_SEEK, 0, 2},
    {OP_TELL, 0, 0}, {OP_SEEK, -1, 2}, {OP_READ, 1, 0}, {OP_TELL, 0, 0}, {OP_SEEK, -100, 1},
    {OP_TELL, 0, 0}, {OP_SEEK, 100000, 0}, {OP_TELL, 0, 0}, {OP_READ, 1, 0}, {OP_SEEK, 5, 2},
    {OP_TELL, 0, 0}, {OP_SEEK, -3, 2}, {OP_READ, 10, 0}, {OP_TELL, 0, 0}, {OP_SEEK, -1000000, 2},
    {OP_TELL, 0, 0}, {OP_SEEK, 7, 0}, {OP_SEEK, 2, 1}, {OP_READ, 0, 0}, {OP_READ, -1, 0},
    {OP_TELL, 0, 0},
};

/* A read result: hex when short, else "len:sha256". */
static void put_read(const uint8_t *p, size_t n)
{
    if (n <= 64) {
        put_hex(p, n);
        return;
    }
    sha256_t s;
    char hex[65];
    sha256_init(&s);
    sha256_update(&s, p, n);
    sha256_hex(&s, hex);
    printf("\"%zu:%s\"", n, hex);
}

static void put_seq(romfs_file_t *f)
{
    static uint8_t buf[1 << 16];
    printf("[");
    for (size_t i = 0; i < sizeof seq_ops / sizeof seq_ops[0]; i++) {
        if (i) {
            printf(",");
        }
        if (seq_ops[i].op == OP_TELL) {
            printf("%zu", romfs_file_tell(f));
        } else if (seq_ops[i].op == OP_SEEK) {
            size_t pos = 0;
            int rc = romfs_file_seek(f, seq_ops[i].a, (int)seq_ops[i].b, &pos);
            if (rc == 0) {
                printf("%zu", pos);
            } else {
                /* Both sides rewind after a failed seek: MicroPython's
                 * position is not defined then (docs/COMPATIBILITY.md). */
                put_err(rc);
                romfs_file_seek(f, 0, ROMFS_SEEK_SET, NULL);
            }
        } else {
            if (seq_ops[i].a >= 0) {
                size_t got = romfs_file_read(f, buf, (size_t)seq_ops[i].a);
                put_read(buf, got);
                continue;
            }
            /* read() to the end, however long. */
            uint8_t *all = NULL;
            size_t n = 0, got;
            while ((got = romfs_file_read(f, buf, sizeof buf)) > 0) {
                uint8_t *grown = realloc(all, n + got);
                if (!grown) {
                    fprintf(stderr, "walk: out of memory\n");
                    exit(1);
                }
                all = grown;
                memcpy(all + n, buf, got);
                n += got;
            }
            put_read(all, n);
            free(all);
        }
    }
    printf("]");
}

/* ---- one entry ---- */

static const romfs_t *g_fs;

/* --vfs: the same walk through the mount table, paths prefixed with /rom. */
static romfs_vfs_t *g_vfs;
#define VFS_ROOT "/rom"

static const char *vfs_path(const char *path)
{
    static char full[ROMFS_VFS_PATH_MAX + 8];
    size_t n = strlen(path);
    if (n + sizeof VFS_ROOT > sizeof full) {
        return NULL;
    }
    memcpy(full, VFS_ROOT, sizeof VFS_ROOT - 1);
    memcpy(full + sizeof VFS_ROOT - 1, path, n + 1);
    return full;
}

static int do_stat(const char *path, romfs_info_t *info)
{
    if (!g_vfs) {
        return romfs_stat(g_fs, path, info);
    }
    const char *full = vfs_path(path);
    return full ? romfs_vfs_stat(g_vfs, full, info) : ROMFS_ERR_NAMETOOLONG;
}

static int do_file_open(const char *path, romfs_file_t *f)
{
    if (!g_vfs) {
        return romfs_file_open(g_fs, f, path);
    }
    const char *full = vfs_path(path);
    romfs_vfs_file_t vf;
    int rc = full ? romfs_vfs_open(g_vfs, &vf, full, "rb") : ROMFS_ERR_NAMETOOLONG;
    if (rc == 0) {
        *f = vf.file;
    }
    return rc;
}

/* A directory listing from either API. */
typedef struct any_dir {
    romfs_dir_t dir;
    romfs_vfs_dir_t vdir;
} any_dir_t;

static int do_dir_open(const char *path, any_dir_t *d)
{
    if (!g_vfs) {
        return romfs_dir_open(g_fs, &d->dir, path);
    }
    const char *full = vfs_path(path);
    return full ? romfs_vfs_dir_open(g_vfs, &d->vdir, full) : ROMFS_ERR_NAMETOOLONG;
}

static int do_dir_read(any_dir_t *d, romfs_info_t *info)
{
    return g_vfs ? romfs_vfs_dir_read(&d->vdir, info) : romfs_dir_read(&d->dir, info);
}

static void put_stat(int rc, const romfs_info_t *info)
{
    if (rc != 0) {
        put_err(rc);
        return;
    }
    unsigned mode = info->type == ROMFS_TYPE_DIR ? ROMFS_S_IFDIR : ROMFS_S_IFREG;
    printf("[%u,0,0,0,0,0,%zu,0,0,0]", mode, info->size);
}

typedef struct child {
    char *path;
} child_t;

/* Emit one entry at path; when children is non-NULL, append the paths of a
 * directory's children (in listing order) to *children. */
static void put_entry(const char *path, child_t **children, size_t *nchildren)
{
    romfs_info_t info;
    int rc = do_stat(path, &info);
    printf("{\"path\":");
    put_hex((const uint8_t *)path, strlen(path));
    printf(",\"stat\":");
    put_stat(rc, &info);
    if (rc != 0) {
        printf("}");
        return;
    }
    if (info.type == ROMFS_TYPE_DIR) {
        any_dir_t dir;
        romfs_info_t ent;
        int drc = do_dir_open(path, &dir);
        printf(",\"list\":[");
        int n = 0;
        while (drc == 0) {
            int r = do_dir_read(&dir, &ent);
            if (r <= 0) {
                drc = r;
                break;
            }
            check_inside(ent.name, ent.name_len, "name", path);
            if (ent.type == ROMFS_TYPE_FILE) {
                check_inside(ent.data, ent.size, "listed data", path);
            }
            printf("%s[", n++ ? "," : "");
            put_hex(ent.name, ent.name_len);
            printf(",%u,0,%zu]", ent.type == ROMFS_TYPE_DIR ? ROMFS_S_IFDIR : ROMFS_S_IFREG,
                   ent.size);
            if (children) {
                size_t pl = strlen(path);
                /* Names with NUL are cut there, exactly as MicroPython's
                 * C-string paths cut them. */
                char *cp = malloc(pl + 1 + ent.name_len + 1);
                if (!cp) {
                    fprintf(stderr, "walk: out of memory\n");
                    exit(1);
                }
                memcpy(cp, path, pl);
                cp[pl] = '/';
                memcpy(cp + pl + 1, ent.name, ent.name_len);
                cp[pl + 1 + ent.name_len] = '\0';
                child_t *grown = realloc(*children, (*nchildren + 1) * sizeof **children);
                if (!grown) {
                    fprintf(stderr, "walk: out of memory\n");
                    exit(1);
                }
                *children = grown;
                (*children)[(*nchildren)++].path = cp;
            }
        }
        printf("],\"list_err\":");
        if (drc == 0) {
            printf("null");
        } else {
            put_err(drc);
        }
        romfs_file_t f;
        printf(",\"open_err\":");
        int orc = do_file_open(path, &f);
        if (orc == 0) {
            printf("null");
        } else {
            put_err(orc);
        }
        printf("}");
        return;
    }

    /* A file: contents by read(), by zero-copy view, the sequence, probes. */
    romfs_file_t f;
    int orc = do_file_open(path, &f);
    printf(",\"read\":");
    if (orc != 0) {
        put_err(orc);
    } else {
        static uint8_t buf[4096];
        sha256_t s;
        char hex[65];
        size_t total = 0, got;
        sha256_init(&s);
        while ((got = romfs_file_read(&f, buf, sizeof buf)) > 0) {
            sha256_update(&s, buf, got);
            total += got;
        }
        sha256_hex(&s, hex);
        printf("[%zu,\"%s\"]", total, hex);

        size_t mlen = 0;
        const uint8_t *m = romfs_file_data(&f, &mlen);
        check_inside(m, mlen, "file data", path);
        check_inside(info.data, info.size, "stat data", path);
        sha256_init(&s);
        sha256_update(&s, m, mlen);
        sha256_hex(&s, hex);
        printf(",\"mv\":[%zu,\"%s\",", mlen, hex);
        if (mlen > 0) {
            printf("%td]", m - g_lo);
        } else {
            printf("null]");
        }
        romfs_file_t f2;
        do_file_open(path, &f2);
        printf(",\"seq\":");
        put_seq(&f2);
    }
    any_dir_t d;
    printf(",\"list_err\":");
    int lrc = do_dir_open(path, &d);
    if (lrc == 0) {
        printf("null");
    } else {
        put_err(lrc);
    }
    size_t pl = strlen(path);
    char *sub = malloc(pl + 3);
    if (!sub) {
        fprintf(stderr, "walk: out of memory\n");
        exit(1);
    }
    memcpy(sub, path, pl);
    memcpy(sub + pl, "/x", 3);
    romfs_info_t si;
    printf(",\"sub_err\":");
    int src = do_stat(sub, &si);
    if (src == 0) {
        printf("null");
    } else {
        put_err(src);
    }
    free(sub);
    printf("}");
}

/* Preorder walk with an explicit stack (no recursion on input depth):
 * children are pushed in reverse so entries come out in listing order. */
static void walk(size_t max_entries)
{
    child_t *stack = malloc(sizeof *stack);
    size_t depth = 1, emitted = 0;
    int truncated = 0;
    if (!stack || !(stack[0].path = calloc(1, 1))) {
        fprintf(stderr, "walk: out of memory\n");
        exit(1);
    }
    printf("\"entries\":[");
    while (depth > 0) {
        char *path = stack[--depth].path;
        if (emitted == max_entries) {
            truncated = 1;
            free(path);
            continue;
        }
        child_t *kids = NULL;
        size_t nkids = 0;
        printf("%s", emitted++ ? ",\n" : "\n");
        put_entry(path, &kids, &nkids);
        free(path);
        if (nkids > 0) {
            child_t *grown = realloc(stack, (depth + nkids) * sizeof *stack);
            if (!grown) {
                fprintf(stderr, "walk: out of memory\n");
                exit(1);
            }
            stack = grown;
            for (size_t i = nkids; i-- > 0;) {
                stack[depth++] = kids[i];
            }
        }
        free(kids);
    }
    free(stack);
    printf("],\"truncated\":%s", truncated ? "true" : "false");
}

static uint8_t *load(const char *name, size_t *len)
{
    FILE *fp = fopen(name, "rb");
    if (!fp) {
        fprintf(stderr, "walk: %s: %s\n", name, strerror(errno));
        exit(1);
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (!grown) {
                fprintf(stderr, "walk: out of memory\n");
                exit(1);
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        if (got == 0) {
            break;
        }
        n += got;
    }
    fclose(fp);
    /* Exactly-sized copy: any read one byte past the image trips ASan. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        fprintf(stderr, "walk: out of memory\n");
        exit(1);
    }
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

static int usage(void)
{
    fprintf(stderr, "usage: walk [--vfs] [--max-entries N] [--nested PATH] [--probe PATH]... IMAGE\n"
                    "       walk --boot IMAGE\n");
    return 2;
}

int main(int argc, char **argv)
{
    size_t max_entries = 100000;
    const char *nested = NULL, *image = NULL;
    const char *probes[64];
    size_t nprobes = 0;
    int boot = 0, use_vfs = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--max-entries") && i + 1 < argc) {
            max_entries = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--nested") && i + 1 < argc) {
            nested = argv[++i];
        } else if (!strcmp(argv[i], "--probe") && i + 1 < argc) {
            if (nprobes == sizeof probes / sizeof probes[0]) {
                return usage();
            }
            probes[nprobes++] = argv[++i];
        } else if (!strcmp(argv[i], "--boot")) {
            boot = 1;
        } else if (!strcmp(argv[i], "--vfs")) {
            use_vfs = 1;
        } else if (argv[i][0] == '-' || image) {
            return usage();
        } else {
            image = argv[i];
        }
    }
    if (!image) {
        return usage();
    }
    size_t len;
    uint8_t *buf = load(image, &len);
    g_lo = buf;
    g_hi = buf + len;

    if (boot) {
        /* The decision, and the whole boot step on a read-only partition
         * holding these bytes: what it mounts and adds to sys.path. */
        int mounted = romfs_boot_decide(buf, len) == 1;
        romfs_part_t part = {.memory = buf, .size = len};
        romfs_rom_t rom = {.parts = &part, .count = 1};
        static romfs_vfs_t bvfs;
        romfs_boot_paths_t paths;
        romfs_vfs_init(&bvfs);
        int st = romfs_boot_mount(&bvfs, &rom, &paths);
        printf("{\"boot\":%s,\"via\":\"romfs_boot_decide\",\"boot_mount\":%s,\"paths\":[",
               mounted ? "true" : "false", st == ROMFS_BOOT_MOUNTED ? "true" : "false");
        for (size_t i = 0; st == ROMFS_BOOT_MOUNTED && i < paths.count; i++) {
            printf("%s\"%s\"", i ? "," : "", paths.entries[i]);
        }
        printf("]}\n");
        free(buf);
        return 0;
    }

    romfs_t fs;
    int rc = romfs_mount(&fs, buf, len);
    if (rc == 0 && nested) {
        /* Mount a file of the outer image in place, as VfsRom(memoryview(f)). */
        romfs_file_t f;
        rc = romfs_file_open(&fs, &f, nested);
        if (rc != 0) {
            fprintf(stderr, "walk: %s: %s: %s\n", image, nested, romfs_strerror(rc));
            return 1;
        }
        size_t ilen;
        const uint8_t *inner = romfs_file_data(&f, &ilen);
        check_inside(inner, ilen, "nested image", nested);
        g_lo = inner;
        g_hi = inner + ilen;
        rc = romfs_mount(&fs, inner, ilen);
    }
    printf("{\"mount\":");
    if (rc != 0) {
        put_err(rc);
        printf("}\n");
        free(buf);
        return 0;
    }
    check_inside(fs.fs, (size_t)(fs.fs_end - fs.fs), "payload", "/");
    g_fs = &fs;
    romfs_statvfs_t sv;
    static romfs_vfs_t vfs;
    if (use_vfs) {
        romfs_vfs_init(&vfs);
        rc = romfs_vfs_mount(&vfs, VFS_ROOT, fs.image, fs.image_len, 0);
        if (rc != 0) {
            fprintf(stderr, "walk: %s: mount at %s: %s\n", image, VFS_ROOT, romfs_strerror(rc));
            return 1;
        }
        g_vfs = &vfs;
        rc = romfs_vfs_statvfs(&vfs, VFS_ROOT, &sv);
        if (rc != 0) {
            fprintf(stderr, "walk: %s: statvfs: %s\n", image, romfs_strerror(rc));
            return 1;
        }
    } else {
        romfs_statvfs(&fs, &sv);
    }
    printf("\"ok\",\"statvfs\":[%" PRIu32 ",%" PRIu32 ",%zu,0,0,0,0,0,0,%" PRIu32 "],", sv.bsize,
           sv.frsize, sv.blocks, sv.namemax);
    walk(max_entries);
    printf(",\"probes\":[");
    for (size_t i = 0; i < nprobes; i++) {
        printf("%s", i ? ",\n" : "\n");
        put_entry(probes[i], NULL, NULL);
    }
    printf("]}\n");
    free(buf);
    return 0;
}
