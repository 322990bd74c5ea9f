/* SPDX-License-Identifier: MIT */
/* The board handle (romfs_board.h) on top of a byte channel (serial.c,
 * exec.c) and the raw REPL (rawrepl.c): device selection (the emulated
 * board only when asked for) and one-line errors kept per handle. */
#include "board_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

#ifndef ROMFS_BOARD_DATADIR
#define ROMFS_BOARD_DATADIR "/usr/local/share/romfs"
#endif

#define DEFAULT_TIMEOUT_MS 10000

int board_fail(romfs_board_t *b, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->msg, sizeof b->msg, fmt, ap);
    va_end(ap);
    return code;
}

/* s single-quoted for sh -c (' becomes '\''), appended at o; returns the end. */
static char *shell_quote(char *o, const char *s)
{
    *o++ = '\'';
    for (; *s; s++) {
        if (*s == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *s;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return o;
}

/* sh -c command running the emulator: opts->emulator_cmd, else node on
 * opts->emulator (default: the installed one) with --partition. */
static char *emulator_command(const romfs_board_opts_t *o)
{
    if (o->emulator_cmd && *o->emulator_cmd)
        return strdup(o->emulator_cmd);
    const char *script = o->emulator && *o->emulator ? o->emulator : ROMFS_BOARD_DATADIR "/board/emulator.mjs";
    const char *part = o->emulator_partition && *o->emulator_partition ? o->emulator_partition : NULL;
    size_t n = strlen(script) + (part ? strlen(part) : 0);
    char *q = malloc(n * 4 + 48);
    if (!q)
        return NULL;
    char *e = shell_quote(q + sprintf(q, "exec node "), script);
    if (part)
        shell_quote(e + sprintf(e, " --partition "), part);
    return q;
}

/* The first port that looks like a MicroPython board, or NULL. */
static char *find_board_port(void)
{
    struct chan_port *ports;
    size_t n;
    char *name = NULL;
    if (chan_list_ports(&ports, &n) != 0)
        return NULL;
    if (n && ports[0].likely) /* likely ports sort first */
        name = strdup(ports[0].name);
    chan_free_ports(ports, n);
    return name;
}

static int open_emulated(romfs_board_t *b, const romfs_board_opts_t *o, const char **why)
{
    char *cmd = emulator_command(o);
    if (!cmd) {
        *why = "out of memory";
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    }
    if (o->emulator_cmd && *o->emulator_cmd)
        snprintf(b->desc, sizeof b->desc, "emulated board (command: %.500s)", o->emulator_cmd);
    else
        snprintf(b->desc, sizeof b->desc, "emulated board (partition: %.500s)",
                 o->emulator_partition && *o->emulator_partition ? o->emulator_partition : "the emulator's default");
    int e = chan_open_exec(&b->ch, cmd, why);
    free(cmd);
    return e;
}

/* deflate 3, base64 2, hex 1, literal 0; -1 for anything else. */
static int encoding_level(const char *enc)
{
    if (!enc || !*enc)
        return 3;
    return strcmp(enc, "deflate") == 0 ? 3 : strcmp(enc, "base64") == 0 ? 2 : strcmp(enc, "hex") == 0 ? 1
         : strcmp(enc, "literal") == 0 ? 0 : -1;
}

static int open_spec(romfs_board_t *b, const char *spec, const romfs_board_opts_t *o)
{
    const char *why = NULL;
    int e;
    if (spec && strncmp(spec, "exec:", 5) == 0) {
        if (spec[5] == '\0')
            return board_fail(b, ROMFS_ERR_NOBOARD, "exec: needs a command (exec:COMMAND)");
        snprintf(b->desc, sizeof b->desc, "%s", spec);
        e = chan_open_exec(&b->ch, spec + 5, &why);
    } else if (spec && strcmp(spec, "emulated") == 0) {
        e = open_emulated(b, o, &why);
    } else if (!spec || strcmp(spec, "auto") == 0) {
        char *port = find_board_port();
        if (!port)
            return board_fail(b, ROMFS_ERR_NOBOARD, "no MicroPython board found on any serial port (see 'romfs devs')");
        snprintf(b->desc, sizeof b->desc, "%s", port);
        e = chan_open_serial(&b->ch, port, &why);
        free(port);
    } else {
        snprintf(b->desc, sizeof b->desc, "%s", spec);
        e = chan_open_serial(&b->ch, spec, &why);
    }
    if (e)
        board_fail(b, e, "%.400s: %.180s", b->desc[0] ? b->desc : "board", why ? why : romfs_strerror(e));
    return e;
}

int romfs_board_open(romfs_board_t **out, const char *spec, const romfs_board_opts_t *opts)
{
    static const romfs_board_opts_t none;
    const romfs_board_opts_t *o = opts ? opts : &none;
    romfs_board_t *b = calloc(1, sizeof *b);
    *out = b;
    if (!b)
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    chan_init_fds(&b->ch, -1, -1);
    b->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    b->progress = o->progress;
    b->progress_ctx = o->progress_ctx;
    b->enc_level = encoding_level(o->encoding);   /* checked by the deploy probe */
    rr_init(&b->rr, &b->ch, b->timeout_ms);
    int e = open_spec(b, spec, o);
    if (e)
        chan_close(&b->ch);
    return e;
}

const char *romfs_board_describe(const romfs_board_t *b)
{
    return b ? b->desc : "";
}

int romfs_board_process_group(const romfs_board_t *b)
{
    return b && b->ch.proc.pid > 0 ? (int)b->ch.proc.pid : 0;
}

const char *romfs_board_errmsg(const romfs_board_t *b)
{
    if (!b)
        return "out of memory";
    return b->msg[0] ? b->msg : "no error";
}

void romfs_board_free(void *p)
{
    free(p);
}

/* Keep the raw REPL's message as the board's last error. After a failure
 * midway the board may still be running or printing: the next call starts
 * over by entering the raw REPL again (Ctrl-C, drain, Ctrl-A). */
static int keep(romfs_board_t *b, int e)
{
    if (e && e != ROMFS_ERR_RAISED) {
        snprintf(b->msg, sizeof b->msg, "%s", b->rr.err);
        if (b->rr.in_raw) {
            b->rr.in_raw = 0;
            b->rr.resync = 1;
        }
    }
    return e;
}

static int ensure_raw(romfs_board_t *b)
{
    return b->rr.in_raw ? 0 : keep(b, rr_enter(&b->rr));
}

/* "the board raised OSError: [Errno 5] EIO": a traceback's last line. */
static void keep_raised(romfs_board_t *b, const rr_buf_t *err)
{
    char last[200];
    ans_last_line(err->data ? err->data : "", err->len, last, sizeof last);
    snprintf(b->msg, sizeof b->msg, "the board raised %s", last[0] ? last : "an exception");
}

/* Hand a buffer's bytes to the caller (always a NUL-terminated string). */
static int give(rr_buf_t *buf, char **out, size_t *out_len)
{
    if (!out) {
        rr_buf_free(buf);
        return 0;
    }
    if (!buf->data && rr_buf_add(buf, "", 0))
        return ROMFS_ERR_NOMEM;
    *out = buf->data;
    if (out_len)
        *out_len = buf->len;
    buf->data = NULL;
    return 0;
}

int romfs_board_exec(romfs_board_t *b, const char *code, size_t code_len, char **out, size_t *out_len, int timeout_ms)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    int e = ensure_raw(b);
    if (e)
        return e;
    rr_buf_t o = {0}, err = {0};
    e = keep(b, rr_exec(&b->rr, code, code_len, NULL, NULL, &o, &err, timeout_ms));
    if (e == ROMFS_ERR_RAISED) {
        keep_raised(b, &err);
        rr_buf_free(&o);
        if (give(&err, out, out_len))
            return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
        return e;
    }
    rr_buf_free(&err);
    if (e) {
        rr_buf_free(&o);
        return e;
    }
    if (give(&o, out, out_len))
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    return 0;
}

int romfs_board_exec_stream(romfs_board_t *b, const char *code, size_t code_len, romfs_board_output_fn on_output,
                            void *ctx, char **err, size_t *err_len, int timeout_ms)
{
    if (err)
        *err = NULL;
    if (err_len)
        *err_len = 0;
    int e = ensure_raw(b);
    if (e)
        return e;
    rr_buf_t errtext = {0};
    e = keep(b, rr_exec(&b->rr, code, code_len, on_output, ctx, NULL, &errtext, timeout_ms));
    if (e == ROMFS_ERR_RAISED)
        keep_raised(b, &errtext);
    if (give(&errtext, err, err_len))
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    return e;
}

int romfs_board_soft_reset(romfs_board_t *b, char **out, size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    b->reset_ended = 0;
    int e = ensure_raw(b);
    if (e)
        return e;
    rr_buf_t boot = {0};
    e = keep(b, rr_soft_reset(&b->rr, &boot));
    b->reset_ended = e == ROMFS_ERR_CLOSED;
    if (b->reset_ended)   /* the unix port, exec: boards like it */
        board_fail(b, e, "soft reset ended the session (%s)", b->rr.err);
    if (e) {
        rr_buf_free(&boot);
        return e;
    }
    return give(&boot, out, out_len) ? board_fail(b, ROMFS_ERR_NOMEM, "out of memory") : 0;
}

int romfs_board_reset_ended(const romfs_board_t *b)
{
    return b && b->reset_ended;
}

void romfs_board_cancel(romfs_board_t *b, int on)
{
    if (b)
        chan_cancel(&b->ch, on);
}

uint64_t romfs_board_bytes_sent(const romfs_board_t *b)
{
    return b ? b->rr.sent : 0;
}

void romfs_board_close(romfs_board_t *b)
{
    if (!b)
        return;
    dboard_free(b->db);
    rr_exit(&b->rr);
    chan_close(&b->ch);
    free(b);
}

int romfs_board_list_ports(int all, void (*fn)(const char *port, const char *desc, void *ctx), void *ctx)
{
    struct chan_port *ports;
    size_t n;
    int e = chan_list_ports(&ports, &n);
    if (e)
        return e;
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!all && !ports[i].likely)
            continue;
        char desc[600];
        if (ports[i].vid || ports[i].pid)
            snprintf(desc, sizeof desc, "%04x:%04x %s", ports[i].vid, ports[i].pid, ports[i].desc);
        else
            snprintf(desc, sizeof desc, "-         %s", ports[i].desc);
        fn(ports[i].name, desc, ctx);
        count++;
    }
    chan_free_ports(ports, n);
    return count;
}

/// The port list as `romfs devs` writes it ///

typedef struct ports_out {
    romfs_json_out_t w;
    int json, count;
} ports_out_t;

static void port_out(const char *port, const char *desc, void *ctx)
{
    ports_out_t *p = ctx;
    if (p->json) {
        romfs_json_printf(&p->w, "%s\n {\"port\": ", p->count ? "," : "");
        romfs_json_str(&p->w, port);
        romfs_json_printf(&p->w, ", \"description\": ");
        romfs_json_str(&p->w, desc);
        romfs_json_printf(&p->w, "}");
    } else {
        size_t n = strlen(port);   /* a column of 20, as "%-20s " */
        romfs_json_raw(&p->w, port, n);
        romfs_json_printf(&p->w, "%*s ", n < 20 ? (int)(20 - n) : 0, "");
        romfs_json_raw(&p->w, desc, strlen(desc));
        romfs_json_raw(&p->w, "\n", 1);
    }
    p->count++;
}

static int ports_write(int all, int json, romfs_json_write_fn write, void *ctx)
{
    ports_out_t p = {{write, ctx, 0}, json, 0};
    if (json)
        romfs_json_printf(&p.w, "[");
    int n = romfs_board_list_ports(all, port_out, &p);
    if (json)
        romfs_json_printf(&p.w, p.count ? "\n]\n" : "]\n");
    else if (n == 0)
        romfs_json_printf(&p.w, "no boards found\n");
    return n < 0 ? n : p.w.err ? p.w.err : n;
}

int romfs_board_ports_text(int all, romfs_json_write_fn write, void *ctx)
{
    return ports_write(all, 0, write, ctx);
}

int romfs_board_ports_json(int all, romfs_json_write_fn write, void *ctx)
{
    return ports_write(all, 1, write, ctx);
}

int romfs_board_interrupt(romfs_board_t *b)
{
    b->rr.in_raw = 0;   /* whatever the board is doing, start over: Ctrl-C, drain, Ctrl-A */
    return ensure_raw(b);
}
