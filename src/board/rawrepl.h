/* SPDX-License-Identifier: MIT */
/*
 * MicroPython's raw REPL, host side (mpremote's transport_serial.py is the
 * reference). Private to cli/transport/; the rest of the CLI uses board.h.
 *
 *   enter:   "\r\x03\x03", drain, "\r\x01" -> "raw REPL; CTRL-B to exit\r\n>"
 *   command: code, "\x04" -> "OK", output, "\x04", error text, "\x04", ">"
 *   paste:   "\x05A\x01" -> "R\x01" + u16 window (flow control: "\x01" grants
 *            another window, "\x04" aborts), or "R\x00" (not supported)
 *   reset:   "\x04" on an empty raw line -> "OK\r\n...soft reboot\r\n...",
 *            then the raw banner again
 *   leave:   "\x02" -> the friendly REPL
 */
#ifndef ROMFS_CLI_RAWREPL_H
#define ROMFS_CLI_RAWREPL_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"

/* A growable byte buffer, always NUL-terminated when data is not NULL. */
typedef struct rr_buf {
    char *data;
    size_t len, cap;
} rr_buf_t;

int rr_buf_add(rr_buf_t *b, const void *p, size_t n);
void rr_buf_free(rr_buf_t *b);

typedef void (*rr_output_fn)(const char *data, size_t len, void *ctx);

typedef struct rawrepl {
    chan_t *ch;
    int in_raw;          /* we put the board in the raw REPL */
    int resync;          /* a command failed midway: state unknown, re-enter */
    int raw_paste;       /* 1: try raw-paste; 0: the board lacks it */
    int timeout_ms;      /* default deadline for entering / resetting */
    uint64_t sent;       /* bytes written to the board */
    /* Bytes read past what a step needed (kept for the next step). */
    uint8_t pend[512];
    size_t pend_pos, pend_len;
    char err[256];       /* one-line explanation of the last failure */
} rawrepl_t;

void rr_init(rawrepl_t *r, chan_t *ch, int timeout_ms);

/* Enter the raw REPL, interrupting any running program. */
int rr_enter(rawrepl_t *r);
/* Leave it (Ctrl-B) when we entered it. */
int rr_exit(rawrepl_t *r);

/* Run code; output goes to on_output as it arrives (or to *out when
 * on_output is NULL), the error text to *errtext. Returns 0,
 * ROMFS_ERR_RAISED when the code raised, or another BOARD_ERR_* code. */
int rr_exec(rawrepl_t *r, const char *code, size_t len, rr_output_fn on_output, void *ctx,
            rr_buf_t *out, rr_buf_t *errtext, int timeout_ms);

/* Soft reset from the raw REPL and wait for the raw banner again; boot
 * output (between "soft reboot" and the banner) goes to *boot. */
int rr_soft_reset(rawrepl_t *r, rr_buf_t *boot);

#endif
