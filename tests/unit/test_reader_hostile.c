/* SPDX-License-Identifier: MIT */
/* The reader against every crafted image in vectors/hostile/: mount, stat,
 * open and read give what expected.json says, and walking the whole tree
 * never yields a byte from outside the image (run under ASan with each image
 * in a buffer of exactly its size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "testutil.h"

/// A JSON parser for expected.json's shape: arrays, objects, strings ///

enum { J_STR, J_ARR, J_OBJ, J_OTHER };

typedef struct jv {
    int type;
    char *str;              /* J_STR: NUL-terminated (no \u0000 in the file) */
    size_t count;           /* J_ARR / J_OBJ */
    struct jv *items;
    char **keys;            /* J_OBJ */
} jv_t;

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static const char *parse(const char *p, jv_t *v);

static const char *parse_str(const char *p, char **out)
{
    if (*p != '"')
        return NULL;
    p++;
    char *s = malloc(strlen(p) + 1), *o = s;
    assert_non_null(s);
    while (*p && *p != '"') {
        if (*p == '\\') {
            p++;
            switch (*p) {
            case 'n': *o++ = '\n'; break;
            case 't': *o++ = '\t'; break;
            case 'u': {
                unsigned cp;
                if (sscanf(p + 1, "%4x", &cp) != 1 || cp == 0 || cp > 0x7f)
                    return NULL;    /* only ASCII escapes occur */
                *o++ = (char)cp;
                p += 4;
                break;
            }
            default: *o++ = *p; break;
            }
            p++;
        } else {
            *o++ = *p++;
        }
    }
    if (*p != '"')
        return NULL;
    *o = '\0';
    *out = s;
    return p + 1;
}

static const char *parse_list(const char *p, jv_t *v, char close, int with_keys)
{
    p = ws(p + 1);
    v->type = with_keys ? J_OBJ : J_ARR;
    while (p && *p != close) {
        v->items = realloc(v->items, (v->count + 1) * sizeof *v->items);
        v->keys = realloc(v->keys, (v->count + 1) * sizeof *v->keys);
        assert_true(v->items && v->keys);
        v->keys[v->count] = NULL;
        if (with_keys) {
            p = parse_str(p, &v->keys[v->count]);
            if (!p || *(p = ws(p)) != ':')
                return NULL;
            p = ws(p + 1);
        }
        p = parse(p, &v->items[v->count++]);
        if (p && *(p = ws(p)) == ',')
            p = ws(p + 1);
    }
    return p ? p + 1 : NULL;
}

static const char *parse(const char *p, jv_t *v)
{
    memset(v, 0, sizeof *v);
    p = ws(p);
    if (*p == '"') {
        v->type = J_STR;
        return parse_str(p, &v->str);
    }
    if (*p == '[')
        return parse_list(p, v, ']', 0);
    if (*p == '{')
        return parse_list(p, v, '}', 1);
    /* Numbers, true, false, null: skipped. */
    v->type = J_OTHER;
    while (*p && *p != ',' && *p != '}' && *p != ']')
        p++;
    return p;
}

static void jv_free(jv_t *v)
{
    for (size_t i = 0; i < v->count; i++) {
        jv_free(&v->items[i]);
        free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

static const jv_t *get(const jv_t *obj, const char *key)
{
    for (size_t i = 0; obj->type == J_OBJ && i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

static const char *get_str(const jv_t *obj, const char *key)
{
    const jv_t *v = get(obj, key);
    return v && v->type == J_STR ? v->str : NULL;
}

/// Checks ///

static int err_code(const char *name)
{
    static const struct { const char *name; int code; } names[] = {
        {"ENOENT", ROMFS_ERR_NOENT}, {"EIO", ROMFS_ERR_CORRUPT}, {"ENODEV", ROMFS_ERR_NODEV},
        {"EISDIR", ROMFS_ERR_ISDIR}, {"ENOTDIR", ROMFS_ERR_NOTDIR},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].code;
    fail_msg("unknown error name %s in expected.json", name);
    return 0;
}

/* Is err one of the '|'-separated names in allowed? */
static int err_allowed(const char *allowed, int err)
{
    char buf[64];
    const char *p = allowed;
    while (*p) {
        size_t n = strcspn(p, "|");
        assert_true(n < sizeof buf);
        memcpy(buf, p, n);
        buf[n] = '\0';
        if (err_code(buf) == err)
            return 1;
        p += n + (p[n] == '|');
    }
    return 0;
}

static void assert_inside(const uint8_t *img, size_t len, const uint8_t *p, size_t n)
{
    assert_true(p >= img && p <= img + len);
    assert_true(n <= (size_t)(img + len - p));
}

/* Walk every directory with an explicit stack, reading every file; returns
 * the number of entries seen. Any pointer outside the image fails. */
static size_t walk_all(const romfs_t *fs, const uint8_t *img, size_t len)
{
    size_t cap = 64, depth = 0, seen = 0;
    romfs_dir_t *stack = malloc(cap * sizeof *stack);
    romfs_info_t info;
    assert_non_null(stack);
    assert_int_equal(romfs_stat(fs, "/", &info), 0);
    assert_int_equal(romfs_dir_open_info(fs, &stack[depth++], &info), 0);
    while (depth > 0) {
        int r = romfs_dir_read(&stack[depth - 1], &info);
        if (r == 0) {
            depth--;
            continue;
        }
        if (r < 0) {
            assert_int_equal(r, ROMFS_ERR_CORRUPT);
            continue;   /* the reader either goes on after it or ends the dir */
        }
        seen++;
        assert_inside(img, len, info.name, info.name_len);
        assert_inside(img, len, info.data, info.size);
        if (info.type == ROMFS_TYPE_DIR) {
            if (depth == cap) {
                cap *= 2;
                stack = realloc(stack, cap * sizeof *stack);
                assert_non_null(stack);
            }
            assert_int_equal(romfs_dir_open_info(fs, &stack[depth++], &info), 0);
        } else {
            romfs_file_t f;
            uint8_t buf[7];
            size_t total = 0, n;
            assert_int_equal(romfs_file_open_info(&f, &info), 0);
            while ((n = romfs_file_read(&f, buf, sizeof buf)) > 0)
                total += n;
            assert_int_equal(total, info.size);
        }
    }
    free(stack);
    return seen;
}

static void check_path(const romfs_t *fs, const uint8_t *img, size_t len, const char *path, const char *want)
{
    romfs_info_t info;
    romfs_file_t f;
    int st = romfs_stat(fs, path, &info);
    int op = romfs_file_open(fs, &f, path);
    if (strncmp(want, "data:", 5) == 0) {
        const char *text = want + 5;
        size_t n = strlen(text);
        assert_int_equal(st, 0);
        assert_int_equal(info.type, ROMFS_TYPE_FILE);
        assert_int_equal(info.size, n);
        assert_inside(img, len, info.data, info.size);
        assert_memory_equal(info.data, text, n);
        assert_int_equal(op, 0);
        /* Read it back in odd-sized pieces, then seek and read again. */
        char *buf = malloc(n + 1);
        size_t got = 0, k;
        assert_non_null(buf);
        while ((k = romfs_file_read(&f, buf + got, 3)) > 0)
            got += k;
        assert_int_equal(got, n);
        assert_memory_equal(buf, text, n);
        size_t pos;
        assert_int_equal(romfs_file_seek(&f, -1, ROMFS_SEEK_END, &pos), 0);
        assert_int_equal(pos, n - 1);
        assert_int_equal(romfs_file_read(&f, buf, 10), 1);
        assert_int_equal(buf[0], text[n - 1]);
        assert_int_equal(romfs_file_seek(&f, -1, ROMFS_SEEK_SET, NULL), ROMFS_ERR_INVAL);
        free(buf);
    } else {
        if (!err_allowed(want, st))
            fail_msg("%s: stat gave %d (%s), expected %s", path, st, romfs_strerror(st), want);
        if (!err_allowed(want, op))
            fail_msg("%s: open gave %d (%s), expected %s", path, op, romfs_strerror(op), want);
    }
}

static void test_case(void **state)
{
    const jv_t *c = *state;
    const char *image = get_str(c, "image"), *mount = get_str(c, "mount");
    const jv_t *paths = get(c, "paths");
    char rel[256];
    size_t len;
    assert_non_null(image);
    assert_non_null(mount);
    snprintf(rel, sizeof rel, "hostile/%s", image);
    uint8_t *img = tu_read_file(tu_vector(rel), &len);
    romfs_t fs;
    int r = romfs_mount(&fs, img, len);
    if (strcmp(mount, "ok") == 0) {
        assert_int_equal(r, 0);
        assert_inside(img, len, fs.fs, (size_t)(fs.fs_end - fs.fs));
        walk_all(&fs, img, len);
        for (size_t i = 0; paths && i < paths->count; i++) {
            assert_int_equal(paths->items[i].type, J_STR);
            check_path(&fs, img, len, paths->keys[i], paths->items[i].str);
        }
    } else {
        assert_int_equal(r, err_code(mount));
    }
    free(img);
}

int main(void)
{
    size_t len;
    uint8_t *text = tu_read_file(tu_vector("hostile/expected.json"), &len);
    char *json = malloc(len + 1);
    if (!json)
        return 1;
    memcpy(json, text, len);
    json[len] = '\0';
    free(text);
    jv_t root;
    const char *end = parse(json, &root);
    free(json);
    if (!end || root.type != J_ARR || root.count < 10) {
        fprintf(stderr, "hostile/expected.json: cannot parse it or too few cases\n");
        return 1;
    }
    struct CMUnitTest *tests = calloc(root.count, sizeof *tests);
    if (!tests)
        return 1;
    for (size_t i = 0; i < root.count; i++) {
        const char *name = get_str(&root.items[i], "name");
        tests[i] = (struct CMUnitTest){name ? name : "?", test_case, NULL, NULL, &root.items[i]};
    }
    int failed = _cmocka_run_group_tests("reader_hostile", tests, root.count, NULL, NULL);
    free(tests);
    jv_free(&root);
    return failed;
}
