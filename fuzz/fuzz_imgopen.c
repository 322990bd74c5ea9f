/* SPDX-License-Identifier: MIT */
/* libFuzzer target: what the image commands (ls, tree, cat, stat, extract,
 * check, diff) do with an image before printing, through the host library
 * (romfs_imgopen.h, romfs_check_collect): the mount with its one-line
 * refusal, a user path from the input's first line looked up, the walk of
 * what it names (or of the root) with its error lines, and the checker's
 * findings collected and sorted. Besides not crashing: every message is one
 * line naming the image, every entry lies inside the image, the findings
 * come in image order and match the counts. */
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_imgopen.h"

#define NAME "f.img"

static const uint8_t *input;
static size_t input_len;

static void one_line(const char *msg)
{
    FUZZ_ASSERT(strncmp(msg, NAME ": ", strlen(NAME ": ")) == 0);
    FUZZ_ASSERT(strchr(msg, '\n') == NULL);
}

static void on_entry(void *ctx, romfs_walk_t *w)
{
    size_t *n = ctx;
    FUZZ_ASSERT_INSIDE(input, input_len, w->info.data, w->info.size);
    /* Skip some subtrees, as tree -L and ls do. */
    if (++*n % 3 == 0)
        romfs_walk_skip_children(w);
}

static void on_message(void *ctx, int error, const char *line)
{
    (void)ctx;
    FUZZ_ASSERT(error == 1);
    if (strcmp(line, "out of memory") != 0)
        one_line(line);
}

/* The input's first line (at most 256 bytes) as a user path, or "/". */
static char *user_path(const uint8_t *data, size_t len)
{
    char arg[257];
    size_t n = 0;
    while (n < len && n < 256 && data[n] != '\n' && data[n] != '\0') {
        arg[n] = (char)data[n];
        n++;
    }
    arg[n] = '\0';
    return romfs_image_path(n < len && data[n] == '\n' ? arg : "/");
}

static void lookup_and_walk(const romfs_t *fs, const uint8_t *data, size_t len)
{
    char msg[1300];
    romfs_info_t info;
    char *path = user_path(data, len);
    if (!path)
        return;
    FUZZ_ASSERT(path[0] == '\0' || path[0] == '/');
    FUZZ_ASSERT(strstr(path, "//") == NULL);
    if (romfs_image_stat(fs, NAME, path, &info, msg, sizeof msg) != 0) {
        one_line(msg);
    } else if (info.type == ROMFS_TYPE_DIR) {
        size_t entries = 0;
        romfs_image_walk_cb_t cb = {on_entry, on_message, &entries};
        int r = romfs_image_walk(fs, NAME, &info, path, &cb);
        FUZZ_ASSERT(r == 0 || r == 1 || r == ROMFS_ERR_NOMEM);
    } else {
        FUZZ_ASSERT_INSIDE(data, len, info.data, info.size);
    }
    free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    input = data;
    input_len = len;
    romfs_check_report_t r;
    if (romfs_check_collect(data, len, &r) == 0) {
        const romfs_check_stats_t *st = &r.stats;
        FUZZ_ASSERT(r.n == st->problems[0] + st->problems[1] + st->problems[2]);
        for (size_t i = 0; i < r.n; i++) {
            FUZZ_ASSERT(r.v[i].offset <= len);
            FUZZ_ASSERT(i == 0 || r.v[i - 1].offset <= r.v[i].offset);
            FUZZ_ASSERT(strlen(romfs_check_severity_name(r.v[i].severity)) == 4);
        }
    }
    romfs_check_report_free(&r);

    romfs_t fs;
    char msg[1300];
    int err = romfs_image_mount(&fs, data, len, NAME, msg, sizeof msg);
    if (err != 0) {
        one_line(msg);
        return 0;
    }
    lookup_and_walk(&fs, data, len);
    return 0;
}
