/* SPDX-License-Identifier: MIT */
/*
 * What the Windows build does not have yet: several boards at once
 * (multi.c forks children that re-run the command). It says so in one
 * line, exit 1; every other board command works on Windows.
 */
#include "cli.h"

#include <string.h>

/* deploy/query with -d given twice or -d all: refused rather than taken as
 * the last -d (a rough count: an option's value that is itself "-d" counts
 * too, which only errs towards refusing). */
int multi_wanted(int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "deploy") != 0 && strcmp(argv[0], "query") != 0))
        return 0;
    int n = 0;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "-d") == 0 || strcmp(a, "--device") == 0)
            v = i + 1 < argc ? argv[++i] : "";
        else if (strncmp(a, "--device=", 9) == 0)
            v = a + 9;
        else if (strncmp(a, "-d", 2) == 0)
            v = a + 2;
        if (v && strcmp(v, "all") == 0)
            return 1;
        n += v != NULL;
    }
    return n > 1;
}

int multi_run(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: several boards at once (-d twice, -d all) are not available in the Windows build yet", argv[0]);
    return CLI_FAIL;
}
