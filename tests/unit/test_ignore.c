/* SPDX-License-Identifier: MIT */
/* gitignore-style matching (romfs_ignore.h): each rule of the syntax, the
 * defaults, last-match-wins with '!', parents in romfs_ignore_path, and
 * patterns that would make a naive backtracking matcher exponential. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "romfs/romfs_ignore.h"

/* 1 when path (is_dir) is excluded by the single pattern pat. */
static int m1(const char *pat, const char *path, int is_dir)
{
    romfs_ignore_t *ig = romfs_ignore_new();
    assert_non_null(ig);
    assert_int_equal(romfs_ignore_add(ig, pat, strlen(pat), "t"), 0);
    int r = romfs_ignore_match(ig, path, strlen(path), is_dir);
    romfs_ignore_free(ig);
    return r;
}

static void test_names(void **state)
{
    (void)state;
    assert_true(m1("*.txt", "a.txt", 0));
    assert_true(m1("*.txt", "lib/deep/a.txt", 0));     /* no '/': any depth */
    assert_false(m1("*.txt", "a.txt.py", 0));
    assert_false(m1("*.txt", "atxt", 0));
    assert_true(m1("a?c", "abc", 0));
    assert_false(m1("a?c", "ac", 0));
    assert_true(m1("[ab]x", "bx", 0));
    assert_false(m1("[ab]x", "cx", 0));
    assert_true(m1("[a-c]x", "bx", 0));
    assert_true(m1("[!a-c]x", "dx", 0));
    assert_true(m1("[^a-c]x", "dx", 0));
    assert_false(m1("[!a-c]x", "bx", 0));
    assert_true(m1("[]]x", "]x", 0));                   /* ']' first is literal */
    assert_true(m1("[x", "[x", 0));                     /* unclosed: literal '[' */
    assert_true(m1("\\*", "*", 0));
    assert_false(m1("\\*", "a", 0));
    assert_true(m1("\\#x", "#x", 0));
    assert_true(m1("\\!x", "!x", 0));
    assert_true(m1("x\\ ", "x ", 0));                   /* escaped trailing space kept */
    assert_true(m1("x  ", "x", 0));                     /* plain trailing spaces dropped */
    assert_true(m1("x\r", "x", 0));
    assert_false(m1("*", "", 0));
    assert_true(m1("*", "anything", 0));
    assert_true(m1("a*b*c", "aXXbYYc", 0));
    assert_false(m1("a*b*c", "aXXbYY", 0));
    assert_true(m1("\xc3\xa9*", "\xc3\xa9t\xc3\xa9", 0)); /* bytes, UTF-8 included */
}

static void test_comments_and_blank(void **state)
{
    (void)state;
    romfs_ignore_t *ig = romfs_ignore_new();
    const char text[] = "# a comment\n\n   \n*.o\n#*.c\n";
    assert_int_equal(romfs_ignore_add_text(ig, text, strlen(text), ".romfsignore"), 0);
    assert_int_equal(romfs_ignore_count(ig), 1);
    assert_true(romfs_ignore_match(ig, "x.o", 3, 0));
    assert_false(romfs_ignore_match(ig, "x.c", 3, 0));
    const char *origin = NULL;
    assert_string_equal(romfs_ignore_rule(ig, "x.o", 3, 0, &origin), "*.o");
    assert_string_equal(origin, ".romfsignore:4");
    assert_null(romfs_ignore_rule(ig, "x.c", 3, 0, &origin));
    romfs_ignore_free(ig);
}

static void test_anchoring(void **state)
{
    (void)state;
    assert_true(m1("/a.txt", "a.txt", 0));
    assert_false(m1("/a.txt", "lib/a.txt", 0));
    assert_true(m1("lib/a.txt", "lib/a.txt", 0));
    assert_false(m1("lib/a.txt", "x/lib/a.txt", 0));    /* a middle '/' anchors */
    assert_true(m1("lib/*.txt", "lib/a.txt", 0));
    assert_false(m1("lib/*.txt", "lib/sub/a.txt", 0));  /* '*' never crosses '/' */
    assert_true(m1("a//b", "a/b", 0));
    assert_true(m1("/", "x", 0) == 0);                  /* nothing left: no pattern */
}

static void test_dirs(void **state)
{
    (void)state;
    assert_true(m1("build/", "build", 1));
    assert_false(m1("build/", "build", 0));             /* a file named build stays */
    assert_true(m1("build/", "src/build", 1));
    assert_true(m1("build", "build", 0));
    assert_true(m1("build", "build", 1));
    assert_true(m1("/build/", "build", 1));
    assert_false(m1("/build/", "src/build", 1));
}

static void test_starstar(void **state)
{
    (void)state;
    assert_true(m1("**/foo", "foo", 0));
    assert_true(m1("**/foo", "a/b/foo", 0));
    assert_true(m1("**/foo/bar", "x/foo/bar", 0));
    assert_true(m1("a/**/b", "a/b", 0));
    assert_true(m1("a/**/b", "a/x/y/b", 0));
    assert_false(m1("a/**/b", "a/x/y/c", 0));
    assert_true(m1("a/**", "a/x", 0));
    assert_true(m1("a/**", "a/x/y", 0));
    assert_false(m1("a/**", "a", 1));                   /* inside a, not a itself */
    assert_true(m1("**", "x/y", 0));
    assert_true(m1("a**b", "aXb", 0));                  /* not a whole component: '*' */
    assert_false(m1("a**b", "a/b", 0));
}

static void test_negation_and_order(void **state)
{
    (void)state;
    romfs_ignore_t *ig = romfs_ignore_new();
    assert_int_equal(romfs_ignore_add(ig, "*.txt", 5, "a"), 0);
    assert_int_equal(romfs_ignore_add(ig, "!keep.txt", 9, "b"), 0);
    assert_true(romfs_ignore_match(ig, "x.txt", 5, 0));
    assert_false(romfs_ignore_match(ig, "keep.txt", 8, 0));
    assert_false(romfs_ignore_match(ig, "d/keep.txt", 10, 0));
    assert_int_equal(romfs_ignore_add(ig, "keep.txt", 8, "c"), 0);   /* the last match decides */
    assert_true(romfs_ignore_match(ig, "keep.txt", 8, 0));
    romfs_ignore_free(ig);
}

static void test_parents(void **state)
{
    (void)state;
    romfs_ignore_t *ig = romfs_ignore_new();
    assert_int_equal(romfs_ignore_add(ig, "gen/", 4, "a"), 0);
    assert_int_equal(romfs_ignore_add(ig, "!gen/keep.py", 12, "b"), 0);
    /* match looks at the path alone; path at each parent too (git: a file
     * in an excluded directory cannot be re-included). */
    assert_false(romfs_ignore_match(ig, "gen/keep.py", 11, 0));
    assert_true(romfs_ignore_path(ig, "gen/keep.py", 11, 0));
    assert_true(romfs_ignore_path(ig, "a/gen/x/y.py", 12, 0));
    assert_false(romfs_ignore_path(ig, "a/general/y.py", 14, 0));
    assert_false(romfs_ignore_path(ig, "gen", 3, 0));
    romfs_ignore_free(ig);
}

static void test_defaults(void **state)
{
    (void)state;
    romfs_ignore_t *ig = romfs_ignore_new();
    for (size_t i = 0; romfs_ignore_defaults[i]; i++)
        assert_int_equal(romfs_ignore_add(ig, romfs_ignore_defaults[i], strlen(romfs_ignore_defaults[i]), "default"), 0);
    static const char *const out[] = {".git/config", "lib/__pycache__/a.cpython-311.pyc", ".x.py.swp",
                                      "lib/.x.py.swo", "x.py~", ".DS_Store", "lib/.DS_Store", "#x.py#",
                                      ".#x.py", ".romfsignore", ".hg/x", ".svn/x", "Thumbs.db"};
    static const char *const in[] = {"~", "a.py", ".hidden", "lib/x.mpy", "swp", "x.swp", "git/x", "a~b"};
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        assert_true(romfs_ignore_path(ig, out[i], strlen(out[i]), 0));
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        assert_false(romfs_ignore_path(ig, in[i], strlen(in[i]), 0));
    romfs_ignore_free(ig);
}

/* Patterns a backtracking matcher takes exponential time on: bounded here
 * (product of lengths), so this finishes at once. */
static void test_no_blowup(void **state)
{
    (void)state;
    char pat[256], name[4096], path[8192];
    size_t w = 0;
    for (int i = 0; i < 60; i++) {
        pat[w++] = '*';
        pat[w++] = 'a';
    }
    pat[w++] = 'b';
    pat[w] = '\0';
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    clock_t t0 = clock();
    assert_false(m1(pat, name, 0));
    /* "**" over names: many components, many "**". */
    w = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(pat + w, "**/a/", 5);
        w += 5;
    }
    memcpy(pat + w, "b", 2);
    for (size_t i = 0; i + 2 < sizeof path; i += 2) {
        path[i] = 'a';
        path[i + 1] = '/';
    }
    path[sizeof path - 2] = 'a';
    path[sizeof path - 1] = '\0';
    assert_false(m1(pat, path, 0));
    /* Generous: a exponential matcher would take years, not seconds. */
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_comments_and_blank),
        cmocka_unit_test(test_anchoring),     cmocka_unit_test(test_dirs),
        cmocka_unit_test(test_starstar),      cmocka_unit_test(test_negation_and_order),
        cmocka_unit_test(test_parents),       cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_no_blowup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
