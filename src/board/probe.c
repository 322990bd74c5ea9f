/* SPDX-License-Identifier: MIT */
/*
 * The deploy engine's device interface over a board (romfs_board_deploy_ops),
 * and the probe that learns what the board can do. Every board call is a
 * Python statement on the raw REPL; statements that print nothing (erase
 * after the first, writes) are queued and sent several to an exec, in order,
 * so a deploy costs few round trips. A queued statement that fails surfaces
 * at the next flush, which still stops the deploy before the header block
 * is committed: ordering, not acknowledgement, is what keeps it power-safe.
 */
#include "board_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "romfs/romfs_codec.h"
#include "answer.h"

#define BATCH_MAX 6000        /* code bytes per exec: fits small boards' compilers */
#define EXEC_TIMEOUT_MS BOARD_EXEC_TIMEOUT_MS
#define CRC_BATCH 256         /* block CRCs per exec: bounded answers, bounded waits */
#define READ_BATCH 16384      /* bytes read back per exec (32 KiB of hex) */

typedef struct dboard {
    romfs_board_t *b;
    romfs_board_info_t info;
    char *q;                 /* queued statements */
    size_t qlen, qcap;
    int wsize;               /* min write size from the first erase, 0 before */
    uint8_t *zbuf;
    size_t zcap;
    char *enc;
    size_t enccap;
} dboard_t;

static int qadd(dboard_t *d, const char *s, size_t n)
{
    if (d->qlen + n + 1 > d->qcap) {
        size_t cap = (d->qlen + n + 1) * 2;
        char *nq = realloc(d->q, cap);
        if (!nq)
            return ROMFS_ERR_NOMEM;
        d->q = nq;
        d->qcap = cap;
    }
    memcpy(d->q + d->qlen, s, n);
    d->qlen += n;
    d->q[d->qlen] = '\0';
    return 0;
}

/* An answer that does not parse: say which and why. */
static int bad_answer(dboard_t *d, const char *what, const char *why)
{
    return board_fail(d->b, ROMFS_ERR_PROTOCOL, "unexpected answer to %s: %s", what, why);
}

static int run(dboard_t *d, const char *code, size_t len, char **out)
{
    char *o = NULL;
    size_t olen = 0;
    int r = romfs_board_exec(d->b, code, len, &o, &olen, EXEC_TIMEOUT_MS);
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

/* The board's __main__ before our helpers and imports, put back by
 * romfs_board_restore (kept from the first probe, should a deploy
 * reconnect). */
#define SNAPSHOT "if '_romfs_s' not in globals():_romfs_s=dict(globals())\n"
static const char RESTORE[] = "(lambda s:(globals().clear(),globals().update(s)))(_romfs_s)\n";

/* The answer line ends with the byte sum of the rest (see answer.h): a
 * corrupted feature flag must stop the deploy, not change what it does. */
static const char PROBE[] =
    SNAPSHOT
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
    "  _r=0\n"
    "  if hasattr(_d,'ioctl'):\n"
    "   _B=_d.ioctl(5,0)\n"
    "   _n=_d.ioctl(4,0)*_B\n"
    "   _f+='o'\n"
    "  else:\n"
    "   _n=len(_d)\n"
    "   _B=vfs.rom_ioctl(6,%d)\n"
    "   if _B<0 and vfs.rom_ioctl(5,%d)<0:_r=1\n"
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
    "  if _r:_f+='r'\n"
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

/* opts.encoding caps the chunk encoding (for debugging a board, and to
 * test every fallback): deflate 3, base64 2, hex 1, literal 0. */
static void cap_encoding(romfs_board_info_t *info, int level)
{
    if (level < 3)
        info->has_deflate = 0;
    if (level < 2)
        info->has_b64 = 0;
    if (level < 1)
        info->has_hex = 0;
}

/* Probe answer -> info. */
static int parse_probe(romfs_board_t *b, const char *o, int part, romfs_board_info_t *info)
{
    ans_probe_t p;
    const char *why = "";
    int r = ans_probe(o ? o : "", o ? strlen(o) : 0, &p, &why);
    if (r == ROMFS_ERR_NOROMFS)
        return board_fail(b, r, "ROMFS is not enabled on this device");
    if (r == ROMFS_ERR_NOPART)
        return board_fail(b, r, "ROMFS%d partition not found on device", part);
    if (r < 0)
        return board_fail(b, r, "unexpected answer to the probe: %s", why);
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
    info->read_only = strchr(p.feat, 'r') != NULL;
    cap_encoding(info, b->enc_level);
    /* Found here, before anything is unmounted or erased (QEMU firmware:
     * rom_ioctl ops 3-6 answer -EINVAL). */
    if (info->read_only)
        return board_fail(b, ROMFS_ERR_ROFS,
                          "partition %d is read-only on this board (rom_ioctl cannot erase or write it)", part);
    return 0;
}

/* The board-side helpers the other calls use, for this board's kind. */
static int load_helpers(dboard_t *d)
{
    const romfs_board_info_t *info = &d->info;
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

int romfs_board_restore(romfs_board_t *b)
{
    if (!b || !b->db)
        return 0;
    int r = flush(b->db);
    return r < 0 ? r : run(b->db, RESTORE, sizeof RESTORE - 1, NULL);
}

int romfs_board_remount(romfs_board_t *b)
{
    /* Nothing erased since the probe: /rom was never unmounted. */
    if (!b || !b->db || b->db->wsize == 0)
        return 0;
    static const char code[] = "import vfs\n"
                               "try:vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2,0)),'/rom')\n"
                               "except Exception:pass\n";
    int r = flush(b->db);
    return r < 0 ? r : run(b->db, code, sizeof code - 1, NULL);
}

int romfs_board_probe(romfs_board_t *b, int part, romfs_board_info_t *info)
{
    dboard_free(b->db);
    b->db = NULL;
    if (b->enc_level < 0)
        return board_fail(b, ROMFS_ERR_INVAL, "unknown encoding: expected deflate, base64, hex or literal");
    char code[sizeof PROBE + 64];
    int n = snprintf(code, sizeof code, PROBE, part, part, part);
    char *o = NULL;
    int r = romfs_board_exec(b, code, (size_t)n, &o, NULL, EXEC_TIMEOUT_MS);
    if (r == 0)
        r = parse_probe(b, o, part, info);
    free(o);
    if (r < 0)
        return r;
    dboard_t *d = calloc(1, sizeof *d);
    if (!d)
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    d->b = b;
    d->info = *info;
    if ((r = load_helpers(d)) < 0) {
        free(d);
        return r;
    }
    b->db = d;
    return 0;
}

/* The operations' ctx is the board; they act on its latest probe. */
static dboard_t *probed(void *ctx)
{
    romfs_board_t *b = ctx;
    if (!b->db)
        board_fail(b, ROMFS_ERR_INVAL, "the board was not probed");
    return b->db;
}

static int op_erase(void *ctx, uint32_t off, uint32_t len)
{
    dboard_t *d = probed(ctx);
    if (!d)
        return ROMFS_ERR_INVAL;
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
        return ROMFS_ERR_NOMEM;
    *buf = nb;
    *cap = n;
    return 0;
}

static int op_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
    dboard_t *d = probed(ctx);
    if (!d)
        return ROMFS_ERR_INVAL;
    size_t zlen = 0;
    if (d->info.has_deflate && reserve(&d->zbuf, &d->zcap, (size_t)len + 64) == 0)
        zlen = romfs_deflate_raw(buf, len, d->zbuf, d->zcap);
    const uint8_t *src = zlen ? d->zbuf : buf;
    size_t n = zlen ? zlen : len;
    /* Fastest encoding the board can decode, as mpremote chooses: deflated
     * base64, base64, hex, else a bytes literal (needs nothing). */
    char mode = zlen ? 'z' : d->info.has_b64 ? 'w' : d->info.has_hex ? 'x' : 'y';
    if (reserve((uint8_t **)&d->enc, &d->enccap, ROMFS_PYLIT_LEN(n) + 64) < 0)
        return ROMFS_ERR_NOMEM;
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

static int dboard_read(dboard_t *d, uint32_t offset, uint32_t len, uint8_t *buf)
{
    if (!d->info.has_view)
        return ROMFS_ERR_OPNOTSUPP;
    if ((uint64_t)offset + len > d->info.part_size)
        return ROMFS_ERR_INVAL;
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
        return ROMFS_ERR_NOMEM;
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

static int dboard_block_crcs(dboard_t *d, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    if (!d->info.has_view)
        return ROMFS_ERR_OPNOTSUPP;
    if (!block_size || (uint64_t)offset + len > d->info.part_size)
        return ROMFS_ERR_INVAL;
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
    dboard_t *d = probed(ctx);
    return d ? dboard_read(d, offset, len, buf) : ROMFS_ERR_INVAL;
}

static int op_crcs(void *ctx, uint32_t offset, uint32_t len, uint32_t block_size, uint32_t *crcs)
{
    dboard_t *d = probed(ctx);
    return d ? dboard_block_crcs(d, offset, len, block_size, crcs) : ROMFS_ERR_INVAL;
}

int romfs_board_mpy(romfs_board_t *b, long long *sys_mpy)
{
    static const char code[] = "import sys\nprint('M',getattr(sys.implementation,'_mpy',-1))\n";
    char *o = NULL;
    size_t olen = 0;
    const char *why = "";
    int r = romfs_board_exec(b, code, sizeof code - 1, &o, &olen, EXEC_TIMEOUT_MS);
    if (r == 0 && ans_mpy(o ? o : "", olen, sys_mpy, &why) < 0)
        r = board_fail(b, ROMFS_ERR_PROTOCOL, "unexpected answer to the _mpy query: %s", why);
    free(o);
    return r;
}

static int dboard_finalise(dboard_t *d)
{
    char s[64];
    int n = d->info.block_device ? snprintf(s, sizeof s, "_d.ioctl(3,0)\n")   /* sync */
                                 : snprintf(s, sizeof s, "vfs.rom_ioctl(5,%d)\n", d->info.part);
    int r = queue(d, s, (size_t)n);
    return r < 0 ? r : flush(d);
}

static int op_finish(void *ctx)
{
    dboard_t *d = probed(ctx);
    return d ? dboard_finalise(d) : ROMFS_ERR_INVAL;
}

static void op_progress(void *ctx, uint64_t done, uint64_t total)
{
    romfs_board_t *b = ctx;
    if (b->progress)
        b->progress(b->progress_ctx, done, total);
}

static const char *op_errmsg(void *ctx)
{
    return romfs_board_errmsg(ctx);
}

romfs_deploy_ops_t romfs_board_deploy_ops(romfs_board_t *b)
{
    int view = b->db && b->db->info.has_view;
    romfs_deploy_ops_t o = {.ctx = b, .erase = op_erase, .write = op_write, .block_crcs = view ? op_crcs : NULL,
                            .finalise = op_finish, .read = view ? op_read : NULL, .progress = op_progress,
                            .errmsg = op_errmsg};
    return o;
}

romfs_session_board_t romfs_board_session_board(const romfs_board_info_t *info, const char *fallback_key)
{
    romfs_session_board_t sb = {.part = info->part, .part_size = info->part_size,
                                .block_size = info->block_size > 0 && (uint64_t)info->block_size <= info->part_size
                                                  ? (uint32_t)info->block_size : (uint32_t)info->part_size,
                                .unique_id = info->uid, .fallback_key = fallback_key ? fallback_key : "auto",
                                .slow_crcs = !info->has_crc};
    return sb;
}

int romfs_board_holds(romfs_board_t *b, int part, const char *fallback_key, const uint8_t *img, size_t len)
{
    romfs_board_info_t info;
    int r = romfs_board_probe(b, part, &info);
    if (r < 0)
        return r;
    if (info.part_size > UINT32_MAX)
        return board_fail(b, ROMFS_ERR_INVAL, "partition size %llu is not supported",
                          (unsigned long long)info.part_size);
    romfs_session_board_t sb = romfs_board_session_board(&info, fallback_key);
    romfs_deploy_ops_t ops = romfs_board_deploy_ops(b);
    romfs_session_opts_t so = {.full = 1};
    romfs_session_t *s = NULL;
    r = romfs_session_open(&s, &ops, &sb, &so);
    if (r == 0)
        r = romfs_session_holds(s, img, len);
    romfs_session_close(s);
    return r;
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
