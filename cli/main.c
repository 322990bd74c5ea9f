/* SPDX-License-Identifier: MIT */
/*
 * The `romfs` command: a table from subcommand names to their entry points,
 * and the conventions every subcommand shares: `romfs help CMD` is
 * `romfs CMD --help`, -V/--version, and getopt's own one-line messages for
 * unknown options ("romfs ls: unrecognized option '--long-x'"), named as
 * typed, before each command prints its usage.
 */
#include "cli.h"
#include "boardimg.h"

#include <string.h>

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
    if (a[0] == '-') {
        cli_error("unknown option '%s' before the command", a);
        usage(stderr);
        return CLI_USAGE;
    }
    const struct command *cmd = find_command(a);
    if (cmd && multi_wanted(argc - 1, argv + 1))   /* several -d, or -d all: cli/multi.c */
        return multi_run(argc - 1, argv + 1);
    if (cmd && boardimg_wanted(argc - 1, argv + 1))   /* -d on an image command: cli/boardimg.c */
        return boardimg_run(argc - 1, argv + 1, cmd->fn);
    if (cmd)
        return run_command(cmd, argc - 1, argv + 1);
    cli_error("'%s' is not a command", a);
    usage(stderr);
    return CLI_USAGE;
}
