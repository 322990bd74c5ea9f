/* SPDX-License-Identifier: MIT */
/*
 * What the Windows build does not have yet: several boards at once
 * (multi.c forks a child per board). It says so in one
 * line, exit 1; every other board command works on Windows.
 */
#include "cli.h"

#include <string.h>

/* deploy/query with -d given twice or -d all: refused rather than taken as
 * the last -d. */
int multi_wanted(const char *const *devs, int ndevs, int given)
{
    for (int i = 0; i < ndevs; i++)
        if (strcmp(devs[i], "all") == 0)
            return 1;
    return given > 1;
}

int multi_run(const char *cmd, const char *const *devs, int ndevs, int json, int quiet, cli_board_fn fn, void *ctx)
{
    (void)devs, (void)ndevs, (void)json, (void)quiet, (void)fn, (void)ctx;
    cli_error("%s: several boards at once (-d twice, -d all) are not available in the Windows build yet", cmd);
    return CLI_FAIL;
}
