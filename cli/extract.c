/* romfs extract: placeholder until its owner lands it. */
#include "cli.h"

int cmd_extract(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not implemented yet", argv[0]);
    return CLI_FAIL;
}
