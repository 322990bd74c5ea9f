/* SPDX-License-Identifier: MIT */
/*
 * Many boards at once: `romfs deploy` and `romfs query` with -d given more
 * than once, or `-d all` (every serial port that looks like a MicroPython
 * board). The command parsed its options once, with its own table; one
 * thread per board (at most MAX_RUNNING at once; the platform layer's
 * threads, on every OS) calls the command's per-board function as with
 * --json, which hands back its result as a struct; its --json object
 * (cli_stdout) and its last error line (cli_stderr) go to that board's own
 * buffers. The command prints one status line per board as it finishes,
 * then a summary table (or, with --json, one object per board). Exit
 * status 1 when any board failed. docs/DESIGN.md says why threads.
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"


#define MAX_BOARDS CLI_MAX_BOARDS
#define MAX_RUNNING 32       /* boards at once; the others wait for a thread */
#define OUT_MAX (4u << 20)   /* what one board's output keeps; more is cut */

typedef struct mopts mopts_t;

typedef struct job {
    const char *dev;
    const mopts_t *m;
    rp_thread_t *t;         /* its thread while it runs */
    atomic_int done;        /* its thread has finished (set by the thread) */
    FILE *sink[2];          /* its stdout and stderr, while it runs */
    char *buf[2];           /* what it wrote there */
    size_t len[2];
    int status;             /* exit status; -1 not started */
    double t0, secs;
    cli_board_result_t res; /* what it handed back (status 0) */
} job_t;

struct mopts {
    const char *cmd;
    const char *devs[MAX_BOARDS];
    int ndevs;
    int json, quiet;
    cli_board_fn fn;
    void *ctx;
    char *ports[MAX_BOARDS]; /* owned copies from -d all */
    int nports;
};

static double mono_s(void)
{
    return (double)rp_monotonic_ns() / 1e9;
}

int multi_wanted(const char *const *devs, int n, int given)
{
    for (int i = 0; i < n; i++)
        if (strcmp(devs[i], "all") == 0)
            return 1;
    return given > 1;
}

static void add_port(const char *port, const char *desc, void *ctx)
{
    (void)desc;
    mopts_t *m = ctx;
    if (m->nports < MAX_BOARDS && m->ndevs < MAX_BOARDS && (m->ports[m->nports] = strdup(port)))
        m->devs[m->ndevs++] = m->ports[m->nports++];
}

static int add_dev(mopts_t *m, const char *d)
{
    if (strcmp(d, "all") == 0) {
        romfs_board_list_ports(0, add_port, m);
        return 0;
    }
    for (int k = 0; k < m->ndevs; k++)
        if (strcmp(m->devs[k], d) == 0)
            return 0;   /* the same board twice would race with itself */
    if (m->ndevs == MAX_BOARDS) {
        cli_error("%s: at most %d boards at once", m->cmd, MAX_BOARDS);
        return -1;
    }
    m->devs[m->ndevs++] = d;
    return 0;
}

/* The boards: -d all expanded, each board once. */
static int collect(mopts_t *m, const char *const *devs, int n)
{
    for (int i = 0; i < n; i++)
        if (add_dev(m, devs[i]) < 0)
            return -1;
    if (m->ndevs == 0) {
        cli_error("%s: no MicroPython board found on any serial port (see 'romfs devs')", m->cmd);
        return -1;
    }
    return 0;
}

/// Boards' threads ///

/* Read back what a board's thread wrote to one of its buffers. */
static void take_sink(job_t *c, int k)
{
    FILE *fp = c->sink[k];
    c->sink[k] = NULL;
    if (!fp)
        return;
    long n = fflush(fp) == 0 && fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
    if (n > (long)OUT_MAX)
        n = (long)OUT_MAX;
    if (n > 0 && fseek(fp, 0, SEEK_SET) == 0 && (c->buf[k] = malloc((size_t)n + 1)) != NULL) {
        c->len[k] = fread(c->buf[k], 1, (size_t)n, fp);
        c->buf[k][c->len[k]] = '\0';
    }
    fclose(fp);
}

/* A board's thread: the command's per-board function with the options the
 * command parsed, its output into the board's own buffers. */
static int board_main(void *arg)
{
    job_t *c = arg;
    cli_output_to(c->sink[0], c->sink[1]);
    cli_json_errors = 1;   /* its --json: the first error as its object (docs/JSON.md) */
    cli_board_result_t res;
    memset(&res, 0, sizeof res);
    int rc = c->m->fn(c->m->ctx, c->dev, &res);
    fflush(c->sink[0]);
    fflush(c->sink[1]);
    cli_output_to(NULL, NULL);
    if (rc == 0)
        c->res = res;
    c->secs = mono_s() - c->t0;
    atomic_store(&c->done, 1);
    return rc;
}

/* Start c's thread: 0, or a positive errno (its buffers closed). */
static int start(job_t *c, const mopts_t *m)
{
    c->m = m;
    c->t0 = mono_s();
    for (int k = 0; k < 2; k++)
        if (!(c->sink[k] = rp_tmpfile())) {
            int e = errno ? errno : ENOMEM;
            for (k = 0; k < 2; k++)
                take_sink(c, k);
            return e;
        }
    int e = rp_thread_start(&c->t, board_main, c);
    if (e)
        for (int k = 0; k < 2; k++)
            take_sink(c, k);
    return e;
}

/// What the boards said ///

/* The last line a board wrote to its stderr, without our "romfs: " prefix. */
static void last_error(const job_t *c, char *buf, size_t size)
{
    const char *e = c->buf[1] ? c->buf[1] : "";
    size_t n = c->len[1];
    while (n && (e[n - 1] == '\n' || e[n - 1] == '\r'))
        n--;
    size_t s = n;
    while (s && e[s - 1] != '\n')
        s--;
    if (n - s > 7 && strncmp(e + s, "romfs: ", 7) == 0)
        s += 7;
    if (n == s)
        snprintf(buf, size, "%s", "failed with no message");
    else
        snprintf(buf, size, "%.*s", (int)(n - s), e + s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = '?';
}

static void status_line(const mopts_t *m, const job_t *c, int done, int total)
{
    if (m->quiet && c->status == 0)
        return;
    FILE *fp = m->json ? stderr : stdout;
    fprintf(fp, "[%d/%d] %s: ", done, total, c->dev);
    const cli_board_result_t *r = &c->res;
    char err[300];
    if (c->status != 0) {
        last_error(c, err, sizeof err);
        fprintf(fp, "FAILED: %s\n", err);
    } else if (strcmp(m->cmd, "deploy") == 0) {
        fprintf(fp, "ok: wrote %lld of %lld blocks, %lld bytes on the wire, %.2fs\n", r->written, r->total,
                r->wire, c->secs);
    } else {
        fprintf(fp, "ok: %lld bytes in partition 0, image %lld bytes, %.2fs\n", r->part_size, r->image_size,
                c->secs);
    }
    fflush(fp);
}

/* Run every board, at most MAX_RUNNING at once, printing a status line as
 * each one finishes. */
static void pump(const mopts_t *m, job_t *cs, int n)
{
    int next = 0, running = 0, done = 0;
    while (done < n) {
        while (next < n && running < MAX_RUNNING) {
            job_t *c = &cs[next++];
            int e = start(c, m);
            if (e == 0) {
                running++;
                continue;
            }
            c->status = CLI_FAIL;
            char msg[200];
            snprintf(msg, sizeof msg, "romfs: cannot start a thread: %s\n", strerror(e));
            c->buf[1] = strdup(msg);
            c->len[1] = c->buf[1] ? strlen(c->buf[1]) : 0;
            status_line(m, c, ++done, n);
        }
        int finished = 0;
        for (int i = 0; i < next; i++) {
            job_t *c = &cs[i];
            if (!c->t || !atomic_load(&c->done))
                continue;
            c->status = rp_thread_join(c->t);
            c->t = NULL;
            take_sink(c, 0);
            take_sink(c, 1);
            running--;
            finished++;
            status_line(m, c, ++done, n);
        }
        if (!finished && done < n)
            rp_sleep_ms(20);
    }
}

static void print_json(const mopts_t *m, const job_t *c)
{
    char err[300];
    printf("{\"device\":");
    cli_json_string(stdout, (const uint8_t *)c->dev, strlen(c->dev));
    printf(",\"command\":\"%s\",\"ok\":%s,\"exit\":%d,\"seconds\":%.3f,\"error\":", m->cmd,
           c->status == 0 ? "true" : "false", c->status, c->secs);
    if (c->status != 0) {
        last_error(c, err, sizeof err);
        cli_json_string(stdout, (const uint8_t *)err, strlen(err));
    } else {
        printf("null");
    }
    /* The board's own object, on one line (raw newlines only sit between
     * tokens: strings are escaped). */
    const char *js = c->buf[0];
    size_t n = js ? strlen(js) : 0;
    while (n && (js[n - 1] == '\n' || js[n - 1] == ' '))
        n--;
    printf(",\"report\":");
    if (n && js[0] == '{' && js[n - 1] == '}')
        for (size_t i = 0; i < n; i++)
            putchar(js[i] == '\n' || js[i] == '\r' ? ' ' : js[i]);
    else
        printf("null");
    printf("}\n");
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

static void summary(const mopts_t *m, const job_t *cs, int n)
{
    int deploy = strcmp(m->cmd, "deploy") == 0;
    printf("\n%-44s  %-16s  %8s  %10s  %7s  %s\n", "board", "unique id", deploy ? "blocks" : "parts",
           deploy ? "bytes" : "image", "seconds", "result");
    for (int i = 0; i < n; i++) {
        const job_t *c = &cs[i];
        const cli_board_result_t *r = &c->res;
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
        printf("%-44s  %-16.16s  %8s  %10s  %7.2f  %s\n", bcell, uid, as, bs, c->secs, c->status == 0 ? "ok" : "FAILED");
    }
}

/// The command ///

int multi_run(const char *cmd, const char *const *devs, int ndevs, int json, int quiet, cli_board_fn fn, void *ctx)
{
    mopts_t m;
    memset(&m, 0, sizeof m);
    m.cmd = cmd;
    m.json = json;
    m.quiet = quiet;
    m.fn = fn;
    m.ctx = ctx;
    int rc = CLI_FAIL;
    job_t *cs = NULL;
    if (collect(&m, devs, ndevs) < 0)
        goto out;
    if (m.json)
        cli_json_errors = 2;   /* each board's object carries its error (docs/JSON.md) */
    cs = calloc((size_t)m.ndevs, sizeof *cs);
    if (!cs)
        goto out;
#ifdef SIGPIPE
    signal(SIGPIPE, SIG_IGN);   /* a board's link that goes away is that board's error */
#endif
    cli_cleanup_install();   /* before any thread: a signal's cleanup covers every board */
    if (!m.quiet)
        fprintf(m.json ? stderr : stdout, "%s on %d boards in parallel\n", m.cmd, m.ndevs);
    for (int i = 0; i < m.ndevs; i++) {
        cs[i].dev = m.devs[i];
        cs[i].status = -1;
    }
    pump(&m, cs, m.ndevs);
    int failed = 0, usage = 0;
    for (int i = 0; i < m.ndevs; i++) {
        failed += cs[i].status != 0;
        usage += cs[i].status == CLI_USAGE;
        if (m.json)
            print_json(&m, &cs[i]);
    }
    if (usage == m.ndevs) {
        char err[300];
        last_error(&cs[0], err, sizeof err);
        cli_error("%s", err);
        rc = CLI_USAGE;
        goto out;
    }
    if (!m.json && !m.quiet)
        summary(&m, cs, m.ndevs);
    rc = failed ? CLI_FAIL : CLI_OK;
out:
    for (int i = 0; cs && i < m.ndevs; i++)
        for (int k = 0; k < 2; k++)
            free(cs[i].buf[k]);
    free(cs);
    for (int i = 0; i < m.nports; i++)
        free(m.ports[i]);
    return rc;
}
