/* SPDX-License-Identifier: MIT */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        abort();
    }
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

const char *tu_vector(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", ROMFS_VECTORS, rel);
    return buf;
}

int tu_tmpdir(char *dir, size_t size, const char *name)
{
    snprintf(dir, size, "/tmp/%s-XXXXXX", name);
    return mkdtemp(dir) ? 0 : -1;
}

int tu_rmtree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

const char *tu_path(const char *dir, const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}
