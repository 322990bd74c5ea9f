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

void cli_mpy_cfg_init(cli_mpy_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->want_mpy = 1;
}

int cli_mpy_opt(void *field, int id, const char *arg, const char *cmd)
{
    cli_mpy_cfg_t *cfg = field;
    const char ***v = id == CLI_MPY_OPT_ARG ? &cfg->args : &cfg->excludes;
    size_t *n = id == CLI_MPY_OPT_ARG ? &cfg->nargs : &cfg->nexcludes;
    const char **grown = realloc(*v, (*n + 1) * sizeof *grown);
    if (!grown) {
        cli_error("%s: out of memory", cmd);
        return -1;
    }
    *v = grown;
    grown[(*n)++] = arg;
    return 0;
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
    cli_build_t *c = ctx;
    /* Host names as they are, as mpremote prints them; escaped on a
     * terminal, where a name could drive it. */
    cli_put_escaped(c->info, line, strlen(line), 0);
    fputc('\n', c->info);
}

static void on_warning(void *ctx, const char *msg)
{
    (void)ctx;
    cli_warn("%s", msg);
}

/* -v: each path the build leaves out, and the rule that did. */
static void on_excluded(void *ctx, const char *rel, const char *rule, const char *origin)
{
    (void)ctx;
    fprintf(cli_stderr(), "romfs: excluded %s (%s, %s)\n", rel, rule ? rule : "?", origin ? origin : "?");
}

void cli_build_init(cli_build_t *c, const cli_mpy_cfg_t *cfg, const char *output_path, FILE *info)
{
    memset(c, 0, sizeof *c);
    c->info = info;
    c->verbose = cfg->verbose;
    /* The environment, mapped to options: the library reads none. */
    char home[4096];
    const char *max = getenv("ROMFS_MPY_CACHE_MAX");
    long long bound = max && *max ? romfs_mpy_parse_bytes(max) : 0;
    const char *ch = cli_cache_home(home, sizeof home);
    snprintf(c->cdir, sizeof c->cdir, "%s/romfs/mpy", ch ? ch : "");
    romfs_mpy_opts_t mo = {NULL, cfg->args, cfg->nargs, cfg->jobs, cfg->no_cache, ch ? c->cdir : NULL,
                           bound > 0 ? (uint64_t)bound : 0, &cli_build_signal, getenv("MPY_CROSS"), getenv("PATH"),
                           getenv("TMPDIR")};
    romfs_dirbuild_opts_t o = {.mpy = cfg->want_mpy, .compile = mo, .excludes = cfg->excludes,
                               .nexcludes = cfg->nexcludes, .no_default_excludes = cfg->no_default_excludes,
                               .output_path = output_path, .on_line = info ? on_line : NULL,
                               .on_warning = on_warning, .on_excluded = cfg->verbose ? on_excluded : NULL, .ctx = c};
    if (!cfg->no_cache && bound < 0)
        snprintf(c->why, sizeof c->why, "ROMFS_MPY_CACHE_MAX: not a byte count: '%.100s'", max);
    else if (!cfg->no_cache && !ch)
        snprintf(c->why, sizeof c->why, "no cache directory: neither $XDG_CACHE_HOME nor $HOME is set");
    o.no_cache_reason = *c->why ? c->why : NULL;
    c->o = o;
}

void cli_build_report(const cli_build_t *c, int r)
{
    romfs_mpy_t *m = c->d ? romfs_dirbuild_compiler(c->d) : NULL;
    if (c->verbose && m && romfs_dirbuild_result(c->d)->compiled) {
        romfs_mpy_stats_t st;
        romfs_mpy_stats(m, &st);
        fprintf(cli_stderr(), "mpy-cross: %s (%s): %u source%s, %u compiled, %u cached, -j%u\n", romfs_mpy_compiler(m),
                romfs_mpy_version(m), st.sources, st.sources == 1 ? "" : "s", st.compiled, st.cached, st.jobs);
    }
    if (r >= 0 || r == -EINTR || cli_build_signal)
        return;
    cli_error("%s", c->d ? romfs_dirbuild_errmsg(c->d) : "out of memory");
    if (m)
        fputs(romfs_mpy_output(m), cli_stderr());
}

int cli_build_run(cli_build_t *c, romfs_builder_t *b, const char *src)
{
    int r = (c->d = romfs_dirbuild_new(&c->o)) ? romfs_dirbuild_run(c->d, b, src) : ROMFS_ERR_NOMEM;
    cli_build_report(c, r);
    return r < 0 ? -1 : 0;
}

void cli_build_done(cli_build_t *c)
{
    romfs_dirbuild_free(c->d);
    c->d = NULL;
}

int cli_deploy_build(const char *src, const cli_mpy_cfg_t *cfg, uint8_t **img, size_t *len)
{
    cli_build_t c;
    cli_build_init(&c, cfg, NULL, NULL);
    int r = (c.d = romfs_dirbuild_new(&c.o)) ? romfs_dirbuild_image(c.d, src, NULL, img, len) : ROMFS_ERR_NOMEM;
    cli_build_report(&c, r);
    cli_build_done(&c);
    return r < 0 ? -1 : 0;
}
