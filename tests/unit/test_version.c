/* SPDX-License-Identifier: MIT */
/* romfs_version() (src/reader/version.c): the version of the library linked,
 * which must be the one its header announces, "MAJOR.MINOR.PATCH". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"

static void test_matches_header(void **state)
{
    (void)state;
    const char *v = romfs_version();
    assert_non_null(v);
    assert_string_equal(v, ROMFS_VERSION_STRING);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", ROMFS_VERSION_MAJOR, ROMFS_VERSION_MINOR, ROMFS_VERSION_PATCH);
    assert_string_equal(v, want);
    assert_int_equal(ROMFS_VERSION, ROMFS_VERSION_MAJOR * 10000 + ROMFS_VERSION_MINOR * 100 + ROMFS_VERSION_PATCH);
    assert_ptr_equal(romfs_version(), v);   /* a static string, the same each call */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matches_header)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
