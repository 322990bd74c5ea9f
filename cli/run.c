/* SPDX-License-Identifier: MIT */
/* romfs run: soft-reset a board and import a module from its /rom. */
#include "cli.h"
#include "opts.h"

#include <getopt.h>
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>


struct run_opts {
    const char *device;
    long long timeout_s;
    int reset;
};

const cli_cmd_t cli_cmd_run = {
    "run",
    "usage: romfs run [-d DEVICE] [-t SECONDS] [--no-reset] [MODULE]\n"
    "\n"
    "Soft-reset the board (so /rom is mounted afresh from its partition),\n"
    "then import MODULE (default: main) with /rom and /rom/lib first on\n"
    "sys.path, so the module comes from the ROMFS image even when the\n"
    "board's own filesystem has one of the same name. Its output is\n"
    "printed as it arrives; if it raises, the traceback goes to stderr.\n"
    "\n",
    (const cli_opt_t[]){
        CLI_O_STR('d', "device", "DEV", struct run_opts, device,
                  "serial port, 'auto', 'exec:COMMAND' or 'emulated'\n"
                  "(default: $ROMFS_DEVICE, else the first board found)"),
        CLI_O_NUM('t', "timeout", "SEC", struct run_opts, timeout_s, 0, LLONG_MAX, 0,
                  "--timeout needs a number of seconds, not '%s'",
                  "give up after SEC seconds (default 60; 0: no limit)"),
        CLI_O_SET(0, "no-reset", struct run_opts, reset, 0,
                  "no soft reset first (mpremote's 'resume'), for boards\n"
                  "where a reset ends the session; /rom stays as\n"
                  "mounted, and MODULE is imported afresh"),
        CLI_O_HELP("this help"),
        CLI_O_END,
    },
    22,
    "\n"
    "Exit status: 0 the module ran, 1 it raised or the board failed, 2 bad\n"
    "usage.\n",
    0, 0, -1, NULL,
};

static void to_stdout(const char *data, size_t len, void *ctx)
{
    (void)ctx;
    fwrite(data, 1, len, stdout);
    fflush(stdout);
}

int cmd_run(int argc, char **argv)
{
    struct run_opts o = {NULL, 60, 1};
    const char *module = "main";
    int r = cli_parse(&cli_cmd_run, argc, argv, &o);
    if (r >= 0)
        return r;
    if (argc - optind > 1) {
        return cli_usage_error(&cli_cmd_run, "one module at most (got '%s' and '%s')", argv[optind],
                               argv[optind + 1]);
    }
    if (optind < argc)
        module = argv[optind];
    if (!romfs_board_module_name_ok(module)) {
        cli_error("run: '%s' is not a module name", module);
        return CLI_USAGE;
    }
    int timeout_ms = o.timeout_s == 0 || o.timeout_s > INT_MAX / 1000 ? INT_MAX : (int)(o.timeout_s * 1000);

    romfs_board_t *b;
    char msg[700];
    if (cli_board_open(&b, o.device, NULL, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        return CLI_FAIL;
    }
    romfs_cleanup_kill_group(romfs_board_process_group(b));   /* a signal ends the board process too */
    char *err = NULL;
    int e = romfs_board_run(b, module, o.reset, to_stdout, NULL, &err, timeout_ms);
    int status = CLI_OK;
    if (romfs_board_reset_ended(b)) {   /* the board's way of resetting (the unix port): not MODULE's failure */
        cli_error("%s: %s: use --no-reset", romfs_board_describe(b), romfs_board_errmsg(b));
        status = CLI_FAIL;
    } else if (e == ROMFS_ERR_RAISED && err) {
        cli_put_escaped(stderr, err, strlen(err), 0);   /* the board's text: escaped on a terminal */
        status = CLI_FAIL;
    } else if (e) {
        cli_error("%s: %s", romfs_board_describe(b), romfs_board_errmsg(b));
        status = CLI_FAIL;
    }
    romfs_board_free(err);
    romfs_board_close(b);
    romfs_cleanup_kill_group(0);
    return status;
}
