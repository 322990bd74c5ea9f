/* SPDX-License-Identifier: MIT */
/* Depth-first tree walk with its stack on the heap; see romfs_check.h. */
#include "romfs/romfs_check.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

/// Walking a tree ///

static int path_reserve(romfs_walk_t *w, size_t extra)
{
    if (extra > SIZE_MAX / 2 - w->path_len)
        return -1;
    char *p = romfs_grow(w->path, &w->path_cap, w->path_len + extra + 1, 1, 256);
    if (!p)
        return -1;
    w->path = p;
    return 0;
}

/* Fill the frame's lookahead. Records that are not entries are stepped over
 * first so that a corrupt entry is reported at its own offset. */
static void frame_fetch(const romfs_t *fs, romfs_walk_frame_t *f)
{
    romfs_record_t rec;
    while (f->dir.pos < f->dir.end && romfs_record_decode(f->dir.pos, f->dir.end, &rec) == 0 &&
           rec.kind != ROMFS_KIND_UNUSED && rec.kind != ROMFS_KIND_DIRECTORY && rec.kind != ROMFS_KIND_FILE)
        f->dir.pos = rec.next;
    const uint8_t *at = f->dir.pos;
    int r = romfs_dir_read(&f->dir, &f->next);
    if (r == 1) {
        f->next_kind = ROMFS_WALK_ENTRY;
    } else if (r == 0) {
        f->next_kind = ROMFS_WALK_END;
    } else {
        f->next_kind = ROMFS_WALK_ERROR;
        f->next_err = r;
        f->next_offset = (size_t)(at - fs->image);
    }
}

static int push(romfs_walk_t *w, const romfs_info_t *dir, int last)
{
    romfs_walk_frame_t *frames = romfs_grow(w->frames, &w->cap, w->depth + 1, sizeof *frames, 16);
    if (!frames)
        return -1;
    w->frames = frames;
    romfs_walk_frame_t *f = &w->frames[w->depth++];
    memset(f, 0, sizeof *f);
    romfs_dir_open_info(w->fs, &f->dir, dir);
    f->path_len = w->path_len;
    f->last = last;
    frame_fetch(w->fs, f);
    return 0;
}

int romfs_walk_begin(romfs_walk_t *w, const romfs_t *fs, const romfs_info_t *start, const char *path, size_t len)
{
    memset(w, 0, sizeof *w);
    w->fs = fs;
    if (path_reserve(w, len) != 0)
        goto nomem;
    memcpy(w->path, path, len);
    w->path_len = len;
    if (push(w, start, 1) != 0)
        goto nomem;
    return 0;
nomem:
    romfs_walk_end(w);
    return ROMFS_ERR_NOMEM;
}

int romfs_walk_next(romfs_walk_t *w)
{
    if (w->descend) {
        w->descend = 0;
        if (push(w, &w->info, w->entry_last) != 0)
            return ROMFS_ERR_NOMEM;
    }
    while (w->depth > 0) {
        romfs_walk_frame_t *f = &w->frames[w->depth - 1];
        w->path_len = f->path_len;
        if (f->next_kind == ROMFS_WALK_END) {
            w->depth--;
            continue;
        }
        if (f->next_kind == ROMFS_WALK_ERROR) {
            w->err = f->next_err;
            w->err_offset = f->next_offset;
            frame_fetch(w->fs, f);
            w->path[w->path_len] = '\0';
            return ROMFS_WALK_ERROR;
        }
        w->info = f->next;
        w->entry_depth = w->depth;
        frame_fetch(w->fs, f);
        w->entry_last = f->next_kind == ROMFS_WALK_END;
        if (path_reserve(w, w->info.name_len + 1) != 0)
            return ROMFS_ERR_NOMEM;
        w->path[w->path_len++] = '/';
        memcpy(w->path + w->path_len, w->info.name, w->info.name_len);
        w->path_len += w->info.name_len;
        w->path[w->path_len] = '\0';
        w->descend = w->info.type == ROMFS_TYPE_DIR;
        return ROMFS_WALK_ENTRY;
    }
    return ROMFS_WALK_END;
}

void romfs_walk_skip_children(romfs_walk_t *w)
{
    w->descend = 0;
}

int romfs_walk_ancestor_last(const romfs_walk_t *w, size_t level)
{
    return level < w->depth ? w->frames[level].last : 1;
}

void romfs_walk_end(romfs_walk_t *w)
{
    free(w->frames);
    free(w->path);
    memset(w, 0, sizeof *w);
}

