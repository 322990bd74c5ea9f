/* SPDX-License-Identifier: MIT */
/*
 * Many boards at once (romfs_board.h): the list of boards ("all" expanded,
 * each board once), one platform thread per board (at most MAX_RUNNING at
 * once), each with its own output captured in temporary files, its time
 * and its result struct; progress on the calling thread; cancel from any.
 * docs/DESIGN.md says why threads.
 */
#include "romfs/romfs_board.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define MAX_RUNNING 32      /* boards at once; the others wait for a thread */
#define OUT_MAX (4u << 20)  /* what one board's output keeps; more is cut */

typedef struct job {
    romfs_board_job_t pub;
    romfs_board_many_t *m;
    rp_thread_t *t;         /* its thread while it runs */
    atomic_int done;        /* its thread has finished (set by the thread) */
    double t0;
} job_t;

struct romfs_board_many {
    romfs_board_many_opts_t o;
    job_t *jobs;
    int n;
    char *ports[ROMFS_BOARD_MANY_MAX]; /* owned copies from "all" */
    int nports;
    const char *devs[ROMFS_BOARD_MANY_MAX];
    atomic_int canceled;
};

static void add_port(const char *port, const char *desc, void *ctx)
{
    (void)desc;
    romfs_board_many_t *m = ctx;
    if (m->nports < ROMFS_BOARD_MANY_MAX && m->n < ROMFS_BOARD_MANY_MAX && (m->ports[m->nports] = strdup(port)))
        m->devs[m->n++] = m->ports[m->nports++];
}

static int add_dev(romfs_board_many_t *m, const char *d)
{
    if (strcmp(d, "all") == 0) {
        romfs_board_list_ports(0, add_port, m);
        return 0;
    }
    for (int k = 0; k < m->n; k++)
        if (strcmp(m->devs[k], d) == 0)
            return 0;   /* the same board twice would race with itself */
    if (m->n == ROMFS_BOARD_MANY_MAX)
        return ROMFS_ERR_INVAL;
    m->devs[m->n++] = d;
    return 0;
}

/* The boards: "all" expanded, each board once. */
static int collect(romfs_board_many_t *m, const char *const *devs, int n, char *msg, size_t size)
{
    for (int i = 0; i < n; i++)
        if (add_dev(m, devs[i]) < 0) {
            snprintf(msg, size, "at most %d boards at once", ROMFS_BOARD_MANY_MAX);
            return ROMFS_ERR_INVAL;
        }
    if (m->n == 0) {
        snprintf(msg, size, "no MicroPython board found on any serial port (see 'romfs devs')");
        return ROMFS_ERR_NOBOARD;
    }
    m->jobs = calloc((size_t)m->n, sizeof *m->jobs);
    for (int i = 0; m->jobs && i < m->n; i++) {
        job_t *j = &m->jobs[i];
        j->m = m;
        j->pub.dev = m->devs[i];
        j->pub.index = i;
        j->pub.status = ROMFS_ERR_CANCELED;
        if (m->o.result_size && !(j->pub.result = calloc(1, m->o.result_size)))
            break;
    }
    if (!m->jobs || (m->o.result_size && !m->jobs[m->n - 1].pub.result)) {
        snprintf(msg, size, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    return 0;
}

int romfs_board_many_open(romfs_board_many_t **out, const char *const *devs, int n,
                          const romfs_board_many_opts_t *opts, char *msg, size_t size)
{
    romfs_board_many_t *m = calloc(1, sizeof *m);
    *out = NULL;
    if (!m) {
        snprintf(msg, size, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    m->o = *opts;
    if (m->o.max_running <= 0 || m->o.max_running > MAX_RUNNING)
        m->o.max_running = MAX_RUNNING;
    int e = collect(m, devs, n, msg, size);
    if (e) {
        romfs_board_many_free(m);
        return e;
    }
    *out = m;
    return 0;
}

int romfs_board_many_count(const romfs_board_many_t *m)
{
    return m->n;
}

romfs_board_job_t *romfs_board_many_job(romfs_board_many_t *m, int i)
{
    return i >= 0 && i < m->n ? &m->jobs[i].pub : NULL;
}

void romfs_board_many_cancel(romfs_board_many_t *m)
{
    atomic_store(&m->canceled, 1);
}

/// Boards' threads ///

/* Read back what a board's thread wrote to one of its streams (k 0: out). */
static void take(romfs_board_job_t *j, int k)
{
    FILE **fpp = k ? &j->err : &j->out;
    FILE *fp = *fpp;
    *fpp = NULL;
    if (!fp)
        return;
    char **buf = k ? &j->errors : &j->output;
    size_t *len = k ? &j->errors_len : &j->output_len;
    long n = fflush(fp) == 0 && fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
    if (n > (long)OUT_MAX)
        n = (long)OUT_MAX;
    if (n > 0 && fseek(fp, 0, SEEK_SET) == 0 && (*buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(*buf, 1, (size_t)n, fp);
        (*buf)[*len] = '\0';
    }
    fclose(fp);
}

/* A board's thread: the caller's function, its output into its own files. */
static int board_main(void *arg)
{
    job_t *j = arg;
    int rc = j->m->o.fn(j->m->o.ctx, &j->pub);
    fflush(j->pub.out);
    fflush(j->pub.err);
    j->pub.seconds = rp_monotonic_s() - j->t0;
    atomic_store(&j->done, 1);
    return rc;
}

/* Start j's thread: 0, or a positive errno (its files closed). */
static int start(job_t *j)
{
    j->t0 = rp_monotonic_s();
    if (!(j->pub.out = rp_tmpfile()) || !(j->pub.err = rp_tmpfile())) {
        int e = errno ? errno : ENOMEM;
        take(&j->pub, 0);
        take(&j->pub, 1);
        return e;
    }
    int e = rp_thread_start(&j->t, board_main, j);
    if (e) {
        take(&j->pub, 0);
        take(&j->pub, 1);
    }
    return e;
}

static void report(romfs_board_many_t *m, const job_t *j, int event, int done)
{
    if (m->o.progress)
        m->o.progress(m->o.ctx, &j->pub, event, done, m->n);
}

/* Start the next board, or end it at once when it cannot start. */
static int launch(romfs_board_many_t *m, job_t *j, int *done)
{
    if (atomic_load(&m->canceled)) {
        snprintf(j->pub.msg, sizeof j->pub.msg, "canceled");
        report(m, j, ROMFS_BOARD_FINISHED, ++*done);
        return 0;
    }
    int e = start(j);
    if (e == 0) {
        report(m, j, ROMFS_BOARD_STARTED, *done);
        return 1;
    }
    j->pub.status = -e;
    snprintf(j->pub.msg, sizeof j->pub.msg, "cannot start a thread: %s", strerror(e));
    report(m, j, ROMFS_BOARD_FINISHED, ++*done);
    return 0;
}

int romfs_board_many_run(romfs_board_many_t *m)
{
    int next = 0, running = 0, done = 0;
    while (done < m->n) {
        while (next < m->n && running < m->o.max_running)
            running += launch(m, &m->jobs[next++], &done);
        int finished = 0;
        for (int i = 0; i < next; i++) {
            job_t *j = &m->jobs[i];
            if (!j->t || !atomic_load(&j->done))
                continue;
            j->pub.status = rp_thread_join(j->t);
            j->t = NULL;
            take(&j->pub, 0);
            take(&j->pub, 1);
            running--;
            finished++;
            report(m, j, ROMFS_BOARD_FINISHED, ++done);
        }
        if (!finished && done < m->n)
            rp_sleep_ms(20);
    }
    int failed = 0;
    for (int i = 0; i < m->n; i++)
        failed += m->jobs[i].pub.status != 0;
    return failed;
}

void romfs_board_job_error(const romfs_board_job_t *j, const char *prefix, char *buf, size_t size)
{
    const char *e = j->msg[0] ? j->msg : j->errors ? j->errors : "";
    size_t n = j->msg[0] ? strlen(j->msg) : j->errors_len;
    size_t pn = prefix ? strlen(prefix) : 0;
    while (n && (e[n - 1] == '\n' || e[n - 1] == '\r'))
        n--;
    size_t s = n;
    while (s && e[s - 1] != '\n')
        s--;
    if (pn && n - s > pn && strncmp(e + s, prefix, pn) == 0)
        s += pn;
    if (n == s)
        snprintf(buf, size, "%s", "failed with no message");
    else
        snprintf(buf, size, "%.*s", (int)(n - s), e + s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = '?';
}

/* s[0..n) with its line breaks as spaces. */
static void one_line(romfs_json_out_t *w, const char *s, size_t n)
{
    while (n && !w->err) {
        size_t k = 0;
        while (k < n && s[k] != '\n' && s[k] != '\r')
            k++;
        romfs_json_raw(w, s, k);
        if (k < n)
            romfs_json_raw(w, " ", 1);
        k += k < n;
        s += k;
        n -= k;
    }
}

int romfs_board_job_json(const romfs_board_job_t *j, const char *command, const char *prefix,
                         romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t w = {write, ctx, 0};
    char err[300];
    romfs_json_printf(&w, "{\"device\":");
    romfs_json_str(&w, j->dev);
    romfs_json_printf(&w, ",\"command\":");
    romfs_json_str(&w, command);
    romfs_json_printf(&w, ",\"ok\":%s,\"exit\":%d,\"seconds\":%.3f,\"error\":", j->status == 0 ? "true" : "false",
                      j->status < 0 ? 1 : j->status, j->seconds);
    if (j->status != 0) {
        romfs_board_job_error(j, prefix, err, sizeof err);
        romfs_json_str(&w, err);
    } else {
        romfs_json_printf(&w, "null");
    }
    /* The board's own object, on one line (raw newlines only sit between
     * tokens: strings are escaped). */
    const char *js = j->output;
    size_t n = js ? strlen(js) : 0;
    while (n && (js[n - 1] == '\n' || js[n - 1] == ' '))
        n--;
    romfs_json_printf(&w, ",\"report\":");
    if (n && js[0] == '{' && js[n - 1] == '}')
        one_line(&w, js, n);
    else
        romfs_json_printf(&w, "null");
    romfs_json_printf(&w, "}\n");
    return w.err;
}

/// A run's human lines ///

int romfs_board_job_text(const romfs_board_job_t *job, const char *command, const char *prefix, int done,
                         int total, romfs_json_write_fn write, void *ctx)
{
    static const romfs_board_many_result_t none;
    const romfs_board_many_result_t *r = job->result ? job->result : &none;
    romfs_json_out_t w = {write, ctx, 0};
    char err[300];
    romfs_json_printf(&w, "[%d/%d] ", done, total);
    romfs_json_raw(&w, job->dev, strlen(job->dev));
    if (job->status != 0) {
        romfs_board_job_error(job, prefix, err, sizeof err);
        romfs_json_printf(&w, ": FAILED: %s\n", err);
    } else if (strcmp(command, "deploy") == 0) {
        romfs_json_printf(&w, ": ok: wrote %lld of %lld blocks, %lld bytes on the wire, %.2fs\n", r->written,
                          r->total, r->wire, job->seconds);
    } else {
        romfs_json_printf(&w, ": ok: %lld bytes in partition 0, image %lld bytes, %.2fs\n", r->part_size,
                          r->image_size, job->seconds);
    }
    return w.err;
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

int romfs_board_many_table(romfs_board_many_t *m, const char *command, romfs_json_write_fn write, void *ctx)
{
    static const romfs_board_many_result_t none;
    romfs_json_out_t w = {write, ctx, 0};
    int deploy = strcmp(command, "deploy") == 0;
    romfs_json_printf(&w, "\n%-44s  %-16s  %8s  %10s  %7s  %s\n", "board", "unique id", deploy ? "blocks" : "parts",
                      deploy ? "bytes" : "image", "seconds", "result");
    for (int i = 0; i < m->n; i++) {
        const romfs_board_job_t *c = &m->jobs[i].pub;
        const romfs_board_many_result_t *r = c->result ? c->result : &none;
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
        romfs_json_printf(&w, "%-44s  %-16.16s  %8s  %10s  %7.2f  %s\n", bcell, uid, as, bs, c->seconds,
                          c->status == 0 ? "ok" : "FAILED");
    }
    return w.err;
}

void romfs_board_many_free(romfs_board_many_t *m)
{
    if (!m)
        return;
    for (int i = 0; m->jobs && i < m->n; i++) {
        free(m->jobs[i].pub.output);
        free(m->jobs[i].pub.errors);
        free(m->jobs[i].pub.result);
    }
    free(m->jobs);
    for (int i = 0; i < m->nports; i++)
        free(m->ports[i]);
    free(m);
}
