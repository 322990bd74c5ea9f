/* SPDX-License-Identifier: MIT */
/* One lookup, counted by callgrind: `reader_probe IMAGE PATH DECODER` reads
 * IMAGE into memory, then runs exactly one lookup of PATH with DECODER
 * (romfs: romfs_stat; micropython: the transcription in mp_lookup.c; scan:
 * a plain walk of the root's records) between two callgrind toggles, so
 * `valgrind --tool=callgrind --collect-atstart=no` counts only that. Prints
 * what it found, so the driver can check the decoders agree. Built at -O2
 * without sanitizers whatever the build type (bench/CMakeLists.txt). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include "mp_lookup.h"
#include "romfs/romfs.h"

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "reader_probe: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    size_t len, size = 0;
    romfs_t fs;
    romfs_info_t info;
    const uint8_t *data = NULL;
    int found;
    if (argc != 4) {
        fprintf(stderr, "usage: reader_probe IMAGE PATH romfs|micropython|scan\n");
        return 2;
    }
    uint8_t *img = load(argv[1], &len);
    if (romfs_mount(&fs, img, len) != 0) {
        fprintf(stderr, "reader_probe: %s: not a ROMFS image\n", argv[1]);
        return 1;
    }
    const char *path = argv[2], *dec = argv[3];
    if (strcmp(dec, "romfs") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        found = romfs_stat(&fs, path, &info) == 0;
        CALLGRIND_TOGGLE_COLLECT;
        size = found ? info.size : 0;
    } else if (strcmp(dec, "micropython") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        found = mp_lookup(fs.fs, fs.fs_end, path, &size, &data) == MP_LOOKUP_FILE;
        CALLGRIND_TOGGLE_COLLECT;
    } else if (strcmp(dec, "scan") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        size = mp_plain_scan(fs.fs, fs.fs_end);
        CALLGRIND_TOGGLE_COLLECT;
        found = 1;
    } else {
        fprintf(stderr, "reader_probe: unknown decoder %s\n", dec);
        return 2;
    }
    printf("%d %zu\n", found, size);
    free(img);
    return 0;
}
