/* SPDX-License-Identifier: MIT */
/*
 * The `romfs` command: a table from subcommand names to their entry points,
 * and the conventions every subcommand shares: `romfs help CMD` is
 * `romfs CMD --help`, -V/--version, and getopt's own one-line messages for
 * unknown options ("romfs ls: unrecognized option '--long-x'"), named as
 * typed, before each command prints its usage.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "platform.h"
#include "romfs/romfs.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const cli_cmd_t *line;   /* its options (opts.h) */
};

/* One line per command; the order is the order of `romfs --help`. */
static const struct command commands[] = {
    {"build", cmd_build, "build an image from a directory", &cli_cmd_build},
    {"ls", cmd_ls, "list a directory of an image", &cli_cmd_ls},
    {"tree", cmd_tree, "show the whole tree of an image", &cli_cmd_tree},
    {"cat", cmd_cat, "write a file of an image to stdout", &cli_cmd_cat},
    {"stat", cmd_stat, "show what the image says about one path", &cli_cmd_stat},
    {"extract", cmd_extract, "unpack an image into a directory", &cli_cmd_extract},
    {"check", cmd_check, "verify an image and report every problem", &cli_cmd_check},
    {"mount", cmd_mount, "mount an image read-only on a directory (FUSE)", &cli_cmd_mount},
    {"devs", cmd_devs, "list serial ports that look like MicroPython boards", &cli_cmd_devs},
    {"query", cmd_query, "show a board's ROM partitions", &cli_cmd_query},
    {"deploy", cmd_deploy, "write an image or a directory to a board", &cli_cmd_deploy},
    {"run", cmd_run, "soft-reset a board and run a module from /rom", &cli_cmd_run},
    {"watch", cmd_watch, "deploy a directory on every change and run a module", &cli_cmd_watch},
    {"diff", cmd_diff, "compare two images, directories or board images", &cli_cmd_diff},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
    fprintf(fp, "usage: romfs [-V | --version] [-h | --help] <command> [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'romfs help <command>' or 'romfs <command> --help' describes one command.\n");
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* Runs cmd on a vector of its own: "romfs CMD" (the name getopt's
 * messages start with), then argv[1..] without the command's name at
 * argv[at]. */
static int run_command(const struct command *cmd, int argc, char **argv, int at)
{
    char prog[64];
    char **args = malloc((size_t)argc * sizeof *args);
    if (!args) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    snprintf(prog, sizeof prog, "romfs %s", cmd->name);
    args[0] = prog;
    memcpy(args + 1, argv + 1, (size_t)(at - 1) * sizeof *args);
    memcpy(args + at, argv + at + 1, (size_t)(argc - at - 1) * sizeof *args);
    args[argc - 1] = NULL;
    int rc = cmd->fn(argc - 1, args);
    free(args);
    return rc;
}

/* The one-line hint after a mistyped command (the whole usage is for --help). */
static void usage_hint(void)
{
    fprintf(stderr, "usage: romfs <command> [options] [args] ('romfs --help' lists the commands)\n");
}

/* Edit distance (adjacent swaps count one), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32)
        return 99;
    size_t d[33][33];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

static int unknown_command(const char *a)
{
    const struct command *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        size_t dd = distance(a, commands[i].name);
        if (dd < bd && dd * 2 < strlen(commands[i].name)) {
            bd = dd;
            best = &commands[i];
        }
    }
    if (best)
        cli_error("'%s' is not a command; did you mean '%s'?", a, best->name);
    else
        cli_error("'%s' is not a command", a);
    usage_hint();
    return CLI_USAGE;
}

/* Options that take a value in some command, as typed before the command
 * ("-o X"; "-oX" and "--output=X" hold theirs). */
static int takes_value(const char *opt)
{
    if (strchr(opt, '=') || (opt[1] != '-' && strlen(opt) != 2))
        return 0;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (cli_opt_takes_value(commands[i].line, opt))
            return 1;
    return 0;
}

/* mpremote's habit: `romfs -o x build dir` as `mpremote romfs -o x build
 * dir`. When argv[1..] is options (with their values) up to a command's
 * name, the index of that name, else 0. */
static int command_after_options(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0)
        i += takes_value(argv[i]) ? 2 : 1;
    return i < argc && i > 1 && find_command(argv[i]) ? i : 0;
}

static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return CLI_OK;
    }
    const struct command *cmd = find_command(argv[1]);
    if (!cmd || argc > 2) {
        cli_error(cmd ? "help: one command at a time" : "help: '%s' is not a command", argv[1]);
        usage(stderr);
        return CLI_USAGE;
    }
    char *args[] = {"romfs", argv[1], "--help", NULL};
    return run_command(cmd, 3, args, 1);
}

int main(int argc, char **argv)
{
    rp_main_init(&argc, &argv);
    /* Every temporary file is removed when a signal ends the command (once
     * a command installs the handlers). ROMFS_TEST_STOP_AT=N stops the
     * process (SIGSTOP) right after the Nth registration, for tests that
     * signal it while debris exists. */
    const char *stop = getenv("ROMFS_TEST_STOP_AT");
    romfs_cleanup_opts_t co = {2, "romfs: ", stop && *stop ? strtol(stop, NULL, 10) : 0};
    romfs_cleanup_track(&co);
    if (argc < 2) {
        cli_error("no command given");
        usage(stderr);
        return CLI_USAGE;
    }
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0)
        return help(argc - 1, argv + 1);
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("romfs %s\n", romfs_version());
        return CLI_OK;
    }
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            cli_json_errors = 1;
    int at = a[0] == '-' ? command_after_options(argc, argv) : 1;
    if (!at) {
        cli_error("unknown option '%s' before the command", a);
        usage_hint();
        return CLI_USAGE;
    }
    const struct command *cmd = find_command(argv[at]);
    if (cmd)
        return run_command(cmd, argc, argv, at);
    return unknown_command(a);
}
