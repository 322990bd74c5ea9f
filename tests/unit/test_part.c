/* SPDX-License-Identifier: MIT */
/* ROM partitions: the rom_ioctl operations, their range checks, the
 * dispatcher, the RAM backend and the power-safe image writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devimg.h"
#include "romfs/romfs.h"
#include "romfs/romfs_boot.h"
#include "romfs/romfs_part.h"
#include "testutil.h"

#define BS 256
#define PS 4
#define NBLK 8

static uint8_t ram[BS * NBLK];
static const uint8_t flashed[64] = {0xd2, 0xcd, 0x31, 0x00};
static romfs_part_t parts[2];
static romfs_rom_t rom = {parts, 2};
static int syncs;

static int count_sync(void *context)
{
    (void)context;
    syncs++;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    memset(ram, 0x55, sizeof ram);
    assert_int_equal(romfs_part_ram_init(&parts[0], ram, sizeof ram, BS, PS), 0);
    parts[0].sync = count_sync;
    /* Partition 1: read-only memory, as the WebAssembly port's. */
    memset(&parts[1], 0, sizeof parts[1]);
    parts[1].memory = flashed;
    parts[1].size = sizeof flashed;
    syncs = 0;
    return 0;
}

static void test_count_and_memory(void **state)
{
    (void)state;
    const uint8_t *mem;
    size_t len;
    assert_int_equal(romfs_rom_count(&rom), 2);
    assert_int_equal(romfs_rom_count(NULL), 0);
    assert_int_equal(romfs_rom_memory(&rom, 0, &mem, &len), 0);
    assert_ptr_equal(mem, ram);
    assert_int_equal(len, sizeof ram);
    assert_int_equal(romfs_rom_memory(&rom, 1, &mem, &len), 0);
    assert_ptr_equal(mem, flashed);
    assert_int_equal(len, sizeof flashed);
    assert_int_equal(romfs_rom_memory(&rom, 2, &mem, &len), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_memory(&rom, -1, &mem, &len), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_memory(NULL, 0, &mem, &len), ROMFS_ERR_INVAL);
}

static void test_prepare(void **state)
{
    (void)state;
    /* MicroPython's (3, id, length) form: erase from 0, rounded up. */
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 0, 10), PS);
    for (size_t i = 0; i < BS; i++)
        assert_int_equal(ram[i], 0xFF);
    assert_int_equal(ram[BS], 0x55);
    /* The offset form erases exactly the blocks asked for. */
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 2 * BS, BS + 1), PS);
    assert_int_equal(ram[2 * BS - 1], 0x55);
    assert_int_equal(ram[2 * BS], 0xFF);
    assert_int_equal(ram[4 * BS - 1], 0xFF);
    assert_int_equal(ram[4 * BS], 0x55);
    /* Zero length erases nothing but still answers the write size. */
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 5 * BS, 0), PS);
    assert_int_equal(ram[5 * BS], 0x55);
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 0, sizeof ram), PS);
    /* Errors: unaligned offset, past the end, rounding past the end, bad id,
     * read-only partition. */
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 1, BS), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 0, sizeof ram + 1), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, sizeof ram, 1), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, sizeof ram + BS, 0), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, (size_t)-BS, 2 * BS), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_prepare(&rom, 2, 0, 1), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_prepare(&rom, 1, 0, 1), ROMFS_ERR_INVAL);
}

static void test_prepare_partial_last_block(void **state)
{
    (void)state;
    /* A backend whose size is not whole blocks: rounding must not run past it. */
    romfs_part_t odd = parts[0];
    romfs_rom_t r = {&odd, 1};
    odd.size = BS + 100;
    assert_int_equal(romfs_rom_write_prepare(&r, 0, 0, BS), PS);
    assert_int_equal(romfs_rom_write_prepare(&r, 0, BS, 50), ROMFS_ERR_INVAL);
}

static void test_write(void **state)
{
    (void)state;
    const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(romfs_rom_write_prepare(&rom, 0, 0, BS), PS);
    assert_int_equal(romfs_rom_write(&rom, 0, 4, data, 8), 0);
    assert_memory_equal(ram + 4, data, 8);
    assert_int_equal(romfs_rom_write(&rom, 0, 0, data, 0), 0);
    assert_int_equal(romfs_rom_write(&rom, 0, 2, data, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 0, 4, data, 6), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 0, sizeof ram - 4, data, 8), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 0, sizeof ram + 4, data, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 0, 0, NULL, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 3, 0, data, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 1, 0, data, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write(&rom, 0, sizeof ram - 4, data, 4), 0);
    assert_memory_equal(ram + sizeof ram - 4, data, 4);
}

static void test_complete_and_block_size(void **state)
{
    (void)state;
    assert_int_equal(romfs_rom_write_complete(&rom, 0), 0);
    assert_int_equal(syncs, 1);
    /* Without a sync hook completing is a no-op, even read-only. */
    assert_int_equal(romfs_rom_write_complete(&rom, 1), 0);
    assert_int_equal(romfs_rom_write_complete(&rom, 2), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_block_size(&rom, 0), BS);
    assert_int_equal(romfs_rom_block_size(&rom, 1), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_block_size(&rom, -3), ROMFS_ERR_INVAL);
}

static void test_ioctl(void **state)
{
    (void)state;
    romfs_rom_args_t a;
    const uint8_t data[4] = {9, 8, 7, 6};
    assert_int_equal(romfs_rom_ioctl(&rom, 1, NULL), 2);
    memset(&a, 0, sizeof a);
    assert_int_equal(romfs_rom_ioctl(&rom, 2, &a), 0);
    assert_ptr_equal(a.mem, ram);
    assert_int_equal(a.mem_len, sizeof ram);
    a.id = 1;
    assert_int_equal(romfs_rom_ioctl(&rom, 2, &a), 0);
    assert_ptr_equal(a.mem, flashed);
    /* The read-only partition refuses writing as MicroPython's WebAssembly
     * port does: -22 for ops 3 and 6. */
    a.length = 4;
    assert_int_equal(romfs_rom_ioctl(&rom, 3, &a), -22);
    assert_int_equal(romfs_rom_ioctl(&rom, 6, &a), -22);
    a.id = 0;
    a.offset = 0;
    a.length = 4;
    assert_int_equal(romfs_rom_ioctl(&rom, 3, &a), PS);
    a.buf = data;
    assert_int_equal(romfs_rom_ioctl(&rom, 4, &a), 0);
    assert_memory_equal(ram, data, 4);
    assert_int_equal(romfs_rom_ioctl(&rom, 5, &a), 0);
    assert_int_equal(syncs, 1);
    assert_int_equal(romfs_rom_ioctl(&rom, 6, &a), BS);
    assert_int_equal(romfs_rom_ioctl(&rom, 7, &a), -22);
    assert_int_equal(romfs_rom_ioctl(&rom, 0, &a), -22);
    assert_int_equal(romfs_rom_ioctl(&rom, 2, NULL), -22);
    a.id = 5;
    assert_int_equal(romfs_rom_ioctl(&rom, 2, &a), -22);
}

static void test_ram_init_errors(void **state)
{
    (void)state;
    romfs_part_t p;
    assert_int_equal(romfs_part_ram_init(&p, ram, 100, 64, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_part_ram_init(&p, ram, 128, 64, 3), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_part_ram_init(&p, ram, 128, 0, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_part_ram_init(&p, ram, 128, 64, 0), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_part_ram_init(&p, NULL, 128, 64, 4), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_part_ram_init(NULL, ram, 128, 64, 4), ROMFS_ERR_INVAL);
}

static void test_write_image(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = tu_read_file(tu_vector("golden/doc_example.romfs"), &len);
    /* An image spanning several blocks, with an odd-length tail unit. */
    static uint8_t kids[1200], big[1300];
    uint8_t blob[1000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7);
    size_t n = di_file(kids, "blob", blob, sizeof blob);
    size_t big_len = di_image(big, kids, n);

    memset(ram, 0x00, sizeof ram);
    assert_int_equal(romfs_rom_write_image(&rom, 0, doc, len), 0);
    assert_memory_equal(ram, doc, len);
    /* Op 5 before each read-back: the body, then the commit. */
    assert_int_equal(syncs, 2);
    assert_int_equal(romfs_boot_decide(ram, sizeof ram), 1);
    assert_int_equal(romfs_rom_write_image(&rom, 0, big, big_len), 0);
    assert_memory_equal(ram, big, big_len);
    romfs_t fs;
    romfs_info_t info;
    assert_int_equal(romfs_mount(&fs, ram, sizeof ram), 0);
    assert_int_equal(romfs_stat(&fs, "/blob", &info), 0);
    assert_memory_equal(info.data, blob, sizeof blob);

    assert_int_equal(romfs_rom_write_image(&rom, 0, big, sizeof ram + 1), ROMFS_ERR_NOSPC);
    assert_int_equal(romfs_rom_write_image(&rom, 0, big, 2), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_image(&rom, 0, NULL, 10), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_image(&rom, 1, doc, len), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_rom_write_image(&rom, 9, doc, len), ROMFS_ERR_INVAL);
    /* Write units too large for the writer's buffer, and blocks smaller than
     * the magic's write unit. */
    romfs_part_t wide;
    romfs_rom_t r = {&wide, 1};
    assert_int_equal(romfs_part_ram_init(&wide, ram, sizeof ram, BS, 128), 0);
    assert_int_equal(romfs_rom_write_image(&r, 0, doc, len), ROMFS_ERR_INVAL);
    assert_int_equal(romfs_part_ram_init(&wide, ram, sizeof ram, 2, 2), 0);
    assert_int_equal(romfs_rom_write_image(&r, 0, doc, len), ROMFS_ERR_INVAL);
    /* Write size 1: the magic's unit is three single bytes. */
    assert_int_equal(romfs_part_ram_init(&wide, ram, sizeof ram, 16, 1), 0);
    assert_int_equal(romfs_rom_write_image(&r, 0, big, big_len), 0);
    assert_memory_equal(ram, big, big_len);
    free(doc);
}

/* A RAM backend that counts programs per write unit since its block's last
 * erase, and can program wrong bits silently (the K-th program clears one
 * extra bit): what flash with ECC forbids and a flaky part does. */
static struct {
    uint8_t mem[BS * NBLK];
    uint8_t progs[BS * NBLK / PS];
    int max_progs;
    int prog_calls, flaky_at;
} chk;

static int chk_erase(void *context, size_t off, size_t len)
{
    (void)context;
    memset(chk.mem + off, 0xFF, len);
    memset(chk.progs + off / PS, 0, len / PS);
    return 0;
}

static int chk_prog(void *context, size_t off, const void *buf, size_t len)
{
    (void)context;
    const uint8_t *src = buf;
    for (size_t u = off / PS; u < (off + len) / PS; u++)
        if (++chk.progs[u] > chk.max_progs)
            chk.max_progs = chk.progs[u];
    for (size_t i = 0; i < len; i++)
        chk.mem[off + i] &= src[i];
    if (++chk.prog_calls == chk.flaky_at) {
        for (size_t i = 0; i < len; i++) {
            if (chk.mem[off + i] != 0) {
                chk.mem[off + i] &= (uint8_t)(chk.mem[off + i] - 1);
                break;
            }
        }
    }
    return 0;
}

static void chk_init(romfs_part_t *p, unsigned flags)
{
    memset(&chk, 0, sizeof chk);
    memset(chk.mem, 0xFF, sizeof chk.mem);
    memset(p, 0, sizeof *p);
    p->memory = chk.mem;
    p->size = sizeof chk.mem;
    p->block_size = BS;
    p->prog_size = PS;
    p->erase = chk_erase;
    p->prog = chk_prog;
    p->flags = flags;
}

/* An image of one 900-byte file "blob": byte i is i * step + 1 (0x3C when
 * step is 0). big holds 1300 bytes. */
static size_t blob_image(uint8_t *big, unsigned step)
{
    static uint8_t kids[1200];
    uint8_t blob[900];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = step ? (uint8_t)(i * step + 1) : 0x3C;
    return di_image(big, kids, di_file(kids, "blob", blob, sizeof blob));
}

/* ECC flash: without ROMFS_PART_REPROGRAM every write unit is programmed at
 * most once per erase (the writer used to program the first unit twice);
 * NOR (with it) may re-program the magic's unit. */
static void test_write_image_once_per_unit(void **state)
{
    (void)state;
    romfs_part_t p;
    romfs_rom_t r = {&p, 1};
    static uint8_t big[1300];
    size_t big_len = blob_image(big, 0);
    for (unsigned flags = 0; flags <= ROMFS_PART_REPROGRAM; flags++) {
        chk_init(&p, flags);
        for (int round = 0; round < 2; round++) {
            chk.max_progs = 0;
            assert_int_equal(romfs_rom_write_image(&r, 0, big, big_len), 0);
            assert_memory_equal(chk.mem, big, big_len);
            /* NOR: the magic-hidden unit, the commit, and next round the
             * zeros over the old magic before its erase. */
            assert_int_equal(chk.max_progs, flags ? 2 + round : 1);
        }
    }
}

/* A program that silently writes wrong bits, at every program of the
 * rewrite: the writer reads back, fails with ROMFS_ERR_IO and leaves no
 * header, never a wrong image that mounts. */
static void test_write_image_verifies(void **state)
{
    (void)state;
    romfs_part_t p;
    romfs_rom_t r = {&p, 1};
    static uint8_t big[1300];
    size_t big_len = blob_image(big, 13);
    for (unsigned flags = 0; flags <= ROMFS_PART_REPROGRAM; flags++) {
        chk_init(&p, flags);
        assert_int_equal(romfs_rom_write_image(&r, 0, big, big_len), 0);
        int progs = chk.prog_calls, caught = 0;
        for (int k = 1; k <= progs; k++) {
            chk_init(&p, flags);
            chk.flaky_at = k;
            int e = romfs_rom_write_image(&r, 0, big, big_len);
            if (e == 0) {
                /* Only a flaw that left the bytes right may pass. */
                assert_memory_equal(chk.mem, big, big_len);
                continue;
            }
            assert_int_equal(e, ROMFS_ERR_IO);
            assert_int_equal(romfs_boot_decide(chk.mem, sizeof chk.mem), 0);
            caught++;
        }
        assert_true(caught >= progs - 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_count_and_memory, setup),
        cmocka_unit_test_setup(test_prepare, setup),
        cmocka_unit_test_setup(test_prepare_partial_last_block, setup),
        cmocka_unit_test_setup(test_write, setup),
        cmocka_unit_test_setup(test_complete_and_block_size, setup),
        cmocka_unit_test_setup(test_ioctl, setup),
        cmocka_unit_test_setup(test_ram_init_errors, setup),
        cmocka_unit_test_setup(test_write_image, setup),
        cmocka_unit_test(test_write_image_once_per_unit),
        cmocka_unit_test(test_write_image_verifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
