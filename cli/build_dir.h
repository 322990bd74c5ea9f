/* SPDX-License-Identifier: MIT */
/*
 * A host directory into a builder, the way `romfs build` does it: mpremote's
 * header and tree lines, .py files compiled by mpy-cross (in parallel, cached;
 * src/host/mpy.c), warnings. Shared by `romfs build`, `romfs deploy DIR` and
 * `romfs watch`, with the compile options' parsing.
 */
#ifndef ROMFS_CLI_BUILD_DIR_H
#define ROMFS_CLI_BUILD_DIR_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "romfs/romfs_build.h"
#include "romfs/romfs_ignore.h"
#include "romfs/romfs_mpy.h"

/* The compile options, as every command that builds takes them. */
typedef struct cli_mpy_cfg {
    int want_mpy;           /* --mpy (default 1) / --no-mpy */
    unsigned jobs;          /* -j N; 0: online CPUs */
    int no_cache;           /* --no-cache */
    const char **args;      /* --mpy-cross-arg ARG, in order */
    size_t nargs;
    int verbose;            /* say which compiler was used, and what was left out */
    const char **excludes;  /* --exclude PATTERN, in order */
    size_t nexcludes;
    int no_default_excludes; /* --no-default-excludes */
} cli_mpy_cfg_t;

/* Option values for getopt_long: 'j' is also the short option -j. */
enum {
    CLI_MPY_OPT_JOBS = 'j',
    CLI_MPY_OPT_MPY = 0x4d00,
    CLI_MPY_OPT_NO_MPY,
    CLI_MPY_OPT_NO_CACHE,
    CLI_MPY_OPT_ARG,
    CLI_MPY_OPT_EXCLUDE,
    CLI_MPY_OPT_NO_DEFAULT_EXCLUDES,
};

/* Put these in a command's longopts (and "j:" in its short options). */
#define CLI_MPY_LONGOPTS                                                         \
    {"mpy", no_argument, NULL, CLI_MPY_OPT_MPY},                                 \
        {"no-mpy", no_argument, NULL, CLI_MPY_OPT_NO_MPY},                       \
        {"jobs", required_argument, NULL, CLI_MPY_OPT_JOBS},                     \
        {"no-cache", no_argument, NULL, CLI_MPY_OPT_NO_CACHE},                   \
        {"mpy-cross-arg", required_argument, NULL, CLI_MPY_OPT_ARG},             \
        {"exclude", required_argument, NULL, CLI_MPY_OPT_EXCLUDE},               \
        {"no-default-excludes", no_argument, NULL, CLI_MPY_OPT_NO_DEFAULT_EXCLUDES}

/* The options' lines for a command's --help. */
extern const char cli_mpy_help[];

void cli_mpy_cfg_init(cli_mpy_cfg_t *cfg);
/* Handle getopt's ch/arg when it is one of CLI_MPY_LONGOPTS or -j: 1 when
 * handled, 0 when not one of ours, -1 after printing a usage error (exit 2)
 * prefixed with cmd. */
int cli_mpy_option(cli_mpy_cfg_t *cfg, int ch, const char *arg, const char *cmd);
void cli_mpy_cfg_free(cli_mpy_cfg_t *cfg);

/* The options for compiling for a board: cfg with -march=MARCH added when
 * march is set and cfg has no -march of the user's (the user's choice
 * wins). *out shares cfg's strings and uses buf (the -march option);
 * release it with cli_mpy_cfg_board_free. 0, or -1 out of memory. */
int cli_mpy_cfg_board(const cli_mpy_cfg_t *cfg, const char *march, char buf[48], cli_mpy_cfg_t *out);
void cli_mpy_cfg_board_free(const cli_mpy_cfg_t *cfg, cli_mpy_cfg_t *out);
/* 1 when an argument asks for native code (-march, -X emit=...): then the
 * board must load the exact .mpy sub-version too. */
int cli_mpy_cfg_native(const cli_mpy_cfg_t *cfg);

/* Set by the handlers of cli_build_signals_catch: the signal that arrived,
 * else 0. Builds stop at the next step; the caller removes what it wrote
 * and exits 128 + the signal. */
extern volatile sig_atomic_t cli_build_signal;
/* Catch SIGINT, SIGTERM and SIGHUP into cli_build_signal (no SA_RESTART, so
 * waits are interrupted). */
void cli_build_signals_catch(void);

typedef struct cli_build_dir {
    FILE *info;            /* header, tree and warnings for people (NULL: quiet) */
    const cli_mpy_cfg_t *cfg;
    romfs_mpy_t *mpy;      /* NULL when not compiling or no compiler */
    romfs_build_file_t **later;  /* per compiled source, its file in the builder */
    size_t nlater, cap;
    char *mpy_name;        /* the hook's stored name for the current file */
    int missed;            /* .py files stored as source for lack of mpy-cross */
    romfs_ignore_t *ignore; /* what the build leaves out (cli_build_ignore) */
    const char *src;       /* the source directory */
    int reported;          /* an error line was printed */
    int interrupted;       /* stopped by cli_build_signal */
} cli_build_dir_t;

/* Add directory src to b's current directory, printing mpremote's lines to
 * info. With cfg->want_mpy, name.py without a name.mpy beside it is compiled
 * (source name: its path inside the tree, lib/pkg/core.py) and stored as
 * name.mpy. output_path (may be NULL) is refused when inside src. Returns 0,
 * or -1 after printing one error (s->interrupted: a signal stopped it,
 * nothing printed). Compiled bytes are copied into b. */
int cli_build_dir_cfg(cli_build_dir_t *s, romfs_builder_t *b, const char *src,
                      const cli_mpy_cfg_t *cfg, const char *output_path, FILE *info);

/* What a build of src leaves out: the default excludes (unless
 * --no-default-excludes), src/.romfsignore, then each --exclude. NULL after
 * printing one error (an unreadable .romfsignore, out of memory). */
romfs_ignore_t *cli_build_ignore(const cli_mpy_cfg_t *cfg, const char *src);

/* Release everything (the compile session, its temporary directory). Safe
 * to call more than once. */
void cli_build_dir_done(cli_build_dir_t *s);

#endif
