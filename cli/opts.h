/* SPDX-License-Identifier: MIT */
/*
 * One option table per command: getopt's short and long options, the
 * --help text, the checks of every value and the operand count come from
 * it, so a command's file holds its table and its work. main.c finds every
 * command's options here too (options typed before the command).
 */
#ifndef ROMFS_CLI_OPTS_H
#define ROMFS_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

enum cli_opt_kind {
    CLI_OPT_END,    /* ends a table */
    CLI_OPT_TEXT,   /* a line of the help between options (help: the text) */
    CLI_OPT_HELP,   /* -h, --help: the help on stdout, exit 0 */
    CLI_OPT_SET,    /* int at off = val */
    CLI_OPT_STR,    /* const char * at off = the value; min 1: not empty */
    CLI_OPT_NUM,    /* a number min..max (val 1: a power of two, or 0 if min is 0), an int or long long at off */
    CLI_OPT_DEVS,   /* -d of a command for many boards: a cli_devs_t at off */
    CLI_OPT_FN,     /* fn(o + off, val, value, cmd): 0, 1 done (exit 0), -1 after one error line */
    CLI_OPT_OPERAND, /* fn as CLI_OPT_FN for each operand, in order among the options */
};

typedef int (*cli_opt_fn)(void *field, int id, const char *arg, const char *cmd);

typedef struct cli_opt {
    int kind;
    char key;              /* the short option, 0 none */
    const char *name;      /* the long option without "--", NULL none */
    const char *arg;       /* the value's name in the help, NULL: takes none */
    size_t off, size;      /* the field in the command's options struct */
    long long min, max;
    int val;
    const char *bad;       /* CLI_OPT_NUM/STR: "CMD: " then this with the value for %s */
    cli_opt_fn fn;
    const char *help;      /* its lines in --help, '\n' between them; NULL: not shown */
} cli_opt_t;

#define CLI_FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)
#define CLI_O_HELP(text) {CLI_OPT_HELP, 'h', "help", NULL, 0, 0, 0, 0, 0, NULL, NULL, text}
#define CLI_O_TEXT(text) {CLI_OPT_TEXT, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, text}
#define CLI_O_SET(k, name, T, f, v, help) {CLI_OPT_SET, k, name, NULL, CLI_FIELD(T, f), 0, 0, v, NULL, NULL, help}
#define CLI_O_FLAG(k, name, T, f, help) CLI_O_SET(k, name, T, f, 1, help)
#define CLI_O_STR(k, name, arg, T, f, help) {CLI_OPT_STR, k, name, arg, CLI_FIELD(T, f), 0, 0, 0, NULL, NULL, help}
#define CLI_O_NUM(k, name, arg, T, f, lo, hi, pow2, bad, help)                                                       \
    {CLI_OPT_NUM, k, name, arg, CLI_FIELD(T, f), lo, hi, pow2, bad, NULL, help}
#define CLI_O_FN(k, name, arg, T, f, fn, id, help) {CLI_OPT_FN, k, name, arg, CLI_FIELD(T, f), 0, 0, id, NULL, fn, help}
#define CLI_O_OPERAND(T, f, fn) {CLI_OPT_OPERAND, 1, NULL, NULL, CLI_FIELD(T, f), 0, 0, 0, NULL, fn, NULL}
#define CLI_O_END {CLI_OPT_END, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL}

/* The image commands' -d/-p (iw_source_t at f); see imgwalk.h. */
#define CLI_O_SOURCE(T, f)                                                                                           \
    {CLI_OPT_STR, 'd', "device", "DEV", CLI_FIELD(T, f.dev), 1, 0, 0, "-d needs a device", NULL,                    \
     "the image in a board's ROM partition, read over the\nraw REPL (only the bytes needed), not an image file"},     \
        CLI_O_NUM('p', "partition", "N", T, f.part, 0, 255, 0, "bad partition index '%s'",                           \
                  "with -d: the partition index (default 0)")

/* The image commands' last entries: -d/-p, -h. */
#define CLI_O_SOURCE_HELP(T, f) CLI_O_SOURCE(T, f), CLI_O_HELP("this help"), CLI_O_END

/* A command's line: its help around the options, and its operands. */
typedef struct cli_cmd {
    const char *name;      /* "ls": messages start "romfs: ls: " */
    const char *head;      /* the help up to the options */
    const cli_opt_t *opts; /* ended by CLI_O_END */
    int col;               /* where the options' help text starts */
    const char *tail;      /* the help after the options */
    size_t source;         /* offsetof an iw_source_t + 1: IMAGE first unless -d; 0 none */
    int min, max;          /* operands after IMAGE (max -1: any number) */
    const char *expected;  /* "CMD: expected EXPECTED" when the count is wrong */
} cli_cmd_t;

/* Every command's line, for main.c (the commands' files). */
extern const cli_cmd_t cli_cmd_build, cli_cmd_ls, cli_cmd_tree, cli_cmd_cat, cli_cmd_stat, cli_cmd_extract,
    cli_cmd_check, cli_cmd_mount, cli_cmd_devs, cli_cmd_query, cli_cmd_deploy, cli_cmd_run, cli_cmd_watch,
    cli_cmd_diff;

/* Parse argv[1..] into o: -1 to go on with the operands at argv[optind..]
 * (IMAGE taken into the iw_source_t when c->source), else the exit status
 * (help printed, or bad usage after one error line, the usage following
 * getopt's messages and a wrong count of operands). */
int cli_parse(const cli_cmd_t *c, int argc, char **argv, void *o);
/* The help of c on fp. */
void cli_usage(const cli_cmd_t *c, FILE *fp);
/* "romfs: CMD: <message>" and the usage on stderr; CLI_USAGE. */
int cli_usage_error(const cli_cmd_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when option opt (as typed: "-o", "--output") takes a value in c. */
int cli_opt_takes_value(const cli_cmd_t *c, const char *opt);

#endif
