/* SPDX-License-Identifier: MIT */
/* romfs_board_query: a board's ROM partitions, as mpremote's `romfs query`
 * sees them and more, with an optional check of each image read back. */
#include "board_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "romfs/romfs_json.h"

/* Runs on the board: one line per fact, easy to parse. The image size is
 * decoded as mpremote does (leading 0x80 bytes are padding). Memory stays
 * bounded on block devices: the hash is taken block by block, and the
 * VfsRom check (which needs the whole image in RAM there) reports 2, "not
 * checked", when the image does not fit the free heap. */
static const char query_code[] =
    "import vfs\n"
    "def _romfs_q():\n"
    " if not hasattr(vfs,'rom_ioctl'):\n"
    "  print('NOROMFS');return\n"
    " n=vfs.rom_ioctl(1)\n"
    " print('N',n if isinstance(n,int) else -1)\n"
    " for i in range(n if isinstance(n,int) else 0):\n"
    "  dev=vfs.rom_ioctl(2,i)\n"
    "  if isinstance(dev,int):\n"
    "   print('E',i,dev);continue\n"
    "  if hasattr(dev,'ioctl'):\n"
    "   bc=dev.ioctl(4,0);bs=dev.ioctl(5,0);size=bc*bs;obj=1\n"
    "  else:\n"
    "   size=len(dev);bc=0;bs=0;obj=0\n"
    "  eb=vfs.rom_ioctl(6,i)\n"
    "  if not isinstance(eb,int):eb=-1\n"
    "  if obj:\n"
    "   mv=bytearray(bs);dev.readblocks(0,mv)\n"
    "  else:\n"
    "   mv=memoryview(dev)\n"
    "  head=bytes(mv[:12])\n"
    "  isz=-1;sha='-';ok=0;fit=0\n"
    "  if head[:3]==b'\\xd2\\xcd\\x31':\n"
    "   isz=0;k=3\n"
    "   while k<len(head):\n"
    "    isz=(isz<<7)|(head[k]&127)\n"
    "    if not head[k]&128:break\n"
    "    k+=1\n"
    "   total=k+1+isz\n"
    "   if total<=size:\n"
    "    fit=1\n"
    "    try:\n"
    "     import hashlib,binascii\n"
    "     h=hashlib.sha256()\n"
    "     if obj:\n"
    "      for o in range(0,total,bs):\n"
    "       dev.readblocks(o//bs,mv);h.update(memoryview(mv)[:min(bs,total-o)])\n"
    "     else:\n"
    "      h.update(mv[:total])\n"
    "     sha=binascii.hexlify(h.digest()).decode()\n"
    "    except ImportError:\n"
    "     pass\n"
    "    try:\n"
    "     if obj:\n"
    "      ok=2;t=bytearray((total+bs-1)//bs*bs);dev.readblocks(0,t);ok=0\n"
    "      vfs.VfsRom(memoryview(t)[:total]);ok=1;t=None\n"
    "     else:\n"
    "      vfs.VfsRom(mv[:total]);ok=1\n"
    "    except MemoryError:\n"
    "     pass\n"
    "    except Exception:\n"
    "     ok=0\n"
    "  print('P',i,obj,size,bc,bs,eb,binascii_hex(head),isz,fit,sha,ok)\n"
    "def binascii_hex(b):\n"
    " return ''.join('%02x'%x for x in b) or '-'\n"
    "_romfs_q()\n"
    "del _romfs_q,binascii_hex\n";

/* Reading an image back for verify: bounded on the host too. */
#define VERIFY_MAX (64u << 20)

static void first_problem(void *ctx, int severity, size_t offset, const char *msg)
{
    romfs_board_part_t *p = ctx;
    if (severity == ROMFS_CHECK_FAIL && !p->first_problem[0])
        snprintf(p->first_problem, sizeof p->first_problem, "offset 0x%zx: %s", offset, msg);
}

/* Read partition p's image from the board (CRC-checked chunks, board
 * memory bounded: image.c) and check all of it. */
static void verify(romfs_board_t *b, romfs_board_part_t *p)
{
    p->verified = -1;
    if (p->image_len <= 0 || !p->fits || p->image_len > p->size || p->image_len > (long long)VERIFY_MAX)
        return;
    romfs_board_image_t im;
    if (romfs_board_read_image(b, (int)p->id, &im) < 0)
        return;
    /* The header was read again: a board that changed it meanwhile (or
     * answers differently) is not trusted with this check. */
    if ((long long)im.len == p->image_len && romfs_check(im.data, im.len, first_problem, p, &p->check) == 0)
        p->verified = 1;
    romfs_board_image_free(&im);
}

static void take_part(const ans_part_t *a, romfs_board_part_t *p)
{
    memset(p, 0, sizeof *p);
    p->id = a->id;
    p->missing = a->missing;
    p->block_device = (int)a->obj;
    p->size = a->size;
    p->block_count = a->count;
    p->block_size = a->bsize;
    p->erase = a->erase;
    memcpy(p->head, a->head, sizeof p->head);
    p->head_len = a->head_len;
    p->isize = a->isize;
    p->image_len = ans_part_image_len(a);
    p->fits = (int)a->fit;
    p->mountable = (int)a->ok;
    snprintf(p->sha256, sizeof p->sha256, "%s", a->sha);
}

int romfs_board_query(romfs_board_t *b, int check, romfs_board_query_t *q)
{
    memset(q, 0, sizeof *q);
    char *out = NULL;
    size_t olen = 0;
    ans_query_t *a = malloc(sizeof *a);
    if (!a)
        return board_fail(b, ROMFS_ERR_NOMEM, "out of memory");
    const char *why = "";
    int e = romfs_board_exec(b, query_code, sizeof query_code - 1, &out, &olen, 0);
    if (e == 0 && (e = ans_query(out, olen, a, &why)) < 0)
        board_fail(b, e, "unexpected answer from the board: %s", why);
    free(out);
    if (e == 0) {
        q->romfs = a->romfs;
        q->n = (int)a->n;
        for (int i = 0; i < q->n; i++)
            take_part(&a->parts[i], &q->parts[i]);
    }
    free(a);
    for (int i = 0; e == 0 && check && i < q->n; i++)
        if (!q->parts[i].missing && q->parts[i].isize >= 0)
            verify(b, &q->parts[i]);
    return e;
}

int romfs_board_part_unit(const romfs_board_part_t *p, long long *size, long long *count)
{
    *size = *count = 0;
    if (p->missing)
        return 0;
    if (p->block_device) {
        *size = p->block_size;
        *count = p->block_count;
    } else if (p->erase > 0) {
        *size = p->erase;
        *count = p->size > 0 ? p->size / p->erase : 0;
    }
    return p->block_device || p->erase > 0;
}

void romfs_board_query_sum(const romfs_board_query_t *q, romfs_board_query_sum_t *s)
{
    s->part_size = s->image_size = -1;
    s->unverified = 0;
    for (int i = 0; i < q->n; i++) {
        const romfs_board_part_t *p = &q->parts[i];
        if (p->missing)
            continue;
        if (s->part_size < 0)
            s->part_size = p->size;
        if (p->isize >= 0 && s->image_size < 0)
            s->image_size = p->image_len;
        if (p->isize >= 0 && (p->verified <= 0 || p->check.problems[ROMFS_CHECK_FAIL]))
            s->unverified++;
    }
}

void romfs_board_query_result(const romfs_board_query_t *q, romfs_board_many_result_t *r)
{
    romfs_board_query_sum_t sum;
    romfs_board_query_sum(q, &sum);
    r->part_size = sum.part_size;
    r->image_size = sum.image_size;   /* the whole image, as its JSON's image_size */
    r->parts = q->n;
}

/// `romfs query --json` ///

static void json_check(romfs_json_out_t *w, const romfs_board_part_t *c)
{
    if (c->verified > 0) {
        romfs_json_printf(w, ", \"check\": {\"valid\": %s, \"problems\": %zu, \"files\": %zu, \"dirs\": %zu",
            c->check.problems[ROMFS_CHECK_FAIL] ? "false" : "true", c->check.problems[ROMFS_CHECK_FAIL],
            c->check.files, c->check.dirs);
        if (c->first_problem[0]) {
            romfs_json_printf(w, ", \"first_problem\": ");
            romfs_json_str(w, c->first_problem);
        }
        romfs_json_printf(w, "}");
    } else if (c->verified < 0) {
        romfs_json_printf(w, ", \"check\": null");
    }
}

static void json_part(romfs_json_out_t *w, const romfs_board_part_t *p, int first)
{
    static const char *const mountable[] = {"false", "true", "null"};
    int m = p->mountable == 0 || p->mountable == 1 ? p->mountable : 2;
    romfs_json_printf(w, "%s\n  {\"id\": %lld", first ? "" : ",", p->id);
    if (p->missing) {
        romfs_json_printf(w, ", \"error\": %lld}", p->size);
        return;
    }
    romfs_json_printf(w, ", \"size\": %lld, \"block_device\": %s", p->size, p->block_device ? "true" : "false");
    long long usize, ucount;   /* one name for the erase unit (docs/JSON.md) */
    if (romfs_board_part_unit(p, &usize, &ucount))
        romfs_json_printf(w, ", \"block_count\": %lld, \"block_size\": %lld", ucount, usize);
    romfs_json_printf(w, ", \"raw\": \"");
    for (int i = 0; i < p->head_len && i < (int)sizeof p->head; i++)
        romfs_json_printf(w, "%s%02x", i ? ":" : "", p->head[i]);
    romfs_json_printf(w, "\", \"valid_header\": %s", p->isize >= 0 ? "true" : "false");
    if (p->isize >= 0) {
        romfs_json_printf(w, ", \"payload_size\": %lld, \"image_size\": %lld, \"fits\": %s, \"mountable\": %s",
                          p->isize, p->image_len, p->fits ? "true" : "false", mountable[m]);
        if (p->sha256[0]) {
            romfs_json_printf(w, ", \"sha256\": ");
            romfs_json_str(w, p->sha256);
        }
    }
    json_check(w, p);
    romfs_json_printf(w, "}");
}

int romfs_board_query_json(const romfs_board_query_t *q, const char *device, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t w = {write, ctx, 0};
    romfs_json_printf(&w, "{\"device\": ");
    romfs_json_str(&w, device ? device : "");
    romfs_json_printf(&w, ", \"romfs\": %s, \"partitions\": [", q->romfs ? "true" : "false");
    int n = q->romfs ? q->n : 0;
    for (int i = 0; i < n; i++)
        json_part(&w, &q->parts[i], i == 0);
    romfs_json_printf(&w, n ? "\n]}\n" : "]}\n");
    return w.err;
}

/// `romfs query`'s text ///

/* What the image in p is: its sizes, fit, the board's verdict, the check. */
static void text_image(romfs_json_out_t *w, const romfs_board_part_t *p)
{
    static const char *const accepts[] = {"no", "yes",
                                          "not checked (the image does not fit the board's free memory)"};
    long long whole = p->image_len;
    if (p->isize < 0) {
        romfs_json_printf(w, "  Not a valid ROMFS\n");
    } else {
        /* mpremote prints the payload length under this name; say what the
         * whole image takes too, as `romfs deploy` and `build` count it. */
        romfs_json_printf(w, "  ROMFS image size: %lld\n", p->isize);
        if (whole >= 0)
            romfs_json_printf(w, "  Image with its header: %lld bytes\n", whole);
    }
    if (p->erase > 0)
        romfs_json_printf(w, "  Erase block size: %lld bytes (%lld blocks)\n", p->erase, p->size / p->erase);
    if (p->isize >= 0) {
        romfs_json_printf(w, "  Image fits the partition: %s\n", p->fits ? "yes" : "no");
        romfs_json_printf(w, "  Board's VfsRom accepts it: %s\n",
                          accepts[p->mountable == 0 || p->mountable == 1 ? p->mountable : 2]);
        if (p->sha256[0])
            romfs_json_printf(w, "  Image SHA-256: %s\n", p->sha256);
    }
    const romfs_board_part_t *c = p;
    if (c->verified > 0 && c->check.problems[ROMFS_CHECK_FAIL] == 0)
        romfs_json_printf(w, "  Image check: valid (%zu files, %zu directories, %zu data bytes)\n", c->check.files,
                          c->check.dirs, c->check.bytes);
    else if (c->verified > 0)
        romfs_json_printf(w, "  Image check: %zu problem(s), first at %s\n", c->check.problems[ROMFS_CHECK_FAIL],
                          c->first_problem);
    else if (c->verified < 0)
        romfs_json_printf(w, "  Image check: could not read the image from the board\n");
}

static void text_part(romfs_json_out_t *w, const romfs_board_part_t *p)
{
    if (p->missing) {
        romfs_json_printf(w, "ROMFS%lld partition not found on device (rom_ioctl returned %lld)\n", p->id, p->size);
        return;
    }
    /* mpremote's line; without a block device its "blocks" are erase blocks
     * (rom_ioctl 6), or the whole partition when the board reports none. */
    long long bsize = p->block_device ? p->block_size : (p->erase > 0 ? p->erase : p->size);
    romfs_json_printf(w, "ROMFS%lld partition has size %lld bytes (%lld blocks of %lld bytes each)\n", p->id,
                      p->size, bsize > 0 ? p->size / bsize : 0, bsize);
    romfs_json_printf(w, "  Raw contents: ");
    for (int i = 0; i < p->head_len && i < (int)sizeof p->head; i++)
        romfs_json_printf(w, "%s%02x", i ? ":" : "", p->head[i]);
    romfs_json_printf(w, " ...\n");
    text_image(w, p);
}

int romfs_board_query_text(const romfs_board_query_t *q, romfs_json_write_fn write, void *ctx)
{
    romfs_json_out_t w = {write, ctx, 0};
    if (!q->romfs || q->n == 0)
        romfs_json_printf(&w, q->romfs ? "No ROMFS partitions available\n" : "ROMFS is not enabled on this device\n");
    for (int i = 0; q->romfs && i < q->n; i++)
        text_part(&w, &q->parts[i]);
    return w.err;
}
