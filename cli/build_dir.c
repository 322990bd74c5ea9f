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

int cli_mpy_opt(void *opts, int id, const char *arg, const char *cmd)
{
    if (romfs_dirbuild_opts_add(opts, id, arg) == 0)
        return 0;
    cli_error("%s: out of memory", cmd);
    return -1;
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

void cli_build_init(cli_build_t *c, const romfs_dirbuild_opts_t *cfg, int verbose, const char *output_path,
                    FILE *info)
{
    memset(c, 0, sizeof *c);
    c->info = info;
    c->verbose = verbose;
    c->o = *cfg;
    /* The environment, mapped to options: the library reads none. */
    char home[4096];
    romfs_dirbuild_env_t env = {cli_cache_home(home, sizeof home), getenv("ROMFS_MPY_CACHE_MAX"), getenv("MPY_CROSS"),
                                getenv("PATH"), getenv("TMPDIR")};
    romfs_dirbuild_opts_env(&c->o, &env, c->cdir, sizeof c->cdir, c->why, sizeof c->why);
    c->o.compile.cancel = &cli_build_signal;
    c->o.output_path = output_path;
    c->o.on_line = info ? on_line : NULL;
    c->o.on_warning = on_warning;
    c->o.on_excluded = verbose ? on_excluded : NULL;
    c->o.ctx = c;
}

void cli_build_report(const cli_build_t *c, int r)
{
    char line[4400];
    romfs_mpy_t *m = c->d ? romfs_dirbuild_compiler(c->d) : NULL;
    if (c->verbose && c->d && romfs_dirbuild_compiler_line(c->d, line, sizeof line) > 0)
        fprintf(cli_stderr(), "%s\n", line);
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

int cli_deploy_build(const char *src, const romfs_dirbuild_opts_t *cfg, uint8_t **img, size_t *len)
{
    cli_build_t c;
    cli_build_init(&c, cfg, 0, NULL, NULL);
    int r = (c.d = romfs_dirbuild_new(&c.o)) ? romfs_dirbuild_image(c.d, src, NULL, img, len) : ROMFS_ERR_NOMEM;
    cli_build_report(&c, r);
    cli_build_done(&c);
    return r < 0 ? -1 : 0;
}
