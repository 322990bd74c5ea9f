/* SPDX-License-Identifier: MIT */
/*
 * The emulated board's setup (src/board/emulated.c) through the public
 * header: where a program finds emulator.mjs (installed, build tree,
 * moved), where the board keeps its partition, and why it cannot start
 * (no node on the PATH given, no emulator.mjs, a command instead).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "romfs/romfs_board.h"

static char root[64];

static void put(const char *path, int mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static void mk(const char *fmt, const char *a)
{
    char p[256];
    snprintf(p, sizeof p, fmt, root, a);
    assert_int_equal(mkdir(p, 0700), 0);
}

/* root/inst/bin/romfs beside root/inst/share/romfs/board/emulator.mjs;
 * root/build/romfs with no install; root/bin/node. */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/romfs-emu-XXXXXX");
    assert_non_null(mkdtemp(root));
    static const char *const dirs[] = {"inst", "inst/bin", "inst/share", "inst/share/romfs",
                                       "inst/share/romfs/board", "build", "bin"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        mk("%s/%s", dirs[i]);
    char p[256];
    snprintf(p, sizeof p, "%s/inst/share/romfs/board/emulator.mjs", root);
    put(p, 0644);
    snprintf(p, sizeof p, "%s/bin/node", root);
    put(p, 0755);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

static void test_find(void **state)
{
    (void)state;
    char exe[128], build[128], want[256], buf[256];
    /* Installed: the file beside the program, whatever the build tree. */
    snprintf(exe, sizeof exe, "%s/inst/bin/romfs", root);
    snprintf(build, sizeof build, "%s/build", root);
    romfs_board_emulator_find(exe, "share/romfs", build, "/src", buf, sizeof buf);
    snprintf(want, sizeof want, "%s/inst/bin/../share/romfs/board/emulator.mjs", root);
    assert_string_equal(buf, want);
    /* The build tree's program: the source tree's. */
    snprintf(exe, sizeof exe, "%s/build/romfs", root);
    romfs_board_emulator_find(exe, "share/romfs", build, "/src", buf, sizeof buf);
    assert_string_equal(buf, "/src/board/emulator.mjs");
    /* Moved out of its build tree: never the source tree; the missing file. */
    snprintf(exe, sizeof exe, "%s/bin/romfs", root);
    romfs_board_emulator_find(exe, "share/romfs", build, "/src", buf, sizeof buf);
    snprintf(want, sizeof want, "%s/bin/../share/romfs/board/emulator.mjs", root);
    assert_string_equal(buf, want);
    /* No build tree named, or no known program: the source tree's. */
    romfs_board_emulator_find(exe, "share/romfs", NULL, "/src", buf, sizeof buf);
    assert_string_equal(buf, "/src/board/emulator.mjs");
    romfs_board_emulator_find(NULL, "share/romfs", build, "/src", buf, sizeof buf);
    assert_string_equal(buf, "/src/board/emulator.mjs");
    romfs_board_emulator_find("romfs", "share/romfs", build, "/src", buf, sizeof buf);
    assert_string_equal(buf, "/src/board/emulator.mjs");
}

static void test_partition(void **state)
{
    (void)state;
    char buf[128];
    romfs_board_emulator_partition("/b", "/x", "/h", buf, sizeof buf);
    assert_string_equal(buf, "/b/partition.bin");
    romfs_board_emulator_partition("", "/x", "/h", buf, sizeof buf);
    assert_string_equal(buf, "/x/romfs/board/partition.bin");
    romfs_board_emulator_partition(NULL, "", "/h", buf, sizeof buf);
    assert_string_equal(buf, "/h/.cache/romfs/board/partition.bin");
    romfs_board_emulator_partition(NULL, NULL, "", buf, sizeof buf);
    assert_string_equal(buf, "./.cache/romfs/board/partition.bin");
    romfs_board_emulator_partition(NULL, NULL, NULL, buf, sizeof buf);
    assert_string_equal(buf, "./.cache/romfs/board/partition.bin");
}

static void test_missing(void **state)
{
    (void)state;
    char bin[128], path[300], script[160];
    snprintf(bin, sizeof bin, "%s/bin", root);
    snprintf(path, sizeof path, "/nonexistent:%s/inst/bin:%s", root, bin);
    snprintf(script, sizeof script, "%s/inst/share/romfs/board/emulator.mjs", root);
    romfs_board_opts_t o = {.emulator = script};
    assert_null(romfs_board_emulated_missing(&o, path));
    const char *no_node = "needs Node.js >= 18, not found on PATH "
                          "(Debian/Ubuntu: apt-get install nodejs; elsewhere: https://nodejs.org)";
    assert_string_equal(romfs_board_emulated_missing(&o, NULL), no_node);
    assert_string_equal(romfs_board_emulated_missing(&o, "/nonexistent:"), no_node);
    /* node there but not executable */
    char node[160];
    snprintf(node, sizeof node, "%s/bin/node", root);
    assert_int_equal(chmod(node, 0644), 0);
    assert_string_equal(romfs_board_emulated_missing(&o, bin), no_node);
    assert_int_equal(chmod(node, 0755), 0);
    /* no emulator.mjs */
    o.emulator = "/nonexistent/emulator.mjs";
    assert_string_equal(romfs_board_emulated_missing(&o, bin),
                        "not installed (no share/romfs/board/emulator.mjs beside this romfs)");
    /* a command of the caller's: nothing to check */
    o.emulator_cmd = "exec my-board";
    assert_null(romfs_board_emulated_missing(&o, NULL));
    o.emulator_cmd = "";
    assert_string_equal(romfs_board_emulated_missing(&o, NULL), no_node);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_partition),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
