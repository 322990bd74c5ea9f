/* SPDX-License-Identifier: MIT */
/* libFuzzer target: everything the CLI parses from a board. The first byte
 * picks the parser (src/board/answer.c, the codecs, or the raw REPL
 * framing run over a pipe holding the input); the rest is the board's
 * answer. Besides not crashing, every accepted answer must lie within the
 * documented ranges. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "fuzz_common.h"
#include "rawrepl.h"
#include "romfs/romfs_codec.h"

static int is_hex(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static void probe(const char *t, size_t n)
{
    ans_probe_t p;
    const char *why = NULL;
    int r = ans_probe(t, n, &p, &why);
    FUZZ_ASSERT(r == 0 || r == ROMFS_ERR_NOROMFS || r == ROMFS_ERR_NOPART || (r == ROMFS_ERR_PROTOCOL && why && *why));
    if (r == 0) {
        FUZZ_ASSERT(p.part_size >= 1 && p.part_size <= ANS_MAX_PART_SIZE);
        FUZZ_ASSERT(strlen(p.uid) <= ANS_MAX_UID && is_hex(p.uid));
        FUZZ_ASSERT(strspn(p.feat, "ocdbhv") == strlen(p.feat) && strlen(p.feat) <= 6);
    }
    int w = -1;
    if (ans_wsize(t, n, &w, &why) == 0)
        FUZZ_ASSERT(w >= 0 && w <= ANS_MAX_WSIZE);
    long long m = -2;
    if (ans_mpy(t, n, &m, &why) == 0)
        FUZZ_ASSERT(m >= -1 && m <= 0xffffff); /* RISC-V flags sit above bit 15 */
}

static void lists(const uint8_t *d, size_t n)
{
    uint32_t crcs[64];
    uint8_t bytes[64];
    const char *why;
    if (n < 1)
        return;
    uint32_t k = d[0] % 65;
    (void)ans_crcs((const char *)d + 1, n - 1, k, crcs, &why);
    (void)ans_hex((const char *)d + 1, n - 1, bytes, k, &why);
    char line[64];
    size_t l = ans_last_line((const char *)d + 1, n - 1, line, sizeof line);
    FUZZ_ASSERT(l < sizeof line && strlen(line) == l);
    for (size_t i = 0; i < l; i++)
        FUZZ_ASSERT(line[i] >= 0x20 && line[i] < 0x7f);
    uint8_t out[256];
    long b = romfs_b64_decode((const char *)d + 1, n - 1, out, sizeof out);
    FUZZ_ASSERT(b == ROMFS_ERR_INVAL || (b >= 0 && b <= (long)sizeof out));
    long h = romfs_hex_decode((const char *)d + 1, n - 1, out, sizeof out);
    FUZZ_ASSERT(h == ROMFS_ERR_INVAL || (h >= 0 && h <= (long)sizeof out));
}

static void query(const char *t, size_t n)
{
    static ans_query_t q;
    const char *why;
    if (ans_query(t, n, &q, &why) != 0)
        return;
    FUZZ_ASSERT(q.n >= 0 && q.n <= ANS_MAX_PARTS);
    for (long long i = 0; i < q.n; i++) {
        const ans_part_t *p = &q.parts[i];
        FUZZ_ASSERT(p->id == i && p->head_len >= 0 && p->head_len <= 12);
        FUZZ_ASSERT(p->ok >= 0 && p->ok <= 2 && strlen(p->sha) <= 64);
        long long len = ans_part_image_len(p);
        FUZZ_ASSERT(len == -1 || (len > p->isize && len <= p->isize + 13));
    }
}

/* The raw REPL over a pipe that holds the input: one command, then a soft
 * reset. Every outcome must be a code, with bounded output. */
static void framing(const uint8_t *d, size_t n, int paste)
{
    int fds[2];
    if (n > 60000 || pipe(fds) != 0)
        return;
    int sink = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (sink < 0 || (n && write(fds[1], d, n) != (ssize_t)n)) {
        close(fds[0]);
        close(fds[1]);
        if (sink >= 0)
            close(sink);
        return;
    }
    close(fds[1]);
    chan_t ch;
    chan_init_fds(&ch, fds[0], sink);
    rawrepl_t r;
    rr_init(&r, &ch, 1000);
    r.in_raw = 1;
    r.raw_paste = paste;
    rr_buf_t out = {0}, err = {0}, boot = {0};
    int e = rr_exec(&r, "print(1)", 8, NULL, NULL, &out, &err, 1000);
    FUZZ_ASSERT(e == 0 || e == ROMFS_ERR_RAISED || e == ROMFS_ERR_PROTOCOL || e == ROMFS_ERR_CLOSED ||
                e == ROMFS_ERR_TIMEOUT);
    FUZZ_ASSERT(out.len + err.len <= n && strlen(r.err) < sizeof r.err);
    if (e == 0 || e == ROMFS_ERR_RAISED) {
        e = rr_soft_reset(&r, &boot);
        FUZZ_ASSERT(e <= 0 && boot.len <= n);
    }
    rr_buf_free(&out);
    rr_buf_free(&err);
    rr_buf_free(&boot);
    close(fds[0]);
    close(sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *t = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: probe(t, n); break;
    case 1: lists(data + 1, n); break;
    case 2: query(t, n); break;
    case 3: framing(data + 1, n, 0); break;
    default: framing(data + 1, n, 1); break;
    }
    return 0;
}
