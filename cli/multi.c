/* SPDX-License-Identifier: MIT */
/*
 * Many boards at once: `romfs deploy` and `romfs query` with -d given more
 * than once, or `-d all` (every serial port that looks like a MicroPython
 * board). One child process per board re-runs this very program
 * (its own executable, from the platform layer) as `romfs CMD --json -d DEV ...`; the parent gathers
 * each child's JSON and errors, prints one status line per board as it
 * finishes, then a summary table (or, with --json, one object per board).
 * Exit status 1 when any board failed. docs/DESIGN.md says why processes.
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


#define MAX_BOARDS 256
#define OUT_MAX (4u << 20)   /* what one child may print; more is an error */

typedef struct child {
    const char *dev;
    pid_t pid;
    int fd[2];              /* stdout, stderr pipes (read ends), -1 when closed */
    char *buf[2];
    size_t len[2];
    int status;             /* exit status; -1 killed / not started */
    double t0, secs;
} child_t;

typedef struct mopts {
    const char *cmd;
    const char *devs[MAX_BOARDS];
    int ndevs;
    char **rest;            /* the command's other arguments */
    int nrest;
    int json, quiet;
    char *ports[MAX_BOARDS]; /* owned copies from -d all */
    int nports;
} mopts_t;

static double mono_s(void)
{
    return (double)rp_monotonic_ns() / 1e9;
}

/* The device value of argument i ("-d X", "-dX", "--device X",
 * "--device=X"), advancing *i past it; NULL when argv[*i] is not -d. */
static const char *device_arg(int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (strcmp(a, "-d") == 0 || strcmp(a, "--device") == 0)
        return *i + 1 < argc ? argv[++*i] : NULL;
    if (strncmp(a, "-d", 2) == 0 && a[2] && a[1] != '-')
        return a + 2;
    if (strncmp(a, "--device=", 9) == 0)
        return a + 9;
    return NULL;
}

/* Options of deploy and query whose value is the next argument. */
static int takes_value(const char *a)
{
    static const char *const v[] = {"-p", "-o", "--partition", "--output", "--align", "--compact",
                                    "--block-size", "--base"};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        if (strcmp(a, v[k]) == 0)
            return 1;
    return 0;
}

int multi_wanted(int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "deploy") != 0 && strcmp(argv[0], "query") != 0))
        return 0;
    int n = 0;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (takes_value(argv[i])) {
            i++;
            continue;
        }
        const char *d = device_arg(argc, argv, &i);
        if (d && strcmp(d, "all") == 0)
            return 1;
        n += d != NULL;
    }
    return n > 1;
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

/* Split argv into the devices and the rest (passed to every child). */
static int collect(int argc, char **argv, mopts_t *m)
{
    m->cmd = argv[0];
    m->rest = calloc((size_t)argc + 1, sizeof *m->rest);
    if (!m->rest)
        return -1;
    int opts = 1;
    for (int i = 1; i < argc; i++) {
        const char *d = opts ? device_arg(argc, argv, &i) : NULL;
        if (d) {
            if (add_dev(m, d) < 0)
                return -1;
            continue;
        }
        if (opts && strcmp(argv[i], "--") == 0)
            opts = 0;
        if (opts && strcmp(argv[i], "--json") == 0)
            m->json = 1;
        else if (opts && (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0))
            m->quiet = 1;
        else
            m->rest[m->nrest++] = argv[i];
        if (opts && takes_value(argv[i]) && i + 1 < argc)
            m->rest[m->nrest++] = argv[++i];
    }
    if (m->ndevs == 0) {
        cli_error("%s: no MicroPython board found on any serial port (see 'romfs devs')", m->cmd);
        return -1;
    }
    return 0;
}

/// Children ///

static int spawn(child_t *c, const mopts_t *m)
{
    int out[2], err[2];
    c->fd[0] = c->fd[1] = -1;
    c->status = -1;
    if (pipe(out) != 0)
        return -errno;
    if (pipe(err) != 0) {
        int e = errno;
        close(out[0]);
        close(out[1]);
        return -e;
    }
    /* This very program again: its path from the platform layer (a child
     * cannot look it up once it has forked). */
    char *self = rp_exe_path();
    fflush(NULL);
    c->t0 = mono_s();
    c->pid = self ? fork() : -1;
    if (c->pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        char **av = calloc((size_t)m->nrest + 8, sizeof *av);
        if (!av)
            _exit(1);
        int n = 0;
        av[n++] = "romfs";
        av[n++] = (char *)m->cmd;
        av[n++] = "--json";
        if (strcmp(m->cmd, "deploy") == 0)
            av[n++] = "-q";
        av[n++] = "-d";
        av[n++] = (char *)c->dev;
        for (int k = 0; k < m->nrest; k++)
            av[n++] = m->rest[k];
        execv(self, av);
        fprintf(stderr, "romfs: cannot run %s: %s\n", self, strerror(errno));
        _exit(1);
    }
    if (!self)
        errno = ENOENT;
    free(self);
    close(out[1]);
    close(err[1]);
    if (c->pid < 0) {
        close(out[0]);
        close(err[0]);
        return -errno;
    }
    c->fd[0] = out[0];
    c->fd[1] = err[0];
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

/* The raw text of top-level-ish field key in a child's JSON (our own
 * output: keys are never escaped, and a key inside an escaped string would
 * read \"key\", which does not match). NULL when absent. */
static const char *field(const char *js, const char *key)
{
    if (!js)
        return NULL;
    size_t k = strlen(key);
    for (const char *p = js; (p = strchr(p, '"')); p++) {
        if (strncmp(p + 1, key, k) == 0 && p[k + 1] == '"') {
            const char *q = p + k + 2;
            while (*q == ' ')
                q++;
            if (*q == ':') {
                for (q++; *q == ' '; q++)
                    ;
                return q;
            }
        }
    }
    return NULL;
}

static long long field_num(const char *js, const char *key)
{
    const char *v = field(js, key);
    return v && ((*v >= '0' && *v <= '9') || *v == '-') ? strtoll(v, NULL, 10) : -1;
}

/* A plain string field into buf ("-" when absent or escaped). */
static void field_str(const char *js, const char *key, char *buf, size_t size)
{
    const char *v = field(js, key);
    size_t n = 0;
    if (v && *v == '"') {
        for (v++; v[n] && v[n] != '"' && v[n] != '\\'; n++)
            ;
        if (v[n] != '"')
            n = 0;
    }
    snprintf(buf, size, "%.*s", (int)(n ? n : 1), n ? v : "-");
}

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
    const char *js = c->buf[0];
    char err[300];
    if (c->status != 0) {
        last_error(c, err, sizeof err);
        fprintf(fp, "FAILED: %s\n", err);
    } else if (strcmp(m->cmd, "deploy") == 0) {
        fprintf(fp, "ok: wrote %lld of %lld blocks, %lld bytes on the wire, %.2fs\n",
                field_num(js, "blocks_written"), field_num(js, "blocks_total"), field_num(js, "wire_bytes"),
                c->secs);
    } else {
        fprintf(fp, "ok: %lld bytes in partition 0, image %lld bytes, %.2fs\n", field_num(js, "size"),
                field_num(js, "image_size"), c->secs);
    }
    fflush(fp);
}

/* Wait for every child, printing a status line as each one finishes. */
static void pump(const mopts_t *m, child_t *cs, int n)
{
    int left = 0, done = 0;
    for (int i = 0; i < n; i++)
        left += cs[i].pid > 0;
    struct pollfd p[2 * MAX_BOARDS];
    int who[2 * MAX_BOARDS];
    while (left > 0) {
        int np = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 2; k++)
                if (cs[i].fd[k] >= 0) {
                    p[np] = (struct pollfd){.fd = cs[i].fd[k], .events = POLLIN};
                    who[np++] = i * 2 + k;
                }
        if (np && poll(p, (nfds_t)np, 1000) < 0 && errno != EINTR)
            break;
        for (int j = 0; j < np; j++)
            if (p[j].revents)
                drain_fd(&cs[who[j] / 2], who[j] % 2);
        for (int i = 0; i < n; i++) {
            child_t *c = &cs[i];
            int st;
            if (c->pid <= 0 || c->fd[0] >= 0 || c->fd[1] >= 0 || waitpid(c->pid, &st, 0) != c->pid)
                continue;
            c->pid = 0;
            c->secs = mono_s() - c->t0;
            c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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

/* Partitions in a query report: its "id" fields. */
static long long count_parts(const char *js)
{
    long long n = 0;
    for (const char *p = js; p && (p = field(p, "id")); n++)
        ;
    return js ? n : -1;
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
        const char *js = c->buf[0];
        char bcell[64], uid[80];
        board_cell(c->dev, bcell, sizeof bcell);
        field_str(js, "unique_id", uid, sizeof uid);
        long long a = deploy ? field_num(js, "blocks_written") : count_parts(js);
        long long b = deploy ? field_num(js, "wire_bytes") : field_num(js, "image_size");
        char as[24] = "-", bs[24] = "-";
        if (c->status == 0 && a >= 0)
            snprintf(as, sizeof as, "%lld", a);
        if (c->status == 0 && b >= 0)
            snprintf(bs, sizeof bs, "%lld", b);
        printf("%-44s  %-16.16s  %8s  %10s  %7.2f  %s\n", bcell, uid, as, bs, c->secs, c->status == 0 ? "ok" : "FAILED");
    }
}

/// The command ///

int multi_run(int argc, char **argv)
{
    mopts_t m;
    memset(&m, 0, sizeof m);
    int rc = CLI_FAIL;
    child_t *cs = NULL;
    if (collect(argc, argv, &m) < 0)
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
    for (int i = 0; cs && i < m.ndevs; i++) {
        free(cs[i].buf[0]);
        free(cs[i].buf[1]);
    }
    free(cs);
    free(m.rest);
    for (int i = 0; i < m.nports; i++)
        free(m.ports[i]);
    return rc;
}
