/* SPDX-License-Identifier: MIT */
/*
 * Many boards at once: `romfs deploy` and `romfs query` with -d given more
 * than once, or `-d all`. The command parsed its options once, with its
 * own table; romfs_board_many (the board library: the list, the threads,
 * each board's captured output and result struct) calls the command's
 * per-board function as with --json, its --json object (cli_stdout) and
 * its last error line (cli_stderr) in that board's own output. Here: one
 * status line per board as it finishes, then a summary table (or, with
 * --json, one object per board), in the board library's words. Exit
 * status 1 when any board failed.
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
    (void)romfs_board_job_text(c, m->cmd, "romfs: ", done, total, cli_put, fp);   /* errors: the stream's */
    fflush(fp);
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
        (void)romfs_board_many_table(mb, m.cmd, cli_put, stdout);   /* write errors: the stream's, at exit */
    }
    romfs_board_many_free(mb);
    return rc;
}
