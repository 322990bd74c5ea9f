/* SPDX-License-Identifier: MIT */
/* Opening an image, looking a path up and walking a subtree, as the image
 * commands do; see romfs_imgopen.h. */
#include "romfs/romfs_imgopen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "romfs/romfs_flashfmt.h"
#include "romfs/romfs_io.h"

const char *romfs_image_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* A UF2 or Intel HEX file in *data replaced by the bytes it flashes
 * (romfs_flash_unwrap); *data freed on failure. */
static int unwrap(const char *name, uint8_t **data, size_t *len, char *msg, size_t size)
{
    romfs_flash_info_t info;
    int r = romfs_flash_unwrap(data, len, &info);
    if (r == 0)
        return 0;
    free(*data);
    *data = NULL;
    *len = 0;
    if (r == ROMFS_ERR_NOMEM)
        snprintf(msg, size, "%s: out of memory", name);
    else
        snprintf(msg, size, "%s: offset %zu: %s", name, info.err_offset, info.err);
    return r == ROMFS_ERR_NOMEM ? r : ROMFS_ERR_IO;
}

int romfs_image_load(const char *path, uint8_t **data, size_t *len, char *msg, size_t size)
{
    const char *name = romfs_image_name(path);
    *data = NULL;
    *len = 0;
    int r = romfs_load_file(path, ROMFS_LOAD_MAX, data, len);
    if (r == 0)
        return unwrap(name, data, len, msg, size);
    if (r == -EISDIR)
        snprintf(msg, size, "%s: is a directory, not an image file", name);
    else if (r == -EFBIG)
        snprintf(msg, size, "%s: larger than %zu MiB, the most romfs reads (an image must fit a flash partition)",
                 name, ROMFS_LOAD_MAX >> 20);
    else
        snprintf(msg, size, "%s: %s", name, strerror(-r));
    return r == -EISDIR   ? ROMFS_ERR_ISDIR
           : r == -EFBIG  ? ROMFS_ERR_OVERFLOW
           : r == -ENOMEM ? ROMFS_ERR_NOMEM
           : r == -ENOENT ? ROMFS_ERR_NOENT
                          : ROMFS_ERR_IO;
}

int romfs_image_mount(romfs_t *fs, const uint8_t *data, size_t len, const char *name, char *msg, size_t size)
{
    int err = romfs_mount(fs, data, len);
    if (err == 0)
        return 0;
    char first[1024];
    size_t off = 0;
    if (romfs_check_first(data, len, &off, first, sizeof first) == 1)
        snprintf(msg, size, "%s: %s: offset 0x%zx: %s", name, romfs_strerror(err), off, first);
    else
        snprintf(msg, size, "%s: %s (%zu bytes)", name, romfs_strerror(err), len);
    return err;
}

char *romfs_image_path(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        if (i == n)
            break;
        out[o++] = '/';
        while (i < n && path[i] != '/')
            out[o++] = path[i++];
    }
    out[o] = '\0';
    return out;
}

int romfs_image_stat(const romfs_t *fs, const char *name, const char *path, romfs_info_t *info, char *msg,
                     size_t size)
{
    int err = romfs_stat(fs, path, info);
    if (err)
        snprintf(msg, size, "%s: %s: %s", name, *path ? path : "/", romfs_strerror(err));
    return err;
}

size_t romfs_image_align(size_t offset)
{
    size_t a = 1;
    while (a < 4096 && (offset & a) == 0)
        a <<= 1;
    return a;
}

int romfs_image_entry_json(const romfs_info_t *info, size_t offset, const char *path, size_t path_len, uint64_t addr,
                           romfs_json_write_fn write, void *ctx)
{
    int dir = info->type == ROMFS_TYPE_DIR;
    romfs_json_out_t o = {write, ctx, 0};
    romfs_json_printf(&o, "{");
    if (!o.err)
        o.err = romfs_json_name("path", path, path_len, write, ctx);
    romfs_json_printf(&o, ", ");
    if (!o.err)
        o.err = romfs_json_name("name", info->name, info->name_len, write, ctx);
    romfs_json_printf(&o, ", \"type\": \"%s\", \"size\": %zu, \"offset\": %zu, \"record_offset\": %zu",
                      dir ? "dir" : "file", info->size, offset, info->record_offset);
    if (!dir)
        romfs_json_printf(&o, ", \"align\": %zu", romfs_image_align(offset));
    if (!dir && addr)
        romfs_json_printf(&o, ", \"address\": %llu", (unsigned long long)(addr + offset));
    if (info->flags & ROMFS_INFO_UNSAFE_NAME)
        romfs_json_printf(&o, ", \"unsafe\": true");
    romfs_json_printf(&o, "}");
    return o.err;
}

void romfs_image_unsafe_msg(const char *name, const romfs_info_t *info, const char *path, size_t path_len, char *msg,
                            size_t size)
{
    char shown[ROMFS_CHECK_NAME_CAP], dir[ROMFS_CHECK_NAME_CAP];
    size_t dir_len = path_len > info->name_len ? path_len - info->name_len - 1 : 0;
    romfs_check_name(shown, sizeof shown, info->name, info->name_len);
    romfs_check_name(dir, sizeof dir, dir_len ? path : "/", dir_len ? dir_len : 1);
    snprintf(msg, size, "%s: offset 0x%zx: unsafe name '%s' in '%s': no path reaches it", name, info->record_offset,
             shown, dir);
}

/* A corrupt directory met by the walk, as one line. */
static void walk_error(const romfs_walk_t *w, const char *name, const romfs_image_walk_cb_t *cb)
{
    char dir[ROMFS_CHECK_NAME_CAP], line[ROMFS_CHECK_NAME_CAP + 1200];
    romfs_check_name(dir, sizeof dir, w->path_len ? w->path : "/", w->path_len ? w->path_len : 1);
    snprintf(line, sizeof line, "%s: offset 0x%zx: directory '%s': %s", name, w->err_offset, dir,
             romfs_strerror(w->err));
    cb->on_message(cb->ctx, 1, line);
}

int romfs_image_walk(const romfs_t *fs, const char *name, const romfs_info_t *info, const char *path,
                     const romfs_image_walk_cb_t *cb)
{
    romfs_walk_t w;
    int r, rc = 0;
    if (romfs_walk_begin(&w, fs, info, path, strlen(path)) != 0) {
        cb->on_message(cb->ctx, 1, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    while ((r = romfs_walk_next(&w)) != ROMFS_WALK_END) {
        if (r == ROMFS_WALK_ENTRY) {
            cb->entry(cb->ctx, &w);
        } else if (r == ROMFS_WALK_ERROR) {
            walk_error(&w, name, cb);
            rc = 1;
        } else {
            cb->on_message(cb->ctx, 1, "out of memory");
            rc = ROMFS_ERR_NOMEM;
            break;
        }
    }
    romfs_walk_end(&w);
    return rc;
}
