/* The `romfs` command: a table from subcommand names to their entry points. */
#include "cli.h"
#include "boardimg.h"

#include <string.h>

#include "romfs/romfs.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"build", cmd_build, "build an image from a directory"},
    {"ls", cmd_ls, "list a directory of an image"},
    {"tree", cmd_tree, "show the whole tree of an image"},
    {"cat", cmd_cat, "write a file of an image to stdout"},
    {"stat", cmd_stat, "show what the image says about one path"},
    {"extract", cmd_extract, "unpack an image into a directory"},
    {"check", cmd_check, "verify an image and report every problem"},
    {"devs", cmd_devs, "list serial ports that look like MicroPython boards"},
    {"query", cmd_query, "show a board's ROM partitions"},
    {"deploy", cmd_deploy, "write an image or a directory to a board"},
    {"run", cmd_run, "soft-reset a board and run a module from /rom"},
    {"watch", cmd_watch, "deploy a directory on every change and run a module"},
    {"diff", cmd_diff, "compare two images, directories or board images"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: romfs <command> [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'romfs <command> --help' describes one command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("romfs %s\n", romfs_version());
        return CLI_OK;
    }
    if (multi_wanted(argc - 1, argv + 1))   /* several -d, or -d all: cli/multi.c */
        return multi_run(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)   /* -d on an image command: cli/boardimg.c */
            return boardimg_wanted(argc - 1, argv + 1) ? boardimg_run(argc - 1, argv + 1, commands[i].fn)
                                                       : commands[i].fn(argc - 1, argv + 1);
    cli_error("'%s' is not a command; see 'romfs --help'", argv[1]);
    return CLI_USAGE;
}
