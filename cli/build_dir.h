/*
 * A host directory into a builder, the way `romfs build` does it: mpremote's
 * header and tree lines, .py files compiled by the external mpy-cross into a
 * private temporary directory, warnings. Shared by `romfs build` and
 * `romfs deploy DIR`.
 */
#ifndef ROMFS_CLI_BUILD_DIR_H
#define ROMFS_CLI_BUILD_DIR_H

#include <stdio.h>

#include "romfs/romfs_build.h"

typedef struct cli_build_dir {
    FILE *info;            /* header, tree and warnings for people (NULL: quiet) */
    char *mpy_cross;       /* compiler, NULL when not compiling or not found */
    int want_mpy;
    int missed;            /* .py files stored as source for lack of mpy-cross */
    int reported;          /* an error line was printed */
    char *tmpdir;          /* private directory holding compiled files */
    unsigned ncompiled;
    char *out_mpy, *mpy_name;
} cli_build_dir_t;

/* Add directory src to b's current directory, printing mpremote's lines to
 * info. With want_mpy, name.py without a name.mpy beside it is compiled with
 * mpy-cross ($MPY_CROSS or PATH) and stored as name.mpy. output_path (may be
 * NULL) is refused when inside src. Returns 0, or -1 after printing one error.
 * Compiled files stay on disk until cli_build_dir_done: write the image first. */
int cli_build_dir(cli_build_dir_t *s, romfs_builder_t *b, const char *src, int want_mpy,
                  const char *output_path, FILE *info);

/* Remove the temporary files. Safe to call more than once. */
void cli_build_dir_done(cli_build_dir_t *s);

#endif
