/* SPDX-License-Identifier: MIT */
/* The raw REPL protocol, host side. Every wait ends at a deadline; anything
 * the board says that the protocol does not expect becomes a one-line error
 * quoting what came. */
#include "rawrepl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "romfs/romfs.h"

#define RAW_BANNER "raw REPL; CTRL-B to exit\r\n"
#define CHUNK 256
/* Bounds on what one command may print: its output (a --verify read-back
 * of a 64 MiB image in base64 fits), and its error text (a traceback). */
#define OUT_MAX (96u << 20)
#define ERRTEXT_MAX (64u << 10)

int rr_buf_add(rr_buf_t *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return ROMFS_ERR_NOMEM;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

void rr_buf_free(rr_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void rr_init(rawrepl_t *r, chan_t *ch, int timeout_ms)
{
    memset(r, 0, sizeof *r);
    r->ch = ch;
    r->raw_paste = 1;
    r->timeout_ms = timeout_ms;
}

/* Printable rendering of bytes from the board for error messages. */
static void quote(char *dst, size_t size, const uint8_t *p, size_t n)
{
    size_t o = 0;
    const size_t max = 48;
    if (n > max) { /* the end is what tells what went wrong */
        p += n - max;
        n = max;
    }
    for (size_t i = 0; i < n && o + 5 < size; i++) {
        uint8_t c = p[i];
        if (c == '\r')
            o += (size_t)snprintf(dst + o, size - o, "\\r");
        else if (c == '\n')
            o += (size_t)snprintf(dst + o, size - o, "\\n");
        else if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
            o += (size_t)snprintf(dst + o, size - o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    dst[o < size ? o : size - 1] = '\0';
}

static int fail(rawrepl_t *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(rawrepl_t *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return code;
}

/* Turn a channel failure into a message saying what we were waiting for. */
static int io_fail(rawrepl_t *r, int code, const char *what, const uint8_t *got, size_t got_len)
{
    char q[200];
    quote(q, sizeof q, got, got_len);
    if (code == ROMFS_ERR_CLOSED) {
        char st[96];
        const char *why = chan_child_status(r->ch, st, sizeof st);
        return fail(r, code, "board disconnected while %s%s%s", what, why ? ": " : "", why ? why : "");
    }
    if (code == ROMFS_ERR_TIMEOUT) {
        if (got_len)
            return fail(r, code, "timed out while %s; last bytes from the board: '%s'", what, q);
        return fail(r, code, "board did not answer while %s", what);
    }
    return fail(r, code, "%s while %s", strerror(-code), what);
}

/* Make sure some unread bytes are buffered. 0, or a BOARD_ERR_* code. The
 * deadline is checked here too: a board that never stops talking must not
 * keep us reading forever. */
static int fill(rawrepl_t *r, int64_t deadline)
{
    if (r->pend_pos < r->pend_len)
        return 0;
    r->pend_pos = r->pend_len = 0;
    if (rp_monotonic_ms() > deadline)
        return ROMFS_ERR_TIMEOUT;
    int n = chan_read(r->ch, r->pend, sizeof r->pend, deadline);
    if (n == 0)
        return ROMFS_ERR_TIMEOUT;
    if (n < 0)
        return n;
    r->pend_len = (size_t)n;
    return 0;
}

static int get_byte(rawrepl_t *r, int64_t deadline, uint8_t *c)
{
    int e = fill(r, deadline);
    if (e)
        return e;
    *c = r->pend[r->pend_pos++];
    return 0;
}

static int put(rawrepl_t *r, const void *p, size_t n, int64_t deadline, const char *what)
{
    int e = chan_write(r->ch, p, n, deadline);
    if (e)
        return io_fail(r, e, what, NULL, 0);
    r->sent += n;
    return 0;
}

/* A raw REPL banner with a few bytes wrong: the link corrupted it. Seen,
 * it is an error at once; waiting for the exact banner would only end at
 * the deadline. */
static int corrupt_banner(const uint8_t *win, size_t wlen)
{
    static const char banner[] = RAW_BANNER ">";
    size_t blen = sizeof banner - 1;
    if (wlen < blen || memcmp(win + wlen - 3, "\r\n>", 3) != 0)
        return 0;
    int diff = 0;
    for (size_t i = 0; i < blen; i++)
        diff += win[wlen - blen + i] != (uint8_t)banner[i];
    return diff > 0 && diff <= 3;
}

/* Read until the bytes end with pat. The last bytes seen are kept for error
 * messages; nothing else is stored. */
static int read_until(rawrepl_t *r, const char *pat, int64_t deadline, const char *what)
{
    size_t plen = strlen(pat);
    uint8_t win[64];
    size_t wlen = 0;
    for (;;) {
        uint8_t c;
        int e = get_byte(r, deadline, &c);
        if (e)
            return io_fail(r, e, what, win, wlen);
        if (wlen == sizeof win) {
            memmove(win, win + 1, wlen - 1);
            wlen--;
        }
        win[wlen++] = c;
        if (wlen >= plen && memcmp(win + wlen - plen, pat, plen) == 0)
            return 0;
        if (corrupt_banner(win, wlen)) {
            char q[200];
            quote(q, sizeof q, win, wlen);
            return fail(r, ROMFS_ERR_PROTOCOL, "corrupted raw REPL banner while %s: '%s'", what, q);
        }
    }
}

/* Read exactly n bytes. */
static int read_exact(rawrepl_t *r, uint8_t *dst, size_t n, int64_t deadline, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int e = get_byte(r, deadline, &dst[i]);
        if (e)
            return io_fail(r, e, what, dst, i);
    }
    return 0;
}

/* Discard what the board prints until it has been quiet for quiet_ms. */
static void drain(rawrepl_t *r, int quiet_ms, int64_t deadline)
{
    r->pend_pos = r->pend_len = 0;
    while (rp_monotonic_ms() < deadline) {
        int64_t until = rp_monotonic_ms() + quiet_ms;
        if (until > deadline)
            until = deadline;
        if (chan_read(r->ch, r->pend, sizeof r->pend, until) <= 0)
            break;
    }
    r->pend_pos = r->pend_len = 0;
}

int rr_enter(rawrepl_t *r)
{
    int64_t deadline = rp_monotonic_ms() + r->timeout_ms;
    int e = put(r, "\r\x03\x03", 3, deadline, "interrupting the running program");
    if (e)
        return e;
    /* Whatever the board was printing is not ours to interpret. A board
     * that never stops talking gets at most a second (or half the timeout)
     * of draining; the rest is left to find the prompt. */
    int half = r->timeout_ms / 2;
    drain(r, 100, rp_monotonic_ms() + (half < 1000 ? half : 1000));
    e = put(r, "\r\x01", 2, deadline, "entering the raw REPL");
    if (e)
        return e;
    e = read_until(r, RAW_BANNER ">", deadline, "waiting for the raw REPL prompt");
    if (e)
        return e;
    r->in_raw = 1;
    r->resync = 0;
    return 0;
}

int rr_exit(rawrepl_t *r)
{
    if (!r->in_raw && !r->resync)
        return 0;
    r->in_raw = r->resync = 0;
    return put(r, "\x02", 1, rp_monotonic_ms() + 1000, "leaving the raw REPL");
}

/* Signs in the output that the board restarted instead of finishing. */
static int looks_like_reset(const uint8_t *tail, size_t n)
{
    static const char *const signs[] = {"soft reboot\r\n", RAW_BANNER,
                                        "Type \"help()\" for more information.\r\n"};
    for (size_t s = 0; s < sizeof signs / sizeof signs[0]; s++) {
        size_t l = strlen(signs[s]);
        for (size_t i = 0; i + l <= n; i++)
            if (memcmp(tail + i, signs[s], l) == 0)
                return 1;
    }
    return 0;
}

/* The error text of a command is a traceback, printed at once: it never
 * starts with the prompt '>' nor holds control bytes (ESC aside, for
 * colours), and the board does not pause after a '>' in it. Each is a sign that an end-of-text \x04
 * was lost on the link, reported at once rather than at the deadline. */
#define PROMPT_QUIET_MS 300
static int bad_error_text(rawrepl_t *r, const uint8_t *p, size_t n, size_t before)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if ((c == '>' && before + i == 0) || (c < 0x20 && c != '\r' && c != '\n' && c != '\t' && c != 0x1b) ||
            c == 0x7f)
            return fail(r, ROMFS_ERR_PROTOCOL, "board's answer lost its end marker (byte 0x%02x in its error text)", c);
    }
    return 0;
}

/* Read up to the next \x04, passing the bytes on. errtext: the bytes are
 * a traceback (see bad_error_text). */
static int read_to_eot(rawrepl_t *r, int64_t deadline, rr_output_fn fn, void *ctx, rr_buf_t *into,
                       const char *what, int errtext)
{
    uint8_t tail[80];
    size_t tlen = 0, seen = 0;
    for (;;) {
        int64_t until = deadline;
        if (errtext && tlen && tail[tlen - 1] == '>' && rp_monotonic_ms() + PROMPT_QUIET_MS < deadline)
            until = rp_monotonic_ms() + PROMPT_QUIET_MS;
        int e = fill(r, until);
        if (e == ROMFS_ERR_TIMEOUT && until < deadline)
            return fail(r, ROMFS_ERR_PROTOCOL, "board's answer lost its end marker (it is back at its prompt)");
        if (e)
            return io_fail(r, e, what, tail, tlen);
        uint8_t *start = r->pend + r->pend_pos;
        size_t avail = r->pend_len - r->pend_pos;
        uint8_t *eot = memchr(start, 0x04, avail);
        size_t n = eot ? (size_t)(eot - start) : avail;
        if (errtext && (e = bad_error_text(r, start, n, seen)) != 0)
            return e;
        seen += n;
        if (n) {
            if (into && !fn && into->len + n > (errtext ? ERRTEXT_MAX : OUT_MAX))
                return fail(r, ROMFS_ERR_PROTOCOL, "board printed more than %u bytes while %s",
                            errtext ? ERRTEXT_MAX : OUT_MAX, what);
            if (fn)
                fn((const char *)start, n, ctx);
            else if (into && rr_buf_add(into, start, n))
                return fail(r, ROMFS_ERR_NOMEM, "out of memory");
            /* Keep the last bytes to spot a board that restarted. */
            size_t take = n < sizeof tail ? n : sizeof tail;
            if (tlen + take > sizeof tail) {
                size_t drop = tlen + take - sizeof tail;
                memmove(tail, tail + drop, tlen - drop);
                tlen -= drop;
            }
            memcpy(tail + tlen, start + n - take, take);
            tlen += take;
            if (looks_like_reset(tail, tlen))
                return fail(r, ROMFS_ERR_PROTOCOL, "board reset while %s", what);
        }
        r->pend_pos += eot ? n + 1 : n;
        if (eot)
            return 0;
    }
}

/* Send code under raw-paste flow control: the board grants windows of
 * `window` bytes with \x01 and may abort with \x04. */
static int paste_write(rawrepl_t *r, const uint8_t *code, size_t len, unsigned window,
                       int64_t deadline)
{
    size_t remain = window, i = 0;
    while (i < len) {
        for (;;) {
            if (remain && r->pend_pos == r->pend_len) {
                /* Anything from the board right now? (a zero-wait poll) */
                int n = chan_read(r->ch, r->pend, sizeof r->pend, rp_monotonic_ms());
                if (n < 0)
                    return io_fail(r, n, "sending code (raw-paste)", NULL, 0);
                r->pend_pos = 0;
                r->pend_len = (size_t)n;
            }
            if (remain && r->pend_pos == r->pend_len)
                break;
            uint8_t c;
            int e = get_byte(r, deadline, &c);
            if (e)
                return io_fail(r, e, "waiting for the board to accept more code", NULL, 0);
            if (c == 0x01) {
                remain += window;
            } else if (c == 0x04) {
                /* The board ended the paste early (it saw an error while
                 * reading); acknowledge, then its output follows. */
                return put(r, "\x04", 1, deadline, "ending raw-paste");
            } else {
                return fail(r, ROMFS_ERR_PROTOCOL, "unexpected byte 0x%02x from the board during raw-paste",
                            c);
            }
        }
        size_t n = len - i < remain ? len - i : remain;
        int e = put(r, code + i, n, deadline, "sending code (raw-paste)");
        if (e)
            return e;
        remain -= n;
        i += n;
    }
    int e = put(r, "\x04", 1, deadline, "ending raw-paste");
    if (e)
        return e;
    /* Wait for the acknowledgement; window grants may come first. */
    for (;;) {
        uint8_t c;
        e = get_byte(r, deadline, &c);
        if (e)
            return io_fail(r, e, "waiting for the board to take the code", NULL, 0);
        if (c == 0x04)
            return 0;
        if (c != 0x01)
            return fail(r, ROMFS_ERR_PROTOCOL, "unexpected byte 0x%02x from the board ending raw-paste", c);
    }
}

/* Send code the plain raw-REPL way, then expect "OK". */
static int plain_write(rawrepl_t *r, const uint8_t *code, size_t len, int64_t deadline)
{
    for (size_t i = 0; i < len; i += CHUNK) {
        size_t n = len - i < CHUNK ? len - i : CHUNK;
        int e = put(r, code + i, n, deadline, "sending code");
        if (e)
            return e;
        /* A UART board reads its input in small bursts: give it time, as
         * mpremote does (256 bytes per 10 ms). */
        if (r->ch->pace && i + n < len)
            rp_sleep_ms(10);
    }
    int e = put(r, "\x04", 1, deadline, "sending code");
    if (e)
        return e;
    uint8_t ok[2];
    e = read_exact(r, ok, 2, deadline, "waiting for the board to accept the code");
    if (e)
        return e;
    if (ok[0] != 'O' || ok[1] != 'K') {
        char q[32];
        quote(q, sizeof q, ok, 2);
        return fail(r, ROMFS_ERR_PROTOCOL, "board did not accept the code (expected 'OK', got '%s')", q);
    }
    return 0;
}

int rr_exec(rawrepl_t *r, const char *code, size_t len, rr_output_fn on_output, void *ctx,
            rr_buf_t *out, rr_buf_t *errtext, int timeout_ms)
{
    int64_t deadline = rp_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : r->timeout_ms);
    const uint8_t *c = (const uint8_t *)code;
    int e, pasted = 0;
    if (!r->in_raw)
        return fail(r, ROMFS_ERR_PROTOCOL, "not in the raw REPL");
    if (r->raw_paste) {
        e = put(r, "\x05" "A\x01", 3, deadline, "asking for raw-paste mode");
        if (e)
            return e;
        uint8_t ans[2];
        e = read_exact(r, ans, 2, deadline, "waiting for the raw-paste answer");
        if (e)
            return e;
        if (ans[0] == 'R' && ans[1] == 0x01) {
            uint8_t w[2];
            e = read_exact(r, w, 2, deadline, "reading the raw-paste window size");
            if (e)
                return e;
            unsigned window = (unsigned)w[0] | (unsigned)w[1] << 8;
            if (window == 0 || window > 16384)
                return fail(r, ROMFS_ERR_PROTOCOL, "board offered a raw-paste window of %u bytes (1 to 16384 expected)",
                            window);
            e = paste_write(r, c, len, window, deadline);
            if (e)
                return e;
            pasted = 1;
        } else if (ans[0] == 'R' && ans[1] == 0x00) {
            r->raw_paste = 0; /* understood but unsupported: plain mode from now on */
        } else {
            /* Firmware older than raw-paste took "\x05A" as code and the
             * \x01 as "reset the raw REPL": wait for the banner it printed. */
            r->raw_paste = 0;
            if (!(ans[0] == '\r' && ans[1] == '\n') && !(ans[0] == 'r' && ans[1] == 'a')) {
                char q[32];
                quote(q, sizeof q, ans, 2);
                return fail(r, ROMFS_ERR_PROTOCOL, "unexpected answer '%s' to the raw-paste request", q);
            }
            e = read_until(r, "CTRL-B to exit\r\n>", deadline, "recovering from the raw-paste request");
            if (e)
                return e;
        }
    }
    if (!pasted) {
        e = plain_write(r, c, len, deadline);
        if (e)
            return e;
    }
    e = read_to_eot(r, deadline, on_output, ctx, out, "running the code", 0);
    if (e)
        return e;
    e = read_to_eot(r, deadline, NULL, NULL, errtext, "reading the code's error output", 1);
    if (e)
        return e;
    uint8_t p;
    e = get_byte(r, deadline, &p);
    if (e)
        return io_fail(r, e, "waiting for the raw REPL prompt after the code", NULL, 0);
    if (p != '>') {
        /* machine.soft_reset() and friends end up here. */
        return fail(r, ROMFS_ERR_PROTOCOL, "board did not return to the raw REPL prompt (got 0x%02x%s)", p,
                    p == 'M' ? ": it reset" : "");
    }
    if (errtext && errtext->len)
        return ROMFS_ERR_RAISED;
    return 0;
}

/* Collect what the board prints up to the raw banner and its prompt. */
static int read_reset_text(rawrepl_t *r, rr_buf_t *text, int64_t deadline)
{
    static const char pat[] = RAW_BANNER ">";
    size_t plen = sizeof pat - 1;
    for (;;) {
        uint8_t c;
        int e = get_byte(r, deadline, &c);
        if (e)
            return io_fail(r, e, "waiting for the raw REPL after the reset", (const uint8_t *)text->data, text->len);
        if (rr_buf_add(text, &c, 1))
            return fail(r, ROMFS_ERR_NOMEM, "out of memory");
        if (text->len >= plen && memcmp(text->data + text->len - plen, pat, plen) == 0)
            return 0;
        if (corrupt_banner((const uint8_t *)text->data, text->len))
            return fail(r, ROMFS_ERR_PROTOCOL, "corrupted raw REPL banner after the reset");
        if (text->len > (1u << 20))
            return fail(r, ROMFS_ERR_PROTOCOL, "board printed more than 1 MiB while resetting");
    }
}

int rr_soft_reset(rawrepl_t *r, rr_buf_t *boot)
{
    static const char reboot[] = "soft reboot\r\n";
    int64_t deadline = rp_monotonic_ms() + r->timeout_ms;
    if (!r->in_raw)
        return fail(r, ROMFS_ERR_PROTOCOL, "not in the raw REPL");
    int e = put(r, "\x04", 1, deadline, "soft-resetting the board");
    if (e)
        return e;
    /* "...soft reboot\r\n", what boot.py prints, the raw banner: a banner
     * without the reboot line is an answer the link corrupted. */
    rr_buf_t text = {0};
    e = read_reset_text(r, &text, deadline);
    const char *at = e ? NULL : (const char *)rp_memmem(text.data, text.len, reboot, sizeof reboot - 1);
    if (!e && !at)
        e = fail(r, ROMFS_ERR_PROTOCOL, "board came back to the raw REPL without saying it reset");
    if (!e && boot) {
        size_t from = (size_t)(at - text.data) + sizeof reboot - 1;
        size_t to = text.len - strlen(RAW_BANNER ">");
        e = rr_buf_add(boot, text.data + from, to > from ? to - from : 0) ? fail(r, ROMFS_ERR_NOMEM, "out of memory") : 0;
    }
    rr_buf_free(&text);
    return e;
}
