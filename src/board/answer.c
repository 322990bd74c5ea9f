/* SPDX-License-Identifier: MIT */
/* Board answers, parsed strictly (see answer.h). The text is never assumed
 * to be NUL-terminated or well-formed: every read is bounded by len. */
#include "answer.h"

#include <string.h>

#include "romfs/romfs_codec.h"

#define LIMIT(p, w) (*(why) = (w), ROMFS_ERR_PROTOCOL)

/* A cursor over [s, e). */
typedef struct cur {
    const char *s, *e;
} cur_t;

/* The next line (without its \r\n); 0 at the end of the text. */
static int next_line(cur_t *c, cur_t *line)
{
    if (c->s >= c->e)
        return 0;
    const char *nl = memchr(c->s, '\n', (size_t)(c->e - c->s));
    const char *end = nl ? nl : c->e;
    line->s = c->s;
    line->e = end > c->s && end[-1] == '\r' ? end - 1 : end;
    c->s = nl ? nl + 1 : c->e;
    return 1;
}

/* The next space-separated token; 0 when none is left. */
static int next_tok(cur_t *c, cur_t *t)
{
    if (c->s >= c->e)
        return 0;
    const char *sp = memchr(c->s, ' ', (size_t)(c->e - c->s));
    t->s = c->s;
    t->e = sp ? sp : c->e;
    c->s = sp ? sp + 1 : c->e;
    return t->e > t->s;
}

static int tok_is(const cur_t *t, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(t->e - t->s) == n && memcmp(t->s, word, n) == 0;
}

/* A decimal integer in [lo, hi]: optional '-', 1-19 digits, nothing else. */
static int tok_num(const cur_t *t, long long lo, long long hi, long long *v)
{
    const char *p = t->s;
    int neg = p < t->e && *p == '-';
    p += neg;
    if (p >= t->e || t->e - p > 19)
        return -1;
    unsigned long long acc = 0;
    for (; p < t->e; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        acc = acc * 10 + (unsigned)(*p - '0');
    }
    if (acc > (unsigned long long)9223372036854775807LL)
        return -1;
    long long x = neg ? -(long long)acc : (long long)acc;
    if (x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

/* Only line breaks left. */
static int at_end(const cur_t *c)
{
    for (const char *p = c->s; p < c->e; p++)
        if (*p != '\r' && *p != '\n')
            return 0;
    return 1;
}

static int is_lower_hex(const cur_t *t, size_t min, size_t max)
{
    size_t n = (size_t)(t->e - t->s);
    if (n < min || n > max)
        return 0;
    for (const char *p = t->s; p < t->e; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* feat: a subsequence of "ocdbhvr", each letter once, in that order. */
static int valid_feat(const cur_t *t)
{
    static const char order[] = "ocdbhvr";
    const char *o = order;
    for (const char *p = t->s; p < t->e; p++) {
        const char *q = memchr(o, *p, (size_t)(order + sizeof order - 1 - o));
        if (!*p || !q)
            return 0;
        o = q + 1;
    }
    return t->e > t->s;
}

static int probe_ok(cur_t *c, const char *line_start, ans_probe_t *p, const char **why)
{
    cur_t t, uid, feat, sum;
    long long size, bs, s;
    if (!next_tok(c, &t) || tok_num(&t, 1, (long long)ANS_MAX_PART_SIZE, &size))
        return LIMIT(why, "partition size missing or out of range");
    if (!next_tok(c, &t) || tok_num(&t, -(1LL << 31), (long long)ANS_MAX_PART_SIZE, &bs))
        return LIMIT(why, "block size missing or out of range");
    if (!next_tok(c, &uid) || !(tok_is(&uid, "-") || is_lower_hex(&uid, 1, ANS_MAX_UID)))
        return LIMIT(why, "unique id missing, not hex, or longer than 64 digits");
    if (!next_tok(c, &feat) || !(tok_is(&feat, "-") || valid_feat(&feat)))
        return LIMIT(why, "feature flags missing or not understood");
    const char *summed_end = feat.e;
    if (!next_tok(c, &sum) || tok_num(&sum, 0, 65535, &s) || c->s < c->e)
        return LIMIT(why, "checksum missing or out of range");
    unsigned acc = 0;
    for (const char *q = line_start; q < summed_end; q++)
        acc += (uint8_t)*q;
    if ((acc & 0xffff) != (unsigned)s)
        return LIMIT(why, "checksum does not match: the answer was corrupted");
    p->part_size = (uint64_t)size;
    p->block_size = bs;
    if (!tok_is(&uid, "-"))
        memcpy(p->uid, uid.s, (size_t)(uid.e - uid.s));
    if (!tok_is(&feat, "-"))
        memcpy(p->feat, feat.s, (size_t)(feat.e - feat.s));
    return 0;
}

int ans_probe(const char *text, size_t len, ans_probe_t *p, const char **why)
{
    memset(p, 0, sizeof *p);
    cur_t all = {text, text + len}, line, c, t;
    if (!next_line(&all, &line) || !at_end(&all))
        return LIMIT(why, "expected one line");
    c = line;
    if (!next_tok(&c, &t) || !tok_is(&t, "R") || !next_tok(&c, &t))
        return LIMIT(why, "expected 'R ...'");
    if (tok_is(&t, "NOROMFS") && c.s == c.e)
        return ROMFS_ERR_NOROMFS;
    if (tok_is(&t, "NOPART")) {
        if (!next_tok(&c, &t) || tok_num(&t, -(1LL << 31), (1LL << 31) - 1, &p->nopart) || c.s < c.e)
            return LIMIT(why, "NOPART without a code");
        return ROMFS_ERR_NOPART;
    }
    if (!tok_is(&t, "OK"))
        return LIMIT(why, "expected 'R OK', 'R NOROMFS' or 'R NOPART'");
    return probe_ok(&c, line.s, p, why);
}

int ans_wsize(const char *text, size_t len, int *w, const char **why)
{
    cur_t all = {text, text + len}, line, t;
    long long v;
    if (!next_line(&all, &line) || !at_end(&all) || !next_tok(&line, &t) || !tok_is(&t, "W") ||
        !next_tok(&line, &t) || tok_num(&t, 0, ANS_MAX_WSIZE, &v) || line.s < line.e)
        return LIMIT(why, "expected 'W size' with a write size of 0 to 65536");
    *w = (int)v;
    return 0;
}

int ans_mpy(const char *text, size_t len, long long *v, const char **why)
{
    cur_t all = {text, text + len}, line, t;
    if (!next_line(&all, &line) || !at_end(&all) || !next_tok(&line, &t) || !tok_is(&t, "M") ||
        !next_tok(&line, &t) || tok_num(&t, -1, 0xffffff, v) || line.s < line.e)
        return LIMIT(why, "expected 'M value' with sys.implementation._mpy of -1 to 16777215");
    return 0;
}

int ans_crcs(const char *text, size_t len, uint32_t n, uint32_t *crcs, const char **why)
{
    const char *p = text, *e = text + len;
    uint32_t got = 0;
    while (p < e) {
        if (*p == ' ' || *p == '\r' || *p == '\n') {
            p++;
            continue;
        }
        cur_t t = {p, p};
        while (t.e < e && *t.e != ' ' && *t.e != '\r' && *t.e != '\n')
            t.e++;
        if (!is_lower_hex(&t, 1, 8))
            return LIMIT(why, "a block CRC is not 1 to 8 hex digits");
        if (got == n)
            return LIMIT(why, "more block CRCs than blocks asked for");
        uint32_t v = 0;
        for (const char *q = t.s; q < t.e; q++)
            v = v << 4 | (uint32_t)(*q <= '9' ? *q - '0' : *q - 'a' + 10);
        crcs[got++] = v;
        p = t.e;
    }
    if (got != n)
        return LIMIT(why, "fewer block CRCs than blocks asked for");
    return 0;
}

int ans_hex(const char *text, size_t len, uint8_t *out, size_t n, const char **why)
{
    size_t l = len;
    if (l && text[l - 1] == '\n')
        l--;
    if (l && text[l - 1] == '\r')
        l--;
    if (l != 2 * n || romfs_hex_decode(text, l, out, n) != (long)n)
        return LIMIT(why, "read-back bytes are not the hex of the range asked for");
    return 0;
}

/* "P id obj size count bsize erase head isize fit sha ok" */
static int query_p(cur_t *c, ans_part_t *p, const char **why)
{
    static const struct {
        long long lo, hi;
    } r[6] = {{0, ANS_MAX_PARTS - 1}, {0, 1}, {0, (long long)ANS_MAX_PART_SIZE},
              {0, (long long)ANS_MAX_PART_SIZE}, {0, (long long)ANS_MAX_PART_SIZE},
              {-(1LL << 31), (long long)ANS_MAX_PART_SIZE}};
    long long *dst[6] = {&p->id, &p->obj, &p->size, &p->count, &p->bsize, &p->erase};
    cur_t t;
    for (int i = 0; i < 6; i++)
        if (!next_tok(c, &t) || tok_num(&t, r[i].lo, r[i].hi, dst[i]))
            return LIMIT(why, "a partition number is missing or out of range");
    if (!next_tok(c, &t) || !(tok_is(&t, "-") || is_lower_hex(&t, 2, 24)) ||
        (!tok_is(&t, "-") && (p->head_len = (int)romfs_hex_decode(t.s, (size_t)(t.e - t.s), p->head, 12)) < 0))
        return LIMIT(why, "the partition's first bytes are not hex");
    if (tok_is(&t, "-"))
        p->head_len = 0;
    if (!next_tok(c, &t) || tok_num(&t, -1, 1LL << 62, &p->isize) ||
        !next_tok(c, &t) || tok_num(&t, 0, 1, &p->fit))
        return LIMIT(why, "the image size is missing or out of range");
    if (!next_tok(c, &t) || !(tok_is(&t, "-") || is_lower_hex(&t, 64, 64)))
        return LIMIT(why, "the image SHA-256 is not 64 hex digits");
    if (!tok_is(&t, "-"))
        memcpy(p->sha, t.s, 64);
    if (!next_tok(c, &t) || tok_num(&t, 0, 2, &p->ok) || c->s < c->e)
        return LIMIT(why, "a partition line does not end as expected");
    if (p->obj && p->count * p->bsize != p->size)
        return LIMIT(why, "a block device's size is not its block count times its block size");
    return 0;
}

static int query_part(cur_t *line, long long want, ans_part_t *p, const char **why)
{
    cur_t t;
    memset(p, 0, sizeof *p);
    if (!next_tok(line, &t))
        return LIMIT(why, "an empty line");
    if (tok_is(&t, "E")) {
        p->missing = 1;
        if (!next_tok(line, &t) || tok_num(&t, 0, ANS_MAX_PARTS - 1, &p->id) || !next_tok(line, &t) ||
            tok_num(&t, -(1LL << 31), (1LL << 31) - 1, &p->size) || line->s < line->e)
            return LIMIT(why, "a partition error line is malformed");
    } else if (!tok_is(&t, "P") || query_p(line, p, why) < 0) {
        return tok_is(&t, "P") ? ROMFS_ERR_PROTOCOL : LIMIT(why, "expected a partition line");
    }
    if (p->id != want)
        return LIMIT(why, "partitions out of order");
    return 0;
}

int ans_query(const char *text, size_t len, ans_query_t *q, const char **why)
{
    cur_t all = {text, text + len}, line, t;
    q->romfs = 1;
    q->n = 0;
    if (!next_line(&all, &line))
        return LIMIT(why, "no answer");
    if (line.e - line.s == 7 && memcmp(line.s, "NOROMFS", 7) == 0) {
        q->romfs = 0;
        return at_end(&all) ? 0 : LIMIT(why, "text after NOROMFS");
    }
    if (!next_tok(&line, &t) || !tok_is(&t, "N") || !next_tok(&line, &t) ||
        tok_num(&t, -1, ANS_MAX_PARTS, &q->n) || line.s < line.e)
        return LIMIT(why, "expected the partition count (0 to 64)");
    if (q->n < 0)
        q->n = 0;   /* rom_ioctl(1) did not give a number */
    for (long long i = 0; i < q->n; i++) {
        if (!next_line(&all, &line))
            return LIMIT(why, "fewer partitions than announced");
        int e = query_part(&line, i, &q->parts[i], why);
        if (e)
            return e;
    }
    return at_end(&all) ? 0 : LIMIT(why, "more lines than partitions");
}

long long ans_part_image_len(const ans_part_t *p)
{
    if (p->isize < 0 || p->head_len < 4 || memcmp(p->head, "\xd2\xcd\x31", 3) != 0)
        return -1;
    for (int k = 3; k < p->head_len; k++)
        if (!(p->head[k] & 0x80))
            return k + 1 + p->isize;
    return -1;
}

size_t ans_last_line(const char *text, size_t len, char *buf, size_t size)
{
    if (!size)
        return 0;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start && text[start - 1] != '\n')
        start--;
    size_t n = 0;
    for (size_t i = start; i < len && n + 1 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    buf[n] = '\0';
    return n;
}
