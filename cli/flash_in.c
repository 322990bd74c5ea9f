/* SPDX-License-Identifier: MIT */
/*
 * UF2 and Intel HEX files accepted wherever the subcommands read an image
 * file (ls, tree, cat, stat, extract, check): detected by content and
 * replaced by the flash bytes they describe. Kept apart from cli/flash.c so
 * the image walkers (and their fuzz targets) need no builder.
 */
#include "cli.h"

#include "romfs/romfs_flashfmt.h"

int cli_flash_unwrap(const char *path, cli_file_t *f)
{
    romfs_flash_info_t info;
    int r = romfs_flash_unwrap(&f->data, &f->len, &info);
    if (r == 0)
        return 0;
    if (r == ROMFS_ERR_NOMEM)
        cli_error("%s: out of memory", path);
    else
        cli_error("%s: offset %zu: %s", path, info.err_offset, info.err);
    cli_file_free(f);
    return -1;
}
