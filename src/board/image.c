/* SPDX-License-Identifier: MIT */
/*
 * The image in a board's ROM partition, read over the raw REPL: its header
 * first (to learn the image's length), then the image's bytes in chunks,
 * each checked against the board's own CRC32: all of them
 * (romfs_board_read_image: `romfs check|extract -d DEV`, `romfs diff`, the
 * query's verify), or on demand only the pages a command reads
 * (romfs_board_image_open/need: `romfs ls|tree|cat|stat -d DEV`; the
 * sparse buffer and its pass are sparse.c's).
 */
#include "board_int.h"
#include "sparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks read per exec: as many as fit a quarter of the board's free heap
 * (each leaves one base64 copy, about 4/3 of a chunk, as garbage until the
 * statement ends), 1 to 16. */
#define MAX_PER_EXEC 16
#define GARBAGE_PER_CHUNK (BOARDIMG_CHUNK / 3 * 4 + 64)
#define EXEC_TIMEOUT_MS BOARD_EXEC_TIMEOUT_MS

/* Defines _g(o,n) (bytes of the partition) and _r(o,n,k) (its bytes in
 * [o, o+n) as "C crc base64" lines of k bytes, written without a decoded or
 * stripped copy) and prints the partition's size, its memory-mapped address
 * (-1 unknown), its first 15 bytes and the free heap (-1 unknown). */
static const char PROBE[] =
    "_romfs_s=dict(globals())\n"
    "import vfs,binascii,sys,gc\n"
    "_d=vfs.rom_ioctl(2,%d) if hasattr(vfs,'rom_ioctl') else -1\n"
    "_a=-1\n"
    "if isinstance(_d,int):print('R NOPART')\n"
    "else:\n"
    " if hasattr(_d,'readblocks'):\n"
    "  _B=_d.ioctl(5,0);_n=_d.ioctl(4,0)*_B\n"
    "  def _g(o,n):\n"
    "   t=bytearray(n);_d.readblocks(o//_B,t,o%%_B);return t\n"
    " else:\n"
    "  _n=len(_d);_m=memoryview(_d)\n"
    "  def _g(o,n):return _m[o:o+n]\n"
    "  try:\n"
    "   import uctypes;_a=uctypes.addressof(_d)\n"
    "  except Exception:pass\n"
    " try:\n"
    "  from binascii import crc32 as _c\n"
    " except ImportError:\n"
    "  _c=None\n"
    " def _r(o,n,k):\n"
    "  w=sys.stdout.write\n"
    "  for i in range(o,o+n,k):\n"
    "   b=_g(i,min(k,o+n-i))\n"
    "   w('C %%s '%%(_c(b)&0xffffffff if _c else '-'));w(binascii.b2a_base64(b))\n"
    " print('R OK',_n,_a,binascii.b2a_base64(_g(0,min(15,_n))).decode().strip(),"
    "gc.mem_free() if hasattr(gc,'mem_free') else -1)\n";

/* What the read leaves on the board: __main__ as it found it. */
static const char CLEANUP[] = "(lambda s:(globals().clear(),globals().update(s)))(_romfs_s)\n";

static int fail_board(romfs_board_t *b, int r, const char *what)
{
    char m[sizeof b->msg];
    snprintf(m, sizeof m, "%s", b->msg);
    return board_fail(b, r, "%.100s: %.60s: %.150s", romfs_board_describe(b), what, m);
}

static int probe(romfs_board_t *b, int part, romfs_board_image_t *im, uint8_t *head, size_t *hlen, size_t *per_exec,
                 uint64_t *reply)
{
    char code[sizeof PROBE + 16];
    int n = snprintf(code, sizeof code, PROBE, part);
    char *out = NULL;
    int r = romfs_board_exec(b, code, (size_t)n, &out, NULL, EXEC_TIMEOUT_MS);
    if (r < 0) {
        free(out);
        return fail_board(b, r, "reading the partition");
    }
    *reply += out ? strlen(out) : 0;
    uint64_t size = 0;
    long long addr = -1, heap = -1;
    r = boardimg_parse_probe(out, &size, &addr, head, hlen, &heap);
    free(out);
    if (r == ROMFS_ERR_NOPART)
        return board_fail(b, r, "%.200s: ROMFS%d partition not found on device", romfs_board_describe(b), part);
    if (r < 0)
        return board_fail(b, r, "%.200s: unexpected reply while reading the partition", romfs_board_describe(b));
    im->part_size = size;
    im->addr = addr > 0 ? (uint64_t)addr : 0;
    /* A board that does not say what it has free gets a middle figure. */
    long long k = heap < 0 ? 4 : heap / 4 / GARBAGE_PER_CHUNK;
    *per_exec = (size_t)(k < 1 ? 1 : k > MAX_PER_EXEC ? MAX_PER_EXEC : k) * BOARDIMG_CHUNK;
    return 0;
}

/* The lazy image: the sparse buffer (sparse.c) fetching through _r. */
struct romfs_board_lazy {
    romfs_board_t *b;
    romfs_board_image_t *im;
    size_t per_exec;
    sparse_t sp;
    uint64_t reply;           /* bytes of the board's replies */
    unsigned reads;
};

_Static_assert((int)ROMFS_NEED_STAT == (int)SPARSE_STAT && (int)ROMFS_NEED_LIST == (int)SPARSE_LIST &&
                   (int)ROMFS_NEED_TREE == (int)SPARSE_TREE && (int)ROMFS_NEED_DATA == (int)SPARSE_DATA &&
                   (int)ROMFS_NEED_ALL == (int)SPARSE_ALL,
               "one list of needs");

/* The image's n bytes at off, per_exec bytes a statement (sparse_fetch_fn). */
static int fetch(void *ctx, size_t off, size_t n, uint8_t *dst)
{
    romfs_board_lazy_t *lz = ctx;
    romfs_board_t *b = lz->b;
    for (size_t done = 0; done < n; done += lz->per_exec) {
        size_t at = off + done, k = n - done < lz->per_exec ? n - done : lz->per_exec;
        char code[64];
        int m = snprintf(code, sizeof code, "_r(%zu,%zu,%d)\n", at, k, BOARDIMG_CHUNK);
        char *out = NULL;
        int r = romfs_board_exec(b, code, (size_t)m, &out, NULL, EXEC_TIMEOUT_MS);
        lz->reads++;
        if (r < 0) {
            free(out);
            return fail_board(b, r, "reading the image");
        }
        lz->reply += out ? strlen(out) : 0;
        r = boardimg_take_chunks(out, dst + done, k);
        free(out);
        if (r < 0)
            return board_fail(b, r, "%.200s: the image's bytes at offset %zu arrived damaged (CRC mismatch or short)",
                              romfs_board_describe(b), at);
    }
    return 0;
}

/* Best effort: a failed cleanup leaves names, not a wrong image. */
static void cleanup(romfs_board_t *b, romfs_board_image_t *im, int failed)
{
    char saved[sizeof b->msg];
    snprintf(saved, sizeof saved, "%s", b->msg);
    char *out = NULL;
    if (romfs_board_exec(b, CLEANUP, sizeof CLEANUP - 1, &out, NULL, EXEC_TIMEOUT_MS) < 0 && !failed)
        snprintf(im->warning, sizeof im->warning, "%.60s: could not remove the reader's helpers from the board: %.70s",
                 romfs_board_describe(b), b->msg);
    snprintf(b->msg, sizeof b->msg, "%s", saved);
    free(out);
}

/* head_now: fetch the header's page now (read_image reads it with the rest). */
static int image_open(romfs_board_t *b, int part, romfs_board_image_t *im, romfs_board_lazy_t **lazy, int head_now)
{
    memset(im, 0, sizeof im[0]);
    *lazy = NULL;
    snprintf(im->name, sizeof im->name, "ROMFS%d on %.100s", part, romfs_board_describe(b));
    romfs_board_lazy_t *lz = calloc(1, sizeof *lz);
    if (!lz)
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    lz->b = b;
    lz->im = im;
    uint8_t head[30];
    size_t hlen = 0;
    uint64_t reply = 0;
    int rc = probe(b, part, im, head, &hlen, &lz->per_exec, &reply);
    lz->reply = reply;
    lz->reads = 1;
    if (rc == 0) {
        im->len = boardimg_declared_len(head, hlen);
        if (!im->len || im->len > im->part_size)
            rc = board_fail(b, ROMFS_ERR_NODEV, "%s: the partition holds no ROMFS image%s", im->name,
                            im->len ? " that fits it" : "");
        else if (sparse_init(&lz->sp, im->len, fetch, lz) < 0)
            rc = board_fail(b, ROMFS_ERR_NOMEM, "%s: out of memory for %zu bytes", im->name, im->len);
        else if (head_now)
            rc = sparse_fetch(&lz->sp, 0, 1);   /* the header */
    }
    if (rc < 0) {
        cleanup(b, im, 1);
        sparse_free(&lz->sp, 0);
        free(lz);
        im->data = NULL;
        im->len = 0;
        return rc;
    }
    im->data = lz->sp.data;
    *lazy = lz;
    return 0;
}

int romfs_board_image_open(romfs_board_t *b, int part, romfs_board_image_t *im, romfs_board_lazy_t **lazy)
{
    return image_open(b, part, im, lazy, 1);
}

int romfs_board_image_need(romfs_board_lazy_t *lz, const char *path, size_t path_len, int what)
{
    if (what < ROMFS_NEED_STAT || what > ROMFS_NEED_ALL)
        return board_fail(lz->b, ROMFS_ERR_INVAL, "romfs_board_image_need: no such need %d", what);
    int r = sparse_need(&lz->sp, path ? path : "", path ? path_len : 0, what);
    if (r == ROMFS_ERR_NOMEM)
        return board_fail(lz->b, r, "out of memory");
    return r;
}

void romfs_board_image_counts(const romfs_board_lazy_t *lz, uint64_t *image_bytes, uint64_t *reply_bytes,
                              unsigned *reads)
{
    if (image_bytes)
        *image_bytes = lz->sp.fetched;
    if (reply_bytes)
        *reply_bytes = lz->reply;
    if (reads)
        *reads = lz->reads;
}

/* Closes lz; the buffer stays im's when keep (read_image's caller frees it). */
static void lazy_close(romfs_board_lazy_t *lz, romfs_board_image_t *im, int keep)
{
    if (!lz)
        return;
    cleanup(lz->b, im, 0);
    sparse_free(&lz->sp, keep);
    if (!keep) {
        im->data = NULL;
        im->len = 0;
    }
    free(lz);
}

void romfs_board_image_close(romfs_board_lazy_t *lz, romfs_board_image_t *im)
{
    lazy_close(lz, im, 0);
}

int romfs_board_read_image(romfs_board_t *b, int part, romfs_board_image_t *im)
{
    romfs_board_lazy_t *lz;
    int rc = image_open(b, part, im, &lz, 0);   /* then exactly the image, in one read */
    if (rc < 0)
        return rc;
    rc = romfs_board_image_need(lz, NULL, 0, ROMFS_NEED_ALL);
    lazy_close(lz, im, rc == 0);
    return rc;
}

void romfs_board_image_free(romfs_board_image_t *im)
{
    free(im->data);
    im->data = NULL;
    im->len = 0;
}
