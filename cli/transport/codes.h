/* SPDX-License-Identifier: MIT */
/*
 * Outcome codes of the transport layers (chan, exec, serial, rawrepl, and
 * board.h above them): negative, beyond the negative errno values. The
 * lowest header of cli/transport/: every layer may include it.
 */
#ifndef ROMFS_CLI_CODES_H
#define ROMFS_CLI_CODES_H

#define BOARD_ERR_TIMEOUT (-1001)   /* board stopped answering */
#define BOARD_ERR_PROTOCOL (-1002)  /* unexpected bytes from the board */
#define BOARD_ERR_EXEC (-1003)      /* code raised an exception on the board */
#define BOARD_ERR_CLOSED (-1004)    /* connection lost / process exited */
#define BOARD_ERR_NODEV (-1005)     /* no such device / nothing found */

#endif
