/* SPDX-License-Identifier: MIT */
/*
 * Talking to a MicroPython board over its raw REPL.
 *
 * A board is reached through a byte channel (a serial port, or a child
 * process speaking on stdin/stdout for `exec:` devices and the emulated
 * board); on top of it the raw REPL protocol runs code and collects output.
 * Every wait has a timeout: a silent, chatty or vanished board gives an
 * error, never a hang.
 */
#ifndef ROMFS_CLI_BOARD_H
#define ROMFS_CLI_BOARD_H

#include <stddef.h>
#include <stdint.h>

typedef struct board board_t;

/* Outcome codes (negative) beyond negative errno values: BOARD_ERR_*. */
#include "codes.h"

/* Open a device. spec: a serial device path ("/dev/ttyACM0"), "auto" (first
 * USB serial port that looks like a MicroPython board), "exec:COMMAND" (run
 * COMMAND with /bin/sh -c; talk over its stdin/stdout), "emulated" (the
 * emulated board), or NULL for the default: $ROMFS_DEVICE when set, else
 * "auto". With no board found the default fails with BOARD_ERR_NODEV
 * ("no device found", naming -d emulated): a user who forgot to plug the
 * board in must not deploy to the emulator without knowing.
 * Environment: ROMFS_TIMEOUT_MS (deadline of each step,
 * default 10000), ROMFS_BOARD_CMD (command running the emulated board),
 * ROMFS_BOARD_DIR (where the emulated board keeps partition.bin).
 * Returns 0 or a negative code; on error *err_msg (static or owned by the
 * board module) explains in one line. */
int board_open(board_t **out, const char *spec, const char **err_msg);

/* A one-line description of what was opened ("/dev/ttyACM0",
 * "emulated board (partition file ...)"). */
const char *board_describe(const board_t *b);

/* Execute code in the raw REPL. On success returns 0 and, when out is not
 * NULL, *out and *out_len receive the printed output (malloc'd, NUL-terminated;
 * the caller frees). When the code raises, returns BOARD_ERR_EXEC and *out
 * holds the error text (traceback). timeout_ms bounds the whole call. */
int board_exec(board_t *b, const char *code, size_t code_len, char **out, size_t *out_len,
               int timeout_ms);

/* Soft reset (Ctrl-D in the friendly REPL), waiting for the board to come
 * back; leaves the board in the raw REPL. Output printed during the reset
 * (boot messages) goes to *out when not NULL. */
int board_soft_reset(board_t *b, char **out, size_t *out_len);

/* Bytes sent to the board so far (for --json summaries). */
uint64_t board_bytes_sent(const board_t *b);

/* Leave the REPL as found and close. NULL is allowed. */
void board_close(board_t *b);

/* One line saying why the last call on b failed (b NULL: why the last
 * board_open failed). Never NULL. */
const char *board_last_error(const board_t *b);

/* Like board_exec, but output is passed to on_output as it arrives (for
 * code that runs long and prints as it goes); on BOARD_ERR_EXEC *err holds
 * the error text (traceback; malloc'd, NUL-terminated; caller frees). */
int board_exec_stream(board_t *b, const char *code, size_t code_len,
                      void (*on_output)(const char *data, size_t len, void *ctx), void *ctx, char **err,
                      size_t *err_len, int timeout_ms);

/* List serial ports that look like MicroPython boards (all: every serial
 * port): calls fn for each (port path, description: "VVVV:PPPP text" for
 * USB ports). Returns the count or a negative code. */
int board_list_ports_all(int all, void (*fn)(const char *port, const char *desc, void *ctx), void *ctx);

/* Interrupt whatever runs on the board (Ctrl-C) and wait for the raw REPL
 * prompt again, whatever state this host believed it in (after a child
 * process used the connection, or a module was left running). 0 or a
 * BOARD_ERR_* code; used by `romfs watch`. */
int board_interrupt(board_t *b);

#endif
