/* SPDX-License-Identifier: MIT */
/* Shared by the board library's unit tests: the emulated board
 * (board/emulator.mjs, real MicroPython) on a partition file that holds an
 * image, and the fake boards of tests/cli/board, opened through the public
 * API. Without node a test fails under CI and skips otherwise. */
#ifndef ROMFS_TESTS_EMUBOARD_H
#define ROMFS_TESTS_EMUBOARD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "romfs/romfs_board.h"
#include "romfs/romfs_board_deploy.h"

/* main.py printing "hi from rom" (38 bytes, as mpremote makes it). */
#define MAIN_IMG_STR "\xd2\xcd\x31\x80\x21\x05\x1f\x07main.py\x02\x15print('hi from rom')\n"
#define MAIN_IMG ((const uint8_t *)MAIN_IMG_STR)
#define MAIN_IMG_LEN (sizeof MAIN_IMG_STR - 1)
#define EMU_PART_SIZE 262144

#define FAKES ROMFS_SOURCE_DIR "/tests/cli/board"

/* node (and, with mp, the npm MicroPython) is there; else 0, or a
 * failure when CI is set (a missing prerequisite fails there). */
static inline int have_node_mp(int mp)
{
    if (system("command -v node >/dev/null 2>&1") == 0 &&
        (!mp || access(ROMFS_SOURCE_DIR "/node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs",
                       R_OK) == 0))
        return 1;
    if (getenv("CI"))
        fail_msg("node or the npm MicroPython is missing (CI is set: a missing prerequisite fails)");
    return 0;
}
#define have_node() have_node_mp(0)

/* A partition file (erased, img at offset 0) in a fresh temporary
 * directory; path into part (at least 128 bytes). */
static inline void emu_partition(char *part, const uint8_t *img, size_t len)
{
    char dir[] = "/tmp/romfs-emu.XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(part, 128, "%s/part.bin", dir);
    uint8_t *b = malloc(EMU_PART_SIZE);
    memset(b, 0xff, EMU_PART_SIZE);
    memcpy(b, img, len);
    FILE *f = fopen(part, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, EMU_PART_SIZE, f), EMU_PART_SIZE);
    fclose(f);
    free(b);
}

static inline void emu_remove(const char *part)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s", part);
    unlink(part);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    char cache[160];
    snprintf(cache, sizeof cache, "rm -rf '%s'", dir);
    assert_int_equal(system(cache), 0);
}

static inline romfs_board_t *emu_open_spec(const char *spec, int timeout_ms)
{
    romfs_board_opts_t o = {.timeout_ms = timeout_ms};
    romfs_board_t *b = NULL;
    if (romfs_board_open(&b, spec, &o) != 0)
        fail_msg("open %s: %s", spec, romfs_board_errmsg(b));
    return b;
}

/* The emulated board over the partition file DIR/PART, with extra emulator
 * flags (exec'd, so closing the board ends node itself). */
static inline romfs_board_t *emu_open_in(const char *dir, const char *part, const char *flags, int timeout_ms)
{
    char spec[1024];
    snprintf(spec, sizeof spec, "exec:exec node '%s/board/emulator.mjs' --partition '%s/%s' %s", ROMFS_SOURCE_DIR,
             dir, part, flags);
    return emu_open_spec(spec, timeout_ms);
}

/* DIR/REL holds TEXT. */
static inline void emu_put(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* What a deploy or watch call said through its message callback. */
typedef struct emu_log {
    char text[4096];
    int warns, errors;
} emu_log_t;

static inline void emu_on_message(void *ctx, int level, const char *line)
{
    emu_log_t *l = ctx;
    l->warns += level == ROMFS_BOARD_MSG_WARN;
    l->errors += level == ROMFS_BOARD_MSG_ERROR;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s\n", line);
}

/* "exec:ENV... node fake-answer.mjs": the answers go on the command line,
 * so that each board has its own. */
static inline romfs_board_t *open_fake(const char *env, int timeout_ms)
{
    char spec[2048];
    snprintf(spec, sizeof spec, "exec:%s exec node '%s/fake-answer.mjs'", env, FAKES);
    return emu_open_spec(spec, timeout_ms);
}

static inline romfs_board_t *emu_open(const char *part)
{
    char spec[512];
    snprintf(spec, sizeof spec, "exec:node '%s/board/emulator.mjs' --partition '%s'", ROMFS_SOURCE_DIR, part);
    return emu_open_spec(spec, 60000);
}

/* The emulated board on a new partition holding img (path into part, 128
 * bytes); skips the test without node and the npm MicroPython. */
static inline romfs_board_t *emu_board(char *part, const uint8_t *img, size_t len)
{
    if (!have_node_mp(1))
        skip();
    emu_partition(part, img, len);
    return emu_open(part);
}

static inline void emu_done(romfs_board_t *b, const char *part)
{
    romfs_board_close(b);
    emu_remove(part);
}

#endif
