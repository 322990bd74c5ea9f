/* romfs check: placeholder until its owner lands it. */
#include "cli.h"

int cmd_check(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not implemented yet", argv[0]);
    return CLI_FAIL;
}
