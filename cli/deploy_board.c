/*
 * The deploy engine's device interface over board.h. Every board call is a
 * Python statement on the raw REPL; statements that print nothing (erase
 * after the first, writes) are queued and sent several to an exec, in order,
 * so a deploy costs few round trips. A queued statement that fails surfaces
 * at the next flush, which still stops the deploy before the header block
 * is committed: ordering, not acknowledgement, is what keeps it power-safe.
 */
#include "deploy_board.h"

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BATCH_MAX 6000        /* code bytes per exec: fits small boards' compilers */
#define EXEC_TIMEOUT_MS 60000 /* an erase of 32 KiB on a slow board, plus the link */

struct dboard {
    board_t *b;
    dboard_info_t info;
    char *q;                 /* queued statements */
    size_t qlen, qcap;
    int wsize;               /* min write size from the first erase, 0 before */
    char err[200];
    void (*progress)(void *, uint64_t, uint64_t);
    void *pctx;
    uint8_t *zbuf;
    size_t zcap;
    char *enc;
    size_t enccap;
};

static int qadd(dboard_t *d, const char *s, size_t n)
{
    if (d->qlen + n + 1 > d->qcap) {
        size_t cap = (d->qlen + n + 1) * 2;
        char *nq = realloc(d->q, cap);
        if (!nq)
            return -ENOMEM;
        d->q = nq;
        d->qcap = cap;
    }
    memcpy(d->q + d->qlen, s, n);
    d->qlen += n;
    d->q[d->qlen] = '\0';
    return 0;
}

/* Keep the last line of a traceback ("OSError: [Errno 5] EIO") for the
 * error message. */
static void keep_error(dboard_t *d, const char *out)
{
    d->err[0] = '\0';
    if (!out)
        return;
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        n--;
    size_t s = n;
    while (s && out[s - 1] != '\n')
        s--;
    snprintf(d->err, sizeof d->err, "%.*s", (int)(n - s), out + s);
}

static int run(dboard_t *d, const char *code, size_t len, char **out)
{
    char *o = NULL;
    size_t olen = 0;
    int r = board_exec(d->b, code, len, &o, &olen, EXEC_TIMEOUT_MS);
    if (r == BOARD_ERR_EXEC)
        keep_error(d, o);
    if (r < 0 || !out)
        free(o);
    else
        *out = o;
    return r;
}

static int flush(dboard_t *d)
{
    if (!d->qlen)
        return 0;
    int r = run(d, d->q, d->qlen, NULL);
    d->qlen = 0;
    return r;
}

/* Statements must not be split across execs mid-way: flush first when the
 * next one would overflow the batch. */
static int queue(dboard_t *d, const char *s, size_t n)
{
    if (d->qlen && d->qlen + n > BATCH_MAX) {
        int r = flush(d);
        if (r < 0)
            return r;
    }
    return qadd(d, s, n);
}

static const char PROBE[] =
    "import vfs\n"
    "_u=''\n"
    "try:\n"
    " import machine,binascii\n"
    " _u=binascii.hexlify(machine.unique_id()).decode()\n"
    "except Exception:pass\n"
    "if not hasattr(vfs,'rom_ioctl'):print('R NOROMFS')\n"
    "else:\n"
    " _d=vfs.rom_ioctl(2,%d)\n"
    " if isinstance(_d,int):print('R NOPART',_d)\n"
    " else:\n"
    "  _f=''\n"
    "  if hasattr(_d,'ioctl'):\n"
    "   _B=_d.ioctl(5,0)\n"
    "   _n=_d.ioctl(4,0)*_B\n"
    "   _f+='o'\n"
    "  else:\n"
    "   _n=len(_d)\n"
    "   _B=vfs.rom_ioctl(6,%d)\n"
    "  try:\n"
    "   from binascii import crc32\n"
    "   _f+='c'\n"
    "  except Exception:pass\n"
    "  try:\n"
    "   from deflate import DeflateIO,RAW\n"
    "   import io\n"
    "   _f+='d'\n"
    "  except Exception:pass\n"
    "  try:\n"
    "   from binascii import a2b_base64\n"
    "   _f+='b'\n"
    "  except Exception:pass\n"
    "  if hasattr(bytes,'fromhex'):_f+='h'\n"
    "  try:\n"
    "   _m=_d if 'o' in _f and hasattr(_d,'readblocks') else memoryview(_d)\n"
    "   _f+='v'\n"
    "  except Exception:pass\n"
    "  print('R OK',_n,_B,_u or '-',_f or '-')\n";

/* _k raises on a negative rom_ioctl result so a failed write stops the
 * batch; _e erases and returns the minimum write size; _P programs bytes;
 * _g reads them back; _w/_z/_x/_y write base64, deflated base64, hex or a
 * bytes literal; _c prints block CRCs; _r prints a range in hex (no crc32 on
 * the board). Partitions come in two kinds, as in mpremote: memory-mapped
 * ones written through vfs.rom_ioctl(3/4), and block-device objects (some
 * ports) erased with ioctl(6, block) and written with writeblocks in whole
 * chunks of min(block, 4096) bytes, mpremote's chunk size. */
static const char HELPERS[] =
    "def _k(r):\n"
    " if r<0:raise OSError(-r)\n"
    " return r\n"
    "%s"
    "def _x(o,s):_P(o,bytes.fromhex(s))\n"
    "def _y(o,s):_P(o,s)\n"
    "%s%s%s%s";
static const char H_MAPPED[] =
    "def _e(o,n):return _k(vfs.rom_ioctl(3,%d,o,n))\n"
    "def _P(o,b):_k(vfs.rom_ioctl(4,%d,o,b))\n"
    "def _g(o,n):return _m[o:o+n]\n";
static const char H_BLOCKDEV[] =
    "def _e(o,n):\n"
    " for i in range(o//_B,(o+n+_B-1)//_B):_k(_d.ioctl(6,i))\n"
    " return min(_B,4096)\n"
    "def _P(o,b):_d.writeblocks(o//_B,b,o%%_B)\n"
    "def _g(o,n):\n"
    " t=bytearray(n)\n"
    " _d.readblocks(o//_B,t,o%%_B)\n"
    " return t\n";
static const char H_B64[] = "def _w(o,s):_P(o,a2b_base64(s))\n";
static const char H_DEFL[] = "def _z(o,s):_P(o,DeflateIO(io.BytesIO(a2b_base64(s)),RAW,9).read())\n";
static const char H_CRC[] =
    "def _c(o,n,b):\n"
    " print(' '.join('%x'%(crc32(_g(i,min(b,o+n-i)))&0xffffffff) for i in range(o,o+n,b)))\n";
static const char H_READ[] =
    "import binascii\n"
    "def _r(o,n):print(binascii.hexlify(_g(o,n)).decode())\n";

int dboard_open(board_t *b, int part, dboard_t **out, dboard_info_t *info, char **detail)
{
    *out = NULL;
    if (detail)
        *detail = NULL;
    char code[sizeof PROBE + 64];
    int n = snprintf(code, sizeof code, PROBE, part, part);
    char *o = NULL;
    size_t olen = 0;
    int r = board_exec(b, code, (size_t)n, &o, &olen, EXEC_TIMEOUT_MS);
    if (r < 0) {
        if (detail)
            *detail = o;
        else
            free(o);
        return r;
    }
    memset(info, 0, sizeof *info);
    info->part = part;
    const char *line = o ? strstr(o, "R ") : NULL;
    char uid[80] = "", feat[16] = "";
    unsigned long long size = 0;
    long long bs = 0;
    if (line && strncmp(line, "R NOROMFS", 9) == 0)
        r = DBOARD_NO_ROMFS;
    else if (line && strncmp(line, "R NOPART", 8) == 0)
        r = DBOARD_NO_PART;
    else if (!line || sscanf(line, "R OK %llu %lld %79s %15s", &size, &bs, uid, feat) != 4)
        r = BOARD_ERR_PROTOCOL;
    if (r < 0) {
        if (detail)
            *detail = o;
        else
            free(o);
        return r;
    }
    free(o);
    info->part_size = size;
    info->block_size = bs;
    snprintf(info->uid, sizeof info->uid, "%s", strcmp(uid, "-") == 0 ? "" : uid);
    info->has_crc = strchr(feat, 'c') != NULL;
    info->has_b64 = strchr(feat, 'b') != NULL;
    info->has_deflate = info->has_b64 && strchr(feat, 'd') != NULL;
    info->has_view = strchr(feat, 'v') != NULL;
    info->has_hex = strchr(feat, 'h') != NULL;
    info->block_device = strchr(feat, 'o') != NULL;
    /* ROMFS_DEPLOY_ENCODING=deflate|base64|hex|literal caps the chunk
     * encoding (for debugging a board, and to test every fallback). */
    const char *enc = getenv("ROMFS_DEPLOY_ENCODING");
    if (enc && *enc) {
        int level = strcmp(enc, "deflate") == 0 ? 3 : strcmp(enc, "base64") == 0 ? 2
                  : strcmp(enc, "hex") == 0 ? 1 : strcmp(enc, "literal") == 0 ? 0 : -1;
        if (level < 0) {
            cli_error("ROMFS_DEPLOY_ENCODING=%s: expected deflate, base64, hex or literal", enc);
            return -EINVAL;
        }
        if (level < 3)
            info->has_deflate = 0;
        if (level < 2)
            info->has_b64 = 0;
        if (level < 1)
            info->has_hex = 0;
    }

    dboard_t *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->b = b;
    d->info = *info;
    char defs[sizeof HELPERS + sizeof H_MAPPED + sizeof H_BLOCKDEV + sizeof H_B64 + sizeof H_DEFL +
              sizeof H_CRC + sizeof H_READ + 64];
    char kind[sizeof H_MAPPED + sizeof H_BLOCKDEV + 16];
    if (info->block_device)
        snprintf(kind, sizeof kind, H_BLOCKDEV);
    else
        snprintf(kind, sizeof kind, H_MAPPED, part, part);
    n = snprintf(defs, sizeof defs, HELPERS, kind, info->has_b64 ? H_B64 : "", info->has_deflate ? H_DEFL : "",
                 info->has_view && info->has_crc ? H_CRC : "", info->has_view ? H_READ : "");
    if ((r = run(d, defs, (size_t)n, NULL)) < 0) {
        free(d);
        return r;
    }
    *out = d;
    return 0;
}

static int op_erase(void *ctx, uint32_t off, uint32_t len)
{
    dboard_t *d = ctx;
    char s[80];
    int n;
    if (d->wsize > 0) {
        n = snprintf(s, sizeof s, "_e(%u,%u)\n", off, len);
        int r = queue(d, s, (size_t)n);
        return r < 0 ? r : d->wsize;
    }
    /* The first erase reports the write size every later write needs; /rom
     * is unmounted just before it, once every check has passed. */
    int r = flush(d);
    if (r < 0)
        return r;
    n = snprintf(s, sizeof s, "try:vfs.umount('/rom')\nexcept Exception:pass\nprint('W',_e(%u,%u))\n", off, len);
    char *o = NULL;
    if ((r = run(d, s, (size_t)n, &o)) < 0)
        return r;
    int w = 0;
    const char *p = o ? strstr(o, "W ") : NULL;
    if (!p || sscanf(p, "W %d", &w) != 1 || w < 0) {
        free(o);
        return BOARD_ERR_PROTOCOL;
    }
    free(o);
    d->wsize = w ? w : 1;
    return d->wsize;
}

static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    uint8_t *nb = realloc(*buf, n);
    if (!nb)
        return -ENOMEM;
    *buf = nb;
    *cap = n;
    return 0;
}

/* Raw deflate with a 512-byte window, what DeflateIO(..., RAW, 9) reads.
 * Returns the compressed length, or 0 when it does not help. */
static size_t deflate_raw(dboard_t *d, const uint8_t *buf, size_t len)
{
    if (reserve(&d->zbuf, &d->zcap, len + 64) < 0)
        return 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, -9, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    z.next_in = (Bytef *)buf;
    z.avail_in = (uInt)len;
    z.next_out = d->zbuf;
    z.avail_out = (uInt)d->zcap;
    int r = deflate(&z, Z_FINISH);
    size_t out = z.total_out;
    deflateEnd(&z);
    return r == Z_STREAM_END && out < len ? out : 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    return o;
}

static int op_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
    dboard_t *d = ctx;
    size_t zlen = d->info.has_deflate ? deflate_raw(d, buf, len) : 0;
    const uint8_t *src = zlen ? d->zbuf : buf;
    size_t n = zlen ? zlen : len;
    /* Fastest encoding the board can decode, as mpremote chooses: deflated
     * base64, base64, hex, else a bytes literal (needs nothing). */
    char mode = zlen ? 'z' : d->info.has_b64 ? 'w' : d->info.has_hex ? 'x' : 'y';
    if (reserve((uint8_t **)&d->enc, &d->enccap, n * 4 + 64) < 0)
        return -ENOMEM;
    int h = snprintf(d->enc, d->enccap, "_%c(%u,b'", mode, off);
    size_t e = (size_t)h;
    if (mode == 'z' || mode == 'w') {
        e += b64_encode(src, n, d->enc + e);
    } else if (mode == 'x') {
        for (size_t i = 0; i < n; i++, e += 2)
            snprintf(d->enc + e, 3, "%02x", src[i]);
    } else {
        for (size_t i = 0; i < n; i++) {
            uint8_t c = src[i];
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
                d->enc[e++] = (char)c;
            else
                e += (size_t)snprintf(d->enc + e, 5, "\\x%02x", c);
        }
    }
    memcpy(d->enc + e, "')\n", 3);
    return queue(d, d->enc, e + 3);
}

static int parse_hex_bytes(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

int dboard_block_crcs(dboard_t *d, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    if (!d->info.has_view)
        return -ENOTSUP;
    int r = flush(d);
    if (r < 0)
        return r;
    uint32_t nb = (len + block_size - 1) / block_size;
    char s[96];
    if (!d->info.has_crc) {
        /* No crc32 on the board: read the bytes back, a block per exec. */
        uint8_t *buf = malloc(block_size);
        if (!buf)
            return -ENOMEM;
        for (uint32_t i = 0; i < nb && r >= 0; i++) {
            uint32_t o = offset + i * block_size, n = len - i * block_size < block_size ? len - i * block_size : block_size;
            int k = snprintf(s, sizeof s, "_r(%u,%u)\n", o, n);
            char *out = NULL;
            if ((r = run(d, s, (size_t)k, &out)) >= 0) {
                if (!out || strlen(out) < 2 * (size_t)n || parse_hex_bytes(out, buf, n) < 0)
                    r = BOARD_ERR_PROTOCOL;
                else
                    crcs[i] = (uint32_t)crc32(0L, buf, n);
            }
            free(out);
        }
        free(buf);
        return r < 0 ? r : 0;
    }
    int k = snprintf(s, sizeof s, "_c(%u,%u,%u)\n", offset, len, block_size);
    char *out = NULL;
    if ((r = run(d, s, (size_t)k, &out)) < 0)
        return r;
    const char *p = out ? out : "";
    for (uint32_t i = 0; i < nb; i++) {
        char *end;
        unsigned long v = strtoul(p, &end, 16);
        if (end == p) {
            free(out);
            return BOARD_ERR_PROTOCOL;
        }
        crcs[i] = (uint32_t)v;
        p = end;
    }
    free(out);
    return 0;
}

/* Read [offset, offset+len) back in hex, at most 4 KiB per exec (the
 * board's answer then stays small). */
static int op_read(void *ctx, uint32_t offset, uint32_t len, uint8_t *buf)
{
    dboard_t *d = ctx;
    if (!d->info.has_view)
        return -ENOTSUP;
    int r = flush(d);
    for (uint32_t done = 0; done < len && r >= 0;) {
        uint32_t n = len - done < 4096 ? len - done : 4096;
        char s[64], *out = NULL;
        int k = snprintf(s, sizeof s, "_r(%u,%u)\n", offset + done, n);
        if ((r = run(d, s, (size_t)k, &out)) >= 0 &&
            (!out || strlen(out) < 2 * (size_t)n || parse_hex_bytes(out, buf + done, n) < 0))
            r = BOARD_ERR_PROTOCOL;
        free(out);
        done += n;
    }
    return r < 0 ? r : 0;
}

static int op_crcs(void *ctx, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    return dboard_block_crcs(ctx, offset, len, block_size, crcs);
}

static int op_finish(void *ctx)
{
    dboard_t *d = ctx;
    if (d->info.block_device)   /* block devices have no finishing call */
        return flush(d);
    char s[64];
    int n = snprintf(s, sizeof s, "vfs.rom_ioctl(5,%d)\n", d->info.part);
    int r = queue(d, s, (size_t)n);
    return r < 0 ? r : flush(d);
}

static void op_progress(void *ctx, uint64_t done, uint64_t total)
{
    dboard_t *d = ctx;
    if (d->progress)
        d->progress(d->pctx, done, total);
}

romfs_deploy_ops_t dboard_ops(dboard_t *d, void (*progress)(void *, uint64_t, uint64_t), void *pctx)
{
    d->progress = progress;
    d->pctx = pctx;
    romfs_deploy_ops_t o = {.ctx = d, .erase = op_erase, .write = op_write, .block_crcs = op_crcs,
                            .finalise = op_finish, .read = op_read,
                            .progress = op_progress};
    return o;
}

const char *dboard_last_error(const dboard_t *d)
{
    return d ? d->err : "";
}

void dboard_free(dboard_t *d)
{
    if (!d)
        return;
    free(d->q);
    free(d->zbuf);
    free(d->enc);
    free(d);
}
