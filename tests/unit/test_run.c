/* SPDX-License-Identifier: MIT */
/* romfs_board_run (src/board/run.c) on the emulated board: a module of
 * the image runs and its output streams to the callback; a module that is
 * not there raises, with the traceback handed back; names that are not
 * Python module names never reach the board. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emuboard.h"

struct out {
    char buf[4096];
    size_t n;
};

static void collect(const char *data, size_t len, void *ctx)
{
    struct out *o = ctx;
    size_t room = sizeof o->buf - 1 - o->n;
    size_t k = len < room ? len : room;
    memcpy(o->buf + o->n, data, k);
    o->n += k;
    o->buf[o->n] = '\0';
}

static void test_run_emulated(void **state)
{
    (void)state;
    char part[128];
    romfs_board_t *b = emu_board(part, MAIN_IMG, MAIN_IMG_LEN);
    struct out o = {.n = 0};
    char *err = NULL;
    assert_int_equal(romfs_board_run(b, "main", 1, collect, &o, &err, 60000), 0);
    assert_non_null(strstr(o.buf, "hi from rom"));
    romfs_board_free(err);

    err = NULL;
    o.n = 0;
    o.buf[0] = '\0';
    assert_int_equal(romfs_board_run(b, "nosuch", 0, collect, &o, &err, 60000), ROMFS_ERR_RAISED);
    assert_non_null(err);
    assert_non_null(strstr(err, "nosuch"));
    assert_non_null(strstr(romfs_board_errmsg(b), "ImportError"));
    romfs_board_free(err);

    static const char *bad[] = {"", "1a", "a..b", "os.system('x')", "a b", "a;b", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(romfs_board_module_name_ok(bad[i]));
        assert_int_equal(romfs_board_run(b, bad[i], 0, collect, &o, NULL, 1000), ROMFS_ERR_INVAL);
    }
    emu_done(b, part);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_run_emulated)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
