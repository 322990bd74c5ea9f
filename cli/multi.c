/* SPDX-License-Identifier: MIT */
/*
 * Many boards at once: `romfs deploy` and `romfs query` with -d given more
 * than once, or `-d all`. The command parsed its options once, with its
 * own table; romfs_board_many (the board library: the list, the threads,
 * each board's captured output and result struct) calls the command's
 * per-board function as with --json, its --json object (cli_stdout) and
 * its last error line (cli_stderr) in that board's own output. Here: one
 * status line per board as it finishes, then a summary table (or, with
 * --json, one object per board). Exit status 1 when any board failed.
 */
#include "cli.h"

#include <signal.h>
#include <string.h>

typedef struct mopts {
    const char *cmd;
    int json, quiet;
    cli_board_fn fn;
    void *ctx;
} mopts_t;

int multi_wanted(const char *const *devs, int n, int given)
{
    for (int i = 0; i < n; i++)
        if (strcmp(devs[i], "all") == 0)
            return 1;
    return given > 1;
}

/* A board's thread: the command's per-board function with the options the
 * command parsed, its output into the board's own buffers. */
static int board_main(void *ctx, romfs_board_job_t *j)
{
    const mopts_t *m = ctx;
    cli_output_to(j->out, j->err);
    cli_json_errors = 1;   /* its --json: the first error as its object (docs/JSON.md) */
    int rc = m->fn(m->ctx, j->dev, j->result);
    cli_output_to(NULL, NULL);
    return rc;
}

/// What the boards said ///

/* As each board finishes: its status line. */
static void status_line(void *ctx, const romfs_board_job_t *c, int event, int done, int total)
{
    const mopts_t *m = ctx;
    if (event != ROMFS_BOARD_FINISHED || (m->quiet && c->status == 0))
        return;
    FILE *fp = m->json ? stderr : stdout;
    fprintf(fp, "[%d/%d] %s: ", done, total, c->dev);
    const cli_board_result_t *r = c->result;
    char err[300];
    if (c->status != 0) {
        romfs_board_job_error(c, "romfs: ", err, sizeof err);
        fprintf(fp, "FAILED: %s\n", err);
    } else if (strcmp(m->cmd, "deploy") == 0) {
        fprintf(fp, "ok: wrote %lld of %lld blocks, %lld bytes on the wire, %.2fs\n", r->written, r->total,
                r->wire, c->seconds);
    } else {
        fprintf(fp, "ok: %lld bytes in partition 0, image %lld bytes, %.2fs\n", r->part_size, r->image_size,
                c->seconds);
    }
    fflush(fp);
}

/* The board column: long exec: specs keep their end, which tells them apart. */
static void board_cell(const char *dev, char *buf, size_t size)
{
    size_t n = strlen(dev), w = 44;
    if (n <= w)
        snprintf(buf, size, "%s", dev);
    else
        snprintf(buf, size, "...%s", dev + n - (w - 3));
}

static void summary(const mopts_t *m, romfs_board_many_t *mb, int n)
{
    int deploy = strcmp(m->cmd, "deploy") == 0;
    printf("\n%-44s  %-16s  %8s  %10s  %7s  %s\n", "board", "unique id", deploy ? "blocks" : "parts",
           deploy ? "bytes" : "image", "seconds", "result");
    for (int i = 0; i < n; i++) {
        const romfs_board_job_t *c = romfs_board_many_job(mb, i);
        const cli_board_result_t *r = c->result;
        char bcell[64];
        board_cell(c->dev, bcell, sizeof bcell);
        const char *uid = c->status == 0 && r->uid[0] ? r->uid : "-";
        long long a = c->status != 0 ? -1 : deploy ? r->written : r->parts;
        long long b = c->status != 0 ? -1 : deploy ? r->wire : r->image_size;
        char as[24] = "-", bs[24] = "-";
        if (c->status == 0 && a >= 0)
            snprintf(as, sizeof as, "%lld", a);
        if (c->status == 0 && b >= 0)
            snprintf(bs, sizeof bs, "%lld", b);
        printf("%-44s  %-16.16s  %8s  %10s  %7.2f  %s\n", bcell, uid, as, bs, c->seconds,
               c->status == 0 ? "ok" : "FAILED");
    }
}

/// The command ///

int multi_run(const char *cmd, const char *const *devs, int ndevs, int json, int quiet, cli_board_fn fn, void *ctx)
{
    mopts_t m = {cmd, json, quiet, fn, ctx};
    romfs_board_many_opts_t o = {board_main, status_line, &m, 0, sizeof(cli_board_result_t)};
    romfs_board_many_t *mb;
    char msg[200];
    if (romfs_board_many_open(&mb, devs, ndevs, &o, msg, sizeof msg) < 0) {
        cli_error("%s: %s", cmd, msg);
        return CLI_FAIL;
    }
    int n = romfs_board_many_count(mb);
    if (m.json)
        cli_json_errors = 2;   /* each board's object carries its error (docs/JSON.md) */
#ifdef SIGPIPE
    signal(SIGPIPE, SIG_IGN);   /* a board's link that goes away is that board's error */
#endif
    romfs_cleanup_install();   /* before any thread: a signal's cleanup covers every board */
    if (!m.quiet)
        fprintf(m.json ? stderr : stdout, "%s on %d boards in parallel\n", m.cmd, n);
    int failed = romfs_board_many_run(mb), usage = 0;
    for (int i = 0; i < n; i++) {
        usage += romfs_board_many_job(mb, i)->status == CLI_USAGE;
        if (m.json)   /* write errors: the stream's, at exit */
            (void)romfs_board_job_json(romfs_board_many_job(mb, i), m.cmd, "romfs: ", cli_put, stdout);
    }
    int rc = failed ? CLI_FAIL : CLI_OK;
    if (usage == n) {
        char err[300];
        romfs_board_job_error(romfs_board_many_job(mb, 0), "romfs: ", err, sizeof err);
        cli_error("%s", err);
        rc = CLI_USAGE;
    } else if (!m.json && !m.quiet) {
        summary(&m, mb, n);
    }
    romfs_board_many_free(mb);
    return rc;
}
