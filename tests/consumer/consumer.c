/* SPDX-License-Identifier: MIT */
/* A host program using all three libraries through the installed headers:
 * builds an image in memory (romfs::host), mounts it in a mount table
 * (romfs::device) and reads a file back zero-copy (romfs::reader). */
#include <romfs/romfs.h>
#include <romfs/romfs_build.h>
#include <romfs/romfs_flashfmt.h>
#include <romfs/romfs_vfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if ROMFS_VERSION != ROMFS_VERSION_MAJOR * 10000 + ROMFS_VERSION_MINOR * 100 + ROMFS_VERSION_PATCH
#error "ROMFS_VERSION does not match its parts"
#endif

struct buf {
    unsigned char data[4096];
    size_t len;
};

static int put(void *ctx, const void *p, size_t n)
{
    struct buf *b = ctx;
    if (n > sizeof b->data - b->len)
        return -28;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int main(void)
{
    static struct buf img;
    romfs_build_opts_t opts = {0};
    romfs_builder_t *b = romfs_builder_new(&opts);
    if (!b || romfs_builder_open_dir(b, "lib", 3) || romfs_builder_add_file_mem(b, "x.py", 4, "x = 1\n", 6) ||
        romfs_builder_close_dir(b) || romfs_builder_write(b, put, &img)) {
        fprintf(stderr, "consumer: building failed\n");
        return 1;
    }
    romfs_builder_free(b);
    static romfs_vfs_t vfs;
    romfs_vfs_init(&vfs);
    romfs_vfs_file_t f;
    if (romfs_vfs_mount(&vfs, "/rom", img.data, img.len, 0) || romfs_vfs_open(&vfs, &f, "/rom/lib/x.py", "rb")) {
        fprintf(stderr, "consumer: mounting or opening failed\n");
        return 1;
    }
    size_t n;
    const unsigned char *d = romfs_file_data(&f.file, &n);
    if (n != 6 || memcmp(d, "x = 1\n", 6) != 0 || d < img.data || d >= img.data + img.len) {
        fprintf(stderr, "consumer: wrong contents (or copied)\n");
        return 1;
    }
    uint32_t id;
    if (romfs_uf2_family("RP2040", &id) || id != 0xe48bff56u) {
        fprintf(stderr, "consumer: flash formats missing\n");
        return 1;
    }
    if (strcmp(romfs_version(), ROMFS_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: header %s, library %s\n", ROMFS_VERSION_STRING, romfs_version());
        return 1;
    }
    printf("consumer: ok, romfs %s (%d)\n", romfs_version(), ROMFS_VERSION);
    return 0;
}
