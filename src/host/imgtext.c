/* SPDX-License-Identifier: MIT */
/* The image commands' lines for people (ls, stat, tree, diff) and stat's
 * JSON object; see romfs_imgopen.h. Names go out through
 * romfs_text_escape, so a hostile name cannot drive a terminal. */
#include "romfs/romfs_imgopen.h"

#include <string.h>

/* A name or path from an image, escaped. */
static void put_name(romfs_json_out_t *o, const void *s, size_t len)
{
    if (!o->err)
        o->err = romfs_text_escape(s, len, ROMFS_ESCAPE_NAME, o->write, o->ctx);
}

int romfs_image_entry_text(const romfs_info_t *info, size_t offset, const char *path, size_t path_len, uint64_t addr,
                           unsigned how, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t o = {write, ctx, 0};
    int dir = info->type == ROMFS_TYPE_DIR;
    if ((how & ROMFS_IMAGE_TEXT_LONG) && dir)
        romfs_json_printf(&o, "dir  %10zu %10zu     -  ", info->size, offset);
    else if ((how & ROMFS_IMAGE_TEXT_LONG) && addr)   /* on a board: the data's address */
        romfs_json_printf(&o, "file %10zu 0x%08llx %5zu  ", info->size, (unsigned long long)(addr + offset),
                          romfs_image_align(offset));
    else if (how & ROMFS_IMAGE_TEXT_LONG)
        romfs_json_printf(&o, "file %10zu %10zu %5zu  ", info->size, offset, romfs_image_align(offset));
    if (how & ROMFS_IMAGE_TEXT_PATH)
        put_name(&o, path, path_len);
    else
        put_name(&o, info->name, info->name_len);
    romfs_json_printf(&o, "%s\n", dir ? "/" : "");
    return o.err;
}

int romfs_image_stat_text(const romfs_info_t *info, size_t offset, const char *path, int json,
                          romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t o = {write, ctx, 0};
    int dir = info->type == ROMFS_TYPE_DIR;
    unsigned mode = dir ? ROMFS_S_IFDIR : ROMFS_S_IFREG;
    const char *shown = *path ? path : "/";
    if (json) {
        romfs_json_printf(&o, "{");
        if (!o.err)
            o.err = romfs_json_name("path", shown, strlen(shown), write, ctx);
        romfs_json_printf(&o, ", \"type\": \"%s\", \"size\": %zu, \"offset\": %zu, \"record_offset\": %zu, "
                              "\"mode\": %u, \"stat\": [%u, 0, 0, 0, 0, 0, %zu, 0, 0, 0]}\n",
                          dir ? "dir" : "file", info->size, offset, info->record_offset, mode, mode, info->size);
        return o.err;
    }
    romfs_json_printf(&o, "path:          ");
    put_name(&o, shown, strlen(shown));
    romfs_json_printf(&o, "\ntype:          %s\n", dir ? "directory" : "file");
    romfs_json_printf(&o, "size:          %zu\n", info->size);
    romfs_json_printf(&o, "%s 0x%zx (%zu)\n", dir ? "children at:  " : "data offset:  ", offset, offset);
    if (!dir)
        romfs_json_printf(&o, "alignment:     %zu\n", romfs_image_align(offset));
    romfs_json_printf(&o, "record offset: 0x%zx (%zu)\n", info->record_offset, info->record_offset);
    romfs_json_printf(&o, "os.stat():     (%u, 0, 0, 0, 0, 0, %zu, 0, 0, 0)  # st_mode 0x%x\n", mode, info->size,
                      mode);
    return o.err;
}

int romfs_image_tree_line(const romfs_walk_t *w, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t o = {write, ctx, 0};
    size_t levels = w->entry_depth - 1;
    for (size_t level = 1; level <= levels; level++) {
        if (levels > ROMFS_IMAGE_DEEP_FULL && level == ROMFS_IMAGE_DEEP_KEEP + 1) {
            romfs_json_printf(&o, "[+%zu] ", levels - 2 * ROMFS_IMAGE_DEEP_KEEP);
            level = levels - ROMFS_IMAGE_DEEP_KEEP;
            continue;
        }
        romfs_json_printf(&o, "%s", romfs_walk_ancestor_last(w, level) ? "    " : "|   ");
    }
    romfs_json_printf(&o, "%s", w->entry_last ? "\\-- " : "|-- ");
    put_name(&o, w->info.name, w->info.name_len);
    romfs_json_printf(&o, "%s\n", w->info.type == ROMFS_TYPE_DIR ? "/" : "");
    return o.err;
}

/* A path deeper than ROMFS_IMAGE_DEEP_FULL levels cut as a tree line is. */
static void put_deep_path(romfs_json_out_t *o, const char *path, size_t len)
{
    size_t levels = 0;
    for (size_t i = 0; i < len; i++)
        levels += path[i] == '/';
    if (levels <= ROMFS_IMAGE_DEEP_FULL) {
        put_name(o, path, len);
        return;
    }
    size_t head = 0, tail = len, seen = 0;
    while (head < len && !(path[head] == '/' && seen++ == ROMFS_IMAGE_DEEP_KEEP))
        head++;                 /* the '/' that opens level ROMFS_IMAGE_DEEP_KEEP + 1 */
    for (seen = 0; tail > 0 && !(path[tail - 1] == '/' && ++seen == ROMFS_IMAGE_DEEP_KEEP);)
        tail--;                 /* just past the '/' that opens the last ROMFS_IMAGE_DEEP_KEEP levels */
    put_name(o, path, head);
    romfs_json_printf(o, "/[+%zu]/", levels - 2 * ROMFS_IMAGE_DEEP_KEEP);
    put_name(o, path + tail, len - tail);
}

int romfs_image_diff_line(int kind, const char *path, size_t path_len, const romfs_info_t *e,
                          const romfs_info_t *before, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t o = {write, ctx, 0};
    int dir = e->type == ROMFS_TYPE_DIR;
    romfs_json_printf(&o, "%c %-4s ", kind, dir ? "dir" : "file");
    put_deep_path(&o, path, path_len);
    romfs_json_printf(&o, "%s", dir ? "/" : "");
    if (before)
        romfs_json_printf(&o, "  %zu -> %zu bytes\n", before->size, e->size);
    else if (!dir)
        romfs_json_printf(&o, "  %zu bytes\n", e->size);
    else
        romfs_json_printf(&o, "\n");
    return o.err;
}
