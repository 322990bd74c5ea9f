/* SPDX-License-Identifier: MIT */
/* Links the reader alone (-lromfs_reader): romfs_version() and romfs_mount()
 * must both come from it. */
#include <romfs/romfs.h>
#include <stdio.h>

int main(void)
{
    static const unsigned char empty[] = {0xd2, 0xcd, 0x31, 0x00};
    romfs_t fs;
    int r = romfs_mount(&fs, empty, sizeof empty);
    printf("reader_only: romfs %s, mount %d\n", romfs_version(), r);
    return r != 0;
}
