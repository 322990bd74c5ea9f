/* SPDX-License-Identifier: MIT */
/* libFuzzer target: `romfs extract` name handling. An arbitrary image is
 * extracted (romfs_extract, what the command calls; UF2 and Intel HEX
 * files decoded first, as the command reads them) into a fresh directory three levels down
 * a private tree; afterwards nothing may exist outside that directory but
 * the image file, nothing inside it but directories and regular files, and
 * an image the checker calls corrupt must be refused with nothing created. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_extract.h"
#include "romfs/romfs_io.h"
#include "romfs/romfs_flashfmt.h"

static char base[256], jail[300], img[320], out[320];

/* Check that the entry name of dirfd is a directory or regular file (and
 * so is everything below it), then remove it. Paths may exceed PATH_MAX,
 * so this goes by descriptors. */
static void check_remove(int dirfd, const char *name)
{
    struct stat st;
    FUZZ_ASSERT(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0);
    FUZZ_ASSERT(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
    if (S_ISREG(st.st_mode)) {
        FUZZ_ASSERT(unlinkat(dirfd, name, 0) == 0);
        return;
    }
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    FUZZ_ASSERT(fd >= 0);
    DIR *d = fdopendir(fd);
    FUZZ_ASSERT(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            check_remove(fd, e->d_name);
            rewinddir(d);
        }
    }
    closedir(d);
    FUZZ_ASSERT(unlinkat(dirfd, name, AT_REMOVEDIR) == 0);
}

/* Deepest directory nesting of an image (0 when it does not mount). */
static size_t depth_of(const uint8_t *data, size_t len)
{
    romfs_t fs;
    romfs_info_t root;
    romfs_walk_t w;
    size_t depth = 0;
    if (romfs_mount(&fs, data, len) != 0 || romfs_stat(&fs, "", &root) != 0 ||
        romfs_walk_begin(&w, &fs, &root, "", 0) != 0)
        return 0;
    while (romfs_walk_next(&w) == ROMFS_WALK_ENTRY)
        if (w.entry_depth > depth)
            depth = w.entry_depth;
    romfs_walk_end(&w);
    return depth;
}

static void teardown(void)
{
    char dir[320];
    unlink(img);
    if (access(out, F_OK) == 0)
        check_remove(AT_FDCWD, out);
    rmdir(jail);
    snprintf(dir, sizeof dir, "%s/a/b", base);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/a", base);
    rmdir(dir);
    rmdir(base);
}

/* dir holds exactly the names in want (NULL-terminated); out may be absent. */
static void only(const char *dir, const char *const *want, const char *optional)
{
    DIR *d = opendir(dir);
    FUZZ_ASSERT(d != NULL);
    struct dirent *e;
    size_t seen = 0, n = 0;
    while (want[n])
        n++;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (optional && strcmp(e->d_name, optional) == 0)
            continue;
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(e->d_name, want[i]) == 0;
        if (!found)
            fprintf(stderr, "fuzz_extract: %s/%s exists outside the output directory\n", dir, e->d_name);
        FUZZ_ASSERT(found);
        seen++;
    }
    closedir(d);
    FUZZ_ASSERT(seen == n);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/fuzz-extract-XXXXXX", t && *t ? t : "/tmp");
    FUZZ_ASSERT(mkdtemp(base) != NULL);
    snprintf(jail, sizeof jail, "%s/a", base);
    FUZZ_ASSERT(mkdir(jail, 0700) == 0);
    snprintf(jail, sizeof jail, "%s/a/b", base);
    FUZZ_ASSERT(mkdir(jail, 0700) == 0);
    snprintf(jail, sizeof jail, "%s/a/b/c", base);
    FUZZ_ASSERT(mkdir(jail, 0700) == 0);
    snprintf(img, sizeof img, "%s/img.romfs", jail);
    snprintf(out, sizeof out, "%s/out", jail);
    atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (!base[0])
        setup();
    /* Creating and removing thousands of nested directories per input would
     * only slow the search; the walk itself is fuzzed by fuzz_check. */
    if (depth_of(data, len) > 64)
        return 0;
    FUZZ_ASSERT(romfs_write_file(img, data, len) == 0);
    /* extract reads UF2 and Intel HEX files as the image they describe:
     * the verdict to compare with is the checker's on those bytes. */
    const uint8_t *img_bytes = data;
    size_t img_len = len;
    uint8_t *decoded = NULL;
    int fmt = romfs_flashfmt_detect(data, len);
    if (fmt != ROMFS_FLASHFMT_RAW) {
        romfs_flash_info_t info;
        if (romfs_flash_decode(data, len, fmt, &decoded, &info) < 0)
            decoded = NULL;
        img_bytes = decoded;
        img_len = decoded ? info.size : 0;
    }
    romfs_check_stats_t st;
    memset(&st, 0, sizeof st);
    if (img_bytes)
        FUZZ_ASSERT(romfs_check(img_bytes, img_len, NULL, NULL, &st) == 0);
    else
        st.problems[ROMFS_CHECK_FAIL] = 1;   /* an undecodable UF2/HEX file */
    romfs_extract_opts_t eo = {.name = img};
    int rc = img_bytes ? romfs_extract(img_bytes, img_len, out, &eo) : -1;
    free(decoded);

    static const char *const in_base[] = {"a", NULL}, *const in_a[] = {"b", NULL}, *const in_b[] = {"c", NULL},
                             *const in_jail[] = {"img.romfs", NULL};
    char dir[320];
    only(base, in_base, NULL);
    snprintf(dir, sizeof dir, "%s/a", base);
    only(dir, in_a, NULL);
    snprintf(dir, sizeof dir, "%s/a/b", base);
    only(dir, in_b, NULL);
    only(jail, in_jail, "out");
    struct stat s;
    if (st.problems[ROMFS_CHECK_FAIL] > 0) {
        FUZZ_ASSERT(rc != 0);
        FUZZ_ASSERT(lstat(out, &s) != 0);   /* refused before creating DIR */
    }
    if (lstat(out, &s) == 0) {
        FUZZ_ASSERT(S_ISDIR(s.st_mode));
        check_remove(AT_FDCWD, out);
    }
    return 0;
}
