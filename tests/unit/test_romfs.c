/* SPDX-License-Identifier: MIT */
/* Unit tests of the reader (src/romfs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs.h"
#include "testutil.h"

/* doc_example.romfs: /lib/helper.py, /main.py, /utils.py */
static uint8_t *load(const char *rel, size_t *len)
{
    return tu_read_file(tu_vector(rel), len);
}

static void test_decode_uint(void **state)
{
    (void)state;
    size_t v;
    const uint8_t one[] = {0x05};
    const uint8_t *p = one;
    assert_int_equal(romfs_decode_uint(&p, one + 1, &v), 0);
    assert_int_equal(v, 5);
    assert_ptr_equal(p, one + 1);

    /* Big-endian 7-bit groups: 0x81 0x00 = 128. */
    const uint8_t two[] = {0x81, 0x00};
    p = two;
    assert_int_equal(romfs_decode_uint(&p, two + 2, &v), 0);
    assert_int_equal(v, 128);

    /* Leading 0x80 bytes are padding, however many. */
    const uint8_t padded[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x07};
    p = padded;
    assert_int_equal(romfs_decode_uint(&p, padded + sizeof padded, &v), 0);
    assert_int_equal(v, 7);

    /* Running off the end is corruption, and p does not move. */
    const uint8_t cut[] = {0x81, 0x82};
    p = cut;
    assert_int_equal(romfs_decode_uint(&p, cut + 2, &v), ROMFS_ERR_CORRUPT);
    assert_ptr_equal(p, cut);
    p = cut;
    assert_int_equal(romfs_decode_uint(&p, cut, &v), ROMFS_ERR_CORRUPT);

    /* Values beyond SIZE_MAX are refused, not wrapped. */
    uint8_t big[12];
    memset(big, 0xff, sizeof big);
    big[11] = 0x7f;
    p = big;
    v = 42;
    assert_int_equal(romfs_decode_uint(&p, big + sizeof big, &v), ROMFS_ERR_OVERFLOW);
    assert_ptr_equal(p, big);
    assert_int_equal(v, 42);
    /* Overflow is seen before the end is reached, however far that is. */
    assert_int_equal(romfs_decode_uint(&p, big + sizeof big - 1, &v), ROMFS_ERR_OVERFLOW);

    /* SIZE_MAX itself fits (64-bit: 0x01 then nine 0xff-ish groups). */
    if (SIZE_MAX == UINT64_MAX) {
        const uint8_t max[] = {0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
        p = max;
        assert_int_equal(romfs_decode_uint(&p, max + sizeof max, &v), 0);
        assert_true(v == SIZE_MAX);
        /* SIZE_MAX + 1 does not. */
        const uint8_t over[] = {0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
        p = over;
        assert_int_equal(romfs_decode_uint(&p, over + sizeof over, &v), ROMFS_ERR_OVERFLOW);
    } else {
        const uint8_t max[] = {0x8f, 0xff, 0xff, 0xff, 0x7f};
        p = max;
        assert_int_equal(romfs_decode_uint(&p, max + sizeof max, &v), 0);
        assert_true(v == SIZE_MAX);
        const uint8_t over[] = {0x90, 0x80, 0x80, 0x80, 0x00};
        p = over;
        assert_int_equal(romfs_decode_uint(&p, over + sizeof over, &v), ROMFS_ERR_OVERFLOW);
    }
}

static void test_record_bounds(void **state)
{
    (void)state;
    romfs_record_t rec;
    const uint8_t ok[] = {0x02, 0x03, 'a', 'b', 'c'};
    assert_int_equal(romfs_record_decode(ok, ok + 5, &rec), 0);
    assert_int_equal(rec.kind, 2);
    assert_ptr_equal(rec.payload, ok + 2);
    assert_ptr_equal(rec.next, ok + 5);
    /* Payload one byte longer than what remains in the parent. */
    assert_int_equal(romfs_record_decode(ok, ok + 4, &rec), ROMFS_ERR_CORRUPT);
    /* Truncated header. */
    assert_int_equal(romfs_record_decode(ok, ok + 1, &rec), ROMFS_ERR_CORRUPT);
    /* A header varuint beyond SIZE_MAX is corruption too (the contract:
     * only ROMFS_ERR_CORRUPT, never ROMFS_ERR_OVERFLOW, from here). */
    uint8_t big[16];
    memset(big, 0xff, sizeof big);
    big[12] = 0x01;
    assert_int_equal(romfs_record_decode(big, big + sizeof big, &rec), ROMFS_ERR_CORRUPT);
    big[0] = 0x02;
    big[1] = 0xff;
    assert_int_equal(romfs_record_decode(big, big + sizeof big, &rec), ROMFS_ERR_CORRUPT);
}

static void test_mount_rejects(void **state)
{
    (void)state;
    romfs_t fs;
    const uint8_t empty[] = {0xd2, 0xcd, 0x31, 0x00};
    assert_int_equal(romfs_mount(&fs, empty, 4), 0);
    assert_int_equal(romfs_image_size(&fs), 4);
    assert_int_equal(romfs_mount(&fs, empty, 3), ROMFS_ERR_NODEV);
    assert_int_equal(romfs_mount(&fs, NULL, 4), ROMFS_ERR_NODEV);
    const uint8_t bad[] = {0xd2, 0xcd, 0x32, 0x00};
    assert_int_equal(romfs_mount(&fs, bad, 4), ROMFS_ERR_NODEV);
    /* Payload length 2 but only 1 byte follows. */
    const uint8_t past[] = {0xd2, 0xcd, 0x31, 0x02, 0x00};
    assert_int_equal(romfs_mount(&fs, past, 5), ROMFS_ERR_NODEV);
    /* A partition's erased tail after the image is fine. */
    const uint8_t tail[] = {0xd2, 0xcd, 0x31, 0x00, 0xff, 0xff};
    assert_int_equal(romfs_mount(&fs, tail, 6), 0);
    assert_int_equal(romfs_image_size(&fs), 4);
    /* Erased flash. */
    uint8_t ff[64];
    memset(ff, 0xff, sizeof ff);
    assert_int_equal(romfs_mount(&fs, ff, sizeof ff), ROMFS_ERR_NODEV);
    /* Records that decode but are not a filesystem, in buffers of exactly
     * their size (heap, so ASan sees a read of the magic past them): the
     * magic is compared only as far as the image reaches. */
    const uint8_t shorts[][3] = {{0x05, 0x00}, {0xd2, 0x4d, 0x00}, {0x82, 0x00}};
    const size_t short_len[] = {2, 3, 2};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *h = malloc(short_len[i]);
        assert_non_null(h);
        memcpy(h, shorts[i], short_len[i]);
        assert_int_equal(romfs_mount(&fs, h, short_len[i]), ROMFS_ERR_NODEV);
        free(h);
    }
    /* The filesystem kind with padding is not the magic. */
    const uint8_t padded[] = {0x80, 0xd2, 0xcd, 0x31, 0x00};
    assert_int_equal(romfs_mount(&fs, padded, sizeof padded), ROMFS_ERR_NODEV);
}

static void test_doc_example(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = load("golden/doc_example.romfs", &len);
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_image_size(&fs), len);

    romfs_statvfs_t sv;
    romfs_statvfs(&fs, &sv);
    assert_int_equal(sv.bsize, 1);
    assert_int_equal(sv.frsize, 0);
    assert_int_equal(sv.blocks, (size_t)(fs.fs_end - fs.fs));
    assert_int_equal(sv.namemax, 32767);

    /* Root in its three spellings. */
    const char *roots[] = {"", "/"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(romfs_stat(&fs, roots[i], &info), 0);
        assert_int_equal(info.type, ROMFS_TYPE_DIR);
        assert_int_equal(info.size, sv.blocks);
    }

    assert_int_equal(romfs_stat(&fs, "/lib/helper.py", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_FILE);
    assert_int_equal(info.size, 11);
    assert_true(info.data > img && info.data + info.size <= img + len);
    assert_int_equal(romfs_stat(&fs, "lib/helper.py", &info), 0);

    /* A directory's size is its payload after the name (MicroPython: 25). */
    assert_int_equal(romfs_stat(&fs, "/lib", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    assert_int_equal(info.size, 25);
    assert_int_equal(romfs_stat(&fs, "/lib/", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);

    assert_int_equal(romfs_stat(&fs, "/main.py/", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/main.py/x", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/lib//helper.py", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/nope", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/lib/nope", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/main", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/main.py.x", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/..", &info), ROMFS_ERR_NOENT);

    /* Directory listing in image order. */
    romfs_dir_t dir;
    const char *names[] = {"lib", "main.py", "utils.py"};
    const int types[] = {ROMFS_TYPE_DIR, ROMFS_TYPE_FILE, ROMFS_TYPE_FILE};
    assert_int_equal(romfs_dir_open(&fs, &dir, "/"), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(romfs_dir_read(&dir, &info), 1);
        assert_int_equal(info.name_len, strlen(names[i]));
        assert_memory_equal(info.name, names[i], info.name_len);
        assert_int_equal(info.type, types[i]);
        assert_int_equal(info.flags, 0);
        assert_true(info.record_offset > 0 && info.record_offset < len);
    }
    assert_int_equal(romfs_dir_read(&dir, &info), 0);
    assert_int_equal(romfs_dir_read(&dir, &info), 0);
    assert_int_equal(romfs_dir_open(&fs, &dir, "/main.py"), ROMFS_ERR_NOTDIR);
    assert_int_equal(romfs_dir_open(&fs, &dir, "/none"), ROMFS_ERR_NOENT);

    romfs_file_t f;
    assert_int_equal(romfs_file_open(&fs, &f, "/lib"), ROMFS_ERR_ISDIR);
    assert_int_equal(romfs_file_open(&fs, &f, "/none"), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_file_open(&fs, &f, "/utils.py"), 0);
    char buf[64];
    size_t n = romfs_file_read(&f, buf, sizeof buf);
    assert_int_equal(n, 41);
    assert_memory_equal(buf, "def greet():", 12);
    assert_int_equal(romfs_file_read(&f, buf, sizeof buf), 0);
    size_t sz;
    assert_ptr_equal(romfs_file_data(&f, &sz), f.data);
    assert_int_equal(sz, 41);
    free(img);
}

static void test_seek(void **state)
{
    (void)state;
    /* One file "x" holding "0123456789". */
    const uint8_t img[] = {0xd2, 0xcd, 0x31, 0x80, 0x11, 0x05, 0x0f, 0x01, 'x', 0x02, 0x0a,
                           '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0x01, 0x00};
    romfs_t fs;
    romfs_file_t f;
    size_t pos;
    char c;
    assert_int_equal(romfs_mount(&fs, img, sizeof img), 0);
    assert_int_equal(romfs_file_open(&fs, &f, "x"), 0);
    assert_int_equal(f.size, 10);
    assert_int_equal(romfs_file_seek(&f, 3, ROMFS_SEEK_SET, &pos), 0);
    assert_int_equal(pos, 3);
    assert_int_equal(romfs_file_read(&f, &c, 1), 1);
    assert_int_equal(c, '3');
    assert_int_equal(romfs_file_seek(&f, 2, ROMFS_SEEK_CUR, &pos), 0);
    assert_int_equal(pos, 6);
    assert_int_equal(romfs_file_seek(&f, -1, ROMFS_SEEK_END, &pos), 0);
    assert_int_equal(pos, 9);
    /* Past the end clamps. */
    assert_int_equal(romfs_file_seek(&f, 100, ROMFS_SEEK_SET, &pos), 0);
    assert_int_equal(pos, 10);
    assert_int_equal(romfs_file_seek(&f, 5, ROMFS_SEEK_END, &pos), 0);
    assert_int_equal(pos, 10);
    assert_int_equal(romfs_file_seek(&f, INT64_MAX, ROMFS_SEEK_CUR, &pos), 0);
    assert_int_equal(pos, 10);
    /* Before the start is EINVAL and leaves the position alone. */
    assert_int_equal(romfs_file_seek(&f, -11, ROMFS_SEEK_END, &pos), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_file_tell(&f), 10);
    assert_int_equal(romfs_file_seek(&f, -1, ROMFS_SEEK_SET, NULL), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_file_seek(&f, INT64_MIN, ROMFS_SEEK_CUR, NULL), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_file_seek(&f, -10, ROMFS_SEEK_CUR, &pos), 0);
    assert_int_equal(pos, 0);
    assert_int_equal(romfs_file_seek(&f, 0, 7, NULL), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_file_tell(&f), 0);
}

static void test_indirect_and_corruption(void **state)
{
    (void)state;
    romfs_t fs;
    romfs_info_t info;
    /* File "a" whose data is an indirect record (size 2, offset 10) into a
     * padding record holding "hi" at payload offset 10. Payload:
     * 05 06 01 'a' 03 02 02 0a | 01 02 'h' 'i' */
    const uint8_t img[] = {0xd2, 0xcd, 0x31, 0x0c, 0x05, 0x06, 0x01, 'a', 0x03, 0x02,
                           0x02, 0x0a, 0x01, 0x02, 'h', 'i'};
    assert_int_equal(romfs_mount(&fs, img, sizeof img), 0);
    assert_int_equal(romfs_stat(&fs, "/a", &info), 0);
    assert_int_equal(info.size, 2);
    assert_memory_equal(info.data, "hi", 2);

    /* Same with offset 11: the range ends one byte past the payload. */
    uint8_t bad[sizeof img];
    memcpy(bad, img, sizeof img);
    bad[11] = 0x0b;
    assert_int_equal(romfs_mount(&fs, bad, sizeof bad), 0);
    assert_int_equal(romfs_stat(&fs, "/a", &info), ROMFS_ERR_CORRUPT);
    romfs_dir_t dir;
    assert_int_equal(romfs_dir_open(&fs, &dir, ""), 0);
    assert_int_equal(romfs_dir_read(&dir, &info), ROMFS_ERR_CORRUPT);
    assert_int_equal(romfs_dir_read(&dir, &info), 0);

    /* A kind-0 record stops the directory. */
    const uint8_t unused[] = {0xd2, 0xcd, 0x31, 0x02, 0x00, 0x00};
    assert_int_equal(romfs_mount(&fs, unused, sizeof unused), 0);
    assert_int_equal(romfs_stat(&fs, "/x", &info), ROMFS_ERR_CORRUPT);
    assert_int_equal(romfs_dir_open(&fs, &dir, ""), 0);
    assert_int_equal(romfs_dir_read(&dir, &info), ROMFS_ERR_CORRUPT);
    assert_int_equal(romfs_dir_read(&dir, &info), 0);

    /* Unknown kinds are skipped. */
    const uint8_t unknown[] = {0xd2, 0xcd, 0x31, 0x08, 0x7f, 0x01, 0xaa, 0x05, 0x03, 0x01, 'z', 0x02, 0x00, 0x00};
    assert_int_equal(romfs_mount(&fs, unknown, 12), 0);
    assert_int_equal(romfs_stat(&fs, "/z", &info), ROMFS_ERR_CORRUPT); /* file with no data record */
}

static void test_unsafe_names(void **state)
{
    (void)state;
    assert_false(romfs_name_is_safe((const uint8_t *)"", 0));
    assert_false(romfs_name_is_safe((const uint8_t *)".", 1));
    assert_false(romfs_name_is_safe((const uint8_t *)"..", 2));
    assert_false(romfs_name_is_safe((const uint8_t *)"a/b", 3));
    assert_false(romfs_name_is_safe((const uint8_t *)"a\0b", 3));
    assert_true(romfs_name_is_safe((const uint8_t *)"...", 3));
    assert_true(romfs_name_is_safe((const uint8_t *)".a", 2));
    assert_true(romfs_name_is_safe((const uint8_t *)"\xc3\xa9", 2));
}

static void test_hostile_slash_names(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = load("hostile/names_with_slash_and_dots.romfs", &len);
    romfs_t fs;
    romfs_info_t info;
    romfs_dir_t dir;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_stat(&fs, "/a/b", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/ok", &info), 0);
    int unsafe = 0, total = 0, r;
    assert_int_equal(romfs_dir_open(&fs, &dir, "/"), 0);
    while ((r = romfs_dir_read(&dir, &info)) != 0) {
        if (r == 1) {
            total++;
            if (info.flags & ROMFS_INFO_UNSAFE_NAME)
                unsafe++;
        }
    }
    assert_true(unsafe >= 2);
    assert_true(total > unsafe);
    free(img);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = load("hostile/deep_nesting_20000.romfs", &len);
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, img, len), 0);
    assert_int_equal(romfs_stat(&fs, "/d/d/d/x", &info), ROMFS_ERR_NOENT);
    assert_int_equal(romfs_stat(&fs, "/d/d/d", &info), 0);
    assert_int_equal(info.type, ROMFS_TYPE_DIR);
    /* Walk all the way down by name without recursion. */
    romfs_info_t cur;
    romfs_dir_t dir;
    int depth = 0;
    assert_int_equal(romfs_stat(&fs, "/", &cur), 0);
    for (;;) {
        assert_int_equal(romfs_dir_open_info(&fs, &dir, &cur), 0);
        assert_int_equal(romfs_dir_read(&dir, &info), 1);
        if (info.type == ROMFS_TYPE_FILE)
            break;
        cur = info;
        depth++;
    }
    /* The innermost directory holds the file "ok". */
    assert_int_equal(info.name_len, 2);
    assert_memory_equal(info.data, "fine", 4);
    assert_true(depth >= 20000);
    free(img);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(romfs_strerror(ROMFS_ERR_NODEV), "not a ROMFS image");
    assert_string_equal(romfs_strerror(ROMFS_ERR_CORRUPT), "corrupt image");
    assert_string_equal(romfs_strerror(ROMFS_ERR_IO), "I/O error");
    assert_string_equal(romfs_strerror(12345), "unknown error");
    /* Every code has its own message: no two alike, none "unknown". */
    static const int codes[] = {ROMFS_ERR_OK, ROMFS_ERR_PERM, ROMFS_ERR_NOENT, ROMFS_ERR_IO,
                                ROMFS_ERR_BADF, ROMFS_ERR_NOMEM, ROMFS_ERR_BUSY, ROMFS_ERR_EXIST,
                                ROMFS_ERR_NODEV, ROMFS_ERR_NOTDIR, ROMFS_ERR_ISDIR, ROMFS_ERR_INVAL,
                                ROMFS_ERR_NOSPC, ROMFS_ERR_ROFS, ROMFS_ERR_NAMETOOLONG,
                                ROMFS_ERR_OVERFLOW, ROMFS_ERR_OPNOTSUPP, ROMFS_ERR_NOBOARD,
                                ROMFS_ERR_CLOSED, ROMFS_ERR_NOROMFS, ROMFS_ERR_PROTOCOL,
                                ROMFS_ERR_TIMEOUT, ROMFS_ERR_RAISED, ROMFS_ERR_NOPART,
                                ROMFS_ERR_CANCELED, ROMFS_ERR_CORRUPT};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(romfs_strerror(codes[i]), "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(romfs_strerror(codes[i]), romfs_strerror(codes[j]));
    }
    /* Corruption is apart from I/O errors (and every other errno value). */
    for (size_t i = 0; i + 1 < n; i++)
        assert_int_not_equal(codes[i], ROMFS_ERR_CORRUPT);
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(romfs_version(), ROMFS_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_uint),
        cmocka_unit_test(test_record_bounds),
        cmocka_unit_test(test_mount_rejects),
        cmocka_unit_test(test_doc_example),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_indirect_and_corruption),
        cmocka_unit_test(test_unsafe_names),
        cmocka_unit_test(test_hostile_slash_names),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
