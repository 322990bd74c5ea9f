/* romfs mount: placeholder until the FUSE implementation lands. */
#include "cli.h"

int cmd_mount(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("mount: this romfs was built without FUSE (libfuse3-dev)");
    return CLI_FAIL;
}
