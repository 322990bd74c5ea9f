/* SPDX-License-Identifier: MIT */
/* romfs devs: serial ports that may be MicroPython boards. */
#include "cli.h"
#include "opts.h"

#include <getopt.h>
#include <stddef.h>


struct devs_ctx {
    int all, json;
};

const cli_cmd_t cli_cmd_devs = {
    "devs",
    "usage: romfs devs [-a] [--json]\n"
    "\n"
    "List serial ports that look like MicroPython boards (USB VID/PID of\n"
    "boards that run it natively or of common USB-UART bridges, or\n"
    "'MicroPython' in the description): port, VID:PID, description. The\n"
    "first one is what '-d auto' picks.\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_FLAG('a', "all", struct devs_ctx, all, "every serial port"),
        CLI_O_FLAG(0, "json", struct devs_ctx, json, "a JSON array of {port, description}"),
        CLI_O_HELP("this help"),
        CLI_O_END,
    },
    14,
    "\n"
    "Exit status: 0 (also when none is found), 1 ports could not be listed,\n"
    "2 bad usage.\n",
    0, 0, -1, NULL,
};

int cmd_devs(int argc, char **argv)
{
    struct devs_ctx d = {0, 0};
    int r = cli_parse(&cli_cmd_devs, argc, argv, &d);
    if (r >= 0)
        return r;
    if (optind != argc) {
        return cli_usage_error(&cli_cmd_devs, "unexpected argument '%s'", argv[optind]);
    }
    if (d.json)
        cli_json_errors = 2;   /* stdout holds the array: errors go to stderr only */
    /* write errors: the stream's (ferror), seen when it is flushed */
    if ((d.json ? romfs_board_ports_json : romfs_board_ports_text)(d.all, cli_put, stdout) < 0 && !ferror(stdout)) {
        cli_error("devs: cannot list serial ports");
        return CLI_FAIL;
    }
    return CLI_OK;
}
