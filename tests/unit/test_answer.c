/* SPDX-License-Identifier: MIT */
/* The board-answer parsers (src/board/answer.c): each well-formed answer
 * parses to its fields; every hostile one (wrong checksum, numbers out of
 * range or overlong, stray bytes, NULs, missing or extra lines, text that is
 * not NUL-terminated) is ROMFS_ERR_PROTOCOL with a reason, never a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"

/* "R OK <body> <sum>" with the checksum the board computes. */
static size_t probe_line(char *buf, size_t cap, const char *body, int delta)
{
    char head[256];
    snprintf(head, sizeof head, "R OK %s", body);
    unsigned s = 0;
    for (const char *p = head; *p; p++)
        s += (uint8_t)*p;
    return (size_t)snprintf(buf, cap, "%s %u\r\n", head, (s + (unsigned)delta) & 0xffff);
}

/* Parse from a heap copy of exactly len bytes (no NUL after it: ASan
 * catches a read past the end). */
static int probe(const char *text, size_t len, ans_probe_t *p, const char **why)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int r = ans_probe(copy, len, p, why);
    free(copy);
    return r;
}

static void test_probe_ok(void **state)
{
    (void)state;
    char line[300];
    ans_probe_t p;
    const char *why = NULL;
    size_t n = probe_line(line, sizeof line, "131072 4096 e6614103e7 ocdbhvr", 0);
    assert_int_equal(probe(line, n, &p, &why), 0);
    assert_int_equal(p.part_size, 131072);
    assert_int_equal(p.block_size, 4096);
    assert_string_equal(p.uid, "e6614103e7");
    assert_string_equal(p.feat, "ocdbhvr");
    n = probe_line(line, sizeof line, "4294967296 -1 - -", 0);   /* limits, no uid, no features */
    assert_int_equal(probe(line, n, &p, &why), 0);
    assert_int_equal(p.part_size, 4294967296ull);
    assert_int_equal(p.block_size, -1);
    assert_string_equal(p.uid, "");
    assert_string_equal(p.feat, "");
    n = probe_line(line, sizeof line, "1 0 - cbr", 0);
    assert_int_equal(probe(line, n, &p, &why), 0);
    assert_string_equal(p.feat, "cbr");
}

static void test_probe_other_answers(void **state)
{
    (void)state;
    ans_probe_t p;
    const char *why = NULL;
    assert_int_equal(probe("R NOROMFS\n", 10, &p, &why), ROMFS_ERR_NOROMFS);
    assert_int_equal(probe("R NOPART -22\n", 13, &p, &why), ROMFS_ERR_NOPART);
    assert_int_equal(p.nopart, -22);
    assert_int_equal(probe("R NOPART\n", 9, &p, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(probe("R NOPART 99999999999\n", 21, &p, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(probe("R NOROMFS x\n", 12, &p, &why), ROMFS_ERR_PROTOCOL);
}

static void test_probe_hostile(void **state)
{
    (void)state;
    static const char *bodies[] = {
        "0 4096 - -",                          /* size 0 */
        "4294967297 4096 - -",                 /* size over 4 GiB */
        "131072 4096 E661 -",                  /* uppercase uid */
        "131072 4096 - oo",                    /* feature twice */
        "131072 4096 - co",                    /* features out of order */
        "131072 4096 - x",                     /* unknown feature */
        "131072 4096 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0 -", /* 65 digits */
        "131072 99999999999999999999 - -",     /* 20 digits */
        "131072 4096 -",                       /* missing field */
        "+131072 4096 - -",                    /* sign */
        "131072  4096 - -",                    /* two spaces */
    };
    char line[300];
    ans_probe_t p;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        const char *why = NULL;
        size_t n = probe_line(line, sizeof line, bodies[i], 0);
        assert_int_equal(probe(line, n, &p, &why), ROMFS_ERR_PROTOCOL);
        assert_non_null(why);
    }
    /* a corrupted checksum, an extra line, a NUL inside, nothing */
    const char *why = NULL;
    size_t n = probe_line(line, sizeof line, "131072 4096 - -", 1);
    assert_int_equal(probe(line, n, &p, &why), ROMFS_ERR_PROTOCOL);
    assert_non_null(strstr(why, "checksum"));
    n = probe_line(line, sizeof line, "131072 4096 - -", 0);
    memcpy(line + n, "R OK\n", 6);
    assert_int_equal(probe(line, n + 5, &p, &why), ROMFS_ERR_PROTOCOL);
    n = probe_line(line, sizeof line, "131072 4096 - -", 0);
    line[8] = '\0';
    assert_int_equal(probe(line, n, &p, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(probe("", 0, &p, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(probe("Traceback (most recent call last):\n", 35, &p, &why), ROMFS_ERR_PROTOCOL);
    /* a valid line cut anywhere is refused */
    n = probe_line(line, sizeof line, "131072 4096 e6 ob", 0);
    for (size_t cut = 0; cut + 2 < n; cut++)
        assert_int_equal(probe(line, cut, &p, &why), ROMFS_ERR_PROTOCOL);
}

static void test_wsize_mpy(void **state)
{
    (void)state;
    int w = -5;
    long long v = -5;
    const char *why = NULL;
    assert_int_equal(ans_wsize("W 8\r\n", 5, &w, &why), 0);
    assert_int_equal(w, 8);
    assert_int_equal(ans_wsize("W 65536", 7, &w, &why), 0);
    assert_int_equal(ans_wsize("W 65537\n", 8, &w, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_wsize("W -1\n", 5, &w, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_wsize("W 8 9\n", 6, &w, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_wsize("X 8\n", 4, &w, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_wsize("W 8\nW 8\n", 8, &w, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_mpy("M -1\n", 5, &v, &why), 0);
    assert_int_equal(v, -1);
    assert_int_equal(ans_mpy("M 16777215\n", 11, &v, &why), 0);
    assert_int_equal(v, 0xffffff);
    assert_int_equal(ans_mpy("M 16777216\n", 11, &v, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_mpy("M -2\n", 5, &v, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_mpy("M 0x6\n", 6, &v, &why), ROMFS_ERR_PROTOCOL);
}

static void test_crcs(void **state)
{
    (void)state;
    uint32_t c[3] = {0};
    const char *why = NULL;
    assert_int_equal(ans_crcs("0 ffffffff\r\n1a2b\n", 17, 3, c, &why), 0);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[1], 0xffffffffu);
    assert_int_equal(c[2], 0x1a2b);
    assert_int_equal(ans_crcs("1 2", 3, 3, c, &why), ROMFS_ERR_PROTOCOL);          /* fewer */
    assert_int_equal(ans_crcs("1 2 3 4", 7, 3, c, &why), ROMFS_ERR_PROTOCOL);      /* more */
    assert_int_equal(ans_crcs("1 2 123456789", 13, 3, c, &why), ROMFS_ERR_PROTOCOL); /* 9 digits */
    assert_int_equal(ans_crcs("1 2 ABC", 7, 3, c, &why), ROMFS_ERR_PROTOCOL);      /* uppercase */
    assert_int_equal(ans_crcs("1 2\t3", 5, 3, c, &why), ROMFS_ERR_PROTOCOL);       /* tab */
    assert_int_equal(ans_crcs("", 0, 0, c, &why), 0);
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t b[4];
    const char *why = NULL;
    assert_int_equal(ans_hex("00ff7a10\r\n", 10, b, 4, &why), 0);
    assert_memory_equal(b, "\x00\xff\x7a\x10", 4);
    assert_int_equal(ans_hex("00ff7a\n", 7, b, 4, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_hex("00ff7a1000\n", 11, b, 4, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_hex("00ff7g10\n", 9, b, 4, &why), ROMFS_ERR_PROTOCOL);
    assert_int_equal(ans_hex("00ff7a10\n\n", 10, b, 4, &why), ROMFS_ERR_PROTOCOL);
}

static const char SHA[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void test_query(void **state)
{
    (void)state;
    ans_query_t *q = malloc(sizeof *q);
    const char *why = NULL;
    char text[600];
    int n = snprintf(text, sizeof text, "N 2\nP 0 0 131072 0 0 4096 d2cd3120 30 1 %s 1\nE 1 -5\n", SHA);
    assert_int_equal(ans_query(text, (size_t)n, q, &why), 0);
    assert_int_equal(q->romfs, 1);
    assert_int_equal(q->n, 2);
    assert_int_equal(q->parts[0].size, 131072);
    assert_int_equal(q->parts[0].head_len, 4);
    assert_string_equal(q->parts[0].sha, SHA);
    assert_int_equal(ans_part_image_len(&q->parts[0]), 4 + 30);
    assert_int_equal(q->parts[1].missing, 1);
    assert_int_equal(q->parts[1].size, -5);
    assert_int_equal(ans_query("NOROMFS\r\n", 9, q, &why), 0);
    assert_int_equal(q->romfs, 0);
    assert_int_equal(ans_query("N -1\n", 5, q, &why), 0);   /* no count from rom_ioctl(1) */
    assert_int_equal(q->n, 0);

    static const char *bad[] = {
        "",
        "NOROMFS\nx\n",
        "N 65\n",
        "N 1\n",                                                     /* fewer lines */
        "N 0\nE 0 1\n",                                              /* more lines */
        "N 1\nE 1 -5\n",                                             /* out of order */
        "N 1\nP 0 0 131072 0 0 4096 - 30 1 - 1 extra\n",
        "N 1\nP 0 2 131072 0 0 4096 - 30 1 - 1\n",                    /* obj 2 */
        "N 1\nP 0 1 131072 3 4096 4096 - 30 1 - 1\n",                 /* 3 x 4096 != size */
        "N 1\nP 0 0 131072 0 0 4096 d2c 30 1 - 1\n",                  /* odd hex */
        "N 1\nP 0 0 131072 0 0 4096 - 30 1 0123 1\n",                 /* short sha */
        "N 1\nP 0 0 131072 0 0 4096 - 30 2 - 1\n",                    /* fit 2 */
        "N 1\nQ 0\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_equal(ans_query(bad[i], strlen(bad[i]), q, &why), ROMFS_ERR_PROTOCOL);
        assert_non_null(why);
    }
    /* a block device whose size is its count times its block size is fine */
    n = snprintf(text, sizeof text, "N 1\nP 0 1 131072 32 4096 4096 - -1 0 - 0\n");
    assert_int_equal(ans_query(text, (size_t)n, q, &why), 0);
    ans_part_t none = {0};
    none.isize = 10;
    assert_int_equal(ans_part_image_len(&none), -1);   /* no header bytes */
    free(q);
}

static void test_last_line(void **state)
{
    (void)state;
    char buf[16];
    const char *tb = "Traceback (most recent call last):\n  File \"<stdin>\"\r\nOSError: [Errno 5] EIO\r\n\r\n";
    assert_int_equal(ans_last_line(tb, strlen(tb), buf, sizeof buf), 15);
    assert_string_equal(buf, "OSError: [Errno");
    assert_int_equal(ans_last_line("a\x1b[2Jb\xff", 7, buf, sizeof buf), 7);
    assert_string_equal(buf, "a?[2Jb?");
    assert_int_equal(ans_last_line("\n\n", 2, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(ans_last_line("abc", 3, buf, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_ok),     cmocka_unit_test(test_probe_other_answers),
        cmocka_unit_test(test_probe_hostile), cmocka_unit_test(test_wsize_mpy),
        cmocka_unit_test(test_crcs),          cmocka_unit_test(test_hex),
        cmocka_unit_test(test_query),         cmocka_unit_test(test_last_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
