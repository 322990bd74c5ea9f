/* SPDX-License-Identifier: MIT */
/*
 * A source directory into an image with the build's rules
 * (src/host/dirbuild.c), against a scripted compiler: which .py files are
 * compiled and under which name, the sibling-.mpy rule (also when the
 * sibling is left out), the excludes (defaults, .romfsignore, patterns),
 * the warnings and mpremote's lines, no compiler, compiling for a board
 * (its -march added unless the user's wins, the output refused when the
 * board cannot load it), failures as one message, and the options a
 * front end fills from its environment and repeated flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "romfs/romfs.h"
#include "romfs/romfs_dirbuild.h"
#include "buildtest.h"

/* Emits mpy v6.3; records each call's arguments in bin/calls. */
static const char fake_cc[] =
    "#!/bin/sh\n"
    "[ \"$1\" = --version ] && { echo 'fake; mpy-cross emitting mpy v6.3'; exit 0; }\n"
    "echo \"$*\" >> \"$(dirname \"$0\")/calls\"\n"
    "while [ $# -gt 1 ]; do case $1 in -o) o=$2; shift 2;; -s) s=$2; shift 2;; *) shift;; esac; done\n"
    "{ printf 'M\\006\\003\\037%s:' \"$s\"; cat \"$1\"; } > \"$o\"\n";

static int setup(void **state)
{
    (void)state;
    tmp_setup();
    if (mkdir(tpath("bin"), 0755) || mkdir(tpath("src"), 0755) || mkdir(tpath("src/lib"), 0755) ||
        mkdir(tpath("src/.git"), 0755))
        return -1;
    put_file("bin/mpy-cross", fake_cc);
    put_file("src/a.py", "a\n");
    put_file("src/lib/b.py", "b\n");
    put_file("src/lib/c.py", "c\n");
    put_file("src/lib/c.mpy", "C");
    put_file("src/.git/HEAD", "ref\n");
    put_file("src/x.py~", "backup\n");
    return chmod(tpath("bin/mpy-cross"), 0755);
}

/* What the hooks heard. */
typedef struct heard {
    char lines[4096], warnings[4096];
    int nwarnings;
} heard_t;

static void on_line(void *ctx, const char *line)
{
    heard_t *h = ctx;
    strncat(h->lines, line, sizeof h->lines - strlen(h->lines) - 2);
    strcat(h->lines, "\n");
}

static void on_warning(void *ctx, const char *msg)
{
    heard_t *h = ctx;
    h->nwarnings++;
    strncat(h->warnings, msg, sizeof h->warnings - strlen(h->warnings) - 2);
    strcat(h->warnings, "\n");
}

static romfs_dirbuild_opts_t opts(heard_t *h, const char *const *args, size_t nargs)
{
    static char cc[1024];
    snprintf(cc, sizeof cc, "%s", tpath("bin/mpy-cross"));
    memset(h, 0, sizeof *h);
    romfs_dirbuild_opts_t o = {.mpy = 1, .compile = {cc, args, nargs, 1, 1, NULL, 0, NULL, NULL, NULL, NULL},
                               .on_line = on_line, .on_warning = on_warning, .ctx = h};
    return o;
}

/* The stored file at path in img: its bytes, or NULL when absent. */
static const char *stored(const uint8_t *img, size_t len, const char *path, size_t *size)
{
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    if (romfs_stat(&fs, path, &info) != 0)
        return NULL;
    *size = info.size;
    return (const char *)info.data;
}

static char *calls(void)
{
    static char buf[2048];
    FILE *fp = fopen(tpath("bin/calls"), "r");
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    buf[n] = '\0';
    if (fp)
        fclose(fp);
    unlink(tpath("bin/calls"));
    return buf;
}

static void test_rules(void **state)
{
    (void)state;
    heard_t h;
    romfs_dirbuild_opts_t o = opts(&h, NULL, 0);
    romfs_dirbuild_t *d = romfs_dirbuild_new(&o);
    uint8_t *img;
    size_t len, n;
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    /* a.py and lib/b.py compiled under their paths in the tree, stored as .mpy. */
    const char *p = stored(img, len, "/lib/b.mpy", &n);
    assert_non_null(p);
    assert_memory_equal(p, "M\006\003\037lib/b.py:b\n", n);
    assert_non_null(stored(img, len, "/a.mpy", &n));
    assert_null(stored(img, len, "/a.py", &n));
    /* c.py beside c.mpy: both stored as they are, with a warning. */
    assert_non_null(stored(img, len, "/lib/c.py", &n));
    assert_non_null(stored(img, len, "/lib/c.mpy", &n));
    assert_non_null(strstr(h.warnings, "lib/c.py sits beside c.mpy: both are stored"));
    assert_int_equal(h.nwarnings, 1);
    /* The default excludes. */
    assert_null(stored(img, len, "/.git", &n));
    assert_null(stored(img, len, "/x.py~", &n));
    /* mpremote's header and tree lines. */
    assert_non_null(strstr(h.lines, "Building romfs filesystem, source directory: "));
    assert_non_null(strstr(h.lines, "src/\n"));
    assert_non_null(strstr(h.lines, "a.py -> .mpy"));
    const romfs_dirbuild_result_t *r = romfs_dirbuild_result(d);
    assert_int_equal(r->compiled, 2);
    assert_int_equal(r->missed, 0);
    assert_int_equal(r->mpy_version * 10 + r->mpy_sub, 63);
    assert_non_null(romfs_dirbuild_compiler(d));
    assert_int_equal(strlen(calls()) > 0, 1);
    free(img);
    romfs_dirbuild_free(d);

    /* Excluding the sibling .mpy makes c.py compiled again; .romfsignore
     * and patterns add to the defaults, which can be turned off. */
    put_file("src/.romfsignore", "lib/c.mpy\n");
    const char *ex[] = {"a.py"};
    o = opts(&h, NULL, 0);
    o.excludes = ex;
    o.nexcludes = 1;
    o.no_default_excludes = 1;
    d = romfs_dirbuild_new(&o);
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    assert_non_null(stored(img, len, "/lib/c.mpy", &n));
    assert_memory_equal(stored(img, len, "/lib/c.mpy", &n), "M\006\003\037lib/c.py:c\n", n);
    assert_null(stored(img, len, "/lib/c.py", &n));
    assert_null(stored(img, len, "/a.mpy", &n));
    assert_non_null(stored(img, len, "/.git/HEAD", &n));
    assert_int_equal(h.nwarnings, 0);
    free(img);
    romfs_dirbuild_free(d);
    unlink(tpath("src/.romfsignore"));
    calls();
}

static void test_no_compiler_and_top_level_warnings(void **state)
{
    (void)state;
    heard_t h;
    romfs_dirbuild_opts_t o = opts(&h, NULL, 0);
    o.compile.compiler = NULL;
    o.compile.mpy_cross = NULL;
    o.compile.path = tpath("nowhere");
    put_file("src/main.py", "m\n");
    romfs_dirbuild_t *d = romfs_dirbuild_new(&o);
    uint8_t *img;
    size_t len, n;
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    assert_null(romfs_dirbuild_compiler(d));
    assert_int_equal(romfs_dirbuild_result(d)->missed, 3);   /* a.py, lib/b.py, main.py */
    assert_non_null(stored(img, len, "/main.py", &n));
    assert_non_null(strstr(h.lines, "Warning: `mpy_cross` module not found, .py files were not precompiled\n"));
    assert_non_null(strstr(h.warnings, "main.py: firmware does not run boot.py or main.py from /rom"));
    assert_non_null(strstr(h.warnings, "3 .py files were stored as source"));
    free(img);
    romfs_dirbuild_free(d);
    unlink(tpath("src/main.py"));
}

static void test_for_a_board(void **state)
{
    (void)state;
    heard_t h;
    romfs_mpy_board_t bm;
    char msg[200];
    /* armv6m (4) loading v6.3. */
    assert_int_equal(romfs_mpy_board_decode(6 | 3 << 8 | 4 << 10, &bm, msg, sizeof msg), 0);
    romfs_dirbuild_opts_t o = opts(&h, NULL, 0);
    o.board = &bm;
    romfs_dirbuild_t *d = romfs_dirbuild_new(&o);
    uint8_t *img;
    size_t len;
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    assert_non_null(strstr(calls(), "-march=armv6m"));
    free(img);
    romfs_dirbuild_free(d);

    /* The user's -march wins, with a warning. */
    const char *args[] = {"-march=x64"};
    o = opts(&h, args, 1);
    o.board = &bm;
    d = romfs_dirbuild_new(&o);
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    char *c = calls();
    assert_non_null(strstr(c, "-march=x64"));
    assert_null(strstr(c, "armv6m"));
    assert_non_null(strstr(h.warnings, "-march=x64 does not match the board's architecture (armv6m)"));
    free(img);
    romfs_dirbuild_free(d);

    /* A board loading v5: refused, naming the source, nothing returned. */
    assert_int_equal(romfs_mpy_board_decode(5, &bm, msg, sizeof msg), 0);
    o = opts(&h, NULL, 0);
    o.board = &bm;
    d = romfs_dirbuild_new(&o);
    img = NULL;
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), ROMFS_ERR_INVAL);
    assert_null(img);
    assert_non_null(strstr(romfs_dirbuild_errmsg(d), "/src: "));
    assert_non_null(strstr(romfs_dirbuild_errmsg(d), "v5"));
    romfs_dirbuild_free(d);
    calls();
}

static void test_failures(void **state)
{
    (void)state;
    heard_t h;
    romfs_dirbuild_opts_t o = opts(&h, NULL, 0);
    romfs_builder_t *b = romfs_builder_new(&(romfs_build_opts_t){.keep_order = 1});
    romfs_dirbuild_t *d = romfs_dirbuild_new(&o);
    /* A missing source: one message, no header line. */
    assert_int_equal(romfs_dirbuild_run(d, b, tpath("missing")), ROMFS_ERR_NOENT);
    assert_non_null(strstr(romfs_dirbuild_errmsg(d), "missing: No such file or directory"));
    assert_string_equal(h.lines, "");
    /* One run per build. */
    assert_int_equal(romfs_dirbuild_run(d, b, tpath("src")), ROMFS_ERR_INVAL);
    romfs_dirbuild_free(d);

    d = romfs_dirbuild_new(&o);
    assert_int_equal(romfs_dirbuild_run(d, b, tpath("src/a.py")), ROMFS_ERR_NOTDIR);
    assert_non_null(strstr(romfs_dirbuild_errmsg(d), "a.py: not a directory"));
    romfs_dirbuild_free(d);
    romfs_builder_free(b);

    /* The output inside the source. */
    o = opts(&h, NULL, 0);
    o.output_path = tpath("src/out.romfs");
    d = romfs_dirbuild_new(&o);
    uint8_t *img;
    size_t len;
    assert_true(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len) < 0);
    assert_non_null(strstr(romfs_dirbuild_errmsg(d), "src"));
    romfs_dirbuild_free(d);

    /* Cancelled: -EINTR, no message. */
    volatile sig_atomic_t stop = 1;
    o = opts(&h, NULL, 0);
    o.compile.cancel = &stop;
    d = romfs_dirbuild_new(&o);
    assert_true(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len) < 0);
    assert_int_equal(romfs_dirbuild_result(d)->interrupted, 1);
    assert_string_equal(romfs_dirbuild_errmsg(d), "");
    romfs_dirbuild_free(d);

    /* An unreadable .romfsignore names itself. */
    assert_int_equal(mkdir(tpath("src/.romfsignore"), 0755), 0);
    romfs_ignore_t *ig = NULL;
    char msg[300];
    assert_true(romfs_dirbuild_rules(&ig, tpath("src"), NULL, 0, 0, msg, sizeof msg) < 0);
    assert_null(ig);
    assert_non_null(strstr(msg, ".romfsignore"));
    rmdir(tpath("src/.romfsignore"));
    assert_int_equal(romfs_dirbuild_rules(&ig, tpath("src"), NULL, 0, 0, msg, sizeof msg), 0);
    assert_int_equal(romfs_ignore_path(ig, ".git/HEAD", 9, 0), 1);
    romfs_ignore_free(ig);
    calls();
}

/* The environment a front end read, mapped to options: the cache under
 * CACHE_HOME/romfs/mpy with its bound, the compiler lookup, and why the
 * cache is off (a bad bound, no cache home; nothing said with no_cache). */
static void test_opts_env(void **state)
{
    (void)state;
    char cdir[256], why[160];
    romfs_dirbuild_opts_t o = {.mpy = 1};
    romfs_dirbuild_env_t env = {"/home/u/.cache", "64M", "/opt/mpy-cross", "/bin:/usr/bin", "/var/tmp"};
    romfs_dirbuild_opts_env(&o, &env, cdir, sizeof cdir, why, sizeof why);
    assert_string_equal(o.compile.cache_dir, "/home/u/.cache/romfs/mpy");
    assert_ptr_equal(o.compile.cache_dir, cdir);
    assert_int_equal(o.compile.cache_max, 64u << 20);
    assert_string_equal(o.compile.mpy_cross, "/opt/mpy-cross");
    assert_string_equal(o.compile.path, "/bin:/usr/bin");
    assert_string_equal(o.compile.tmpdir, "/var/tmp");
    assert_null(o.no_cache_reason);

    env.cache_max = "lots";
    romfs_dirbuild_opts_env(&o, &env, cdir, sizeof cdir, why, sizeof why);
    assert_string_equal(o.no_cache_reason, "ROMFS_MPY_CACHE_MAX: not a byte count: 'lots'");
    assert_int_equal(o.compile.cache_max, 0);

    env = (romfs_dirbuild_env_t){0};
    romfs_dirbuild_opts_env(&o, &env, cdir, sizeof cdir, why, sizeof why);
    assert_null(o.compile.cache_dir);
    assert_string_equal(o.no_cache_reason, "no cache directory: neither $XDG_CACHE_HOME nor $HOME is set");
    o.compile.no_cache = 1;   /* turned off by the user: no reason to give */
    romfs_dirbuild_opts_env(&o, &env, cdir, sizeof cdir, why, sizeof why);
    assert_null(o.no_cache_reason);
}

/* Repeated flags gathered one at a time, in order, then released. */
static void test_opts_add(void **state)
{
    (void)state;
    romfs_dirbuild_opts_t o = {0};
    assert_int_equal(romfs_dirbuild_opts_add(&o, ROMFS_DIRBUILD_ARG, "-O2"), 0);
    assert_int_equal(romfs_dirbuild_opts_add(&o, ROMFS_DIRBUILD_EXCLUDE, "*.log"), 0);
    assert_int_equal(romfs_dirbuild_opts_add(&o, ROMFS_DIRBUILD_ARG, "-march=armv6m"), 0);
    assert_int_equal(o.compile.nargs, 2);
    assert_string_equal(o.compile.args[0], "-O2");
    assert_string_equal(o.compile.args[1], "-march=armv6m");
    assert_int_equal(o.nexcludes, 1);
    assert_string_equal(o.excludes[0], "*.log");
    romfs_dirbuild_opts_release(&o);
    assert_null(o.compile.args);
    assert_null(o.excludes);
    assert_int_equal(o.compile.nargs + o.nexcludes, 0);
    romfs_dirbuild_opts_release(&o);   /* twice is harmless */
}

static int jput(void *ctx, const void *data, size_t len)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    assert_true(n + len < 1024);
    memcpy(buf + n, data, len);
    buf[n + len] = 0;
    return 0;
}

/* `romfs build --json`'s object: compiled with the scripted compiler
 * (its path, version, figures), and null with no compiler. */
static void test_json(void **state)
{
    (void)state;
    assert_int_equal(mkdir(tpath("j"), 0755), 0);
    put_file("j/a.py", "x = 1\n");
    heard_t h;
    romfs_dirbuild_opts_t o = opts(&h, NULL, 0);
    romfs_dirbuild_t *d = romfs_dirbuild_new(&o);
    uint8_t *img;
    size_t len;
    assert_int_equal(romfs_dirbuild_image(d, tpath("j"), NULL, &img, &len), 0);
    char buf[1024] = "", want[1024];
    assert_int_equal(romfs_dirbuild_json(d, "o\"ut.romfs", 123, jput, buf), 0);
    snprintf(want, sizeof want,
             "{\"image\": \"o\\\"ut.romfs\", \"image_size\": 123, \"mpy_cross\": {\"path\": \"%s\", "
             "\"version\": \"%s\", \"sources\": 1, \"compiled\": 1, \"cached\": 0, \"corrupt_cache_entries\": 0, "
             "\"jobs\": 1}, \"stored_as_source\": 0}\n",
             romfs_mpy_compiler(romfs_dirbuild_compiler(d)), romfs_mpy_version(romfs_dirbuild_compiler(d)));
    assert_string_equal(buf, want);
    free(img);
    romfs_dirbuild_free(d);

    o.mpy = 0;
    d = romfs_dirbuild_new(&o);
    assert_int_equal(romfs_dirbuild_image(d, tpath("j"), NULL, &img, &len), 0);
    buf[0] = 0;
    assert_int_equal(romfs_dirbuild_json(d, "x", 9, jput, buf), 0);
    assert_string_equal(buf, "{\"image\": \"x\", \"image_size\": 9, \"mpy_cross\": null, \"stored_as_source\": 0}\n");
    free(img);
    romfs_dirbuild_free(d);
}

/* `romfs build -v`'s compiler line: after a compile (plural names), and
 * none when nothing was compiled; cut to the buffer, never past it. */
static void test_compiler_line(void **state)
{
    (void)state;
    heard_t h;
    romfs_dirbuild_opts_t o = opts(&h, NULL, 0);
    romfs_dirbuild_t *d = romfs_dirbuild_new(&o);
    uint8_t *img;
    size_t len;
    char line[4400] = "stale", want[4400];
    assert_int_equal(romfs_dirbuild_compiler_line(d, line, sizeof line), 0);   /* not built yet */
    assert_string_equal(line, "");
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    romfs_mpy_t *m = romfs_dirbuild_compiler(d);
    int n = snprintf(want, sizeof want, "mpy-cross: %s (%s): 2 sources, 2 compiled, 0 cached, -j1", romfs_mpy_compiler(m),
                     romfs_mpy_version(m));
    assert_int_equal(romfs_dirbuild_compiler_line(d, line, sizeof line), n);
    assert_string_equal(line, want);
    assert_int_equal(romfs_dirbuild_compiler_line(d, line, 11), n);
    assert_string_equal(line, "mpy-cross:");
    free(img);
    romfs_dirbuild_free(d);

    o.mpy = 0;   /* stored as source: no compiler line */
    d = romfs_dirbuild_new(&o);
    assert_int_equal(romfs_dirbuild_image(d, tpath("src"), NULL, &img, &len), 0);
    strcpy(line, "stale");
    assert_int_equal(romfs_dirbuild_compiler_line(d, line, sizeof line), 0);
    assert_string_equal(line, "");
    free(img);
    romfs_dirbuild_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_no_compiler_and_top_level_warnings),
        cmocka_unit_test(test_for_a_board),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_opts_env),
        cmocka_unit_test(test_opts_add),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_compiler_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown_tmp);
}
