/* SPDX-License-Identifier: MIT */
/* Boot mount: the decision MicroPython 1.29's boot makes about partition 0
 * (erased, random, truncated, bad magic, valid), checked against an
 * independent transcription of VfsRom's constructor, and the mount call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "romfs/romfs_boot.h"
#include "testutil.h"

#define PART 4096

static uint8_t part_mem[PART];

/* vfs_rom_make_new, transcribed: >= 4 bytes, magic, kind varuint equal to
 * 0x14a6b1, length varuint read within the buffer, payload end within it.
 * Returns -1 when the length varuint is too long to compare fairly (the
 * 32-bit port wraps where we refuse). */
static int reference_decide(const uint8_t *buf, size_t len)
{
    if (len < 4 || buf[0] != 0xd2 || buf[1] != 0xcd || buf[2] != 0x31)
        return 0;
    const uint8_t *p = buf, *end = buf + len;
    uint64_t v = 0;
    for (int field = 0; field < 2; field++) {
        int nbytes = 0;
        uint8_t b;
        v = 0;
        do {
            if (p >= end)
                return 0;
            b = *p++;
            if ((v << 7 >> 7) != v || ++nbytes > 12)
                return -1;
            v = (v << 7) | (b & 0x7f);
        } while (b & 0x80);
        if (field == 0 && v != 0x14a6b1)
            return 0;
    }
    return v <= (uint64_t)(end - p);
}

static uint32_t rng = 12345;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_erased(void **state)
{
    (void)state;
    memset(part_mem, 0xFF, sizeof part_mem);
    assert_int_equal(romfs_boot_decide(part_mem, sizeof part_mem), 0);
    memset(part_mem, 0x00, sizeof part_mem);
    assert_int_equal(romfs_boot_decide(part_mem, sizeof part_mem), 0);
    assert_int_equal(romfs_boot_decide(NULL, 0), 0);
}

static void test_random(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof part_mem; i++)
            part_mem[i] = (uint8_t)next_rand();
        int ref = reference_decide(part_mem, sizeof part_mem);
        assert_int_equal(romfs_boot_decide(part_mem, sizeof part_mem), ref);
        assert_int_equal(ref, 0);
    }
    /* Random bytes behind a real magic: both decide alike. */
    int mounted = 0;
    for (int round = 0; round < 2000; round++) {
        size_t len = 4 + next_rand() % 60;
        for (size_t i = 0; i < len; i++)
            part_mem[i] = (uint8_t)next_rand();
        part_mem[0] = 0xd2;
        part_mem[1] = 0xcd;
        part_mem[2] = 0x31;
        int ref = reference_decide(part_mem, len);
        if (ref < 0)
            continue;
        assert_int_equal(romfs_boot_decide(part_mem, len), ref);
        mounted += ref;
    }
    assert_true(mounted > 0);
}

static void test_golden_and_truncated(void **state)
{
    (void)state;
    static const char *const golden[] = {
        "empty", "single", "doc_example", "binary_assets", "empty_entries", "even_total",
        "large_file", "long_names", "many_and_deep", "odd_total", "py_and_mpy",
        "sort_order", "varuint_sizes",
    };
    for (size_t g = 0; g < sizeof golden / sizeof golden[0]; g++) {
        char rel[128];
        size_t len;
        strcpy(rel, "golden/");
        strcat(rel, golden[g]);
        strcat(rel, ".romfs");
        uint8_t *img = tu_read_file(tu_vector(rel), &len);
        assert_int_equal(romfs_boot_decide(img, len), 1);
        /* Every truncation fails, as in VfsRom (its record overruns). */
        for (size_t cut = 0; cut < len; cut += (len > 300 ? len / 97 : 1))
            assert_int_equal(romfs_boot_decide(img, cut), 0);
        /* In a partition: an erased tail does not matter. */
        if (len <= sizeof part_mem) {
            memset(part_mem, 0xFF, sizeof part_mem);
            memcpy(part_mem, img, len);
            assert_int_equal(romfs_boot_decide(part_mem, sizeof part_mem), 1);
            /* Bad magic, each byte. */
            for (int b = 0; b < 3; b++) {
                part_mem[b] ^= 0x01;
                assert_int_equal(romfs_boot_decide(part_mem, sizeof part_mem), 0);
                part_mem[b] ^= 0x01;
            }
        }
        free(img);
    }
}

static void test_header_mutations(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("golden/doc_example.romfs"), &len);
    /* Every value of each header byte, with and without room to spare. */
    for (size_t pos = 0; pos < 6; pos++) {
        for (int v = 0; v < 256; v++) {
            memset(part_mem, 0xFF, sizeof part_mem);
            memcpy(part_mem, img, len);
            part_mem[pos] = (uint8_t)v;
            int ref = reference_decide(part_mem, len);
            if (ref >= 0)
                assert_int_equal(romfs_boot_decide(part_mem, len), ref);
            ref = reference_decide(part_mem, sizeof part_mem);
            if (ref >= 0)
                assert_int_equal(romfs_boot_decide(part_mem, sizeof part_mem), ref);
        }
    }
    free(img);
}

static void test_hostile_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int mounts;
    } cases[] = {
        {"too_small", 0}, {"bad_magic", 0}, {"header_past_end", 0},
        {"pointer_offset_out_of_image", 1}, {"interrupted_deploy_ff_tail", 1},
        {"deep_nesting_20000", 1}, {"varuint_overflow", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rel[128];
        size_t len;
        strcpy(rel, "hostile/");
        strcat(rel, cases[i].name);
        strcat(rel, ".romfs");
        uint8_t *img = tu_read_file(tu_vector(rel), &len);
        assert_int_equal(romfs_boot_decide(img, len), cases[i].mounts);
        assert_int_equal(reference_decide(img, len), cases[i].mounts);
        free(img);
    }
}

static void test_boot_mount(void **state)
{
    (void)state;
    static romfs_vfs_t vfs;
    romfs_part_t part;
    romfs_rom_t rom = {&part, 1};
    romfs_boot_paths_t paths;
    romfs_info_t info;
    size_t len;
    uint8_t *img = tu_read_file(tu_vector("golden/doc_example.romfs"), &len);
    assert_int_equal(romfs_part_ram_init(&part, part_mem, sizeof part_mem, 256, 4), 0);

    memset(part_mem, 0xFF, sizeof part_mem);
    romfs_vfs_init(&vfs);
    paths.count = 99;
    assert_int_equal(romfs_boot_mount(&vfs, &rom, &paths), ROMFS_BOOT_SKIPPED);
    assert_int_equal(paths.count, 0);
    assert_null(romfs_vfs_mounted(&vfs, "/rom"));

    assert_int_equal(romfs_rom_write_image(&rom, 0, img, len), 0);
    assert_int_equal(romfs_boot_mount(&vfs, &rom, &paths), ROMFS_BOOT_MOUNTED);
    assert_int_equal(paths.count, 2);
    assert_string_equal(paths.entries[0], "/rom");
    assert_string_equal(paths.entries[1], "/rom/lib");
    assert_int_equal(romfs_vfs_stat(&vfs, "/rom/lib/helper.py", &info), 0);
    /* Executed in place: the data is the partition's memory. */
    assert_true(info.data > part_mem && info.data < part_mem + sizeof part_mem);
    /* Booting twice is a firmware bug, reported as the table's error. */
    assert_int_equal(romfs_boot_mount(&vfs, &rom, &paths), ROMFS_ERR_PERM);
    assert_int_equal(paths.count, 0);

    /* No partitions at all: skipped, as the except: pass in boot.py. */
    romfs_rom_t none = {NULL, 0};
    romfs_vfs_init(&vfs);
    assert_int_equal(romfs_boot_mount(&vfs, &none, &paths), ROMFS_BOOT_SKIPPED);
    assert_int_equal(romfs_boot_mount(&vfs, NULL, &paths), ROMFS_BOOT_SKIPPED);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erased),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_golden_and_truncated),
        cmocka_unit_test(test_header_mutations),
        cmocka_unit_test(test_hostile_vectors),
        cmocka_unit_test(test_boot_mount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
