/* SPDX-License-Identifier: MIT */
/* Links romfs::board alone (find_package(romfs COMPONENTS board)): opening
 * a port that does not exist fails with a one-line message. */
#include <romfs/romfs_board.h>
#include <stdio.h>

int main(void)
{
    romfs_board_t *b = NULL;
    int r = romfs_board_open(&b, "/dev/no-such-romfs-port", NULL);
    printf("board_only: open: %d (%s)\n", r, romfs_board_errmsg(b));
    romfs_board_close(b);
    return r < 0 ? 0 : 1;
}
