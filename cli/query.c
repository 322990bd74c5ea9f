/* SPDX-License-Identifier: MIT */
/* romfs query: a board's ROM partitions, printed as mpremote prints them,
 * with a few more facts on lines of their own. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "boardimg.h"
#include "imgwalk.h"
#include "transport/answer.h"
#include "transport/board.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs query [-d DEVICE] [--verify] [--json]\n"
            "\n"
            "Show the board's ROM partitions: size, the first bytes, and the image\n"
            "they hold (the first lines are the ones mpremote prints). Extra lines:\n"
            "erase block size, whether the image fits its partition, whether the\n"
            "board's own VfsRom accepts it, and the image's SHA-256 (computed on\n"
            "the board).\n"
            "\n"
            "  -d, --device DEV  serial port, 'auto', 'exec:COMMAND' or 'emulated'\n"
            "                    (default: $ROMFS_DEVICE, else the first board found)\n"
            "      --verify      also read each image from the board and check every\n"
            "                    record of it, as 'romfs check' does (slow on a\n"
            "                    serial link: the whole image crosses it)\n"
            "      --json        one JSON object instead of text\n"
            "  -h, --help        this help\n"
            "\n"
            "Exit status: 0 shown, 1 no ROMFS on the board, it could not be\n"
            "reached, or --verify found a problem or could not read an image,\n"
            "2 bad usage.\n");
}

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

/* Reading an image back for --verify: bounded on the host too. */
#define VERIFY_MAX (64u << 20)

/* What --verify found for one partition. */
struct check {
    int verified;           /* 1 checked, -1 could not read the image, 0 not asked */
    romfs_check_stats_t stats;
    char first_problem[160];
};

static void print_raw(const ans_part_t *p)
{
    for (int i = 0; i < p->head_len; i++)
        printf("%s%02x", i ? ":" : "", p->head[i]);
}

static void first_problem(void *ctx, int severity, size_t offset, const char *msg)
{
    struct check *c = ctx;
    if (severity == ROMFS_CHECK_FAIL && !c->first_problem[0])
        snprintf(c->first_problem, sizeof c->first_problem, "offset 0x%zx: %s", offset, msg);
}

/* Read the image of partition p from the board (in CRC-checked chunks,
 * board memory bounded: cli/boardimg.c) and check all of it. Returns 0 when
 * it was read and is valid. */
static int verify(board_t *b, const ans_part_t *p, struct check *c)
{
    long long total = ans_part_image_len(p);
    c->verified = -1;
    if (total <= 0 || !p->fit || total > p->size || total > VERIFY_MAX)
        return -1;
    board_image_t im;
    if (boardimg_read(b, (int)p->id, &im) < 0)
        return -1;
    /* The header was read again: a board that changed it meanwhile (or
     * answers differently) is not trusted with this check. */
    if ((long long)im.len == total && romfs_check(im.data, im.len, first_problem, c, &c->stats) == 0)
        c->verified = 1;
    boardimg_free(&im);
    return c->verified > 0 && c->stats.problems[ROMFS_CHECK_FAIL] == 0 ? 0 : -1;
}

static const char *const accepts[] = {"no", "yes", "not checked (the image does not fit the board's free memory)"};

static void print_text(const ans_part_t *p, const struct check *c)
{
    if (p->missing) {
        printf("ROMFS%lld partition not found on device (rom_ioctl returned %lld)\n", p->id, p->size);
        return;
    }
    /* mpremote's line; without a block device its "blocks" are erase blocks
     * (rom_ioctl 6), or the whole partition when the board reports none. */
    long long bsize = p->obj ? p->bsize : (p->erase > 0 ? p->erase : p->size);
    printf("ROMFS%lld partition has size %lld bytes (%lld blocks of %lld bytes each)\n", p->id, p->size,
           bsize > 0 ? p->size / bsize : 0, bsize);
    printf("  Raw contents: ");
    print_raw(p);
    printf(" ...\n");
    long long whole = ans_part_image_len(p);
    if (p->isize < 0) {
        printf("  Not a valid ROMFS\n");
    } else {
        /* mpremote prints the payload length under this name; say what the
         * whole image takes too, as `romfs deploy` and `build` count it. */
        printf("  ROMFS image size: %lld\n", p->isize);
        if (whole >= 0)
            printf("  Image with its header: %lld bytes\n", whole);
    }
    if (p->erase > 0)
        printf("  Erase block size: %lld bytes (%lld blocks)\n", p->erase, p->size / p->erase);
    if (p->isize >= 0) {
        printf("  Image fits the partition: %s\n", p->fit ? "yes" : "no");
        printf("  Board's VfsRom accepts it: %s\n", accepts[p->ok]);
        if (p->sha[0])
            printf("  Image SHA-256: %s\n", p->sha);
    }
    if (c->verified > 0 && c->stats.problems[ROMFS_CHECK_FAIL] == 0)
        printf("  Image check: valid (%zu files, %zu directories, %zu data bytes)\n", c->stats.files,
               c->stats.dirs, c->stats.bytes);
    else if (c->verified > 0)
        printf("  Image check: %zu problem(s), first at %s\n", c->stats.problems[ROMFS_CHECK_FAIL], c->first_problem);
    else if (c->verified < 0)
        printf("  Image check: could not read the image from the board\n");
}

static void print_json_check(const struct check *c)
{
    if (c->verified > 0) {
        printf(", \"check\": {\"valid\": %s, \"problems\": %zu, \"files\": %zu, \"dirs\": %zu",
               c->stats.problems[ROMFS_CHECK_FAIL] ? "false" : "true", c->stats.problems[ROMFS_CHECK_FAIL], c->stats.files,
               c->stats.dirs);
        if (c->first_problem[0]) {
            printf(", \"first_problem\": ");
            cli_json_string(stdout, (const uint8_t *)c->first_problem, strlen(c->first_problem));
        }
        printf("}");
    } else if (c->verified < 0) {
        printf(", \"check\": null");
    }
}

static void print_json_part(const ans_part_t *p, const struct check *c, int first)
{
    static const char *const mountable[] = {"false", "true", "null"};
    printf("%s\n  {\"id\": %lld", first ? "" : ",", p->id);
    if (p->missing) {
        printf(", \"error\": %lld}", p->size);
        return;
    }
    printf(", \"size\": %lld, \"block_device\": %s", p->size, p->obj ? "true" : "false");
    if (p->obj)
        printf(", \"block_count\": %lld, \"block_size\": %lld", p->count, p->bsize);
    if (p->erase > 0)
        printf(", \"erase_block_size\": %lld", p->erase);
    printf(", \"raw\": \"");
    print_raw(p);
    printf("\", \"valid_header\": %s", p->isize >= 0 ? "true" : "false");
    if (p->isize >= 0) {
        printf(", \"image_size\": %lld, \"fits\": %s, \"mountable\": %s", p->isize, p->fit ? "true" : "false",
               mountable[p->ok]);
        if (p->sha[0])
            printf(", \"sha256\": \"%s\"", p->sha);
    }
    print_json_check(c);
    printf("}");
}

static void print_json_head(const board_t *b, int romfs)
{
    printf("{\"device\": ");
    cli_json_string(stdout, (const uint8_t *)board_describe(b), strlen(board_describe(b)));
    printf(", \"romfs\": %s, \"partitions\": [", romfs ? "true" : "false");
}

/* Print what the board answered (verifying first with --verify). */
static int show(board_t *b, const ans_query_t *q, int json, int check)
{
    int status = CLI_OK;
    if (!q->romfs || q->n == 0) {
        if (json) {
            print_json_head(b, q->romfs);
            printf("]}\n");
        } else {
            printf(q->romfs ? "No ROMFS partitions available\n" : "ROMFS is not enabled on this device\n");
        }
        return CLI_FAIL;
    }
    struct check checks[ANS_MAX_PARTS];
    memset(checks, 0, sizeof checks);
    for (long long i = 0; check && i < q->n; i++)
        if (!q->parts[i].missing && q->parts[i].isize >= 0 && verify(b, &q->parts[i], &checks[i]) < 0)
            status = CLI_FAIL;
    if (json)
        print_json_head(b, 1);
    for (long long i = 0; i < q->n; i++) {
        if (json)
            print_json_part(&q->parts[i], &checks[i], i == 0);
        else
            print_text(&q->parts[i], &checks[i]);
    }
    if (json)
        printf("\n]}\n");
    return status;
}

int cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"device", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"verify", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *device = NULL;
    int json = 0, check = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'j': json = 1; break;
        case 'v': check = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("query: unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return CLI_USAGE;
    }

    board_t *b;
    const char *msg;
    if (board_open(&b, device, &msg) != 0) {
        cli_error("%s", msg);
        return CLI_FAIL;
    }
    char *out = NULL;
    size_t olen = 0;
    int status = CLI_FAIL;
    ans_query_t *q = malloc(sizeof *q);
    const char *why = "out of memory";
    int e = board_exec(b, query_code, sizeof query_code - 1, &out, &olen, 0);
    if (e)
        cli_error("%s: %s", board_describe(b), board_last_error(b));
    else if (!q || ans_query(out, olen, q, &why) < 0)
        cli_error("%s: unexpected answer from the board: %s", board_describe(b), why);
    else
        status = show(b, q, json, check);
    free(q);
    free(out);
    board_close(b);
    return status;
}
