/* SPDX-License-Identifier: MIT */
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

#include "romfs/romfs_codec.h"
#include "transport/answer.h"

#define BATCH_MAX 6000        /* code bytes per exec: fits small boards' compilers */
#define EXEC_TIMEOUT_MS 60000 /* an erase of 32 KiB on a slow board, plus the link */
#define CRC_BATCH 256         /* block CRCs per exec: bounded answers, bounded waits */
#define READ_BATCH 16384      /* bytes read back per exec (32 KiB of hex) */

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
    if (out)
        ans_last_line(out, strlen(out), d->err, sizeof d->err);
}

/* An answer that does not parse: say which and why. */
static int bad_answer(dboard_t *d, const char *what, const char *why)
{
    snprintf(d->err, sizeof d->err, "unexpected answer to %s: %s", what, why);
    return BOARD_ERR_PROTOCOL;
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

/* The answer line ends with the byte sum of the rest (see answer.h): a
 * corrupted feature flag must stop the deploy, not change what it does. */
static const char PROBE[] =
    "import vfs\n"
    "_u=''\n"
    "try:\n"
    " import machine,binascii\n"
    " _u=binascii.hexlify(machine.unique_id()).decode()[:64]\n"
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
    "  _l=' '.join(('R OK',str(_n),str(_B),_u or '-',_f or '-'))\n"
    "  print(_l,sum(_l.encode())&65535)\n";

/* _k raises on a negative rom_ioctl result so a failed write stops the
 * batch; _e erases and returns the minimum write size; _P programs bytes;
 * _g reads them back; _w/_z/_x/_y write base64, deflated base64, hex or a
 * bytes literal; _c prints block CRCs, one line per block (memory does
 * not grow with the range: blocks are read 4 KiB at a time); _r prints a
 * range in hex, 512 bytes at a time. Partitions come in two kinds, as in
 * mpremote: memory-mapped ones written through vfs.rom_ioctl(3/4), and
 * block-device objects (some ports) erased with ioctl(6, block) and
 * written with writeblocks in whole chunks of min(block, 4096) bytes,
 * mpremote's chunk size. */
static const char HELPERS[] =
    "import sys\n"
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
    " for i in range(o,o+n,b):\n"
    "  e=min(i+b,o+n);c=0\n"
    "  for j in range(i,e,4096):c=crc32(_g(j,min(4096,e-j)),c)\n"
    "  print('%x'%(c&0xffffffff))\n";
static const char H_READ[] =
    "try:\n"
    " from binascii import hexlify as _hx\n"
    " def _h(b):return _hx(b).decode()\n"
    "except ImportError:\n"
    " def _h(b):return ''.join('%02x'%x for x in b)\n"
    "def _r(o,n):\n"
    " for i in range(o,o+n,512):sys.stdout.write(_h(_g(i,min(512,o+n-i))))\n"
    " print()\n";

/* ROMFS_DEPLOY_ENCODING=deflate|base64|hex|literal caps the chunk
 * encoding (for debugging a board, and to test every fallback). */
static int cap_encoding(dboard_info_t *info)
{
    const char *enc = getenv("ROMFS_DEPLOY_ENCODING");
    if (!enc || !*enc)
        return 0;
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
    return 0;
}

/* Probe answer -> info. On failure *detail may get a line to show. */
static int parse_probe(const char *o, int part, dboard_info_t *info, char **detail)
{
    ans_probe_t p;
    const char *why = "";
    int r = ans_probe(o ? o : "", o ? strlen(o) : 0, &p, &why);
    if (r == ANS_NOROMFS)
        return DBOARD_NO_ROMFS;
    if (r == ANS_NOPART)
        return DBOARD_NO_PART;
    if (r < 0) {
        if (detail && (*detail = malloc(160)) != NULL)
            snprintf(*detail, 160, "unexpected answer to the probe: %s", why);
        return r;
    }
    memset(info, 0, sizeof *info);
    info->part = part;
    info->part_size = p.part_size;
    info->block_size = p.block_size;
    snprintf(info->uid, sizeof info->uid, "%s", p.uid);
    info->has_crc = strchr(p.feat, 'c') != NULL;
    info->has_b64 = strchr(p.feat, 'b') != NULL;
    info->has_deflate = info->has_b64 && strchr(p.feat, 'd') != NULL;
    info->has_view = strchr(p.feat, 'v') != NULL;
    info->has_hex = strchr(p.feat, 'h') != NULL;
    info->block_device = strchr(p.feat, 'o') != NULL;
    return cap_encoding(info);
}

/* The board-side helpers the other calls use, for this board's kind. */
static int load_helpers(dboard_t *d)
{
    const dboard_info_t *info = &d->info;
    char defs[sizeof HELPERS + sizeof H_MAPPED + sizeof H_BLOCKDEV + sizeof H_B64 + sizeof H_DEFL +
              sizeof H_CRC + sizeof H_READ + 64];
    char kind[sizeof H_MAPPED + sizeof H_BLOCKDEV + 16];
    if (info->block_device)
        snprintf(kind, sizeof kind, H_BLOCKDEV);
    else
        snprintf(kind, sizeof kind, H_MAPPED, info->part, info->part);
    int n = snprintf(defs, sizeof defs, HELPERS, kind, info->has_b64 ? H_B64 : "", info->has_deflate ? H_DEFL : "",
                     info->has_view && info->has_crc ? H_CRC : "", info->has_view ? H_READ : "");
    return run(d, defs, (size_t)n, NULL);
}

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
    if (r == 0)
        r = parse_probe(o, part, info, detail);
    else if (r == BOARD_ERR_EXEC && detail && o && (*detail = malloc(200)) != NULL)
        ans_last_line(o, olen, *detail, 200);   /* the exception, not the whole trace */
    free(o);
    if (r < 0)
        return r;
    dboard_t *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->b = b;
    d->info = *info;
    if ((r = load_helpers(d)) < 0) {
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
    const char *why = "";
    r = ans_wsize(o ? o : "", o ? strlen(o) : 0, &w, &why);
    free(o);
    if (r < 0)
        return bad_answer(d, "the first erase", why);
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

static int op_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
    dboard_t *d = ctx;
    size_t zlen = 0;
    if (d->info.has_deflate && reserve(&d->zbuf, &d->zcap, (size_t)len + 64) == 0)
        zlen = romfs_deflate_raw(buf, len, d->zbuf, d->zcap);
    const uint8_t *src = zlen ? d->zbuf : buf;
    size_t n = zlen ? zlen : len;
    /* Fastest encoding the board can decode, as mpremote chooses: deflated
     * base64, base64, hex, else a bytes literal (needs nothing). */
    char mode = zlen ? 'z' : d->info.has_b64 ? 'w' : d->info.has_hex ? 'x' : 'y';
    if (reserve((uint8_t **)&d->enc, &d->enccap, ROMFS_PYLIT_LEN(n) + 64) < 0)
        return -ENOMEM;
    int h = snprintf(d->enc, d->enccap, "_%c(%u,b'", mode, off);
    size_t e = (size_t)h;
    if (mode == 'z' || mode == 'w')
        e += romfs_b64_encode(src, n, d->enc + e);
    else if (mode == 'x')
        e += romfs_hex_encode(src, n, d->enc + e);
    else
        e += romfs_pylit_encode(src, n, d->enc + e);
    memcpy(d->enc + e, "')\n", 3);
    return queue(d, d->enc, e + 3);
}

int dboard_read(dboard_t *d, uint32_t offset, uint32_t len, uint8_t *buf)
{
    if (!d->info.has_view)
        return -ENOTSUP;
    if ((uint64_t)offset + len > d->info.part_size)
        return -EINVAL;
    int r = flush(d);
    for (uint32_t done = 0; r >= 0 && done < len;) {
        uint32_t n = len - done < READ_BATCH ? len - done : READ_BATCH;
        char s[64], *out = NULL;
        int k = snprintf(s, sizeof s, "_r(%u,%u)\n", offset + done, n);
        if ((r = run(d, s, (size_t)k, &out)) >= 0) {
            const char *why = "";
            if (ans_hex(out ? out : "", out ? strlen(out) : 0, buf + done, n, &why) < 0)
                r = bad_answer(d, "a read", why);
        }
        free(out);
        done += n;
    }
    return r < 0 ? r : 0;
}

/* No crc32 on the board: read each block back and take its CRC here. */
static int crcs_by_reading(dboard_t *d, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    uint8_t *buf = malloc(block_size);
    if (!buf)
        return -ENOMEM;
    int r = 0;
    for (uint32_t i = 0; r >= 0 && (uint64_t)i * block_size < len; i++) {
        uint32_t o = offset + i * block_size;
        uint32_t n = len - i * block_size < block_size ? len - i * block_size : block_size;
        if ((r = dboard_read(d, o, n, buf)) >= 0)
            crcs[i] = (uint32_t)crc32(0L, buf, n);
    }
    free(buf);
    return r < 0 ? r : 0;
}

int dboard_block_crcs(dboard_t *d, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    if (!d->info.has_view)
        return -ENOTSUP;
    if (!block_size || (uint64_t)offset + len > d->info.part_size)
        return -EINVAL;
    int r = flush(d);
    if (r < 0)
        return r;
    if (!d->info.has_crc)
        return crcs_by_reading(d, offset, len, block_size, crcs);
    /* A batch of blocks per exec: answers and waits stay bounded however
     * big the partition is. */
    uint32_t nb = (uint32_t)(((uint64_t)len + block_size - 1) / block_size);
    for (uint32_t i = 0; i < nb; i += CRC_BATCH) {
        uint32_t k = nb - i < CRC_BATCH ? nb - i : CRC_BATCH;
        uint64_t o = (uint64_t)offset + (uint64_t)i * block_size;
        uint64_t n = (uint64_t)k * block_size;
        if (o + n > (uint64_t)offset + len)
            n = (uint64_t)offset + len - o;
        char s[96], *out = NULL;
        int m = snprintf(s, sizeof s, "_c(%u,%u,%u)\n", (uint32_t)o, (uint32_t)n, block_size);
        if ((r = run(d, s, (size_t)m, &out)) < 0)
            return r;
        const char *why = "";
        r = ans_crcs(out ? out : "", out ? strlen(out) : 0, k, crcs + i, &why);
        free(out);
        if (r < 0)
            return bad_answer(d, "a block CRC request", why);
    }
    return 0;
}

static int op_read(void *ctx, uint32_t offset, uint32_t len, uint8_t *buf)
{
    return dboard_read(ctx, offset, len, buf);
}

static int op_crcs(void *ctx, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    return dboard_block_crcs(ctx, offset, len, block_size, crcs);
}

int dboard_board_mpy(board_t *b, long long *sys_mpy, char *err, size_t errlen)
{
    static const char code[] = "import sys\nprint('M',getattr(sys.implementation,'_mpy',-1))\n";
    char *o = NULL;
    size_t olen = 0;
    const char *why = "";
    int r = board_exec(b, code, sizeof code - 1, &o, &olen, EXEC_TIMEOUT_MS);
    if (r == BOARD_ERR_EXEC)
        ans_last_line(o ? o : "", o ? olen : 0, err, errlen);
    else if (r < 0)
        snprintf(err, errlen, "%s", board_last_error(b));
    else if (ans_mpy(o ? o : "", o ? strlen(o) : 0, sys_mpy, &why) < 0) {
        snprintf(err, errlen, "unexpected answer to the _mpy query: %s", why);
        r = BOARD_ERR_PROTOCOL;
    }
    free(o);
    return r;
}

int dboard_mpy(dboard_t *d, long long *sys_mpy)
{
    return dboard_board_mpy(d->b, sys_mpy, d->err, sizeof d->err);
}

int dboard_finalise(dboard_t *d)
{
    char s[64];
    int n = d->info.block_device ? snprintf(s, sizeof s, "_d.ioctl(3,0)\n")   /* sync */
                                 : snprintf(s, sizeof s, "vfs.rom_ioctl(5,%d)\n", d->info.part);
    int r = queue(d, s, (size_t)n);
    return r < 0 ? r : flush(d);
}

static int op_finish(void *ctx)
{
    return dboard_finalise(ctx);
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
                            .finalise = op_finish, .read = op_read, .progress = op_progress};
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
