/* SPDX-License-Identifier: MIT */
/*
 * The image in a board's ROM partition, read over the raw REPL: its header
 * first (to learn the image's length), then exactly the image's bytes in
 * chunks, each checked against the board's own CRC32
 * (romfs_board_read_image). Used by `romfs ls|tree|cat|stat|check|extract
 * -d DEV`, `romfs diff` and the query's verify.
 */
#include "board_int.h"

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

static int probe(romfs_board_t *b, int part, romfs_board_image_t *im, uint8_t *head, size_t *hlen, size_t *per_exec)
{
    char code[sizeof PROBE + 16];
    int n = snprintf(code, sizeof code, PROBE, part);
    char *out = NULL;
    int r = romfs_board_exec(b, code, (size_t)n, &out, NULL, EXEC_TIMEOUT_MS);
    if (r < 0) {
        free(out);
        return fail_board(b, r, "reading the partition");
    }
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

static int read_image(romfs_board_t *b, romfs_board_image_t *im, size_t per_exec)
{
    for (size_t off = 0; off < im->len; off += per_exec) {
        size_t n = im->len - off < per_exec ? im->len - off : per_exec;
        char code[64];
        int k = snprintf(code, sizeof code, "_r(%zu,%zu,%d)\n", off, n, BOARDIMG_CHUNK);
        char *out = NULL;
        int r = romfs_board_exec(b, code, (size_t)k, &out, NULL, EXEC_TIMEOUT_MS);
        if (r < 0) {
            free(out);
            return fail_board(b, r, "reading the image");
        }
        r = boardimg_take_chunks(out, im->data + off, n);
        free(out);
        if (r < 0)
            return board_fail(b, r, "%.200s: the image's bytes at offset %zu arrived damaged (CRC mismatch or short)",
                              romfs_board_describe(b), off);
    }
    return 0;
}

int romfs_board_read_image(romfs_board_t *b, int part, romfs_board_image_t *im)
{
    memset(im, 0, sizeof im[0]);
    snprintf(im->name, sizeof im->name, "ROMFS%d on %.100s", part, romfs_board_describe(b));
    uint8_t head[30];
    size_t hlen = 0, per_exec = 0;
    int rc = probe(b, part, im, head, &hlen, &per_exec);
    if (rc < 0)
        return rc;
    im->len = boardimg_declared_len(head, hlen);
    if (!im->len || im->len > im->part_size)
        rc = board_fail(b, ROMFS_ERR_NODEV, "%s: the partition holds no ROMFS image%s", im->name,
                        im->len ? " that fits it" : "");
    else if (!(im->data = malloc(im->len)))
        rc = board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    else
        rc = read_image(b, im, per_exec);
    /* Best effort: a failed cleanup leaves names, not a wrong image. */
    char saved[sizeof b->msg];
    snprintf(saved, sizeof saved, "%s", b->msg);
    char *out = NULL;
    if (romfs_board_exec(b, CLEANUP, sizeof CLEANUP - 1, &out, NULL, EXEC_TIMEOUT_MS) < 0 && rc == 0)
        snprintf(im->warning, sizeof im->warning, "%.60s: could not remove the reader's helpers from the board: %.70s",
                 romfs_board_describe(b), b->msg);
    snprintf(b->msg, sizeof b->msg, "%s", saved);
    free(out);
    if (rc < 0)
        romfs_board_image_free(im);
    return rc;
}

void romfs_board_image_free(romfs_board_image_t *im)
{
    free(im->data);
    im->data = NULL;
    im->len = 0;
}
