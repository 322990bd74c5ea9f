/* SPDX-License-Identifier: MIT */
/*
 * The `romfs` command: a table from subcommand names to their entry points,
 * and the conventions every subcommand shares: `romfs help CMD` is
 * `romfs CMD --help`, -V/--version, and getopt's own one-line messages for
 * unknown options ("romfs ls: unrecognized option '--long-x'"), named as
 * typed, before each command prints its usage.
 */
#include "cli.h"

#include <string.h>

#include "platform.h"
#include "romfs/romfs.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

/* One line per command; the order is the order of `romfs --help`. */
static const struct command commands[] = {
    {"build", cmd_build, "build an image from a directory"},
    {"ls", cmd_ls, "list a directory of an image"},
    {"tree", cmd_tree, "show the whole tree of an image"},
    {"cat", cmd_cat, "write a file of an image to stdout"},
    {"stat", cmd_stat, "show what the image says about one path"},
    {"extract", cmd_extract, "unpack an image into a directory"},
    {"check", cmd_check, "verify an image and report every problem"},
    {"mount", cmd_mount, "mount an image read-only on a directory (FUSE)"},
    {"devs", cmd_devs, "list serial ports that look like MicroPython boards"},
    {"query", cmd_query, "show a board's ROM partitions"},
    {"deploy", cmd_deploy, "write an image or a directory to a board"},
    {"run", cmd_run, "soft-reset a board and run a module from /rom"},
    {"watch", cmd_watch, "deploy a directory on every change and run a module"},
    {"diff", cmd_diff, "compare two images, directories or board images"},
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

/* Runs cmd with argv[0] = "romfs CMD", the name getopt's messages start with. */
static int run_command(const struct command *cmd, int argc, char **argv)
{
    char prog[64];
    snprintf(prog, sizeof prog, "romfs %s", cmd->name);
    argv[0] = prog;
    return cmd->fn(argc, argv);
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

/* Options that take a value in some command, as typed before the command. */
static int takes_value(const char *opt)
{
    static const char *const longs[] = {"address", "align",   "base",      "block-size", "compact", "device",
                                        "family",  "format",  "jobs",      "mpy-cross-arg", "options", "pad-to",
                                        "partition", "run",   "timeout",   "output",     "exclude"};
    if (opt[0] == '-' && opt[1] != '-') {
        /* -o X, -oX; the last letter of a cluster decides */
        size_t n = strlen(opt);
        return n == 2 && strchr("dpojrt", opt[1]) != NULL;
    }
    if (strchr(opt, '='))
        return 0;
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if (strcmp(opt + 2, longs[i]) == 0)
            return 1;
    return 0;
}

/* mpremote's habit: `romfs -o x build dir` as `mpremote romfs -o x build
 * dir`. When argv[1..] is options (with their values) up to a command's
 * name, move the command's name first. Returns the command, or NULL. */
static const struct command *command_after_options(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0)
        i += takes_value(argv[i]) ? 2 : 1;
    if (i >= argc || i == 1)
        return NULL;
    const struct command *cmd = find_command(argv[i]);
    if (!cmd)
        return NULL;
    char *name = argv[i];
    memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof *argv);
    argv[1] = name;
    return cmd;
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
    char *args[] = {argv[1], "--help", NULL};
    return run_command(cmd, 2, args);
}

int main(int argc, char **argv)
{
    rp_main_init(&argc, &argv);
    cli_cleanup_hook_outputs();
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
    const struct command *cmd;
    if (a[0] == '-') {
        cmd = command_after_options(argc, argv);
        if (!cmd) {
            cli_error("unknown option '%s' before the command", a);
            usage_hint();
            return CLI_USAGE;
        }
    } else {
        cmd = find_command(a);
    }
    if (cmd)
        return run_command(cmd, argc - 1, argv + 1);
    return unknown_command(a);
}
