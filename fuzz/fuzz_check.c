/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the integrity checker behind `romfs check` (and the
 * CLI's tree walk). Besides not crashing, it must agree with the reader: an
 * image the checker passes reads without a single error, with the same
 * counts of directories, files and data bytes. */
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_check.h"

static size_t input_len;

static void on_report(void *ctx, int severity, size_t offset, const char *msg)
{
    (void)ctx;
    FUZZ_ASSERT(severity >= ROMFS_CHECK_INFO && severity <= ROMFS_CHECK_FAIL);
    FUZZ_ASSERT(offset <= input_len);
    FUZZ_ASSERT(msg[0] != '\0' && strlen(msg) < 1024);
}

int LLVMFuzzerTestOneInput(const uint8_t *img, size_t len)
{
    romfs_check_stats_t st;
    input_len = len;
    FUZZ_ASSERT(romfs_check(img, len, on_report, NULL, &st) == 0);
    romfs_t fs;
    if (romfs_mount(&fs, img, len) != 0) {
        FUZZ_ASSERT(st.problems[ROMFS_CHECK_FAIL] > 0);
        return 0;
    }
    FUZZ_ASSERT(st.fs_size == romfs_image_size(&fs));

    /* The reader's view, through the walker. */
    romfs_info_t root;
    romfs_walk_t w;
    size_t dirs = 0, files = 0, bytes = 0, errors = 0, unsafe = 0;
    int r;
    FUZZ_ASSERT(romfs_stat(&fs, "", &root) == 0);
    FUZZ_ASSERT(romfs_walk_begin(&w, &fs, &root, "", 0) == 0);
    while ((r = romfs_walk_next(&w)) != ROMFS_WALK_END) {
        FUZZ_ASSERT(r == ROMFS_WALK_ENTRY || r == ROMFS_WALK_ERROR);
        if (r == ROMFS_WALK_ERROR) {
            FUZZ_ASSERT(w.err_offset < len);
            errors++;
            continue;
        }
        FUZZ_ASSERT(w.entry_depth >= 1 && w.entry_depth <= w.depth);
        FUZZ_ASSERT_INSIDE(img, len, w.info.data, w.info.size);
        unsafe += (w.info.flags & ROMFS_INFO_UNSAFE_NAME) != 0;
        if (w.info.type == ROMFS_TYPE_DIR) {
            dirs++;
        } else {
            files++;
            bytes += w.info.size;
        }
    }
    romfs_walk_end(&w);
    if (errors || unsafe)
        FUZZ_ASSERT(st.problems[ROMFS_CHECK_FAIL] > 0);
    if (st.problems[ROMFS_CHECK_FAIL] == 0)
        FUZZ_ASSERT(dirs == st.dirs && files == st.files && bytes == st.bytes);
    return 0;
}
