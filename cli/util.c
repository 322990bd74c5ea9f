/* SPDX-License-Identifier: MIT */
/* Utilities shared by the subcommands: errors, the size limit and atomic
 * output over romfs_io.h, JSON strings, option values. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "romfs/romfs_session.h"

#include "romfs/romfs_check.h"
#include "romfs/romfs_json.h"

/* One board's output buffers on its thread (cli/multi.c), else NULL. */
static _Thread_local FILE *out_sink, *err_sink;

FILE *cli_stdout(void)
{
    return out_sink ? out_sink : stdout;
}

FILE *cli_stderr(void)
{
    return err_sink ? err_sink : stderr;
}

void cli_output_to(FILE *out, FILE *err)
{
    out_sink = out;
    err_sink = err;
}

int cli_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(cli_stdout(), fmt, ap);
    va_end(ap);
    return n;
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    FILE *err = cli_stderr();
    fputs("romfs: ", err);
    fputs(prefix, err);
    vfprintf(err, fmt, ap);
    fputc('\n', err);
}

_Thread_local int cli_json_errors;

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
    if (cli_json_errors == 1) {
        /* --json: the first error as JSON on stdout too (docs/JSON.md). */
        char msg[1024];
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        FILE *out = cli_stdout();
        fflush(out);
        fputs("{\"error\": ", out);
        cli_json_string(out, (const uint8_t *)msg, strlen(msg));
        fputs("}\n", out);
        fflush(out);
        cli_json_errors = 2;
    }
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

int cli_refuse_unreadable(const char *out, const char *what, uint64_t bytes)
{
    if (bytes <= ROMFS_LOAD_MAX)
        return 0;
    cli_error("%s: the %s would be %llu bytes, larger than %zu MiB, the most romfs reads (check, ls, cat, deploy); "
              "nothing written", out, what, (unsigned long long)bytes, ROMFS_LOAD_MAX >> 20);
    return -1;
}

int cli_out_open(cli_out_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = strcmp(path, "-") == 0 ? "<stdout>" : path;
    /* The temporary file is registered for signals by the hooks
     * (romfs_cleanup_track); a command's output is covered from here. */
    romfs_cleanup_install();
    fflush(stdout);   /* "-": what stdio holds goes first */
    int r = romfs_out_open(&o->o, path);
    if (r == 0 && (r = romfs_out_buffer(&o->o, 1 << 16)) < 0)
        romfs_out_abort(&o->o);
    if (r < 0) {
        cli_error("%s: cannot write: %s", o->path, strerror(-r));
        return -1;
    }
    return 0;
}

int cli_out_write(void *ctx, const void *data, size_t len)
{
    cli_out_t *o = ctx;
    if (o->o.err)
        return o->o.err;
    int r = romfs_out_write(&o->o, data, len);
    if (r < 0)
        cli_error("%s: write failed at offset %llu: %s", o->path, (unsigned long long)o->o.written, strerror(-r));
    return r;
}

int cli_out_commit(cli_out_t *o)
{
    int had = o->o.err;
    int r = romfs_out_commit(&o->o);
    if (r < 0 && !had)
        cli_error("%s: write failed: %s", o->path, strerror(-r));
    return r < 0 ? -1 : 0;
}

void cli_out_abort(cli_out_t *o)
{
    romfs_out_abort(&o->o);
}

int cli_put(void *fp, const void *data, size_t len)
{
    return fwrite(data, 1, len, fp) == len ? 0 : -1;
}

void cli_put_escaped(FILE *fp, const void *s, size_t len, int name)
{
    unsigned tty = rp_isatty(fileno(fp)) ? ROMFS_ESCAPE_TTY : 0;
    (void)romfs_text_escape(s, len, (name ? ROMFS_ESCAPE_NAME : 0) | tty, cli_put, fp);
}

void cli_json_string(FILE *fp, const uint8_t *s, size_t len)
{
    (void)romfs_json_string(s, len, cli_put, fp);   /* write errors: the stream's, seen when it is flushed */
}

void cli_json_name(FILE *fp, const char *key, const uint8_t *s, size_t len)
{
    (void)romfs_json_name(key, s, len, cli_put, fp);
}

long long cli_parse_size(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || s[0] == '-' || v > (unsigned long long)INT64_MAX)
        return -1;
    return (long long)v;
}

/* Not board-specific, and every platform has one (rp_cache_home:
 * $XDG_CACHE_HOME when absolute, else ~/.cache, else %LOCALAPPDATA%). */
const char *cli_cache_home(char *buf, size_t size)
{
    char *h = rp_cache_home();
    if (!h)
        return NULL;
    snprintf(buf, size, "%s", h);
    free(h);
    return buf;
}

char *cli_cache_dir(void)
{
    char buf[4096];
    return romfs_session_cache_dir(cli_cache_home(buf, sizeof buf));
}

int cli_add_device(const char **devs, int *n, int *given, const char *dev, const char *cmd)
{
    ++*given;
    for (int k = 0; k < *n; k++)
        if (strcmp(devs[k], dev) == 0)
            return 0;   /* the same board twice would race with itself */
    if (*n == CLI_MAX_BOARDS) {
        cli_error("%s: at most %d boards at once", cmd, CLI_MAX_BOARDS);
        return -1;
    }
    devs[(*n)++] = dev;
    return 0;
}
