/*
 * Builder benchmark: peak memory and speed of `romfs build` as images grow.
 *
 * Runs the real command on generated trees in $TMPDIR (sparse files, so a
 * 1 GiB tree costs no disk until the image is written) and reads the child's
 * peak RSS from wait4(). What it shows: memory does not grow with the bytes
 * in the image (file data is streamed), only with the number of entries.
 *
 * usage: bench_build ROMFS_CLI [--big-mib N] [--small-files N]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "romfs/romfs_build.h"

static char root[512];

/* Remove the generated trees on every exit, failures included. */
static void cleanup(void)
{
    char cmd[700];
    if (!root[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_build: could not remove %s\n", root);
    root[0] = '\0';
}

static void die(const char *what)
{
    fprintf(stderr, "bench_build: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void path(char *buf, size_t cap, const char *rel)
{
    snprintf(buf, cap, "%s/%s", root, rel);
}

struct run {
    double secs;
    long maxrss_kib;
    uint64_t image;
};

/* Run `romfs build -q --no-mpy [extra] -o out src`, measuring the child. */
static struct run run_build(const char *cli, const char *src, const char *extra, const char *out)
{
    char s[600], o[600];
    path(s, sizeof s, src);
    path(o, sizeof o, out);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (extra)
            execl(cli, cli, "build", "-q", "--no-mpy", "--align", extra, "-o", o, s, (char *)NULL);
        else
            execl(cli, cli, "build", "-q", "--no-mpy", "-o", o, s, (char *)NULL);
        fprintf(stderr, "bench_build: cannot run %s: %s\n", cli, strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        die("wait4");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_build: %s build %s failed\n", cli, s);
        exit(1);
    }
    struct stat st;
    if (stat(o, &st) != 0)
        die(o);
    unlink(o);
    struct run r = {(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, ru.ru_maxrss,
                    (uint64_t)st.st_size};
    return r;
}

/* In-process: the library alone, file bytes from a callback, image to a
 * counting writer, so neither disk nor page cache is measured. */
static long fill_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    uint64_t size = *(const uint64_t *)ctx;
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    memset(buf, (int)(off >> 12), len);
    return (long)len;
}

static int count_write(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(uint64_t *)ctx += len;
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void bench_library(long files, uint64_t file_size, uint32_t align, const char *name)
{
    romfs_build_opts_t o = {.align = align};
    romfs_builder_t *b = romfs_builder_new(&o);
    double t0 = now();
    char fname[32];
    for (long i = 0; i < files; i++) {
        if (i % 1000 == 0) {
            if (i)
                romfs_builder_close_dir(b);
            snprintf(fname, sizeof fname, "d%05ld", i / 1000);
            romfs_builder_open_dir(b, fname, strlen(fname));
        }
        snprintf(fname, sizeof fname, "file%07ld.bin", i);
        if (romfs_builder_add_file_cb(b, fname, strlen(fname), file_size, fill_read, &file_size) != 0) {
            fprintf(stderr, "bench_build: %s\n", romfs_builder_errmsg(b));
            exit(1);
        }
    }
    romfs_builder_close_dir(b);
    uint64_t written = 0;
    if (romfs_builder_write(b, count_write, &written) != 0) {
        fprintf(stderr, "bench_build: %s\n", romfs_builder_errmsg(b));
        exit(1);
    }
    romfs_builder_free(b);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct run r = {now() - t0, ru.ru_maxrss, written};
    printf("%-34s %9ld %11.1f %9.2f %9.1f %10.1f\n", name, files + (files + 999) / 1000,
           written / 1048576.0, r.secs, r.secs > 0 ? written / 1048576.0 / r.secs : 0,
           r.maxrss_kib / 1024.0);
}

static void make_dir(const char *rel)
{
    char p[600];
    path(p, sizeof p, rel);
    if (mkdir(p, 0755) != 0)
        die(p);
}

static void make_file(const char *rel, off_t size, int sparse)
{
    char p[600];
    path(p, sizeof p, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die(p);
    if (sparse) {
        if (ftruncate(fd, size) != 0)
            die(p);
    } else {
        char buf[4096];
        for (off_t i = 0; i < size; i += (off_t)sizeof buf) {
            size_t n = size - i < (off_t)sizeof buf ? (size_t)(size - i) : sizeof buf;
            memset(buf, (int)(i & 0xff), n);
            if (write(fd, buf, n) != (ssize_t)n)
                die(p);
        }
    }
    close(fd);
}

static void report(const char *name, uint64_t entries, struct run r)
{
    double mib = r.image / 1048576.0;
    printf("%-34s %9llu %11.1f %9.2f %9.1f %10.1f\n", name, (unsigned long long)entries, mib, r.secs,
           r.secs > 0 ? mib / r.secs : 0, r.maxrss_kib / 1024.0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_build ROMFS_CLI [--big-mib N] [--small-files N]\n");
        return 2;
    }
    const char *cli = argv[1];
    long big_mib = 1024, small = 20000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--big-mib") == 0)
            big_mib = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--small-files") == 0)
            small = atol(argv[i + 1]);
    }
    const char *t = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/romfs-bench-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(root)) {
        root[0] = '\0';
        die("mkdtemp");
    }
    atexit(cleanup);

    /* The image is written for real: it needs the tree's size on disk. */
    struct statvfs vs;
    int big_ok = statvfs(root, &vs) == 0 &&
                 (uint64_t)vs.f_bavail * vs.f_frsize > (uint64_t)big_mib * 1048576 * 2;
    printf("romfs build benchmark (%s)\n", cli);
    printf("%-34s %9s %11s %9s %9s %10s\n", "tree", "entries", "image MiB", "seconds", "MiB/s",
           "peak RSS MiB");

    printf("the romfs command on files in %s (peak RSS of the child):\n", root);
    make_dir("empty");
    report("empty directory (baseline)", 0, run_build(cli, "empty", NULL, "o.romfs"));

    if (big_ok) {
        make_dir("big");
        for (int i = 0; i < 8; i++) {
            char rel[64];
            snprintf(rel, sizeof rel, "big/f%d.bin", i);
            make_file(rel, (off_t)big_mib * 1048576 / 8, 1);
        }
        char name[64];
        /* The first run also pulls the sparse files into the page cache. */
        snprintf(name, sizeof name, "8 files, %ld MiB (cold cache)", big_mib);
        report(name, 8, run_build(cli, "big", NULL, "o.romfs"));
        snprintf(name, sizeof name, "8 files, %ld MiB (warm cache)", big_mib);
        report(name, 8, run_build(cli, "big", NULL, "o.romfs"));
        snprintf(name, sizeof name, "8 files, %ld MiB, --align 4096", big_mib);
        report(name, 8, run_build(cli, "big", "4096", "o.romfs"));
        for (int i = 0; i < 8; i++) {
            char rel[64], p[600];
            snprintf(rel, sizeof rel, "big/f%d.bin", i);
            path(p, sizeof p, rel);
            unlink(p);
        }
        char big[600];
        path(big, sizeof big, "big");
        rmdir(big);
    } else {
        printf("(skipped the %ld MiB tree: not enough free space in %s)\n", big_mib, root);
    }

    /* Many small files: memory per entry is the builder's metadata. */
    make_dir("small");
    long per_dir = 200, dirs = (small + per_dir - 1) / per_dir;
    for (long d = 0; d < dirs; d++) {
        char rel[64];
        snprintf(rel, sizeof rel, "small/dir%04ld", d);
        make_dir(rel);
        for (long f = 0; f < per_dir && d * per_dir + f < small; f++) {
            snprintf(rel, sizeof rel, "small/dir%04ld/file%04ld.txt", d, f);
            make_file(rel, 100 + (f * 37) % 900, 0);
        }
    }
    char name[64];
    snprintf(name, sizeof name, "%ld small files in %ld dirs", small, dirs);
    struct run r = run_build(cli, "small", NULL, "o.romfs");
    report(name, (uint64_t)(small + dirs), r);

    /* After the children: a forked child's peak RSS counts the parent's
     * memory before exec. Peak RSS only grows: smallest first. */
    printf("library only (callback data, counting writer; peak RSS of this process):\n");
    bench_library(8, 128u << 20, 0, "lib: 8 x 128 MiB");
    bench_library(8, 128u << 20, 4096, "lib: 8 x 128 MiB, align 4096");
    bench_library(100000, 100, 0, "lib: 100000 x 100 B");
    return 0;
}
