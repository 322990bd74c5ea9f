/* SPDX-License-Identifier: MIT */
/*
 * Builder benchmark: peak memory and speed of `romfs build` as images grow.
 *
 * Runs the real command on generated trees in $TMPDIR (sparse files, so a
 * 1 GiB tree costs no disk until the image is written) and reads the child's
 * peak RSS from wait4(). What it shows: memory does not grow with the bytes
 * in the image (file data is streamed), only with the number of entries.
 *
 * Then, side by side in one run (medians of --runs N alternating runs):
 *  - `romfs build --no-mpy` against `tar -cf` of the same warm tree, on
 *    10 000 small files (100-1 000 B, 50 directories) and on 100 000 tiny
 *    files (1-40 B) in 1 000 directories, with the builder's peak RSS;
 *  - compiling a 300-module app (bench/gen-app.mjs, 2-3 KB of valid Python
 *    each) with the real mpy-cross when one is found, else the fake compiler
 *    of the tests with a fixed 2.5 ms delay: cold -j1 vs -j2, unchanged
 *    rebuild, one-file-edit rebuild; wall time and compiler invocations
 *    (from `romfs build --json`).
 *
 * usage: bench_build ROMFS_CLI [--big-mib N] [--small-files N] [--runs N]
 *                    [--only tar|compile]
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
#include "romfs/romfs_mpy.h"

static char root[512];

#define FAKE_DELAY_MS 3

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
    if (snprintf(buf, cap, "%s/%s", root, rel) >= (int)cap) {
        fprintf(stderr, "bench_build: path too long: %s/%s\n", root, rel);
        exit(1);
    }
}

struct run {
    double secs;
    long maxrss_kib;
    uint64_t image;
    double cpu; /* user + system seconds of the child */
};

static struct run run_argv(char *const argv[], const char *out_file);

/* Run `romfs build -q --no-mpy [extra] -o out src`, measuring the child. */
static struct run run_build(const char *cli, const char *src, const char *extra, const char *out)
{
    char s[600], o[600];
    path(s, sizeof s, src);
    path(o, sizeof o, out);
    char *with[] = {(char *)cli, "build", "-q", "--no-mpy", "--align", (char *)extra, "-o", o, s, NULL};
    char *without[] = {(char *)cli, "build", "-q", "--no-mpy", "-o", o, s, NULL};
    struct run r = run_argv(extra ? with : without, NULL);
    struct stat st;
    if (stat(o, &st) != 0)
        die(o);
    unlink(o);
    r.image = (uint64_t)st.st_size;
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
    struct run r = {now() - t0, ru.ru_maxrss, written, 0};
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

/// Side by side with tar ///

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run argv (stdout to out_file when set), timed; exits on failure. */
static struct run run_argv(char *const argv[], const char *out_file)
{
    struct timespec t0, t1;
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (out_file) {
            int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, 1) < 0)
                _exit(126);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "bench_build: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        die("wait4");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_build: %s failed\n", argv[0]);
        exit(1);
    }
    struct run r = {(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, ru.ru_maxrss, 0,
                    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
                        ru.ru_stime.tv_usec / 1e6};
    return r;
}

static void make_tree(const char *top, long dirs, long per_dir, long min, long span)
{
    make_dir(top);
    for (long d = 0; d < dirs; d++) {
        char rel[128];
        snprintf(rel, sizeof rel, "%s/d%04ld", top, d);
        make_dir(rel);
        for (long f = 0; f < per_dir; f++) {
            snprintf(rel, sizeof rel, "%s/d%04ld/f%04ld.txt", top, d, f);
            make_file(rel, min + (f * 37 + d) % span, 0);
        }
    }
}

static void versus_tar(const char *cli, const char *top, const char *label, long entries, int runs,
                       long base_rss_kib)
{
    char src[600], img[600], tarf[600];
    path(src, sizeof src, top);
    path(img, sizeof img, "o.romfs");
    path(tarf, sizeof tarf, "o.tar");
    char *b_argv[] = {(char *)cli, "build", "-q", "--no-mpy", "-o", img, src, NULL};
    char *t_argv[] = {"tar", "-cf", tarf, "-C", root, (char *)top, NULL};
    run_argv(b_argv, NULL); /* warm the page cache and the dentries */
    run_argv(t_argv, NULL);
    double tb[64], tt[64], ratio[64], cb[64], ct[64], cratio[64];
    long rss = 0;
    for (int i = 0; i < runs; i++) {
        /* Alternate which goes first, so drift favours neither. */
        struct run rb, rt;
        if (i % 2) {
            rt = run_argv(t_argv, NULL);
            rb = run_argv(b_argv, NULL);
        } else {
            rb = run_argv(b_argv, NULL);
            rt = run_argv(t_argv, NULL);
        }
        tb[i] = rb.secs;
        tt[i] = rt.secs;
        ratio[i] = rb.secs / rt.secs;
        cb[i] = rb.cpu;
        ct[i] = rt.cpu;
        cratio[i] = rt.cpu > 0 ? rb.cpu / rt.cpu : 0;
        if (rb.maxrss_kib > rss)
            rss = rb.maxrss_kib;
    }
    unlink(img);
    unlink(tarf);
    double per = entries ? (rss - base_rss_kib) * 1024.0 / entries : 0;
    printf("%-40s %8.3f %8.3f %7.2fx %8.3f %8.3f %7.2fx %8.1f %7.0f\n", label, median(tb, runs),
           median(tt, runs), median(ratio, runs), median(cb, runs), median(ct, runs),
           median(cratio, runs), rss / 1024.0, per);
}

static void bench_tar(const char *cli, int runs)
{
    char empty[600], img[600];
    make_dir("tar-empty");
    path(empty, sizeof empty, "tar-empty");
    path(img, sizeof img, "o.romfs");
    char *e_argv[] = {(char *)cli, "build", "-q", "--no-mpy", "-o", img, empty, NULL};
    long base = run_argv(e_argv, NULL).maxrss_kib;
    printf("\nromfs build --no-mpy vs tar -cf, warm trees, medians of %d alternating runs:\n", runs);
    printf("%-40s %8s %8s %8s %8s %8s %8s %8s %7s\n", "tree", "romfs s", "tar s", "ratio",
           "romfs cpu", "tar cpu", "ratio", "RSS MiB", "B/entry");
    make_tree("t10k", 50, 200, 100, 900);
    versus_tar(cli, "t10k", "10 000 small files (100-1000 B), 50 dirs", 10050, runs, base);
    make_tree("t100k", 1000, 100, 1, 40);
    versus_tar(cli, "t100k", "100 000 tiny files (1-40 B), 1 000 dirs", 101000, runs, base);
    printf("(s: wall time; cpu: user + system time of the process; B/entry: peak RSS above an\n"
           " empty build's, per entry. tar writes 512-byte headers and blocks, romfs fsyncs\n"
           " its output before the rename.)\n");
}

/// Compiling ///

/* `romfs build --json` of the app; the compiler invocations it reports. */
static double compile_run(const char *cli, const char *app, const char *jobs, int *compiled)
{
    char img[600], js[600];
    path(img, sizeof img, "app.romfs");
    path(js, sizeof js, "build.json");
    char *argv[] = {(char *)cli, "build", "--json", "-j", (char *)jobs, "-o", img, (char *)app, NULL};
    struct run r = run_argv(argv, js);
    FILE *fp = fopen(js, "r");
    char buf[4096] = "";
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    buf[n] = '\0';
    if (fp)
        fclose(fp);
    const char *c = strstr(buf, "\"compiled\": ");
    *compiled = c ? atoi(c + 12) : -1;
    return r.secs;
}

static void fresh_cache(void)
{
    char cmd[700], cache[600];
    path(cache, sizeof cache, "xdg-cache");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
    if (system(cmd) != 0)
        die("rm cache");
    setenv("XDG_CACHE_HOME", cache, 1);
}

static void compile_case(const char *cli, const char *app, const char *label, const char *jobs,
                         int runs, int cold, const char *edit)
{
    double t[64];
    int compiled = -1, c;
    if (!cold)
        compile_run(cli, app, jobs, &c); /* fill the cache */
    for (int i = 0; i < runs; i++) {
        if (cold)
            fresh_cache();
        if (edit) {
            FILE *fp = fopen(edit, "a");
            if (!fp)
                die(edit);
            fprintf(fp, "EDIT_%d = %d\n", i, i);
            fclose(fp);
        }
        t[i] = compile_run(cli, app, jobs, &c);
        if (i == 0 || c > compiled)
            compiled = c;
    }
    printf("%-34s %5s %9.3f %12d\n", label, jobs, median(t, runs), compiled);
}

static void bench_compile(const char *cli, int runs)
{
    char app[600], gen[600];
    path(app, sizeof app, "app");
    snprintf(gen, sizeof gen, "%s/bench/gen-app.mjs", ROMFS_SOURCE_DIR);
    char *g_argv[] = {"node", gen, app, "300", NULL};
    run_argv(g_argv, NULL);
    char *real = romfs_mpy_find_compiler(getenv("MPY_CROSS"), getenv("PATH")), fake[600];
    if (real) {
        setenv("MPY_CROSS", real, 1);
        printf("\ncompiling a 300-module app (307 .py, 2-3 KB each) with %s:\n", real);
    } else {
        /* This program, started as "mpy-cross", is the fake (fake_main). */
        char self[600];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n < 0)
            die("/proc/self/exe");
        self[n] = '\0';
        path(fake, sizeof fake, "mpy-cross");
        if (symlink(self, fake) != 0)
            die(fake);
        setenv("MPY_CROSS", fake, 1);
        printf("\ncompiling a 300-module app (307 .py, 2-3 KB each); no mpy-cross here, so a\n"
               "fake compiler that takes a fixed %d ms a module (the real one's cost, issue 9):\n",
               FAKE_DELAY_MS);
    }
    free(real);
    printf("%-34s %5s %9s %12s   (medians of %d runs)\n", "case", "-j", "seconds", "invocations",
           runs);
    compile_case(cli, app, "cold cache", "1", runs, 1, NULL);
    compile_case(cli, app, "cold cache", "2", runs, 1, NULL);
    compile_case(cli, app, "unchanged rebuild", "2", runs, 0, NULL);
    char edit[700];
    snprintf(edit, sizeof edit, "%s/util/m4.py", app);
    compile_case(cli, app, "one-file edit rebuild", "2", runs, 0, edit);
}

/* The fake compiler: `mpy-cross --version`, or `[ARGS] -o OUT -s NAME SRC`
 * writing an .mpy-shaped file after a fixed delay (sleeping, so it stands
 * for the compiler's time, not its CPU: parallel runs scale with -j). */
static int fake_main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("MicroPython v0.0-bench-fake; mpy-cross emitting mpy v6.3\n");
        return 0;
    }
    const char *out = NULL, *name = "", *src = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (argv[i][0] != '-')
            src = argv[i];
    }
    if (!out || !src)
        return 2;
    struct timespec d = {0, FAKE_DELAY_MS * 1000000L};
    nanosleep(&d, NULL);
    FILE *in = fopen(src, "rb"), *o = fopen(out, "wb");
    if (!in || !o)
        return 1;
    fprintf(o, "M%c%c%c%s", 6, 0, 31, name);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, o);
    fclose(in);
    return fclose(o) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    if (strcmp(base ? base + 1 : argv[0], "mpy-cross") == 0)
        return fake_main(argc, argv);
    if (argc < 2) {
        fprintf(stderr, "usage: bench_build ROMFS_CLI [--big-mib N] [--small-files N]\n");
        return 2;
    }
    const char *cli = argv[1];
    long big_mib = 1024, small = 20000;
    int runs = 9;
    const char *only = "";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--big-mib") == 0)
            big_mib = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--small-files") == 0)
            small = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    }
    if (runs < 1 || runs > 64)
        runs = 9;
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
    if (strcmp(only, "tar") == 0 || strcmp(only, "compile") == 0) {
        if (strcmp(only, "tar") == 0)
            bench_tar(cli, runs);
        else
            bench_compile(cli, runs);
        return 0;
    }
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

    /* Every measurement of a child before the library rows: on Linux a
     * child's peak RSS includes this process's peak at its exec, and the
     * library rows grow this process (100 000 entries: ~23 MiB). */
    bench_tar(cli, runs);
    bench_compile(cli, runs);
    /* Peak RSS only grows: smallest first. */
    printf("\nlibrary only (callback data, counting writer; peak RSS of this process):\n");
    bench_library(8, 128u << 20, 0, "lib: 8 x 128 MiB");
    bench_library(8, 128u << 20, 4096, "lib: 8 x 128 MiB, align 4096");
    bench_library(100000, 100, 0, "lib: 100000 x 100 B");
    return 0;
}
