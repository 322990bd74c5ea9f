/* SPDX-License-Identifier: MIT */
/*
 * A deploy told to people: the lines `romfs deploy` prints before and
 * after the transfer, and its progress bar, as text a front end writes
 * where it likes (romfs_board_deploy.h). The JSON form is in deploy.c.
 */
#include "romfs/romfs_board_deploy.h"

#include <stdio.h>

int romfs_board_deploy_sizes_text(const romfs_board_deploy_result_t *r, size_t image_len, romfs_json_write_fn write,
                                  void *ctx)
{
    romfs_json_out_t j = {write, ctx, 0};
    uint64_t part = r->info.part_size;
    uint64_t bs = r->block_size ? r->block_size : (part ? part : 1);
    romfs_json_printf(&j, "Image size is %zu bytes\n", image_len);
    romfs_json_printf(&j, "ROMFS%d partition has size %llu bytes (%u blocks of %u bytes each)\n", r->info.part,
                      (unsigned long long)part, (unsigned)((part + bs - 1) / bs), (unsigned)bs);
    return j.err;
}

int romfs_board_deploy_text(const romfs_board_deploy_result_t *r, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t j = {write, ctx, 0};
    const romfs_session_result_t *res = &r->res;
    if (res->note[0])
        romfs_json_printf(&j, "note: %s\n", res->note);
    if (res->blocks_written == 0)
        romfs_json_printf(&j, "image already on the board: wrote 0 of %u blocks, skipped %u unchanged\n",
                          res->blocks_total, res->blocks_skipped);
    else
        romfs_json_printf(&j, "wrote %u of %u blocks, skipped %u unchanged (%llu bytes on the wire, %.1fs)\n",
                          res->blocks_written, res->blocks_total, res->blocks_skipped,
                          (unsigned long long)r->wire_bytes, res->seconds);
    if (res->layout == ROMFS_SESSION_LAYOUT_STABLE && res->lst.used_base)
        romfs_json_printf(&j, "stable layout: %zu files kept, %zu rewritten in place, %zu moved, %zu added (base: %s)\n",
                          res->lst.kept, res->lst.in_place, res->lst.moved, res->lst.added,
                          romfs_session_base_name(res->base));
    else if (res->layout == ROMFS_SESSION_LAYOUT_STABLE)
        romfs_json_printf(&j, "stable layout: fresh (%zu files%s)\n", res->lst.files,
                          res->lst.compacted ? ", compacted" : "");
    return j.err;
}

static void human(double v, char *buf, size_t n)
{
    if (v >= 1048576)
        snprintf(buf, n, "%.1f MiB", v / 1048576);
    else if (v >= 1024)
        snprintf(buf, n, "%.1f KiB", v / 1024);
    else
        snprintf(buf, n, "%.0f B", v);
}

int romfs_board_progress_text(romfs_board_progress_t *p, uint64_t done, uint64_t total, double now, char *buf,
                              size_t size)
{
    if (done < total && p->drawn && now - p->last < 0.1)
        return 0;
    p->drawn = 1;
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? done / el : 0;
    char a[32], b[32], r[32];
    human((double)done, a, sizeof a);
    human((double)total, b, sizeof b);
    human(rate, r, sizeof r);
    int width = 24, fill = total ? (int)(width * (done < total ? done : total) / total) : width;
    snprintf(buf, size, "\r[%.*s%*s] %s / %s  %s/s  ETA %.0fs %s", fill, "########################", width - fill, "",
             a, b, r, rate > 0 && done < total ? (double)(total - done) / rate : 0.0,
             done >= total ? "\r\033[K" : "");
    return 1;
}
