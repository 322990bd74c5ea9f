/* SPDX-License-Identifier: MIT */
/* romfs query: a board's ROM partitions, printed as mpremote prints them,
 * with a few more facts on lines of their own. */
#include "cli.h"
#include "opts.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>


/* Print what the board answered (and --verify found). */
static int show(romfs_board_t *b, const romfs_board_query_t *q, int json, int check)
{
    if (json)
        romfs_board_query_json(q, romfs_board_describe(b), cli_put, cli_stdout());   /* write errors: at exit */
    else
        romfs_board_query_text(q, cli_put, cli_stdout());
    if (!q->romfs || q->n == 0)
        return CLI_FAIL;
    romfs_board_query_sum_t sum;
    romfs_board_query_sum(q, &sum);
    return check && sum.unverified ? CLI_FAIL : CLI_OK;
}

struct qopts {
    const char *device;                 /* the board queried */
    cli_devs_t devs;                    /* every -d; several (or "all"): cli/multi.c */
    int json, check;
    cli_board_result_t *res;            /* one of many boards: filled on success */
};

static int query_run(const struct qopts *o)
{
    romfs_board_t *b;
    char msg[700];
    if (cli_board_open(&b, o->device, NULL, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_FAIL;
    }
    int status = CLI_FAIL;
    romfs_board_query_t *q = malloc(sizeof *q);
    int e = q ? romfs_board_query(b, o->check, q) : ROMFS_ERR_NOMEM;
    if (e)
        cli_error("%s: %s", romfs_board_describe(b), q ? romfs_board_errmsg(b) : "out of memory");
    else
        status = show(b, q, o->json, o->check);
    if (status == CLI_OK && o->res)
        romfs_board_query_result(q, o->res);
    free(q);
    romfs_board_close(b);
    return status;
}

/* One of many boards (cli/multi.c, on its own thread: its own copy). */
static int query_one(void *ctx, const char *dev, cli_board_result_t *res)
{
    struct qopts o = *(const struct qopts *)ctx;
    o.device = dev;
    o.json = 1;
    o.res = res;
    return query_run(&o);
}

const cli_cmd_t cli_cmd_query = {
    "query",
    "usage: romfs query [-d DEVICE] [--verify] [--json]\n"
    "\n"
    "Show the board's ROM partitions: size, the first bytes, and the image\n"
    "they hold (the first lines are the ones mpremote prints). Extra lines:\n"
    "erase block size, whether the image fits its partition, whether the\n"
    "board's own VfsRom accepts it, and the image's SHA-256 (computed on\n"
    "the board).\n"
    "\n",
    (const cli_opt_t[]){
        {CLI_OPT_DEVS, 'd', "device", "DEV", CLI_FIELD(struct qopts, devs), 0, 0, 0, NULL, NULL,
         "serial port, 'auto', 'exec:COMMAND' or 'emulated'\n"
         "(default: $ROMFS_DEVICE, else the first board found)"},
        CLI_O_FLAG(0, "verify", struct qopts, check,
                   "also read each image from the board and check every\n"
                   "record of it, as 'romfs check' does (slow on a\n"
                   "serial link: the whole image crosses it)"),
        CLI_O_FLAG(0, "json", struct qopts, json, "one JSON object instead of text"),
        CLI_O_HELP("this help"),
        CLI_O_END,
    },
    20,
    "\n"
    "Exit status: 0 shown, an erased partition (\"Not a valid ROMFS\")\n"
    "included; 1 ROMFS is not enabled on the board or it has no ROM\n"
    "partition, it could not be reached, or --verify found a problem or\n"
    "could not read an image; 2 bad usage.\n",
    0, 0, -1, NULL,
};

int cmd_query(int argc, char **argv)
{
    struct qopts o;
    memset(&o, 0, sizeof o);
    int r = cli_parse(&cli_cmd_query, argc, argv, &o);
    if (r >= 0)
        return r;
    if (optind != argc)
        return cli_usage_error(&cli_cmd_query, "unexpected argument '%s'", argv[optind]);
    if (multi_wanted(o.devs.v, o.devs.n, o.devs.given))
        return multi_run("query", o.devs.v, o.devs.n, o.json, 0, query_one, &o);
    o.device = o.devs.dev;
    return query_run(&o);
}
