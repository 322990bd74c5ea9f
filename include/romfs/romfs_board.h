/* SPDX-License-Identifier: MIT */
/*
 * libromfs boards: a MicroPython board reached over its raw REPL, as a
 * library (romfs::board, libromfs_board). Everything `romfs query`,
 * `deploy`, `run`, `watch` and the image commands with -d do to a board is
 * a call here; the command only parses its arguments and prints.
 *
 * A board is opened from a spec: a serial port path ("/dev/ttyACM0"),
 * "auto" (the first USB serial port that looks like a MicroPython board),
 * "exec:COMMAND" (a child process speaking the raw REPL on its stdin and
 * stdout, run with /bin/sh -c) or "emulated" (board/emulator.mjs under
 * node). Every wait has a deadline: a silent, chatty or vanished board
 * gives an error, never a hang. Every byte a board sends is untrusted and
 * parsed strictly.
 *
 * Configuration comes only from romfs_board_opts_t: no library function
 * reads the environment, keeps global state or prints. A handle is used by
 * one thread at a time; two handles are independent (two boards from two
 * threads). Each handle keeps a one-line message about its last failure
 * (romfs_board_errmsg). Errors are the ROMFS_ERR_* codes of romfs.h
 * (romfs_strerror names them): ROMFS_ERR_TIMEOUT, ROMFS_ERR_CLOSED,
 * ROMFS_ERR_PROTOCOL, ROMFS_ERR_RAISED, ROMFS_ERR_NOBOARD,
 * ROMFS_ERR_NOROMFS, ROMFS_ERR_NOPART, ROMFS_ERR_NOMEM, ROMFS_ERR_INVAL.
 *
 *     romfs_board_t *b;
 *     if (romfs_board_open(&b, "/dev/ttyACM0", NULL) < 0) {
 *         fprintf(stderr, "%s\n", romfs_board_errmsg(b));
 *         romfs_board_close(b);
 *         return 1;
 *     }
 *     romfs_board_info_t info;
 *     romfs_board_probe(b, 0, &info);              // partition 0
 *     romfs_deploy_ops_t ops = romfs_board_deploy_ops(b);
 *     ... romfs_session_open(&s, &ops, &sb, &so) (romfs_session.h) ...
 *     romfs_board_close(b);
 */
#ifndef ROMFS_BOARD_H
#define ROMFS_BOARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "romfs/romfs.h"
#include "romfs/romfs_check.h"
#include "romfs/romfs_json.h"
#include "romfs/romfs_deploy.h"
#include "romfs/romfs_dirbuild.h"
#include "romfs/romfs_export.h"
#include "romfs/romfs_session.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

/// Definitions ///

typedef struct romfs_board romfs_board_t;

/* Output of code running on the board, as it arrives. */
typedef void (*romfs_board_output_fn)(const char *data, size_t len, void *ctx);

typedef struct romfs_board_opts {
    int timeout_ms;               /* deadline of each step (0: 10000) */
    /* Cap on the deploy's chunk encoding: "deflate", "base64", "hex" or
     * "literal" (NULL or "": the best the board decodes; anything else
     * makes romfs_board_probe fail with ROMFS_ERR_INVAL). */
    const char *encoding;
    /* "emulated": the shell command running the board (NULL: node on
     * emulator, with --partition emulator_partition when given). */
    const char *emulator_cmd;
    const char *emulator;           /* board/emulator.mjs (NULL: the installed one) */
    const char *emulator_partition; /* its partition file (NULL: the emulator's default) */
    /* Deploy progress (bytes programmed of total); may be NULL. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} romfs_board_opts_t;

/* What the deploy probe learnt about the board and one partition. */
typedef struct romfs_board_info {
    int part;                     /* partition index */
    uint64_t part_size;           /* bytes */
    long long block_size;         /* vfs.rom_ioctl(6) as reported (<= 0: whole partition) */
    char uid[80];                 /* machine.unique_id() in lowercase hex, "" when absent */
    int has_crc;                  /* binascii.crc32 */
    int has_deflate;              /* deflate.DeflateIO with RAW */
    int has_b64;                  /* binascii.a2b_base64 */
    int has_view;                 /* the partition can be read back */
    int has_hex;                  /* bytes.fromhex */
    int block_device;             /* rom_ioctl(2) gave an ioctl/readblocks object */
    int read_only;                /* rom_ioctl cannot erase or write it (ops 6 and 5 fail) */
} romfs_board_info_t;

/* An image read from a board's partition. */
typedef struct romfs_board_image {
    uint8_t *data;                /* the image's bytes (as long as its header says) */
    size_t len;
    uint64_t part_size;
    uint64_t addr;                /* memory-mapped address of the partition, 0 unknown */
    char name[128];               /* "ROMFS0 on /dev/ttyACM0", for messages */
    char warning[200];            /* "" or a line: the board kept the reader's helpers */
} romfs_board_image_t;

#define ROMFS_BOARD_MAX_PARTS 64

/* One partition as `romfs query` reports it. */
typedef struct romfs_board_part {
    long long id;
    int missing;                  /* rom_ioctl(2, id) gave error code `size` */
    int block_device;             /* an object with readblocks (block_count, block_size) */
    long long size, block_count, block_size;
    long long erase;              /* vfs.rom_ioctl(6): erase block size, <= 0 none */
    uint8_t head[12];             /* the partition's first bytes */
    int head_len;
    long long isize;              /* the header's payload length, -1 no ROMFS header */
    long long image_len;          /* header bytes + isize, -1 unknown */
    int fits;                     /* the image fits its partition */
    int mountable;                /* the board's VfsRom: 0 refuses, 1 accepts, 2 not checked (memory) */
    char sha256[65];              /* computed on the board, "" when it has no hashlib */
    /* With verify: 1 read back and checked (stats), -1 could not be read, 0 not asked. */
    int verified;
    romfs_check_stats_t check;
    char first_problem[160];      /* "offset 0x..: why", "" none */
} romfs_board_part_t;

typedef struct romfs_board_query {
    int romfs;                    /* 0: the board has no vfs.rom_ioctl */
    int n;                        /* partitions */
    romfs_board_part_t parts[ROMFS_BOARD_MAX_PARTS];
} romfs_board_query_t;

/// Connections ///

/* Open the board named by spec (see above; NULL is "auto") with opts (NULL:
 * defaults; copied, its strings too). Returns 0, or a negative code; *out
 * is then still a handle whose romfs_board_errmsg says why in one line
 * ("no device found", "/dev/ttyX: no such serial port"), to be closed, or
 * NULL when memory ran out. */
int romfs_board_open(romfs_board_t **out, const char *spec, const romfs_board_opts_t *opts);

/* Leave the REPL as found and close. NULL is allowed. */
void romfs_board_close(romfs_board_t *b);

/* One line saying why the last call on b failed ("no error" before any;
 * "out of memory" for NULL). Valid until the next call on b. */
const char *romfs_board_errmsg(const romfs_board_t *b);

/* What was opened: "/dev/ttyACM0", "emulated board (partition: ...)". */
const char *romfs_board_describe(const romfs_board_t *b);

/* The process group of an exec: (or emulated) board's process, 0 for other
 * boards: what a command ended by a signal must end with it. */
int romfs_board_process_group(const romfs_board_t *b);

/* Bytes sent to the board so far. */
uint64_t romfs_board_bytes_sent(const romfs_board_t *b);

/* Serial ports that look like MicroPython boards (all: every serial port),
 * sorted by name: fn(port, description, ctx) for each; description is
 * "VVVV:PPPP text" for USB ports. Returns the count or a negative code. */
int romfs_board_list_ports(int all, void (*fn)(const char *port, const char *desc, void *ctx), void *ctx);

/* The same list as `romfs devs` writes it, through write (romfs_json.h's
 * sink): text, a line per port ("%-20s %s": port, description) or "no
 * boards found"; or JSON, an array of {"port", "description"} and a
 * newline ("[]" also when the ports cannot be listed). The count of
 * ports, or a negative code: the listing's error, else write's first
 * (nothing more is written after it). */
int romfs_board_ports_text(int all, romfs_json_write_fn write, void *ctx);
int romfs_board_ports_json(int all, romfs_json_write_fn write, void *ctx);

/* Free text a call handed out (*out of romfs_board_exec etc.). */
void romfs_board_free(void *p);

/// Raw REPL ///

/* Run code in the raw REPL. 0 with the printed output in *out (malloc'd,
 * NUL-terminated; out may be NULL). ROMFS_ERR_RAISED when the code raised:
 * *out holds the traceback and romfs_board_errmsg its last line.
 * timeout_ms bounds the whole call (0: the handle's step deadline). */
int romfs_board_exec(romfs_board_t *b, const char *code, size_t len, char **out, size_t *out_len, int timeout_ms);

/* Like romfs_board_exec, with the output passed to fn as it arrives; on
 * ROMFS_ERR_RAISED *err (may be NULL) holds the traceback. */
int romfs_board_exec_stream(romfs_board_t *b, const char *code, size_t len, romfs_board_output_fn fn, void *ctx,
                            char **err, size_t *err_len, int timeout_ms);

/* Soft reset, waiting for the board to come back to the raw REPL; boot
 * output in *out (may be NULL). ROMFS_ERR_CLOSED with the errmsg "soft
 * reset ended the session (...)" on boards whose reset ends the process
 * (the unix port, exec: boards like it): use romfs_board_run without a
 * reset there. */
int romfs_board_soft_reset(romfs_board_t *b, char **out, size_t *out_len);

/* 1 when the latest soft reset on b (romfs_board_soft_reset, or
 * romfs_board_run's) ended the session, as above: a front end can tell
 * its user to run without the reset; 0 otherwise (b NULL too). */
int romfs_board_reset_ended(const romfs_board_t *b);

/* Interrupt whatever runs (Ctrl-C) and wait for the raw REPL prompt, in
 * whatever state this host believed the board. */
int romfs_board_interrupt(romfs_board_t *b);

/* From another thread (the one call on a handle that may come from one):
 * on 1, the call running on b, and every later one until on 0, ends
 * within about 100 ms with ROMFS_ERR_CANCELED, leaving the board where it
 * was (a module still running: romfs_board_interrupt after on 0). For a
 * front end that runs a module on a thread and must stop waiting for it. */
void romfs_board_cancel(romfs_board_t *b, int on);

/// Deploys ///

/* Probe partition part and load the helpers the deploy
 * operations use. 0 with *info filled; ROMFS_ERR_NOROMFS, ROMFS_ERR_NOPART,
 * ROMFS_ERR_ROFS (the partition is read-only on this board, as on QEMU
 * firmware: *info filled with read_only 1, nothing loaded or changed, the
 * errmsg "partition N is read-only on this board ..."), a board error, or
 * ROMFS_ERR_INVAL for a bad opts.encoding. Probing again (after a soft
 * reset drops the helpers) replaces the previous probe. */
int romfs_board_probe(romfs_board_t *b, int part, romfs_board_info_t *info);

/* After a verified deploy, before romfs_board_restore: mount partition 0
 * at /rom again when the deploy unmounted it (its first erase does, as
 * mpremote's), so the new code imports without a soft reset (boards whose
 * reset ends the session). A board that cannot mount it is left as it is.
 * 0 (also when nothing was erased since the probe) or a board error. */
int romfs_board_remount(romfs_board_t *b);

/* After a deploy: the board's __main__ put back as the probe found it (the
 * deploy's helpers and imports gone, the user's names as they were). 0
 * when there was no probe. */
int romfs_board_restore(romfs_board_t *b);

/* The deploy engine's device operations (romfs_deploy.h) over the probed
 * partition: erase, write (deflated/base64/hex/literal, batched), block
 * CRCs, finalise, read, progress (opts.progress), errmsg. ctx is b. The
 * operations always use the latest probe, so a session may outlive a
 * re-probe. block_crcs and read are NULL when the board cannot read its
 * partition back. */
romfs_deploy_ops_t romfs_board_deploy_ops(romfs_board_t *b);

/* The session's view of a probed board (romfs_session.h): block size,
 * unique id (info->uid, so info must outlive the session's open),
 * fallback_key (the device spec) and slow_crcs. */
romfs_session_board_t romfs_board_session_board(const romfs_board_info_t *info, const char *fallback_key);

/* The board's sys.implementation._mpy (which .mpy files it loads), or -1
 * when it has none. Needs no probe. */
int romfs_board_mpy(romfs_board_t *b, long long *sys_mpy);

/* Whether the board's partition holds exactly img (every block's CRC, as a
 * deploy's own check): the re-check after a link failed past the commit.
 * Probes part itself. 1 yes, 0 no, negative: board error. */
int romfs_board_holds(romfs_board_t *b, int part, const char *fallback_key, const uint8_t *img, size_t len);

/* What a board loads, for compiling for it (the answer is kept per
 * connection by the caller). */
typedef struct romfs_board_target {
    int known;              /* 0: not asked; 1: mpy says; -1: the board does not say (why) */
    romfs_mpy_board_t mpy;
    char why[320];          /* known -1: the warning, ending "compiling without -march" */
} romfs_board_target_t;

/* Ask b (sys.implementation._mpy) into *t; returns t->known (1 or -1). */
int romfs_board_target(romfs_board_t *b, romfs_board_target_t *t);

/* The one build for a board (`deploy DIR`, `watch`): directory src built
 * into memory (*img malloc'd) with opts (romfs_dirbuild.h) for what b
 * loads: with opts->mpy and t->known 0, b is asked first (t keeps the
 * answer; t NULL: ask now; b NULL: build for no board) and t->why goes to
 * opts->on_warning when the board does not say. The output is compiled
 * with the board's -march unless opts give one, and refused (before
 * anything reaches the board) when the board could not load it. *d holds
 * the build (errmsg, result, compiler) for the caller to free, also after
 * a failure; NULL only when out of memory. */
int romfs_board_build(romfs_board_t *b, const char *src, const romfs_dirbuild_opts_t *opts, romfs_board_target_t *t,
                      romfs_dirbuild_t **d, uint8_t **img, size_t *len);

/// Images and queries ///

/* Read the image in partition part: its header first, then exactly the
 * image's bytes in CRC-checked chunks, board memory bounded. 0 with *im
 * filled (romfs_board_image_free), ROMFS_ERR_NOPART, ROMFS_ERR_NODEV (the
 * partition holds no ROMFS image that fits it), ROMFS_ERR_CORRUPT (the
 * bytes arrived damaged), or a board error. */
int romfs_board_read_image(romfs_board_t *b, int part, romfs_board_image_t *im);
void romfs_board_image_free(romfs_board_image_t *im);

/* The image in partition part, read on demand: romfs_board_image_open
 * reads its header, and im->data is then a buffer of im->len bytes, zero
 * but for the header and what romfs_board_image_need has fetched (pages of
 * 64 bytes, each fetched once, CRC-checked). The reader can mount it at
 * once; before each lookup, need what it reads: the records along path
 * (STAT), and the entries of the directory it names (LIST), or of its
 * whole subtree (TREE), or the file's bytes (DATA), or everything (ALL).
 * A missing path or a corrupt record is not an error here: the reader
 * finds it in what was fetched. The board must stay open until
 * romfs_board_image_close, which removes the reader's helpers from it (a
 * failure is left in im->warning) and frees im. Errors as
 * romfs_board_read_image's. */
typedef struct romfs_board_lazy romfs_board_lazy_t;
enum { ROMFS_NEED_STAT, ROMFS_NEED_LIST, ROMFS_NEED_TREE, ROMFS_NEED_DATA, ROMFS_NEED_ALL };
int romfs_board_image_open(romfs_board_t *b, int part, romfs_board_image_t *im, romfs_board_lazy_t **lazy);
int romfs_board_image_need(romfs_board_lazy_t *lz, const char *path, size_t path_len, int what);
/* What was read so far: image bytes, bytes of the board's replies (base64
 * and CRC lines, the probe's included) and statements run. */
void romfs_board_image_counts(const romfs_board_lazy_t *lz, uint64_t *image_bytes, uint64_t *reply_bytes,
                              unsigned *reads);
void romfs_board_image_close(romfs_board_lazy_t *lz, romfs_board_image_t *im);

/* Every ROM partition the board has (what mpremote's `romfs query` shows,
 * and more). verify: also read each image back and check it
 * (romfs_check); a partition that cannot be read gets verified -1. 0 with
 * *q filled (q->romfs 0 and n 0 when the board has no ROMFS), or a board
 * error. */
int romfs_board_query(romfs_board_t *b, int verify, romfs_board_query_t *q);

/* p's erase unit in the names of `romfs query --json`: a
 * block device's blocks (block_size, block_count), else vfs.rom_ioctl(6)'s
 * erase blocks (erase, size / erase). 1 when it has one, else 0 with *size
 * and *count 0 (a missing partition, or none reported). */
int romfs_board_part_unit(const romfs_board_part_t *p, long long *size, long long *count);

/* A query at a glance: the first partition present and the first image. */
typedef struct romfs_board_query_sum {
    long long part_size;          /* the first partition present: its size, -1 none */
    long long image_size;         /* the first image: bytes with its header, -1 none */
    int unverified;               /* images not read back and checked clean
                                   * (after a verify: those that failed it) */
} romfs_board_query_sum_t;
void romfs_board_query_sum(const romfs_board_query_t *q, romfs_board_query_sum_t *s);

/* q as `romfs query --json` writes it: one object,
 * {"device": device, "romfs": ..., "partitions": [...]}, and a newline,
 * through write (romfs_json.h's sink). 0, or write's first error (nothing
 * more is written after it). */
int romfs_board_query_json(const romfs_board_query_t *q, const char *device, romfs_json_write_fn write, void *ctx);

/* q as `romfs query` prints it, mpremote's lines first: per partition
 * "ROMFS0 partition has size ... bytes (N blocks of M bytes each)" (a
 * block device's blocks, else erase blocks, else the whole partition),
 * "  Raw contents: d2:cd:31:... ...", then "  Not a valid ROMFS" or the
 * image's sizes, fit, the board's VfsRom verdict, SHA-256 and the verify's
 * result, one indented line each; a missing partition gets one line. A
 * board without ROMFS or without partitions: one line saying so
 * ("ROMFS is not enabled on this device", "No ROMFS partitions
 * available"). Through write (romfs_json.h's sink); 0, or write's first
 * error (nothing more is written after it). */
int romfs_board_query_text(const romfs_board_query_t *q, romfs_json_write_fn write, void *ctx);

/// Running code ///

/* 1 when m is a dotted Python module name safe to put in board code. */
int romfs_board_module_name_ok(const char *m);

/* Import module (default "main" when NULL) from /rom with /rom and
 * /rom/lib first on sys.path, after a soft reset when reset (boot output
 * to fn too), the module imported afresh; output to fn as it arrives.
 * Without reset every module imported from /rom is dropped first (a new
 * image's code runs, helpers included) and /rom is mounted again when a
 * deploy left it unmounted.
 * 0 when it ran, ROMFS_ERR_RAISED with *err the traceback, ROMFS_ERR_INVAL
 * for a bad module name, or a board error. */
int romfs_board_run(romfs_board_t *b, const char *module, int reset, romfs_board_output_fn fn, void *ctx,
                    char **err, int timeout_ms);

/// The emulated board ///

/* Where "emulated" finds board/emulator.mjs for a program at exe (its
 * absolute path; NULL or without a separator: not known):
 * EXEDIR/../datadir_rel/board/emulator.mjs when readable (an installed
 * program); else, when build_dir is NULL or is EXEDIR (a program in its
 * build tree), source_dir/board/emulator.mjs; else the first path, naming
 * the missing file: an installed or moved program never reaches back into
 * a source tree. For romfs_board_opts_t.emulator. */
void romfs_board_emulator_find(const char *exe, const char *datadir_rel, const char *build_dir,
                               const char *source_dir, char *buf, size_t size);

/* The file the emulated board keeps its partition in, where emulator.mjs
 * looks: board_dir/partition.bin (its $ROMFS_BOARD_DIR), else
 * cache_home/romfs/board/partition.bin ($XDG_CACHE_HOME), else
 * home/.cache/romfs/board/partition.bin (home NULL or "": "."); NULL and
 * "" are unset. For romfs_board_opts_t.emulator_partition. */
void romfs_board_emulator_partition(const char *board_dir, const char *cache_home, const char *home, char *buf,
                                    size_t size);

/* Why "emulated" cannot start with o, as one line ("needs Node.js >= 18,
 * not found on PATH (...)", "not installed (...)"), or NULL when it can:
 * o->emulator_cmd is given, or node is an executable file in a directory
 * of search_path (a PATH: ':'-separated, "" the current directory; NULL:
 * none) and o->emulator (NULL: the installed one) is readable. */
const char *romfs_board_emulated_missing(const romfs_board_opts_t *o, const char *search_path);

/// Many boards at once ///

/* One board of a romfs_board_many run. */
typedef struct romfs_board_job {
    const char *dev;              /* its spec, as given (or as "all" listed it) */
    int index;                    /* its place in the list */
    FILE *out, *err;              /* while fn runs: its own output, captured */
    int status;                   /* fn's return; before it ran: ROMFS_ERR_CANCELED (not
                                   * started), or the error that kept it from starting */
    double seconds;               /* from its start to its end */
    char *output, *errors;        /* afterwards: what it wrote to out and err
                                   * (NUL-terminated, at most 4 MiB each; NULL: nothing) */
    size_t output_len, errors_len;
    char msg[160];                /* "" or why it did not run ("cannot start a thread: ...") */
    void *result;                 /* result_size zeroed bytes for fn's result struct */
} romfs_board_job_t;

enum { ROMFS_BOARD_STARTED, ROMFS_BOARD_FINISHED };

typedef struct romfs_board_many_opts {
    /* The work on one board, on a thread of its own (ctx is shared: fn
     * copies what it changes); its return value is the job's status (0:
     * success). Writes to job->out and job->err, never the process's own
     * streams, and its result into job->result. */
    int (*fn)(void *ctx, romfs_board_job_t *job);
    /* On the calling thread, as each board starts and finishes (done of
     * total finished, this one included); may be NULL. */
    void (*progress)(void *ctx, const romfs_board_job_t *job, int event, int done, int total);
    void *ctx;
    int max_running;              /* boards at once (0, or above 32: 32) */
    size_t result_size;           /* bytes of job->result (0: NULL) */
} romfs_board_many_opts_t;

typedef struct romfs_board_many romfs_board_many_t;

/* The boards of devs[0..n): "all" is every port romfs_board_list_ports(0)
 * lists, a spec given twice is one board (it would race with itself), at
 * most ROMFS_BOARD_MANY_MAX. opts is copied. 0 with *out set, or
 * ROMFS_ERR_INVAL ("at most 256 boards at once"), ROMFS_ERR_NOBOARD (none:
 * "no MicroPython board found on any serial port (see 'romfs devs')") or
 * ROMFS_ERR_NOMEM, *out NULL and msg the line. */
#define ROMFS_BOARD_MANY_MAX 256
int romfs_board_many_open(romfs_board_many_t **out, const char *const *devs, int n,
                          const romfs_board_many_opts_t *opts, char *msg, size_t size);
int romfs_board_many_count(const romfs_board_many_t *m);
romfs_board_job_t *romfs_board_many_job(romfs_board_many_t *m, int i);

/* Run opts.fn on every board, at most max_running at once (the platform's
 * threads), each with its own captured output; returns when all have
 * finished: how many failed (status non-zero). Once only. */
int romfs_board_many_run(romfs_board_many_t *m);

/* From any thread: start no more boards (the rest end with status
 * ROMFS_ERR_CANCELED and msg "canceled"); running ones finish as fn
 * decides (romfs_board_cancel on their handles stops them). */
void romfs_board_many_cancel(romfs_board_many_t *m);

/* Why job failed, as one printable line in buf (control characters as
 * '?'): its msg when it never ran, else the last line fn wrote to err
 * without prefix (NULL or "": none), else "failed with no message". */
void romfs_board_job_error(const romfs_board_job_t *j, const char *prefix, char *buf, size_t size);

/* job as one line of a many-boards run's JSON (`romfs query --json -d A -d B`):
 * {"device", "command": command, "ok", "exit" (its status; a negative
 * one, a board that never ran: 1), "seconds", "error" (null, or
 * romfs_board_job_error's line with prefix), "report" (what fn wrote to
 * out when that is one JSON object, put on one line; else null)}, and a
 * newline. Through write (romfs_json.h's sink): 0, or write's first error
 * (nothing more is written after it). */
int romfs_board_job_json(const romfs_board_job_t *job, const char *command, const char *prefix,
                         romfs_json_write_fn write, void *ctx);

/* What one board's deploy or query gives a run's human lines
 * (romfs_board_job_text, romfs_board_many_table): fn fills it as
 * job->result (opts.result_size at least its size; a job without a result
 * counts as all zero). */
typedef struct romfs_board_many_result {
    long long written, total, wire;            /* deploy: blocks written, of, bytes on the wire */
    long long part_size, image_size, parts;    /* query: partition 0's size, its image's, partitions */
    char uid[80];                              /* the board's unique id, "" unknown */
} romfs_board_many_result_t;

/* q's part of a run's lines: part_size and image_size of
 * romfs_board_query_sum (the whole image, as the JSON's image_size),
 * parts q->n; the rest of *r is left as it is. */
void romfs_board_query_result(const romfs_board_query_t *q, romfs_board_many_result_t *r);

/* job's line as it finishes, done of total boards, and a newline:
 * "[2/3] DEV: ok: wrote W of T blocks, B bytes on the wire, 1.23s" (command
 * "deploy"), "[2/3] DEV: ok: S bytes in partition 0, image I bytes, 1.23s"
 * (any other command), "[2/3] DEV: FAILED: why" (romfs_board_job_error's
 * line with prefix). Through write (romfs_json.h's sink): 0, or write's
 * first error (nothing more is written after it). */
int romfs_board_job_text(const romfs_board_job_t *job, const char *command, const char *prefix, int done,
                         int total, romfs_json_write_fn write, void *ctx);

/* The table after a run: a blank line, a header and one row per board
 * (board, its end when long; unique id; blocks written and bytes on the
 * wire for "deploy", else partitions and image bytes; seconds; ok or
 * FAILED), "-" for what a board did not report. Through write: 0, or
 * write's first error. */
int romfs_board_many_table(romfs_board_many_t *m, const char *command, romfs_json_write_fn write, void *ctx);

void romfs_board_many_free(romfs_board_many_t *m);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_BOARD_H */
