/* SPDX-License-Identifier: MIT */
/*
 * The image in a board's ROM partition, read over the raw REPL: its header
 * first (to learn the image's length), then exactly the image's bytes in
 * chunks, each checked against the board's own CRC32. Used by
 * `romfs ls|tree|cat|stat|check|extract -d DEV [-p N]` (through a hook in
 * main.c: the image is fetched into a private temporary file and the
 * command runs on it unchanged) and by `romfs diff`.
 */
#include "cli.h"
#include "boardimg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/board.h"

/* Chunks read per exec: as many as fit a quarter of the board's free heap
 * (each leaves one base64 copy, about 4/3 of a chunk, as garbage until the
 * statement ends), 1 to 16. */
#define MAX_PER_EXEC 16
#define GARBAGE_PER_CHUNK (BOARDIMG_CHUNK / 3 * 4 + 64)
#define EXEC_TIMEOUT_MS 60000

uint64_t cli_board_addr;

/* Defines _g(o,n) (bytes of the partition) and _r(o,n,k) (its bytes in
 * [o, o+n) as "C crc base64" lines of k bytes, written without a decoded or
 * stripped copy) and prints the partition's size, its memory-mapped address
 * (-1 unknown), its first 15 bytes and the free heap (-1 unknown). */
static const char PROBE[] =
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

/* What the read leaves on the board: nothing. */
static const char CLEANUP[] = "for _k in ('_d','_m','_g','_r','_c','_a','_n','_B'):\n"
                              " if _k in globals():del globals()[_k]\n";

static int fail_board(board_t *b, const char *what)
{
    cli_error("%s: %s: %s", board_describe(b), what, board_last_error(b));
    return -1;
}

static int probe(board_t *b, int part, board_image_t *im, uint8_t *head, size_t *hlen, size_t *per_exec)
{
    char code[sizeof PROBE + 16];
    int n = snprintf(code, sizeof code, PROBE, part);
    char *out = NULL;
    int r = board_exec(b, code, (size_t)n, &out, NULL, EXEC_TIMEOUT_MS);
    if (r < 0) {
        fail_board(b, "reading the partition");
        free(out);
        return -1;
    }
    uint64_t size = 0;
    long long addr = -1, heap = -1;
    r = boardimg_parse_probe(out, &size, &addr, head, hlen, &heap);
    free(out);
    if (r == 1) {
        cli_error("%s: ROMFS%d partition not found on device", board_describe(b), part);
        return -1;
    }
    if (r < 0) {
        cli_error("%s: unexpected reply while reading the partition", board_describe(b));
        return -1;
    }
    im->part_size = size;
    im->addr = addr > 0 ? (uint64_t)addr : 0;
    /* A board that does not say what it has free gets a middle figure. */
    long long k = heap < 0 ? 4 : heap / 4 / GARBAGE_PER_CHUNK;
    *per_exec = (size_t)(k < 1 ? 1 : k > MAX_PER_EXEC ? MAX_PER_EXEC : k) * BOARDIMG_CHUNK;
    return 0;
}

static int read_image(board_t *b, board_image_t *im, size_t per_exec)
{
    for (size_t off = 0; off < im->len; off += per_exec) {
        size_t n = im->len - off < per_exec ? im->len - off : per_exec;
        char code[64];
        int k = snprintf(code, sizeof code, "_r(%zu,%zu,%d)\n", off, n, BOARDIMG_CHUNK);
        char *out = NULL;
        int r = board_exec(b, code, (size_t)k, &out, NULL, EXEC_TIMEOUT_MS);
        if (r < 0) {
            fail_board(b, "reading the image");
            free(out);
            return -1;
        }
        r = boardimg_take_chunks(out, im->data + off, n);
        free(out);
        if (r < 0) {
            cli_error("%s: the image's bytes at offset %zu arrived damaged (CRC mismatch or short)",
                      board_describe(b), off);
            return -1;
        }
    }
    return 0;
}

int boardimg_read(board_t *b, int part, board_image_t *im)
{
    memset(im, 0, sizeof im[0]);
    snprintf(im->name, sizeof im->name, "ROMFS%d on %.100s", part, board_describe(b));
    uint8_t head[30];
    size_t hlen = 0, per_exec = 0;
    int rc = -1;
    if (probe(b, part, im, head, &hlen, &per_exec) < 0)
        return -1;
    im->len = boardimg_declared_len(head, hlen);
    if (!im->len || im->len > im->part_size)
        cli_error("%s: the partition holds no ROMFS image%s", im->name, im->len ? " that fits it" : "");
    else if (!(im->data = malloc(im->len)))
        cli_error("out of memory");
    else
        rc = read_image(b, im, per_exec);
    /* Best effort: a failed cleanup leaves names, not a wrong image. */
    char *out = NULL;
    if (board_exec(b, CLEANUP, sizeof CLEANUP - 1, &out, NULL, EXEC_TIMEOUT_MS) < 0 && rc == 0)
        cli_warn("%s: could not remove the reader's helpers from the board: %s", board_describe(b),
                 board_last_error(b));
    free(out);
    if (rc < 0)
        boardimg_free(im);
    return rc;
}

int boardimg_fetch(const char *dev, int part, board_image_t *im)
{
    memset(im, 0, sizeof im[0]);
    board_t *b = NULL;
    const char *msg = NULL;
    if (board_open(&b, dev, &msg) != 0) {
        cli_error("cannot open %s: %s", dev ? dev : "a board", msg ? msg : "error");
        return -1;
    }
    int rc = boardimg_read(b, part, im);
    board_close(b);
    return rc;
}

void boardimg_free(board_image_t *im)
{
    free(im->data);
    im->data = NULL;
    im->len = 0;
}

/// The hook for the image commands ///

static const char *const IMAGE_CMDS[] = {"ls", "tree", "cat", "stat", "check", "extract"};

/* -d/--device and -p/--partition as boardimg_run understands them; the
 * value of argument *i, advancing past it. NULL: not one of them. */
static const char *opt_value(int argc, char **argv, int *i, const char *s, const char *l)
{
    const char *a = argv[*i];
    size_t ll = strlen(l);
    if (strcmp(a, s) == 0 || strcmp(a, l) == 0)
        return *i + 1 < argc ? argv[++*i] : "";
    if (strncmp(a, s, 2) == 0 && a[2] && a[1] != '-')
        return a + 2;
    if (strncmp(a, l, ll) == 0 && a[ll] == '=')
        return a + ll + 1;
    return NULL;
}

int boardimg_wanted(int argc, char **argv)
{
    int known = 0;
    for (size_t k = 0; k < sizeof IMAGE_CMDS / sizeof IMAGE_CMDS[0]; k++)
        known |= argc > 0 && strcmp(argv[0], IMAGE_CMDS[k]) == 0;
    for (int i = 1; known && i < argc && strcmp(argv[i], "--") != 0; i++)
        if (opt_value(argc, argv, &i, "-d", "--device"))
            return 1;
    return 0;
}

/* A private temporary file named after the board, holding its image. */
static char *stash(const board_image_t *im, char *dir, size_t dsize)
{
    snprintf(dir, dsize, "%s/romfs-image.XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        cli_error("cannot create a temporary directory: %s", strerror(errno));
        return NULL;
    }
    char name[80];
    size_t n = 0;
    for (const char *p = im->name; *p && n < sizeof name - 8; p++)
        name[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                                   *p == '.' || *p == '-' ? *p : '_');
    snprintf(name + n, sizeof name - n, ".romfs");
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    FILE *fp = path ? (snprintf(path, len, "%s/%s", dir, name), fopen(path, "wb")) : NULL;
    int ok = fp && fwrite(im->data, 1, im->len, fp) == im->len;
    if (fp)
        ok &= fclose(fp) == 0;
    if (!ok) {
        cli_error("%s: cannot write a temporary copy of the image", dir);
        if (path)
            unlink(path);
        rmdir(dir);
        free(path);
        return NULL;
    }
    return path;
}

int boardimg_run(int argc, char **argv, int (*fn)(int, char **))
{
    const char *dev = NULL, *v;
    long long part = 0;
    char **av = calloc((size_t)argc + 2, sizeof *av);
    if (!av)
        return CLI_FAIL;
    int n = 0, operand = -1, opts = 1;
    av[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (opts && (v = opt_value(argc, argv, &i, "-d", "--device"))) {
            dev = v;
        } else if (opts && (v = opt_value(argc, argv, &i, "-p", "--partition"))) {
            if ((part = cli_parse_size(v)) < 0 || part > 255) {
                cli_error("%s: bad partition index '%s'", argv[0], v);
                free(av);
                return CLI_USAGE;
            }
        } else {
            if (strcmp(argv[i], "--") == 0)
                opts = 0;
            else if (operand < 0 && (argv[i][0] != '-' || !opts || !argv[i][1]))
                operand = n;
            av[n++] = argv[i];
        }
    }
    if (!dev || !*dev) {
        cli_error("%s: -d needs a device", argv[0]);
        free(av);
        return CLI_USAGE;
    }
    board_image_t im;
    if (boardimg_fetch(dev, (int)part, &im) < 0) {
        free(av);
        return CLI_FAIL;
    }
    char dir[4096];
    char *path = stash(&im, dir, sizeof dir);
    int rc = CLI_FAIL;
    if (path) {
        if (operand < 0)
            operand = n;
        memmove(av + operand + 1, av + operand, (size_t)(n - operand) * sizeof *av);
        av[operand] = path;
        n++;
        cli_board_addr = im.addr;
        optind = 1;
        rc = fn(n, av);
        unlink(path);
        rmdir(dir);
        free(path);
    }
    boardimg_free(&im);
    free(av);
    return rc;
}
