/* SPDX-License-Identifier: MIT */
/*
 * Proof that the libraries are enough: what `romfs query`, `deploy DIR`,
 * `diff`, `ls`, `cat`, `extract`, `run` and one cycle of `watch` do to a
 * board (romfs_board_deploy.h: the deploy and watch cores), done with the
 * installed public headers and libraries only (no cli/ source), against
 * the emulated board.
 *
 *   api EMULATOR_MJS PARTITION_FILE WORKDIR
 *
 * Each step checks its result and says what failed; exit 0 when all pass.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <romfs/romfs.h>
#include <romfs/romfs_board.h>
#include <romfs/romfs_board_deploy.h>
#include <romfs/romfs_build.h>
#include <romfs/romfs_diff.h>
#include <romfs/romfs_dirbuild.h>
#include <romfs/romfs_extract.h>
#include <romfs/romfs_session.h>

static int fails;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s: ", ok ? "ok" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fails += !ok;
}

static int write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    int ok = fputs(text, fp) >= 0;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

typedef struct mem {
    uint8_t *data;
    size_t len;
} mem_t;

static int to_mem(void *ctx, const void *data, size_t len)
{
    mem_t *m = ctx;
    uint8_t *n = realloc(m->data, m->len + len + 1);
    if (!n)
        return ROMFS_ERR_NOMEM;
    memcpy(n + m->len, data, len);
    m->data = n;
    m->len += len;
    m->data[m->len] = 0;
    return 0;
}

/* Build directory dir into memory for board b, as `romfs deploy DIR`
 * does (romfs_board_build; sources stored as they are). */
static int build_dir(romfs_board_t *b, const char *dir, mem_t *img)
{
    romfs_dirbuild_opts_t o = {.mpy = 0};
    romfs_dirbuild_t *d = NULL;
    int r = romfs_board_build(b, dir, &o, NULL, &d, &img->data, &img->len);
    if (r < 0)
        printf("  build: %s\n", d ? romfs_dirbuild_errmsg(d) : "out of memory");
    romfs_dirbuild_free(d);
    return r;
}

/* One deploy of a built tree over the board's probed partition. */
static int deploy(romfs_board_t *b, const romfs_board_info_t *info, const mem_t *img, romfs_session_result_t *res)
{
    romfs_session_board_t sb = romfs_board_session_board(info, "api-test");
    romfs_deploy_ops_t ops = romfs_board_deploy_ops(b);
    romfs_session_opts_t so = {0};   /* no cache: learn the board's layout from the board */
    romfs_session_t *s = NULL;
    int r = romfs_session_open(&s, &ops, &sb, &so);
    if (r == 0)
        r = romfs_session_deploy(s, img->data, img->len, 1, res);
    if (r < 0)
        printf("  deploy: %s\n", r == 0 ? "" : res->error[0] ? res->error : romfs_strerror(r));
    romfs_session_close(s);
    return r;
}

static void collect(const char *data, size_t len, void *ctx)
{
    to_mem(ctx, data, len);
}

static void step_query(romfs_board_t *b)
{
    romfs_board_query_t *q = calloc(1, sizeof *q);
    int r = q ? romfs_board_query(b, 0, q) : ROMFS_ERR_NOMEM;
    check(r == 0, "query: %s", r ? romfs_board_errmsg(b) : "answered");
    if (r == 0) {
        check(q->romfs && q->n >= 1, "query: ROMFS with %d partition(s)", q->n);
        check(q->parts[0].size == 262144, "query: partition 0 has %lld bytes (262144 expected)", q->parts[0].size);
        check(q->parts[0].isize < 0, "query: the fresh partition holds no image");
    }
    free(q);
}

/* What changed between the two builds, and the blocks a deploy of the
 * second over the first writes, as `romfs diff` says it. */
static void step_diff(const mem_t *a, const mem_t *b)
{
    romfs_t fa, fb;
    romfs_diff_counts_t c = {0};
    romfs_diff_deploy_t d = {0};
    char msg[200];
    int side;
    int r = romfs_mount(&fa, a->data, a->len) == 0 && romfs_mount(&fb, b->data, b->len) == 0
                ? romfs_diff(&fa, &fb, NULL, NULL, &c, &side, msg, sizeof msg)
                : ROMFS_ERR_NODEV;
    check(r == 0 && c.changed == 1 && c.added == 0 && c.removed == 0 && c.same == 2,
          "diff: %zu changed, %zu added, %zu removed, %zu same (1 changed, 2 same expected)", c.changed, c.added,
          c.removed, c.same);
    r = romfs_diff_deploy(a->data, a->len, ROMFS_DIFF_TREE, b->data, b->len, ROMFS_DIFF_TREE, 4096, &d, &side, msg,
                          sizeof msg);
    check(r == 0 && d.nwrite == 2 && d.nblocks == 6 && d.used_base,
          "diff: a deploy of the edit writes %u of %u blocks (2 of 6 expected)", d.nwrite, d.nblocks);
}

static const char MAIN_PY[] = "print('hello from the api test')\n";
static const char LIB_PY[] = "X = 1\nY = 'abcdefghijklmnopqrstuvwxyz'\nZ = 3\n";

static void step_deploys(romfs_board_t *b, const char *work)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/app", work);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/main.py", dir);
    write_text(path, MAIN_PY);
    snprintf(path, sizeof path, "%s/lib.py", dir);
    write_text(path, LIB_PY);
    /* A big file first in name order, so the edit lands in a later block. */
    snprintf(path, sizeof path, "%s/big.txt", dir);
    char *big = malloc(20001);
    memset(big, 'x', 20000);
    big[20000] = '\0';
    write_text(path, big);
    free(big);

    romfs_board_info_t info;
    int r = romfs_board_probe(b, 0, &info);
    check(r == 0, "probe: %s", r ? romfs_board_errmsg(b) : "partition 0");
    if (r)
        return;
    check(info.part_size == 262144 && info.block_size == 4096 && info.has_crc && info.has_view,
          "probe: 256 KiB, 4 KiB blocks, crc32 and read-back (%llu, %lld)", (unsigned long long)info.part_size,
          info.block_size);
    mem_t img, first;
    r = build_dir(b, dir, &first);
    check(r == 0, "build the directory: %s", romfs_strerror(r));
    if (r)
        return;
    romfs_session_result_t res;
    r = deploy(b, &info, &first, &res);
    check(r == 0 && res.verified && res.blocks_written == res.blocks_total && res.blocks_total == 6,
          "first deploy: wrote %u of %u blocks, verified %d", res.blocks_written, res.blocks_total, res.verified);

    /* The one-line edit: Y keeps its length, so the file stays in place
     * and only its data block and the header block change. */
    snprintf(path, sizeof path, "%s/lib.py", dir);
    write_text(path, "X = 1\nY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'\nZ = 3\n");
    r = romfs_board_probe(b, 0, &info) == 0 ? build_dir(b, dir, &img) : -1;
    check(r == 0, "rebuild after the edit");
    if (r == 0)
        step_diff(&first, &img);
    free(first.data);
    if (r == 0) {
        r = deploy(b, &info, &img, &res);
        check(r == 0 && res.verified && res.blocks_written == 2 && res.blocks_total == 6 &&
                  res.base == ROMFS_SESSION_BASE_BOARD && res.lst.in_place == 1,
              "incremental deploy: wrote %u of %u blocks (2 expected), base %s, %zu rewritten in place",
              res.blocks_written, res.blocks_total, romfs_session_base_name(res.base), res.lst.in_place);
        free(img.data);
    }
}

static void step_image(romfs_board_t *b, const char *work)
{
    romfs_board_image_t im;
    int r = romfs_board_read_image(b, 0, &im);
    check(r == 0, "read the board's image: %s", r ? romfs_board_errmsg(b) : im.name);
    if (r)
        return;
    romfs_t fs;
    romfs_dir_t d;
    romfs_info_t e;
    r = romfs_mount(&fs, im.data, im.len);
    check(r == 0, "mount the image read back");
    char names[256] = "";
    if (r == 0 && romfs_dir_open(&fs, &d, "/") == 0)
        while (romfs_dir_read(&d, &e) == 1)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%.*s", names[0] ? " " : "",
                     (int)e.name_len, (const char *)e.name);
    check(strcmp(names, "big.txt lib.py main.py") == 0, "list /: '%s'", names);
    romfs_file_t f;
    char buf[128] = "";
    long n = -1;
    if (r == 0 && romfs_file_open(&fs, &f, "lib.py") == 0)
        n = (long)romfs_file_read(&f, buf, sizeof buf - 1);
    check(n > 0 && strstr(buf, "Y = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'") != NULL, "read lib.py: the edited line");
    /* Unpacked into a host directory, as `romfs extract` does. */
    char out[4096], path[4200];
    snprintf(out, sizeof out, "%s/extracted", work);
    romfs_extract_opts_t eo = {.name = im.name};
    r = romfs_extract(im.data, im.len, out, &eo);
    snprintf(path, sizeof path, "%s/lib.py", out);
    FILE *fp = r == 0 ? fopen(path, "rb") : NULL;
    n = fp ? (long)fread(buf, 1, sizeof buf - 1, fp) : -1;
    if (fp)
        fclose(fp);
    buf[n > 0 ? n : 0] = '\0';
    check(n > 0 && strstr(buf, "Y = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'") != NULL, "extract: lib.py holds the edited line");
    romfs_board_image_free(&im);
}

static void step_run(romfs_board_t *b)
{
    mem_t out = {0};
    char *err = NULL;
    int r = romfs_board_run(b, "main", 1, collect, &out, &err, 30000);
    if (out.data)
        out.data[out.len] = '\0';
    check(r == 0 && out.data && strstr((char *)out.data, "hello from the api test"), "run main: %s",
          r ? romfs_board_errmsg(b) : "printed its line");
    romfs_board_free(err);
    free(out.data);
    out.data = NULL;
    out.len = 0;
    r = romfs_board_run(b, "no_such_module", 0, collect, &out, &err, 30000);
    check(r == ROMFS_ERR_RAISED && err && strstr(err, "ImportError"), "run a missing module raises ImportError");
    romfs_board_free(err);
    free(out.data);
}

/* The library's whole deploy (romfs_board_deploy_dir: probe, build for the
 * board, session, verify, /rom mounted again) of a second tree. */
static void step_deploy_dir(romfs_board_t *b, const char *work)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/app2", work);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/main.py", dir);
    write_text(path, "print('app2 v1')\n");
    snprintf(path, sizeof path, "%s/big.txt", dir);   /* first in name order: an edit of main.py is a later block */
    char *big = calloc(1, 20001);
    if (big)
        write_text(path, memset(big, 'y', 20000));
    free(big);
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    romfs_board_deploy_opts_t o = {.fallback_key = "api-test", .build = &bo};
    romfs_board_deploy_result_t r;
    int e = romfs_board_deploy_dir(&b, dir, &o, &r);
    check(e == 0 && r.stage == ROMFS_BOARD_STAGE_DONE && r.res.verified && r.res.blocks_written >= 1 &&
              r.build && r.res.lst.files == 2,
          "deploy a directory in one call: wrote %u of %u blocks, verified %d%s%s", r.res.blocks_written,
          r.res.blocks_total, r.res.verified, e ? ": " : "", e ? r.error : "");
    romfs_board_deploy_result_free(&r);
    mem_t out = {0};
    char *err = NULL;
    e = romfs_board_run(b, "main", 0, collect, &out, &err, 30000);   /* /rom mounted again: no reset */
    check(e == 0 && out.data && strstr((char *)out.data, "app2 v1"), "the deployed directory runs: %s",
          out.data ? (char *)out.data : err ? err : "");
    romfs_board_free(err);
    free(out.data);
}

typedef struct watch_ctx {
    const char *emu, *part;
    mem_t out;
    int errors;
} watch_ctx_t;

static int watch_open(void *ctx, romfs_board_t **b, char *msg, size_t size)
{
    watch_ctx_t *c = ctx;
    romfs_board_opts_t o = {.timeout_ms = 20000, .emulator = c->emu, .emulator_partition = c->part};
    int r = romfs_board_open(b, "emulated", &o);
    if (r)
        snprintf(msg, size, "%s", romfs_board_errmsg(*b));
    return r;
}

static void watch_message(void *ctx, int level, const char *line)
{
    watch_ctx_t *c = ctx;
    c->errors += level == ROMFS_BOARD_MSG_ERROR;
    printf("  watch: %s\n", line);
}

/* One cycle of the watch core after an edit: deployed over its own
 * connection, the module run with the edit's output. */
static void step_watch(const char *emu, const char *part, const char *work)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/app2", work);
    snprintf(path, sizeof path, "%s/main.py", dir);
    write_text(path, "print('app2 v2')\n");
    romfs_dirbuild_opts_t bo = {.mpy = 0};
    watch_ctx_t c = {.emu = emu, .part = part};
    romfs_board_watch_opts_t o = {.src = dir, .build = &bo, .fallback_key = "api-test", .module = "main",
                                  .open = watch_open, .message = watch_message, .ctx = &c};
    romfs_board_watch_t *w = NULL;
    int r = romfs_board_watch_new(&w, &o);
    int cyc = r == 0 ? romfs_board_watch_cycle(w) : -1;
    const romfs_board_watch_stats_t *st = w ? romfs_board_watch_stats(w) : NULL;
    check(cyc == ROMFS_BOARD_WATCH_DEPLOYED && st->last.res.verified && st->last.res.blocks_written >= 1 &&
              st->last.res.blocks_written < st->last.res.blocks_total,
          "watch cycle after an edit: deployed, wrote %u of %u blocks", st ? st->last.res.blocks_written : 0,
          st ? st->last.res.blocks_total : 0);
    int ran = cyc == ROMFS_BOARD_WATCH_DEPLOYED ? romfs_board_watch_run(w, collect, collect, &c.out) : -1;
    check(ran == 0 && c.out.data && strstr((char *)c.out.data, "app2 v2") && c.errors == 0,
          "watch runs the module: %s", c.out.data ? (char *)c.out.data : "no output");
    check(cyc == ROMFS_BOARD_WATCH_DEPLOYED && romfs_board_watch_cycle(w) == ROMFS_BOARD_WATCH_IDLE,
          "watch cycle without a change: nothing deployed");
    romfs_board_watch_free(w);
    free(c.out.data);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 4) {
        fprintf(stderr, "usage: api EMULATOR_MJS PARTITION_FILE WORKDIR\n");
        return 2;
    }
    romfs_board_opts_t o = {.timeout_ms = 20000, .emulator = argv[1], .emulator_partition = argv[2]};
    romfs_board_t *b = NULL;
    int r = romfs_board_open(&b, "emulated", &o);
    check(r == 0, "open the emulated board: %s", r ? romfs_board_errmsg(b) : romfs_board_describe(b));
    if (r) {
        romfs_board_close(b);
        return 1;
    }
    step_query(b);
    step_deploys(b, argv[3]);
    step_image(b, argv[3]);
    step_run(b);
    step_deploy_dir(b, argv[3]);
    romfs_board_close(b);
    step_watch(argv[1], argv[2], argv[3]);
    printf("%s\n", fails ? "FAILED" : "all passed");
    return fails ? 1 : 0;
}
