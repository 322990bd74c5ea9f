/* SPDX-License-Identifier: MIT */
/*
 * A writable ROM partition for real MicroPython, made of romfs's own device
 * layer: vfs.rom_ioctl is src/device/part.c (the rom_ioctl contract) over
 * emulated NOR flash (tests/support/flash_nor.c: erase to 0xFF by 4 KiB
 * blocks, programs that only clear bits), so firmware code romfs ships runs
 * inside MicroPython and deploys, runs and watches reach a real board.
 *  - unix port: partition 0 is a file ($ROMFS_UNIX_FLASH, mapped shared), so
 *    what a deploy writes is there when the next process boots (its soft
 *    reset ends the process). Without the variable it has no partition.
 *  - qemu port: partition 0 is the board's ROMFS memory
 *    (MICROPY_HW_ROMFS_PART0_START/SIZE: RAM under QEMU, preloaded with
 *    -device loader), kept across soft resets.
 * Built with USER_C_MODULES beside port/micropython (whose VfsRom brings the
 * reader part.c uses); see micropython.mk.
 */
#include "py/mperrno.h"
#include "py/runtime.h"
#include "extmod/vfs.h"

#include "../../support/flash_nor.c"
#include "../../../src/device/part.c"

#define BOARD_BLOCK 4096
#define BOARD_PROG 4

static romfs_nor_t board_nor;
static romfs_part_t board_part;
static romfs_rom_t board_rom;
static int board_state; /* 0: not yet set up, 1: ready, -1: no partition */

#if defined(MICROPY_HW_ROMFS_PART0_START)

static void board_open(void) {
    if (board_state == 0) {
        board_state = -1;
        if (romfs_nor_init(&board_nor, (uint8_t *)(uintptr_t)MICROPY_HW_ROMFS_PART0_START,
            MICROPY_HW_ROMFS_PART0_SIZE, BOARD_BLOCK, BOARD_PROG, NULL) == 0) {
            board_state = 1;
        }
    }
}

#else

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void board_open(void) {
    if (board_state != 0) {
        return;
    }
    board_state = -1;
    const char *path = getenv("ROMFS_UNIX_FLASH");
    int fd = path && *path ? open(path, O_RDWR | O_CLOEXEC) : -1;
    struct stat st;
    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size % BOARD_BLOCK == 0) {
        void *mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mem != MAP_FAILED
            && romfs_nor_init(&board_nor, mem, (size_t)st.st_size, BOARD_BLOCK, BOARD_PROG, NULL) == 0) {
            board_state = 1;
        }
    }
    close(fd);
}

#endif

mp_obj_t mp_vfs_rom_ioctl(size_t n_args, const mp_obj_t *args) {
    board_open();
    if (board_state == 1 && board_rom.count == 0) {
        romfs_nor_part(&board_nor, &board_part);
        board_rom.parts = &board_part;
        board_rom.count = 1;
    }
    int op = mp_obj_get_int(args[0]);
    if (op == ROMFS_ROM_COUNT) {
        return MP_OBJ_NEW_SMALL_INT(board_rom.count);
    }
    if (board_rom.count == 0 || n_args < 2) {
        return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
    romfs_rom_args_t a = { .id = mp_obj_get_int(args[1]) };
    mp_buffer_info_t buf;
    if (op == ROMFS_ROM_MEMORY && n_args == 2) {
        int r = romfs_rom_ioctl(&board_rom, op, &a);
        if (r < 0) {
            return MP_OBJ_NEW_SMALL_INT(r);
        }
        /* Tracks every write, as memory-mapped flash does. */
        return mp_obj_new_memoryview('B', a.mem_len, (void *)a.mem);
    } else if (op == ROMFS_ROM_WRITE_PREPARE && (n_args == 3 || n_args == 4)) {
        a.offset = n_args == 4 ? (size_t)mp_obj_get_int(args[2]) : 0;
        a.length = (size_t)mp_obj_get_int(args[n_args - 1]);
    } else if (op == ROMFS_ROM_WRITE && n_args == 4) {
        a.offset = (size_t)mp_obj_get_int(args[2]);
        mp_get_buffer_raise(args[3], &buf, MP_BUFFER_READ);
        a.buf = buf.buf;
        a.length = buf.len;
    } else if (!((op == ROMFS_ROM_WRITE_COMPLETE || op == ROMFS_ROM_BLOCK_SIZE) && n_args == 2)) {
        return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
    int r = romfs_rom_ioctl(&board_rom, op, &a);
    if (r < 0 && op == ROMFS_ROM_WRITE) {
        mp_raise_OSError(-r); /* as the ports do for a failed write */
    }
    return MP_OBJ_NEW_SMALL_INT(r);
}
