/* SPDX-License-Identifier: MIT */
/* board.h on top of a byte channel (serial.c, exec.c) and the raw REPL
 * (rawrepl.c): device selection (the emulated board only when asked for),
 * and one-line errors. */
#include "transport/board.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "chan.h"
#include "rawrepl.h"

#ifndef ROMFS_SOURCE_DIR
#define ROMFS_SOURCE_DIR "."
#endif
#ifndef ROMFS_DATADIR_REL
#define ROMFS_DATADIR_REL "share/romfs"
#endif

#define DEFAULT_TIMEOUT_MS 10000

struct board {
    chan_t ch;
    rawrepl_t rr;
    char desc[600];
    char err[300];
};

static char open_err[640];

/* Deadline for each step, overridable for tests and slow links. */
static int timeout_ms(void)
{
    const char *s = getenv("ROMFS_TIMEOUT_MS");
    if (s && *s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end == '\0' && v > 0 && v <= 3600000)
            return (int)v;
    }
    return DEFAULT_TIMEOUT_MS;
}

/* The emulated board keeps its partition where emulator.mjs looks. */
static void emulated_partition(char *buf, size_t size)
{
    const char *dir = getenv("ROMFS_BOARD_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (dir && *dir)
        snprintf(buf, size, "%s/partition.bin", dir);
    else if (xdg && *xdg)
        snprintf(buf, size, "%s/romfs/board/partition.bin", xdg);
    else
        snprintf(buf, size, "%s/.cache/romfs/board/partition.bin", home && *home ? home : ".");
}

/* emulator.mjs of an installed binary (BINDIR/../share/romfs/board/, found
 * from /proc/self/exe), else, for the binary in the build tree only, of the
 * source tree it was built from: an installed or moved binary never reaches
 * back into a source tree (its install must be complete). */
static void emulator_path(char *buf, size_t size)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
    if (slash) {
        *slash = '\0';
        snprintf(buf, size, "%s/../%s/board/emulator.mjs", exe, ROMFS_DATADIR_REL);
        if (access(buf, R_OK) == 0)
            return;
#ifdef ROMFS_BINARY_DIR
        char built[4096];
        if (!realpath(ROMFS_BINARY_DIR, built) || strcmp(built, exe) != 0)
            return; /* not the build tree's binary: buf names the missing file */
#endif
    }
    snprintf(buf, size, "%s", ROMFS_SOURCE_DIR "/board/emulator.mjs");
}

/* sh -c command running the emulator: ROMFS_BOARD_CMD, else node on
 * emulator_path(). */
static char *emulator_command(void)
{
    const char *cmd = getenv("ROMFS_BOARD_CMD");
    if (cmd && *cmd)
        return strdup(cmd);
    char src[4200];
    emulator_path(src, sizeof src);
    /* Single-quote the path for the shell: ' becomes '\''. */
    size_t n = strlen(src);
    char *q = malloc(n * 4 + 16);
    if (!q)
        return NULL;
    char *o = q + sprintf(q, "exec node '");
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = src[i];
        }
    }
    strcpy(o, "'");
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

/* 1 when prog is an executable file in a directory of $PATH. */
static int on_path(const char *prog)
{
    const char *p = getenv("PATH");
    char file[4200];
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(file, sizeof file, "%.*s/%s", (int)n, n ? p : ".", prog);
        if (access(file, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* Why the emulated board cannot start here, as one line, or NULL. */
static const char *emulated_missing(void)
{
    char src[4200];
    const char *custom = getenv("ROMFS_BOARD_CMD");
    if (custom && *custom)
        return NULL;
    if (!on_path("node"))
        return "needs Node.js >= 18, not found on PATH "
               "(Debian/Ubuntu: apt-get install nodejs; elsewhere: https://nodejs.org)";
    emulator_path(src, sizeof src);
    if (access(src, R_OK) != 0)
        return "not installed (no share/romfs/board/emulator.mjs beside this romfs)";
    return NULL;
}

static int open_emulated(board_t *b, const char **err_msg)
{
    char part[512];
    if ((*err_msg = emulated_missing()) != NULL) {
        snprintf(b->desc, sizeof b->desc, "emulated board");
        return BOARD_ERR_NODEV;
    }
    char *cmd = emulator_command();
    if (!cmd) {
        *err_msg = "out of memory";
        return -ENOMEM;
    }
    const char *custom = getenv("ROMFS_BOARD_CMD");
    emulated_partition(part, sizeof part);
    if (custom && *custom)
        snprintf(b->desc, sizeof b->desc, "emulated board (command: %s)", custom);
    else
        snprintf(b->desc, sizeof b->desc, "emulated board (partition: %s)", part);
    int e = chan_open_exec(&b->ch, cmd, err_msg);
    free(cmd);
    return e;
}

int board_open(board_t **out, const char *spec, const char **err_msg)
{
    static const char *dummy;
    if (!err_msg)
        err_msg = &dummy;
    *out = NULL;
    *err_msg = NULL;
    board_t *b = calloc(1, sizeof *b);
    if (!b) {
        *err_msg = "out of memory";
        return -ENOMEM;
    }
    int e = 0;
    const char *why = NULL;
    const char *env = getenv("ROMFS_DEVICE");
    if (!spec && env && *env)
        spec = env;
    if (spec && strncmp(spec, "exec:", 5) == 0) {
        if (spec[5] == '\0') {
            *err_msg = "exec: needs a command (exec:COMMAND)";
            free(b);
            return BOARD_ERR_NODEV;
        }
        snprintf(b->desc, sizeof b->desc, "%s", spec);
        e = chan_open_exec(&b->ch, spec + 5, &why);
    } else if (spec && strcmp(spec, "emulated") == 0) {
        e = open_emulated(b, &why);
    } else if (!spec || strcmp(spec, "auto") == 0) {
        char *port = find_board_port();
        if (!port) {
            free(b);
            *err_msg = spec ? "no MicroPython board found on any serial port (see 'romfs devs')"
                            : "no device found (for the emulated board: -d emulated, or ROMFS_DEVICE=emulated)";
            return BOARD_ERR_NODEV;
        }
        snprintf(b->desc, sizeof b->desc, "%s", port);
        e = chan_open_serial(&b->ch, port, &why);
        free(port);
    } else {
        snprintf(b->desc, sizeof b->desc, "%s", spec);
        e = chan_open_serial(&b->ch, spec, &why);
    }
    if (e) {
        snprintf(open_err, sizeof open_err, "%.400s: %.180s", b->desc[0] ? b->desc : "board",
                 why ? why : strerror(-e));
        *err_msg = open_err;
        chan_close(&b->ch);
        free(b);
        return e;
    }
    rr_init(&b->rr, &b->ch, timeout_ms());
    *out = b;
    return 0;
}

const char *board_describe(const board_t *b)
{
    return b ? b->desc : "";
}

const char *board_last_error(const board_t *b)
{
    if (!b)
        return open_err;
    return b->err[0] ? b->err : "no error";
}

/* Keep the raw REPL's message as the board's last error. After a failure
 * midway the board may still be running or printing: the next call starts
 * over by entering the raw REPL again (Ctrl-C, drain, Ctrl-A). */
static int keep(board_t *b, int e)
{
    if (e && e != BOARD_ERR_EXEC) {
        snprintf(b->err, sizeof b->err, "%s", b->rr.err);
        if (b->rr.in_raw) {
            b->rr.in_raw = 0;
            b->rr.resync = 1;
        }
    }
    return e;
}

static int ensure_raw(board_t *b)
{
    return b->rr.in_raw ? 0 : keep(b, rr_enter(&b->rr));
}

/* "the board raised OSError: [Errno 5] EIO": a traceback's last line. */
static void keep_raised(board_t *b, const rr_buf_t *err)
{
    char last[200];
    ans_last_line(err->data ? err->data : "", err->len, last, sizeof last);
    snprintf(b->err, sizeof b->err, "the board raised %s", last[0] ? last : "an exception");
}

/* Hand a buffer's bytes to the caller (always a NUL-terminated string). */
static int give(rr_buf_t *buf, char **out, size_t *out_len)
{
    if (!out) {
        rr_buf_free(buf);
        return 0;
    }
    if (!buf->data && rr_buf_add(buf, "", 0))
        return -ENOMEM;
    *out = buf->data;
    if (out_len)
        *out_len = buf->len;
    buf->data = NULL;
    return 0;
}

int board_exec(board_t *b, const char *code, size_t code_len, char **out, size_t *out_len, int timeout_ms)
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
    if (e == BOARD_ERR_EXEC) {
        keep_raised(b, &err);
        rr_buf_free(&o);
        if (give(&err, out, out_len))
            return -ENOMEM;
        return e;
    }
    rr_buf_free(&err);
    if (e) {
        rr_buf_free(&o);
        return e;
    }
    if (give(&o, out, out_len))
        return -ENOMEM;
    return 0;
}

int board_exec_stream(board_t *b, const char *code, size_t code_len,
                      void (*on_output)(const char *data, size_t len, void *ctx), void *ctx, char **err,
                      size_t *err_len, int timeout_ms)
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
    if (e == BOARD_ERR_EXEC)
        keep_raised(b, &errtext);
    if (give(&errtext, err, err_len))
        return -ENOMEM;
    return e;
}

int board_soft_reset(board_t *b, char **out, size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    int e = ensure_raw(b);
    if (e)
        return e;
    rr_buf_t boot = {0};
    e = keep(b, rr_soft_reset(&b->rr, &boot));
    if (e) {
        rr_buf_free(&boot);
        return e;
    }
    return give(&boot, out, out_len) ? -ENOMEM : 0;
}

uint64_t board_bytes_sent(const board_t *b)
{
    return b ? b->rr.sent : 0;
}

void board_close(board_t *b)
{
    if (!b)
        return;
    rr_exit(&b->rr);
    chan_close(&b->ch);
    free(b);
}

int board_list_ports_all(int all, void (*fn)(const char *port, const char *desc, void *ctx), void *ctx)
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

/* For `romfs watch` (cli/watch.c), which streams a module's output from a
 * child process and must then take the board back from it. */
int board_interrupt(board_t *b)
{
    b->rr.in_raw = 0;   /* whatever the board is doing, start over: Ctrl-C, drain, Ctrl-A */
    return ensure_raw(b);
}
