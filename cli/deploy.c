/*
 * romfs deploy: write an image (or a directory, built on the fly) into a
 * board's ROM partition: checked before anything is touched, power-safe,
 * incremental (only erase blocks whose CRC differs), verified afterwards.
 *
 * Directories are laid out in the stable layout (include/romfs/romfs_layout.h)
 * relative to the image this host deployed to the same board last, kept in
 * $XDG_CACHE_HOME/romfs/deploy/, so that an edit rewrites few blocks.
 * docs/DEPLOY.md has the whole story and the measured figures.
 */
#include "cli.h"
#include "build_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "deploy_board.h"
#include "imgwalk.h"
#include "romfs/romfs.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_layout.h"


#define DEFAULT_CHUNK 4096
#define DEFAULT_ERASE_MAX 32768

typedef struct opts {
    const char *dev;
    int part;
    int full;
    int json;
    int quiet;
    int mpy;              /* 1 --mpy, 0 --no-mpy */
    int nor;              /* --nor: commit by programming the magic alone */
    uint32_t align;
    uint32_t compact;
    const char *output;   /* -o: write the image to a file, no board */
    uint32_t out_block;   /* --block-size for -o */
    const char *base;     /* --base for -o: lay out relative to this image */
    const char *src;
} opts_t;

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs deploy [-d DEV] [-p N] [--full] [--json] [--align N] [--mpy | --no-mpy]\n"
            "                    [--compact PCT] [--nor] [-q] SRC\n"
            "       romfs deploy -o FILE [--base IMAGE] [--block-size N] [--align N] [--mpy | --no-mpy] SRC\n"
            "Write SRC (a .romfs/.img image, deployed as it is, or a directory, built in\n"
            "the stable layout) into ROM partition N of the board. Only erase blocks that\n"
            "differ are rewritten; the header block goes last, so a power cut leaves the\n"
            "old image, the new one, or nothing that mounts. The result is verified.\n"
            "  -d, --device DEV   serial port, 'auto' or 'exec:COMMAND' (default: auto)\n"
            "  -p, --partition N  ROM partition index (default 0)\n"
            "      --full         rewrite every block (and lay a directory out afresh)\n"
            "      --json         print a summary as JSON on stdout\n"
            "      --align N      start file data on N-byte boundaries (power of two)\n"
            "      --mpy          compile .py files with mpy-cross (default)\n"
            "      --no-mpy       store .py files as they are\n"
            "      --compact PCT  lay out afresh once holes pass PCT%% of the data (default 25)\n"
            "      --nor          the partition is NOR flash that may program a write unit\n"
            "                     twice (SPI flash); commit by writing the magic alone, safe\n"
            "                     even if that write is cut part-way. Not for ECC flash\n"
            "  -o, --output FILE  write the stable-layout image to FILE instead of a board\n"
            "      --base IMAGE   with -o: lay out relative to IMAGE, as a deploy over it would\n"
            "      --block-size N erase block size assumed by -o (default 4096)\n"
            "  -q, --quiet        print errors only\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/// Source ///

/* The image being built, in memory: a deploy needs all of it anyway. */
struct membuf {
    uint8_t *p;
    size_t len, cap;
};

static int mem_write(void *ctx, const void *data, size_t n)
{
    struct membuf *m = ctx;
    if (n > m->cap - m->len) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap - m->len < n)
            cap *= 2;
        uint8_t *p = realloc(m->p, cap);
        if (!p)
            return ROMFS_ERR_NOMEM;
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, data, n);
    m->len += n;
    return 0;
}

/* Build directory src exactly as `romfs build` does (same scan, order and
 * mpy-cross step, cli/build_dir.c), into memory. Quiet but for warnings. */
static int build_dir(const opts_t *o, uint8_t **img, size_t *len)
{
    romfs_build_opts_t bopts = {.keep_order = 1};
    romfs_builder_t *b = romfs_builder_new(&bopts);
    cli_build_dir_t c;
    struct membuf m = {0};
    int rc = -1;
    memset(&c, 0, sizeof c);
    if (!b) {
        cli_error("out of memory");
        return -1;
    }
    if (cli_build_dir(&c, b, o->src, o->mpy, NULL, NULL) != 0)
        goto done;
    int r = romfs_builder_write(b, mem_write, &m);
    if (r < 0) {
        const char *msg = romfs_builder_errmsg(b);
        cli_error("%s", msg && *msg ? msg : romfs_strerror(r));
        goto done;
    }
    *img = m.p;
    *len = m.len;
    m.p = NULL;
    rc = 0;
done:
    free(m.p);
    romfs_builder_free(b);
    cli_build_dir_done(&c);
    return rc;
}

static void count_fail(void *ctx, int severity, size_t offset, const char *msg)
{
    (void)offset;
    (void)msg;
    if (severity == IW_FAIL)
        ++*(size_t *)ctx;
}

/* Mount it and walk every record: a deploy must never start with an image
 * the board would reject or misread. */
static int image_valid(const uint8_t *img, size_t len)
{
    romfs_t fs;
    if (romfs_mount(&fs, img, len) < 0)
        return 0;
    size_t fails = 0;
    iw_check_stats_t st;
    if (iw_check(img, len, count_fail, &fails, &st) < 0)
        return 0;
    return fails == 0;
}

/// Cache of the last image deployed to each board ///

static char *cache_dir(void)
{
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (x && *x)
        snprintf(buf, sizeof buf, "%s/romfs/deploy", x);
    else if (home && *home)
        snprintf(buf, sizeof buf, "%s/.cache/romfs/deploy", home);
    else
        return NULL;
    /* mkdir -p */
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0700);
            *p = '/';
        }
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return NULL;
    return strdup(buf);
}

/* The board's unique id, else the device spec squeezed into a file name. */
static char *cache_path(const char *dir, const dboard_info_t *info, const char *dev, const char *suffix)
{
    char key[160];
    if (info->uid[0]) {
        snprintf(key, sizeof key, "%s", info->uid);
    } else {
        const char *d = dev ? dev : "auto";
        size_t n = 0;
        for (const char *p = d; *p && n < 60; p++)
            key[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '_');
        snprintf(key + n, sizeof key - n, "-%08lx", (unsigned long)crc32(0L, (const Bytef *)d, (uInt)strlen(d)));
    }
    size_t n = strlen(dir) + strlen(key) + 64;
    char *path = malloc(n);
    if (!path)
        return NULL;
    if (info->part)
        snprintf(path, n, "%s/%s.p%d.%s", dir, key, info->part, suffix);
    else
        snprintf(path, n, "%s/%s.%s", dir, key, suffix);
    return path;
}

static uint8_t *load_opt(const char *path, size_t *len)
{
    if (!path)
        return NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, cap - n, fp);
        if (!k)
            break;
        n += k;
    }
    fclose(fp);
    *len = n;
    return buf;
}

static int save_file(const char *path, const uint8_t *data, size_t len)
{
    if (!path)
        return -1;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    if (!fp)
        return -1;
    int ok = fwrite(data, 1, len, fp) == len;
    ok &= fclose(fp) == 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The base is what the board holds when every block past block 0 matches
 * it, except blocks an interrupted deploy (the pending image) was rewriting:
 * those may hold anything (erased, half-programmed, new). Laying out
 * relative to the base then reproduces the pending image, and the re-run
 * only finishes that deploy. Block 0 may be anything (erased first). */
static int base_trusted(const uint8_t *base, size_t blen, const uint8_t *pend, size_t plen, const uint32_t *board,
                        uint32_t nboard, uint32_t bs)
{
    uint32_t nb = (uint32_t)((blen + bs - 1) / bs);
    uint32_t np = pend ? (uint32_t)((plen + bs - 1) / bs) : 0;
    uint32_t *bc = malloc((nb + np + 1) * sizeof *bc);
    if (!bc || nb > nboard) {
        free(bc);
        return 0;
    }
    romfs_deploy_block_crcs(base, blen, bs, bc);
    if (pend)
        romfs_deploy_block_crcs(pend, plen, bs, bc + nb);
    int ok = 1;
    /* The board's CRCs cover whole blocks: a partial last block of the base
     * cannot be compared, and is left out. */
    for (uint32_t i = 1; i < nb && ok && (uint64_t)(i + 1) * bs <= blen; i++) {
        int pending_touched = i < np && ((uint64_t)(i + 1) * bs > plen || bc[nb + i] != bc[i]);
        ok = board[i] == bc[i] || pending_touched;
    }
    free(bc);
    return ok;
}

/// Progress ///

typedef struct progress {
    int tty;
    double t0, last;
} progress_t;

static void human(double v, char *buf, size_t n)
{
    if (v >= 1048576)
        snprintf(buf, n, "%.1f MiB", v / 1048576);
    else if (v >= 1024)
        snprintf(buf, n, "%.1f KiB", v / 1024);
    else
        snprintf(buf, n, "%.0f B", v);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_t *p = ctx;
    if (!p->tty)
        return;
    double t = now_s();
    if (done < total && t - p->last < 0.1)
        return;
    p->last = t;
    double el = t - p->t0, rate = el > 0 ? done / el : 0;
    char a[32], b[32], r[32];
    human((double)done, a, sizeof a);
    human((double)total, b, sizeof b);
    human(rate, r, sizeof r);
    int width = 24, fill = total ? (int)(width * done / total) : width;
    fprintf(stderr, "\r[%.*s%*s] %s / %s  %s/s  ETA %.0fs ", fill, "########################", width - fill, "", a,
            b, r, rate > 0 ? (double)(total - done) / rate : 0.0);
    if (done >= total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/// The command ///

static int parse_pow2(const char *s, uint32_t *out)
{
    long long v = cli_parse_size(s);
    if (v < 1 || v > (1LL << 30) || (v & (v - 1)))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    static const struct option longopts[] = {
        {"device", required_argument, NULL, 'd'}, {"partition", required_argument, NULL, 'p'},
        {"full", no_argument, NULL, 'F'},         {"json", no_argument, NULL, 'j'},
        {"align", required_argument, NULL, 'a'},  {"mpy", no_argument, NULL, 'm'},
        {"no-mpy", no_argument, NULL, 'M'},       {"compact", required_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'}, {"block-size", required_argument, NULL, 'b'},
        {"base", required_argument, NULL, 'B'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"nor", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->mpy = 1;
    o->out_block = 4096;
    int c;
    long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+d:p:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->dev = optarg; break;
        case 'p':
            if ((v = cli_parse_size(optarg)) < 0 || v > 255) {
                cli_error("deploy: bad partition index '%s'", optarg);
                return CLI_USAGE;
            }
            o->part = (int)v;
            break;
        case 'F': o->full = 1; break;
        case 'j': o->json = 1; break;
        case 'a':
            if (parse_pow2(optarg, &o->align) < 0) {
                cli_error("deploy: --align wants a power of two, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'b':
            if (parse_pow2(optarg, &o->out_block) < 0) {
                cli_error("deploy: --block-size wants a power of two, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'c':
            if ((v = cli_parse_size(optarg)) < 1 || v > 100) {
                cli_error("deploy: --compact wants a percentage 1..100, not '%s'", optarg);
                return CLI_USAGE;
            }
            o->compact = (uint32_t)v;
            break;
        case 'm': o->mpy = 1; break;
        case 'M': o->mpy = 0; break;
        case 'o': o->output = optarg; break;
        case 'B': o->base = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'N': o->nor = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (o->base && !o->output) {
        cli_error("deploy: --base goes with -o");
        return CLI_USAGE;
    }
    if (argc - optind != 1) {
        usage(stderr);
        return CLI_USAGE;
    }
    o->src = argv[optind];
    return -1;
}

static const char *board_msg(int r, const char *dev_err)
{
    switch (r) {
    case BOARD_ERR_TIMEOUT: return "board stopped answering";
    case BOARD_ERR_CLOSED: return "connection to the board was lost";
    case BOARD_ERR_PROTOCOL: return "unexpected reply from the board";
    case BOARD_ERR_EXEC: return dev_err && *dev_err ? dev_err : "board raised an exception";
    case ROMFS_ERR_NOMEM: return "out of memory";
    default: return "board error";
    }
}

/* Everything one deploy carries around. */
typedef struct deploy {
    opts_t o;
    uint8_t *src;           /* the image as given or as built */
    size_t src_len;
    int is_dir;
    uint8_t *lay;           /* stable layout of src (directories) */
    size_t lay_len;
    romfs_layout_stats_t lst;
    const char *base_state; /* "trusted", "untrusted", "none", "pending" */
    FILE *info;             /* human lines, NULL with -q */
} deploy_t;

static void say(deploy_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(deploy_t *d, const char *fmt, ...)
{
    if (!d->info)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->info, fmt, ap);
    va_end(ap);
    fputc('\n', d->info);
    fflush(d->info);
}

static int load_source(deploy_t *d)
{
    struct stat st;
    if (stat(d->o.src, &st) != 0) {
        cli_error("%s: %s", d->o.src, strerror(errno));
        return -1;
    }
    d->is_dir = S_ISDIR(st.st_mode);
    if (d->is_dir)
        return build_dir(&d->o, &d->src, &d->src_len);
    cli_file_t f;
    if (cli_file_load(d->o.src, &f) < 0)
        return -1;
    d->src = malloc(f.len ? f.len : 1);
    if (d->src)
        memcpy(d->src, f.data, f.len);
    d->src_len = f.len;
    cli_file_free(&f);
    if (!d->src) {
        cli_error("out of memory");
        return -1;
    }
    if (!image_valid(d->src, d->src_len)) {
        cli_error("%s: Invalid ROMFS image", d->o.src);
        return -1;
    }
    return 0;
}

static int layout(deploy_t *d, const uint8_t *base, size_t blen, uint32_t block, int fresh)
{
    romfs_layout_opts_t lo = {.block_size = block, .align = d->o.align, .compact_percent = d->o.compact,
                              .fresh = fresh};
    int r = romfs_layout_stable(d->src, d->src_len, base, blen, &lo, &d->lay, &d->lay_len, &d->lst);
    if (r < 0)
        cli_error("%s: cannot lay the image out: %s", d->o.src, romfs_strerror(r));
    return r;
}

static int write_output(deploy_t *d)
{
    cli_file_t base;
    memset(&base, 0, sizeof base);
    if (d->o.base && cli_file_load(d->o.base, &base) < 0)
        return CLI_FAIL;
    int r = layout(d, base.data, base.len, d->o.out_block, d->o.full || !d->o.base);
    cli_file_free(&base);
    if (r < 0)
        return CLI_FAIL;
    const uint8_t *img = d->lay;
    size_t len = d->lay_len;
    say(d, "Image size is %zu bytes (stable layout: %zu files kept, %zu in place, %zu moved, %zu added%s)", len,
        d->lst.kept, d->lst.in_place, d->lst.moved, d->lst.added, d->lst.compacted ? ", compacted" : "");
    cli_out_t out;
    if (cli_out_open(&out, d->o.output) < 0)
        return CLI_FAIL;
    if (fwrite(img, 1, len, out.fp) != len) {
        cli_error("%s: write error: %s", d->o.output, strerror(errno));
        cli_out_abort(&out);
        return CLI_FAIL;
    }
    return cli_out_commit(&out) < 0 ? CLI_FAIL : CLI_OK;
}

static void json_summary(deploy_t *d, board_t *b, const dboard_info_t *info, uint32_t bs, size_t len,
                         const char *layout_name, const romfs_deploy_plan_t *plan, const romfs_deploy_result_t *res,
                         uint64_t wire, double secs, int verified)
{
    printf("{\"device\":");
    const char *desc = board_describe(b);
    cli_json_string(stdout, (const uint8_t *)desc, strlen(desc));
    printf(",\"partition\":%d,\"partition_size\":%llu,\"block_size\":%u,\"image_size\":%zu,"
           "\"layout\":\"%s\",\"base\":\"%s\",\"blocks_total\":%u,\"blocks_written\":%u,"
           "\"blocks_skipped\":%u,\"bytes_programmed\":%llu,\"wire_bytes\":%llu,\"erase_ops\":%u,"
           "\"write_ops\":%u,\"verified\":%s,\"seconds\":%.3f",
           info->part, (unsigned long long)info->part_size, bs, len, layout_name, d->base_state, plan->nblocks,
           plan->nwrite, plan->nskip, (unsigned long long)res->bytes_programmed, (unsigned long long)wire,
           res->erase_ops, res->write_ops, verified ? "true" : "false", secs);
    printf(",\"unique_id\":");
    cli_json_string(stdout, (const uint8_t *)info->uid, strlen(info->uid));
    if (d->lay)
        printf(",\"files\":%zu,\"files_kept\":%zu,\"files_in_place\":%zu,\"files_moved\":%zu,"
               "\"files_added\":%zu,\"compacted\":%s,\"waste\":%zu",
               d->lst.files, d->lst.kept, d->lst.in_place, d->lst.moved, d->lst.added,
               d->lst.compacted ? "true" : "false", d->lst.waste);
    printf("}\n");
}

static int deploy_to_board(deploy_t *d)
{
    const char *emsg = NULL;
    board_t *b = NULL;
    dboard_t *db = NULL;
    char *detail = NULL, *cdir = NULL, *cpath = NULL, *ppath = NULL;
    uint8_t *base = NULL, *pend = NULL;
    size_t blen = 0, plen = 0;
    uint32_t *board_crcs = NULL;
    romfs_deploy_plan_t plan;
    memset(&plan, 0, sizeof plan);
    int rc = CLI_FAIL;
    double t0 = now_s();

    int r = board_open(&b, d->o.dev, &emsg);
    if (r < 0) {
        cli_error("cannot open %s: %s", d->o.dev ? d->o.dev : "a board", emsg ? emsg : "error");
        return CLI_FAIL;
    }
    uint64_t wire0 = board_bytes_sent(b);
    dboard_info_t info;
    r = dboard_open(b, d->o.part, &db, &info, &detail);
    if (r == DBOARD_NO_ROMFS) {
        cli_error("ROMFS is not enabled on this device");
        goto out;
    }
    if (r == DBOARD_NO_PART) {
        cli_error("ROMFS%d partition not found on device", d->o.part);
        goto out;
    }
    if (r < 0) {
        /* Name the exception (the traceback's last line), not the whole trace. */
        const char *why = board_msg(r, NULL);
        size_t n = detail ? strlen(detail) : 0;
        while (n && (detail[n - 1] == '\n' || detail[n - 1] == '\r'))
            detail[--n] = '\0';
        const char *last = n ? strrchr(detail, '\n') : NULL;
        if (r == BOARD_ERR_EXEC && n)
            cli_error("probing the board: %s", last ? last + 1 : detail);
        else
            cli_error("probing the board: %s", why);
        goto out;
    }
    uint32_t bs = info.block_size > 0 && (uint64_t)info.block_size <= info.part_size ? (uint32_t)info.block_size
                                                                                   : (uint32_t)info.part_size;
    if (info.part_size > UINT32_MAX || !bs) {
        cli_error("ROMFS%d partition size %llu is not supported", d->o.part, (unsigned long long)info.part_size);
        goto out;
    }
    uint32_t nboard = (uint32_t)((info.part_size + bs - 1) / bs);
    /* Per-block CRCs on the board make incremental deploys; without crc32 a
     * memoryview still lets the host verify by reading back (slowly). */
    int incremental = info.has_crc && info.has_view;
    int verifiable = info.has_view;

    /* The board's CRC of every block: what to skip, and whether the cached
     * base is really what the board holds. */
    if (incremental && !d->o.full) {
        board_crcs = malloc(nboard * sizeof *board_crcs);
        if (!board_crcs) {
            cli_error("out of memory");
            goto out;
        }
        if ((r = dboard_block_crcs(db, 0, (uint32_t)info.part_size, bs, board_crcs)) < 0) {
            cli_error("reading block checksums: %s", board_msg(r, dboard_last_error(db)));
            goto out;
        }
    }
    cdir = cache_dir();
    if (cdir) {
        cpath = cache_path(cdir, &info, d->o.dev, "romfs");
        ppath = cache_path(cdir, &info, d->o.dev, "pending.romfs");
    }

    const uint8_t *img = d->src;
    size_t len = d->src_len;
    const char *layout_name = "as-is";
    d->base_state = "none";
    if (d->is_dir && incremental) {
        uint32_t lblock = bs < info.part_size ? bs : 4096;
        if (!d->o.full && board_crcs) {
            base = load_opt(cpath, &blen);
            pend = load_opt(ppath, &plen);
            if (base && !base_trusted(base, blen, pend, plen, board_crcs, nboard, bs)) {
                d->base_state = "untrusted";
                free(base);
                base = NULL;
            } else if (base) {
                d->base_state = "trusted";
            }
        }
        romfs_layout_opts_t lo = {.block_size = lblock, .align = d->o.align, .compact_percent = d->o.compact,
                                  .fresh = d->o.full || !base};
        r = romfs_layout_stable(d->src, d->src_len, base, blen, &lo, &d->lay, &d->lay_len, &d->lst);
        if (r < 0) {
            cli_warn("%s: no stable layout (%s): deploying the packed image", d->o.src, romfs_strerror(r));
            layout_name = "reference";
        } else {
            img = d->lay;
            len = d->lay_len;
            layout_name = "stable";
        }
        if (len > info.part_size && d->src_len <= info.part_size) {
            img = d->src;   /* the stable layout's slack does not fit; the packed one does */
            len = d->src_len;
            layout_name = "reference";
        }
    } else if (d->is_dir) {
        layout_name = "reference";
    }

    say(d, "Image size is %zu bytes", len);
    say(d, "ROMFS%d partition has size %llu bytes (%u blocks of %u bytes each)", d->o.part,
        (unsigned long long)info.part_size, nboard, bs);
    if (len > info.part_size) {
        cli_error("ROMFS image is too big for the target partition");
        goto out;
    }
    /* The partition-wide CRCs cover whole blocks; the image's last block
     * may end early, so ask for that one over the image's bytes only. */
    if (board_crcs && len % bs) {
        uint32_t last = (uint32_t)(len / bs);
        if ((r = dboard_block_crcs(db, last * bs, (uint32_t)(len - (size_t)last * bs), bs, &board_crcs[last])) < 0) {
            cli_error("reading block checksums: %s", board_msg(r, dboard_last_error(db)));
            goto out;
        }
    }
    romfs_deploy_geom_t g = {.part_size = (uint32_t)info.part_size, .block_size = bs,
                             .chunk_size = DEFAULT_CHUNK, .erase_max = DEFAULT_ERASE_MAX, .reprogram = d->o.nor};
    if ((r = romfs_deploy_plan(img, len, &g, board_crcs, &plan)) < 0) {
        cli_error("cannot plan the deploy: %s", romfs_strerror(r));
        goto out;
    }
    if (plan.nwrite)
        save_file(ppath, img, len);

    progress_t pg = {.tty = !d->o.quiet && isatty(2), .t0 = now_s()};
    romfs_deploy_ops_t ops = dboard_ops(db, on_progress, &pg);
    if (!verifiable) {
        ops.block_crcs = NULL;
        cli_warn("the board cannot read its partition back: rewriting everything, unverified");
    } else if (!incremental) {
        cli_warn("the board has no binascii.crc32: rewriting everything, verifying by reading back");
    }
    romfs_deploy_result_t res;
    r = romfs_deploy_run(img, len, &g, &plan, &ops, &res);
    if (r == ROMFS_ERR_IO && res.bad_block >= 0) {
        cli_error("verification failed: block %d (offset %llu) differs from the image after writing",
                  res.bad_block, (unsigned long long)res.bad_block * bs);
        goto out;
    }
    if (r < 0) {
        /* Once block 0 is erased nothing mounts until a deploy completes:
         * say so, since the fix is simply to run it again. */
        cli_error("deploy failed: %s%s", r <= BOARD_ERR_TIMEOUT ? board_msg(r, dboard_last_error(db)) : romfs_strerror(r),
                  plan.nwrite ? "; the partition may hold no mountable image until a deploy completes" : "");
        goto out;
    }
    if (cpath && save_file(cpath, img, len) == 0 && ppath)
        unlink(ppath);
    uint64_t wire = board_bytes_sent(b) - wire0;
    double secs = now_s() - t0;
    if (plan.nwrite == 0)
        say(d, "image already on the board: wrote 0 of %u blocks, skipped %u unchanged", plan.nblocks, plan.nskip);
    else
        say(d, "wrote %u of %u blocks, skipped %u unchanged (%llu bytes on the wire, %.1fs)", plan.nwrite,
            plan.nblocks, plan.nskip, (unsigned long long)wire, secs);
    if (d->lay && img == d->lay && d->lst.used_base)
        say(d, "stable layout: %zu files kept, %zu rewritten in place, %zu moved, %zu added", d->lst.kept,
            d->lst.in_place, d->lst.moved, d->lst.added);
    else if (d->lay && img == d->lay)
        say(d, "stable layout: fresh (%zu files%s)", d->lst.files, d->lst.compacted ? ", compacted" : "");
    if (d->o.json)
        json_summary(d, b, &info, bs, len, layout_name, &plan, &res, wire, secs, verifiable);
    rc = CLI_OK;
out:
    free(detail);
    romfs_deploy_plan_free(&plan);
    free(board_crcs);
    free(base);
    free(pend);
    free(cdir);
    free(cpath);
    free(ppath);
    dboard_free(db);
    board_close(b);
    return rc;
}

int cmd_deploy(int argc, char **argv)
{
    deploy_t d;
    memset(&d, 0, sizeof d);
    int r = parse_opts(argc, argv, &d.o);
    if (r >= 0)
        return r;
    int out_stdout = d.o.output && strcmp(d.o.output, "-") == 0;
    d.info = d.o.quiet ? NULL : d.o.json || out_stdout ? stderr : stdout;
    int rc = CLI_FAIL;
    if (load_source(&d) == 0)
        rc = d.o.output ? write_output(&d) : deploy_to_board(&d);
    free(d.src);
    free(d.lay);
    return rc;
}

/// Seam for `romfs watch` (cli/watch_deploy.c; declared in cli/deploy_seam.h) ///
/* Small wrappers over the statics above, so that watch deploys build and
 * cache exactly as `romfs deploy` does while keeping its board open. To be
 * re-pointed at the host session API once it exists. */

int cli_deploy_build(const char *src, int mpy, uint8_t **img, size_t *len)
{
    opts_t o;
    memset(&o, 0, sizeof o);
    o.src = src;
    o.mpy = mpy;
    return build_dir(&o, img, len);
}

uint8_t *cli_deploy_cached_base(const dboard_info_t *info, const char *dev, const uint32_t *board_crcs,
                                uint32_t nboard, uint32_t bs, size_t *len)
{
    char *dir = cache_dir();
    char *cpath = dir ? cache_path(dir, info, dev, "romfs") : NULL;
    char *ppath = dir ? cache_path(dir, info, dev, "pending.romfs") : NULL;
    size_t plen = 0;
    uint8_t *base = load_opt(cpath, len), *pend = load_opt(ppath, &plen);
    if (base && !base_trusted(base, *len, pend, plen, board_crcs, nboard, bs)) {
        free(base);
        base = NULL;
    }
    free(pend);
    free(dir);
    free(cpath);
    free(ppath);
    return base;
}

void cli_deploy_remember(const dboard_info_t *info, const char *dev, const uint8_t *img, size_t len, int done)
{
    char *dir = cache_dir();
    char *cpath = dir ? cache_path(dir, info, dev, "romfs") : NULL;
    char *ppath = dir ? cache_path(dir, info, dev, "pending.romfs") : NULL;
    if (!done)
        save_file(ppath, img, len);
    else if (cpath && save_file(cpath, img, len) == 0 && ppath)
        unlink(ppath);
    free(dir);
    free(cpath);
    free(ppath);
}
