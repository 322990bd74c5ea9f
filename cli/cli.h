/* SPDX-License-Identifier: MIT */
/*
 * Shared declarations of the `romfs` command: one entry point per
 * subcommand (cli/<name>.c) and the small utilities they all use.
 * The CLI only calls the library's public headers.
 */
#ifndef ROMFS_CLI_H
#define ROMFS_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "romfs/romfs_board.h"
#include "romfs/romfs_cleanup.h"
#include "romfs/romfs_io.h"

/* Exit statuses: success, failure of the operation, bad usage. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* Subcommands: argv[0] is the subcommand name; return an exit status. */
int cmd_build(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_devs(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* cli/multi.c: `deploy`/`query` with several -d or -d all. The command
 * parses its options once (every -d into devs, given counts them) and,
 * when multi_wanted,
 * calls multi_run with its per-board function: fn runs on one thread per
 * board (ctx is shared: fn copies what it changes) as with --json, prints
 * the board's JSON object (cli_stdout) and fills *res; returns the board's
 * exit status. multi_run returns the command's. */
#define CLI_MAX_BOARDS 256
typedef romfs_board_many_result_t cli_board_result_t;   /* the board library's */
typedef int (*cli_board_fn)(void *ctx, const char *dev, cli_board_result_t *res);
int multi_wanted(const char *const *devs, int ndevs, int given);
/* The -d options of such a command (CLI_OPT_DEVS): the last in dev,
 * each board once in v, every -d counted in given. */
typedef struct cli_devs {
    const char *dev;
    const char *v[CLI_MAX_BOARDS];
    int n, given;
} cli_devs_t;
/* A -d of such a command: into devs (each board once, at most
 * CLI_MAX_BOARDS); *given counts every -d. -1 after an error line. */
int cli_add_device(const char **devs, int *n, int *given, const char *dev, const char *cmd);
int multi_run(const char *cmd, const char *const *devs, int ndevs, int json, int quiet, cli_board_fn fn, void *ctx);

/* cli/board_open.c: the board library's options from the environment
 * (ROMFS_TIMEOUT_MS, ROMFS_DEPLOY_ENCODING, ROMFS_BOARD_CMD,
 * ROMFS_BOARD_DIR, XDG_CACHE_HOME, HOME) and the emulated board's paths. */
typedef struct cli_board_cfg {
    romfs_board_opts_t opts;
    char emulator[4200];
    char partition[4200];
} cli_board_cfg_t;
void cli_board_config(cli_board_cfg_t *c);
/* The device a command uses: spec, else $ROMFS_DEVICE, else NULL (auto). */
const char *cli_board_spec(const char *spec);
/* Open spec (NULL: the default device) with cfg (NULL: from the
 * environment). 0, or a negative code with *out NULL and msg one line. */
int cli_board_open(romfs_board_t **out, const char *spec, const cli_board_cfg_t *cfg, char *msg, size_t size);

/* The user's cache directory ($XDG_CACHE_HOME when absolute, else
 * ~/.cache) in buf, or NULL when there is none. */
const char *cli_cache_home(char *buf, size_t size);
/* The deploy cache (romfs_session_cache_dir), malloc'd, or NULL. */
char *cli_cache_dir(void);

/* Where the command's output goes: stdout and stderr, except on a board's
 * thread of cli/multi.c, where cli_output_to gave that board's own buffers
 * (NULL, NULL: back to stdout and stderr). Per thread. */
FILE *cli_stdout(void);
FILE *cli_stderr(void);
void cli_output_to(FILE *out, FILE *err);
int cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "romfs: <message>\n" on stderr (cli_stderr). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set to 1 when --json was given: cli_error then also prints its first
 * error as {"error": "..."} on stdout (cli_stdout; docs/JSON.md). Per
 * thread. */
extern _Thread_local int cli_json_errors;
/* "romfs: warning: <message>\n" on stderr (cli_stderr). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write s[0..len) for people (romfs_text_escape): name is bytes from an
 * image, else text from a board or the host, escaped when fp is a
 * terminal. */
void cli_put_escaped(FILE *fp, const void *s, size_t len, int name);

/* The one size limit for what the command writes: an output of BYTES that
 * romfs_image_load would refuse is refused before anything is written (one
 * line naming OUT and WHAT it is, -1); 0 when it fits. */
int cli_refuse_unreadable(const char *out, const char *what, uint64_t bytes);

/* Atomic output (romfs_out_* of romfs_io.h, buffered) whose temporary file
 * is removed when a signal ends the command (romfs_cleanup.h, tracked from
 * main()). */
typedef struct cli_out {
    romfs_out_t o;
    const char *path;       /* for messages; "<stdout>" for "-" */
} cli_out_t;

/* Open path for writing ('-' is stdout). On failure prints one error line
 * naming it and returns -1. */
int cli_out_open(cli_out_t *o, const char *path);
/* Append bytes (a romfs_builder_write callback: ctx is the cli_out_t). The
 * first failure prints "PATH: write failed at offset N: <strerror>" and
 * is returned as a negative errno, and so are all later calls. */
int cli_out_write(void *ctx, const void *data, size_t len);
/* Flush, fsync, rename into place; "PATH: write failed: .." and -1 when
 * that fails. Either way the temporary file is gone afterwards. */
int cli_out_commit(cli_out_t *o);
void cli_out_abort(cli_out_t *o);

/* A romfs_json_write_fn (and romfs_text_escape's) on the FILE *fp. */
int cli_put(void *fp, const void *data, size_t len);
/* Write s as a JSON string literal (with quotes); bytes that are not valid
 * UTF-8 are escaped as \u00XX of the byte value, so a program cannot tell
 * them from real characters: cli_json_name adds the bytes in hex then. */
void cli_json_string(FILE *fp, const uint8_t *s, size_t len);
/* `"KEY": "string"`, followed by `, "KEY_hex": "6869e9"` when s is not
 * valid UTF-8. */
void cli_json_name(FILE *fp, const char *key, const uint8_t *s, size_t len);

/* Parse a non-negative integer option value; -1 on error. */
long long cli_parse_size(const char *s);

#endif
