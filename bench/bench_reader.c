/* SPDX-License-Identifier: MIT */
/* Reader lookup cost, side by side in one run: instructions (valgrind
 * --tool=callgrind, only the lookup itself is counted) for a stat of the
 * last entry of a directory of 10, 100, 1000 and 10000 files and of a name
 * that is missing, through romfs_stat, through MicroPython's own lookup
 * (bench/mp_lookup.c, the same algorithm with no bounds checks) and for a
 * plain walk of the same records; then the reader's Cortex-M footprint
 * (tests/embedded/size_report.sh). Without valgrind or arm-none-eabi-gcc
 * the part that needs it says so and is skipped.
 *
 * Usage: bench_reader [romfs-command]   (the argument, passed by the bench
 * target to every benchmark, is not used). reader_probe must sit next to
 * this program. `bench_reader --image N FILE` only writes the image of N
 * entries and prints the last entry's name (to run reader_probe by hand). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "romfs/romfs_build.h"

#ifndef ROMFS_SOURCE_DIR
#define ROMFS_SOURCE_DIR "."
#endif

static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static int write_file(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* A flat directory of n modules with names of 2 to 12 letters plus a unique
 * number and ".py", and sizes of 10 to 2000 bytes; the last one's name goes
 * into last. Written in the order given (the last entry is last). */
static int make_image(const char *path, unsigned n, char *last, size_t last_cap)
{
    static uint8_t body[2000];
    romfs_build_opts_t o = {0, 1};
    romfs_builder_t *b = romfs_builder_new(&o);
    char name[64];
    if (b == NULL)
        return -1;
    memset(body, 'x', sizeof body);
    for (unsigned i = 0; i < n; i++) {
        unsigned letters = 2 + next_rand() % 11, k;
        for (k = 0; k < letters; k++)
            name[k] = (char)('a' + next_rand() % 26);
        snprintf(name + k, sizeof name - k, "%u.py", i);
        if (romfs_builder_add_file_mem(b, name, strlen(name), body, 10 + next_rand() % 1991) != 0) {
            fprintf(stderr, "bench_reader: %s\n", romfs_builder_errmsg(b));
            romfs_builder_free(b);
            return -1;
        }
    }
    snprintf(last, last_cap, "%s", name);
    FILE *f = fopen(path, "wb");
    int err = f == NULL || romfs_builder_write(b, write_file, f) != 0;
    if (f != NULL && fclose(f) != 0)
        err = 1;
    romfs_builder_free(b);
    return err ? -1 : 0;
}

/* Instructions of one probe run, or -1. */
static long long count(const char *probe, const char *img, const char *name, const char *dec,
                       const char *out, char *result, size_t cap)
{
    char cmd[16384], line[512];
    long long ir = -1;
    int n = snprintf(cmd, sizeof cmd,
                     "valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=%s %s %s '/%s' %s 2>/dev/null",
                     out, probe, img, name, dec);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    if (fgets(result, (int)cap, p) == NULL)
        result[0] = '\0';
    if (pclose(p) != 0)
        return -1;
    FILE *f = fopen(out, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "summary: %lld", &ir) == 1 || sscanf(line, "totals: %lld", &ir) == 1)
            break;
    fclose(f);
    unlink(out);
    return ir;
}

static int lookups(const char *probe, const char *dir)
{
    static const unsigned sizes[] = {10, 100, 1000, 10000};
    static const char *decs[] = {"romfs", "micropython", "scan"};
    long long ir[4][2][3];
    char img[512], out[512], last[64], missing[64], res[3][64];
    int bad = 0;
    snprintf(out, sizeof out, "%s/callgrind.out", dir);
    printf("Instructions per directory entry scanned (valgrind --tool=callgrind, x86-64, -O2):\n\n");
    printf("| entries | lookup | romfs_stat | MicroPython | plain scan | romfs / MicroPython |\n");
    printf("|---:|---|---:|---:|---:|---:|\n");
    for (int s = 0; s < 4; s++) {
        snprintf(img, sizeof img, "%s/flat%u.romfs", dir, sizes[s]);
        if (make_image(img, sizes[s], last, sizeof last) != 0) {
            fprintf(stderr, "bench_reader: cannot build %s\n", img);
            return 1;
        }
        /* Missing: the last name with its first letter changed, so length
         * and first byte match no entry better than the real one does. */
        snprintf(missing, sizeof missing, "%s", last);
        missing[0] = missing[0] == 'z' ? 'y' : 'z';
        for (int c = 0; c < 2; c++) {
            for (int d = 0; d < 3; d++) {
                ir[s][c][d] = count(probe, img, c ? missing : last, decs[d], out, res[d], sizeof res[d]);
                if (ir[s][c][d] < 0) {
                    fprintf(stderr, "bench_reader: valgrind run failed (%s, %s)\n", img, decs[d]);
                    return 1;
                }
            }
            /* Both lookups must agree on found/missing and the size. */
            if (strcmp(res[0], res[1]) != 0 || (res[0][0] == '1') == c) {
                fprintf(stderr, "bench_reader: decoders disagree: %s vs %s\n", res[0], res[1]);
                bad = 1;
            }
            double n = sizes[s];
            printf("| %u | %s | %.1f | %.1f | %.1f | %.2f |\n", sizes[s], c ? "missing" : "last entry",
                   ir[s][c][0] / n, ir[s][c][1] / n, ir[s][c][2] / n, (double)ir[s][c][0] / (double)ir[s][c][1]);
        }
        unlink(img);
    }
    /* The marginal cost per entry: the fixed part cancels out. */
    printf("\nMarginal instructions per entry, 1000 -> 10000 entries:\n\n");
    printf("| lookup | romfs_stat | MicroPython | plain scan | romfs / MicroPython |\n|---|---:|---:|---:|---:|\n");
    for (int c = 0; c < 2; c++) {
        double m[3];
        for (int d = 0; d < 3; d++)
            m[d] = (double)(ir[3][c][d] - ir[2][c][d]) / 9000.0;
        printf("| %s | %.1f | %.1f | %.1f | %.2f |\n", c ? "missing" : "last entry", m[0], m[1], m[2], m[0] / m[1]);
    }
    return bad;
}

int main(int argc, char **argv)
{
    char last[64];
    if (argc == 4 && strcmp(argv[1], "--image") == 0) {
        if (make_image(argv[3], (unsigned)atoi(argv[2]), last, sizeof last) != 0)
            return 1;
        printf("%s\n", last);
        return 0;
    }
    char probe[4096], dir[] = "/tmp/bench_reader.XXXXXX", cmd[8192];
    int status = 0;
    const char *slash = strrchr(argv[0], '/');
    snprintf(probe, sizeof probe, "%.*sreader_probe", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    if (mkdtemp(dir) == NULL) {
        perror("bench_reader: mkdtemp");
        return 1;
    }
    if (system("valgrind --version >/dev/null 2>&1") != 0)
        printf("bench_reader: valgrind not found: lookup counts skipped\n");
    else
        status |= lookups(probe, dir);
    printf("\n");
    if (system("arm-none-eabi-gcc --version >/dev/null 2>&1") != 0) {
        printf("bench_reader: arm-none-eabi-gcc not found: Cortex-M sizes skipped\n");
    } else {
        fflush(stdout);
        snprintf(cmd, sizeof cmd,
                 "sh '%s/tests/embedded/size_report.sh' '%s/size' | grep -E '^###|^\\|(---| (module|romfs|version|mp_lookup))'",
                 ROMFS_SOURCE_DIR, dir);
        if (system(cmd) != 0)
            status = 1;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        status = 1;
    return status;
}
