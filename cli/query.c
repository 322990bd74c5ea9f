/* romfs query: a board's ROM partitions, printed as mpremote prints them,
 * with a few more facts on lines of their own. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "imgwalk.h"
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
            "                    (default: a board if one is found, else the emulated\n"
            "                    board)\n"
            "      --verify      also read each image from the board and check every\n"
            "                    record of it, as 'romfs check' does (slow on a\n"
            "                    serial link: the whole image crosses it)\n"
            "      --json        one JSON object instead of text\n"
            "  -h, --help        this help\n"
            "\n"
            "Exit status: 0 shown, 1 no ROMFS on the board or it could not be\n"
            "reached, 2 bad usage.\n");
}

/* Runs on the board: one line per fact, easy to parse. The image size is
 * decoded as mpremote does (leading 0x80 bytes are padding). */
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
    "    if obj and total>len(mv):\n"
    "     try:\n"
    "      mv=bytearray((total+bs-1)//bs*bs);dev.readblocks(0,mv)\n"
    "     except MemoryError:\n"
    "      mv=b''\n"
    "    try:\n"
    "     import hashlib,binascii\n"
    "     sha=binascii.hexlify(hashlib.sha256(mv[:total]).digest()).decode()\n"
    "    except ImportError:\n"
    "     pass\n"
    "    try:\n"
    "     vfs.VfsRom(mv[:total]);ok=1\n"
    "    except Exception:\n"
    "     pass\n"
    "  print('P',i,obj,size,bc,bs,eb,binascii_hex(head),isz,fit,sha,ok)\n"
    "def binascii_hex(b):\n"
    " return ''.join('%02x'%x for x in b) or '-'\n"
    "_romfs_q()\n"
    "del _romfs_q,binascii_hex\n";

struct part {
    long id, obj, size, count, bsize, erase, isize, fit, ok;
    char head[32], sha[72];
    /* --verify */
    int verified;           /* 1 checked, -1 could not read the image */
    iw_check_stats_t stats;
    char first_problem[160];
    int missing;  /* rom_ioctl(2, id) gave an error code */
};

static int unhex(const char *s, uint8_t *out, int max)
{
    int n = 0;
    if (strcmp(s, "-") == 0)
        return 0;
    for (; s[0] && s[1] && n < max; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            return -1;
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* Decode base64 text (whitespace allowed between groups) into out; returns
 * the byte count or -1 on bad input. */
static long unbase64(const char *s, uint8_t *out, size_t cap)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == ' ' || *s == '=')
            continue;
        const char *q = strchr(tab, *s);
        if (!q)
            return -1;
        acc = acc << 6 | (uint32_t)(q - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return -1;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)n;
}

static void first_problem(void *ctx, int severity, size_t offset, const char *msg)
{
    struct part *p = ctx;
    if (severity == IW_FAIL && !p->first_problem[0])
        snprintf(p->first_problem, sizeof p->first_problem, "offset 0x%zx: %s", offset, msg);
}

/* Read the image of partition p from the board and check all of it. */
static void verify(board_t *b, struct part *p)
{
    long total = -1;
    if (p->isize >= 0 && p->fit) {
        /* Header bytes: magic, then the length varuint (with its padding). */
        uint8_t head[12];
        int n = unhex(p->head, head, 12);
        for (int k = 3; k < n; k++)
            if (!(head[k] & 0x80)) {
                total = k + 1 + p->isize;
                break;
            }
    }
    if (total < 0) {
        p->verified = -1;
        return;
    }
    char code[640];
    int len = snprintf(code, sizeof code,
                       "import vfs,sys,binascii\n"
                       "d=vfs.rom_ioctl(2,%ld)\n"
                       "if hasattr(d,'readblocks'):\n"
                       " b=d.ioctl(5,0);t=bytearray(b)\n"
                       " def g(o,n):d.readblocks(o//b,t,o%%b);return t[:n]\n"
                       "else:\n"
                       " mv=memoryview(d)\n"
                       " def g(o,n):return mv[o:o+n]\n"
                       "for o in range(0,%ld,3072):sys.stdout.write(binascii.b2a_base64(g(o,min(3072,%ld-o))))\n"
                       "del d,g\n",
                       p->id, total, total);
    char *out = NULL;
    uint8_t *img = malloc((size_t)total);
    int e = img ? board_exec(b, code, (size_t)len, &out, NULL, 0) : -1;
    if (e || unbase64(out, img, (size_t)total) != total) {
        p->verified = -1;
    } else if (iw_check(img, (size_t)total, first_problem, p, &p->stats) == 0) {
        p->verified = 1;
    } else {
        p->verified = -1;
    }
    free(out);
    free(img);
}

static void print_text(const struct part *p)
{
    if (p->missing) {
        printf("ROMFS%ld partition not found on device (rom_ioctl returned %ld)\n", p->id, p->size);
        return;
    }
    /* mpremote's line; without a block device its "blocks" are erase blocks
     * (rom_ioctl 6), or the whole partition when the board reports none. */
    long bsize = p->obj ? p->bsize : (p->erase > 0 ? p->erase : p->size);
    printf("ROMFS%ld partition has size %ld bytes (%ld blocks of %ld bytes each)\n", p->id, p->size,
           bsize > 0 ? p->size / bsize : 0, bsize);
    uint8_t head[12];
    int n = unhex(p->head, head, 12);
    printf("  Raw contents: ");
    for (int i = 0; i < n; i++)
        printf("%s%02x", i ? ":" : "", head[i]);
    printf(" ...\n");
    if (p->isize < 0) {
        printf("  Not a valid ROMFS\n");
    } else {
        /* mpremote prints the payload length under this name; say what the
         * whole image takes too, as `romfs deploy` and `build` count it. */
        printf("  ROMFS image size: %ld\n", p->isize);
        int hlen = 3;
        while (hlen < n && (head[hlen] & 0x80))
            hlen++;
        if (hlen < n)
            printf("  Image with its header: %ld bytes\n", p->isize + hlen + 1);
    }
    if (p->erase > 0)
        printf("  Erase block size: %ld bytes (%ld blocks)\n", p->erase, p->size / p->erase);
    if (p->isize >= 0) {
        printf("  Image fits the partition: %s\n", p->fit ? "yes" : "no");
        printf("  Board's VfsRom accepts it: %s\n", p->ok ? "yes" : "no");
        if (strcmp(p->sha, "-") != 0)
            printf("  Image SHA-256: %s\n", p->sha);
    }
    if (p->verified > 0 && p->stats.problems[IW_FAIL] == 0)
        printf("  Image check: valid (%zu files, %zu directories, %zu data bytes)\n", p->stats.files,
               p->stats.dirs, p->stats.bytes);
    else if (p->verified > 0)
        printf("  Image check: %zu problem(s), first at %s\n", p->stats.problems[IW_FAIL], p->first_problem);
    else if (p->verified < 0)
        printf("  Image check: could not read the image from the board\n");
}

static void print_json_part(const struct part *p, int first)
{
    printf("%s\n  {\"id\": %ld", first ? "" : ",", p->id);
    if (p->missing) {
        printf(", \"error\": %ld}", p->size);
        return;
    }
    printf(", \"size\": %ld, \"block_device\": %s", p->size, p->obj ? "true" : "false");
    if (p->obj)
        printf(", \"block_count\": %ld, \"block_size\": %ld", p->count, p->bsize);
    if (p->erase > 0)
        printf(", \"erase_block_size\": %ld", p->erase);
    uint8_t head[12];
    int n = unhex(p->head, head, 12);
    printf(", \"raw\": \"");
    for (int i = 0; i < n; i++)
        printf("%s%02x", i ? ":" : "", head[i]);
    printf("\", \"valid_header\": %s", p->isize >= 0 ? "true" : "false");
    if (p->isize >= 0) {
        printf(", \"image_size\": %ld, \"fits\": %s, \"mountable\": %s", p->isize,
               p->fit ? "true" : "false", p->ok ? "true" : "false");
        if (strcmp(p->sha, "-") != 0)
            printf(", \"sha256\": \"%s\"", p->sha);
    }
    if (p->verified > 0) {
        printf(", \"check\": {\"valid\": %s, \"problems\": %zu, \"files\": %zu, \"dirs\": %zu",
               p->stats.problems[IW_FAIL] ? "false" : "true", p->stats.problems[IW_FAIL], p->stats.files,
               p->stats.dirs);
        if (p->first_problem[0]) {
            printf(", \"first_problem\": ");
            cli_json_string(stdout, (const uint8_t *)p->first_problem, strlen(p->first_problem));
        }
        printf("}");
    } else if (p->verified < 0) {
        printf(", \"check\": null");
    }
    printf("}");
}

static void print_json_empty(const board_t *b, int romfs)
{
    printf("{\"device\": ");
    cli_json_string(stdout, (const uint8_t *)board_describe(b), strlen(board_describe(b)));
    printf(", \"romfs\": %s, \"partitions\": []}\n", romfs ? "true" : "false");
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
    int e = board_exec(b, query_code, sizeof query_code - 1, &out, NULL, 0);
    if (e) {
        cli_error("%s: %s", board_describe(b), board_last_error(b));
        free(out);
        board_close(b);
        return CLI_FAIL;
    }
    int status = CLI_OK, count = 0;
    long nparts = -2;
    struct part *parts = NULL;
    for (char *line = strtok(out, "\r\n"); line; line = strtok(NULL, "\r\n")) {
        if (strcmp(line, "NOROMFS") == 0) {
            nparts = -3;
        } else if (sscanf(line, "N %ld", &nparts) == 1) {
            ;
        } else if (line[0] == 'P' || line[0] == 'E') {
            struct part p;
            memset(&p, 0, sizeof p);
            int ok;
            if (line[0] == 'E') {
                p.missing = 1;
                ok = sscanf(line, "E %ld %ld", &p.id, &p.size) == 2;
            } else {
                ok = sscanf(line, "P %ld %ld %ld %ld %ld %ld %31s %ld %ld %71s %ld", &p.id, &p.obj, &p.size, &p.count,
                            &p.bsize, &p.erase, p.head, &p.isize, &p.fit, p.sha, &p.ok) == 11;
            }
            struct part *np = ok ? realloc(parts, (size_t)(count + 1) * sizeof *parts) : NULL;
            if (!np) {
                nparts = -2;
                break;
            }
            parts = np;
            parts[count++] = p;
        }
    }
    if (nparts == -2) {
        cli_error("%s: unexpected answer from the board", board_describe(b));
        status = CLI_FAIL;
    } else if (nparts == -3) {
        if (json)
            print_json_empty(b, 0);
        else
            printf("ROMFS is not enabled on this device\n");
        status = CLI_FAIL;
    } else if (nparts <= 0) {
        if (json)
            print_json_empty(b, 1);
        else
            printf("No ROMFS partitions available\n");
        status = CLI_FAIL;
    } else if (json) {
        if (check)
            for (int i = 0; i < count; i++)
                if (!parts[i].missing && parts[i].isize >= 0)
                    verify(b, &parts[i]);
        printf("{\"device\": ");
        cli_json_string(stdout, (const uint8_t *)board_describe(b), strlen(board_describe(b)));
        printf(", \"romfs\": true, \"partitions\": [");
        for (int i = 0; i < count; i++)
            print_json_part(&parts[i], i == 0);
        printf("\n]}\n");
    } else {
        for (int i = 0; i < count; i++) {
            if (check && !parts[i].missing && parts[i].isize >= 0)
                verify(b, &parts[i]);
            print_text(&parts[i]);
        }
    }
    free(parts);
    free(out);
    board_close(b);
    return status;
}
