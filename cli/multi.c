/* SPDX-License-Identifier: MIT */
/*
 * Many boards at once: `romfs deploy` and `romfs query` with -d given more
 * than once, or `-d all` (every serial port that looks like a MicroPython
 * board). The command parsed its options once, with its own table; one
 * child process per board (forked, not re-run: no argv is parsed again)
 * calls the command's per-board function with --json, and hands back its
 * result as a struct through a pipe; its --json object (stdout) and its
 * last error line (stderr) are gathered too. The parent prints one status
 * line per board as it finishes, then a summary table (or, with --json, one
 * object per board). Exit status 1 when any board failed. docs/DESIGN.md
 * says why processes.
 */
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"


#define MAX_BOARDS CLI_MAX_BOARDS
#define OUT_MAX (4u << 20)   /* what one child may print; more is an error */

typedef struct child {
    const char *dev;
    pid_t pid;
    int fd[3];              /* stdout, stderr, result pipes (read ends), -1 when closed */
    char *buf[3];
    size_t len[3];
    int status;             /* exit status; -1 killed / not started */
    double t0, secs;
    cli_board_result_t res; /* what the child handed back (status 0) */
} child_t;

typedef struct mopts {
    const char *cmd;
    const char *devs[MAX_BOARDS];
    int ndevs;
    int json, quiet;
    cli_board_fn fn;
    void *ctx;
    char *ports[MAX_BOARDS]; /* owned copies from -d all */
    int nports;
} mopts_t;

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

/// Children ///

static void close_pipes(int p[][2], int n)
{
    for (int k = 0; k < n; k++) {
        close(p[k][0]);
        close(p[k][1]);
    }
}

/* The child: the command's per-board function with the options the
 * parent parsed, its result struct written to the result pipe. */
static void child(const mopts_t *m, const child_t *c, int p[3][2])
{
    dup2(p[0][1], 1);
    dup2(p[1][1], 2);
    for (int k = 0; k < 3; k++)
        close(p[k][0]);
    cli_board_result_t res;
    memset(&res, 0, sizeof res);
    cli_json_errors = 1;   /* its --json: the first error as its object (docs/JSON.md) */
    int rc = m->fn(m->ctx, c->dev, &res);
    fflush(NULL);
    if (rc == 0 && write(p[2][1], &res, sizeof res) != (ssize_t)sizeof res)
        rc = CLI_FAIL;
    _exit(rc);
}

static int spawn(child_t *c, const mopts_t *m)
{
    int p[3][2], k;
    for (k = 0; k < 3; k++)
        c->fd[k] = -1;
    c->status = -1;
    for (k = 0; k < 3 && pipe(p[k]) == 0; k++)
        ;
    if (k < 3) {
        int e = errno;
        close_pipes(p, k);
        return -e;
    }
    fflush(NULL);
    c->t0 = mono_s();
    c->pid = fork();
    if (c->pid == 0)
        child(m, c, p);
    int e = errno;
    for (k = 0; k < 3; k++)
        close(p[k][1]);
    if (c->pid < 0) {
        for (k = 0; k < 3; k++)
            close(p[k][0]);
        return -e;
    }
    for (k = 0; k < 3; k++)
        c->fd[k] = p[k][0];
    return 0;
}

/* Read what is there from one pipe; 0 at end of file. */
static int drain_fd(child_t *c, int k)
{
    char tmp[8192];
    ssize_t n = read(c->fd[k], tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n <= 0 || c->len[k] + (size_t)n > OUT_MAX) {
        close(c->fd[k]);
        c->fd[k] = -1;
        return 0;
    }
    char *b = realloc(c->buf[k], c->len[k] + (size_t)n + 1);
    if (!b)
        return 1;
    memcpy(b + c->len[k], tmp, (size_t)n);
    c->buf[k] = b;
    c->len[k] += (size_t)n;
    b[c->len[k]] = '\0';
    return 1;
}

/// What the children said ///

/* The last line a child wrote to stderr, without our "romfs: " prefix. */
static void last_error(const child_t *c, char *buf, size_t size)
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
        snprintf(buf, size, "%s", c->status == -1 ? "killed" : "failed with no message");
    else
        snprintf(buf, size, "%.*s", (int)(n - s), e + s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = '?';
}

static void status_line(const mopts_t *m, const child_t *c, int done, int total)
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

/* Wait for every child, printing a status line as each one finishes. */
static void pump(const mopts_t *m, child_t *cs, int n)
{
    int left = 0, done = 0;
    for (int i = 0; i < n; i++)
        left += cs[i].pid > 0;
    struct pollfd p[3 * MAX_BOARDS];
    int who[3 * MAX_BOARDS];
    while (left > 0) {
        int np = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                if (cs[i].fd[k] >= 0) {
                    p[np] = (struct pollfd){.fd = cs[i].fd[k], .events = POLLIN};
                    who[np++] = i * 3 + k;
                }
        if (np && poll(p, (nfds_t)np, 1000) < 0 && errno != EINTR)
            break;
        for (int j = 0; j < np; j++)
            if (p[j].revents)
                drain_fd(&cs[who[j] / 3], who[j] % 3);
        for (int i = 0; i < n; i++) {
            child_t *c = &cs[i];
            int st;
            if (c->pid <= 0 || c->fd[0] >= 0 || c->fd[1] >= 0 || c->fd[2] >= 0 || waitpid(c->pid, &st, 0) != c->pid)
                continue;
            c->pid = 0;
            c->secs = mono_s() - c->t0;
            c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            if (c->len[2] == sizeof c->res)
                memcpy(&c->res, c->buf[2], sizeof c->res);
            else if (c->status == 0)
                c->status = CLI_FAIL;   /* no result: cannot happen */
            left--;
            status_line(m, c, ++done, n);
        }
    }
}

static void print_json(const mopts_t *m, const child_t *c)
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
    /* The child's own object, on one line (raw newlines only sit between
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

static void summary(const mopts_t *m, const child_t *cs, int n)
{
    int deploy = strcmp(m->cmd, "deploy") == 0;
    printf("\n%-44s  %-16s  %8s  %10s  %7s  %s\n", "board", "unique id", deploy ? "blocks" : "parts",
           deploy ? "bytes" : "image", "seconds", "result");
    for (int i = 0; i < n; i++) {
        const child_t *c = &cs[i];
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
    child_t *cs = NULL;
    if (collect(&m, devs, ndevs) < 0)
        goto out;
    if (m.json)
        cli_json_errors = 2;   /* each board's object carries its error (docs/JSON.md) */
    cs = calloc((size_t)m.ndevs, sizeof *cs);
    if (!cs)
        goto out;
    signal(SIGPIPE, SIG_IGN);
    if (!m.quiet)
        fprintf(m.json ? stderr : stdout, "%s on %d boards in parallel\n", m.cmd, m.ndevs);
    for (int i = 0; i < m.ndevs; i++) {
        cs[i].dev = m.devs[i];
        int e = spawn(&cs[i], &m);
        if (e < 0) {
            cli_error("%s: cannot start a process: %s", cs[i].dev, strerror(-e));
            cs[i].pid = 0;
        }
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
        for (int k = 0; k < 3; k++)
            free(cs[i].buf[k]);
    free(cs);
    for (int i = 0; i < m.nports; i++)
        free(m.ports[i]);
    return rc;
}
