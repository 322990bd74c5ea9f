/* SPDX-License-Identifier: MIT */
/* The library's version, for programs linked against a prebuilt libromfs. */
#include "romfs/romfs.h"

const char *romfs_version(void)
{
    return ROMFS_VERSION_STRING;
}
