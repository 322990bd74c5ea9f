/* SPDX-License-Identifier: MIT */
/*
 * The image in a board's ROM partition (romfs_board_read_image) for
 * `romfs ls|tree|cat|stat|check|extract -d DEV [-p N]` (through a hook in
 * main.c: the image is fetched into a private temporary file and the
 * command runs on it unchanged) and for `romfs diff`.
 */
#include "cli.h"
#include "boardimg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


uint64_t cli_board_addr;

int boardimg_fetch(const char *dev, int part, romfs_board_image_t *im)
{
    memset(im, 0, sizeof im[0]);
    romfs_board_t *b = NULL;
    char msg[700];
    if (cli_board_open(&b, dev, NULL, msg, sizeof msg) != 0) {
        cli_error("cannot open %s: %s", dev ? dev : "a board", msg);
        return -1;
    }
    int rc = romfs_board_read_image(b, part, im);
    if (rc < 0)
        cli_error("%s", romfs_board_errmsg(b));
    else if (im->warning[0])
        cli_warn("%s", im->warning);
    romfs_board_close(b);
    return rc < 0 ? -1 : 0;
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
static char *stash(const romfs_board_image_t *im, char *dir, size_t dsize)
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
    romfs_board_image_t im;
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
    romfs_board_image_free(&im);
    free(av);
    return rc;
}
