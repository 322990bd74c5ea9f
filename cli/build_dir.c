/* `romfs build`'s directory step, shared with `romfs deploy DIR`: scan,
 * tree lines, mpy-cross compilation into a private temporary directory. */
#include "build_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static void on_line(void *ctx, const char *line)
{
    cli_build_dir_t *c = ctx;
    if (c->info)
        fprintf(c->info, "%s\n", line);
}

static void on_error(void *ctx, const char *path, const char *msg)
{
    cli_build_dir_t *c = ctx;
    if (!c->reported)
        cli_error("%s: %s", path, msg);
    c->reported = 1;
}

/* The executable named by $MPY_CROSS, or mpy-cross found on PATH. */
static char *find_mpy_cross(void)
{
    const char *env = getenv("MPY_CROSS");
    if (env && *env)
        return strdup(env); /* posix_spawnp searches PATH for a bare name */
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    char *copy = strdup(path);
    char *found = NULL;
    for (char *save = NULL, *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        size_t n = strlen(dir) + sizeof "/mpy-cross";
        char *cand = malloc(n);
        if (!cand)
            break;
        snprintf(cand, n, "%s/mpy-cross", dir);
        if (access(cand, X_OK) == 0)
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

static char *join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* Print the compiler's captured stderr after our one-line error. */
static void show_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(fp);
}

/* Run mpy-cross -o out -s name src, its output captured in errpath. */
static int run_mpy_cross(cli_build_dir_t *c, const char *src, const char *name, const char *out)
{
    char *errpath = join(c->tmpdir, "/mpy-cross.stderr", "");
    if (!errpath)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)c->mpy_cross, "-o", (char *)out, "-s", (char *)name, (char *)src, NULL};
    pid_t pid;
    int r = posix_spawnp(&pid, c->mpy_cross, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (r != 0) {
        cli_error("%s: cannot run %s: %s", src, c->mpy_cross, strerror(r));
    } else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        struct stat st;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (WIFEXITED(status))
                cli_error("%s: mpy-cross failed with exit status %d:", src, WEXITSTATUS(status));
            else
                cli_error("%s: mpy-cross was killed by signal %d:", src, WTERMSIG(status));
            show_file(errpath);
            r = -1;
        } else if (stat(out, &st) != 0 || !S_ISREG(st.st_mode)) {
            cli_error("%s: mpy-cross succeeded but wrote no %s", src, out);
            r = -1;
        }
    }
    unlink(errpath);
    free(errpath);
    return r == 0 ? 0 : -1;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int on_file(void *ctx, romfs_dirscan_file_t *f)
{
    cli_build_dir_t *c = ctx;
    size_t n = f->name_len;
    int is_py = n >= 3 && memcmp(f->name + n - 3, ".py", 3) == 0;
    if (f->root && (strcmp(f->name, "boot.py") == 0 || strcmp(f->name, "main.py") == 0))
        cli_warn("%s: firmware does not run boot.py or main.py from /rom; import it from "
                 "the boot filesystem's own %s instead", f->host_path, f->name);
    if (!c->want_mpy || !is_py)
        return 0;
    char *stem = strndup(f->name, n - 3);
    char *sibling = stem ? join(f->dir_path, stem, ".mpy") : NULL;
    int have_mpy = sibling && is_file(sibling);
    free(sibling);
    if (!stem)
        return -ENOMEM;
    if (have_mpy) {
        free(stem);
        return 0;
    }
    if (!c->mpy_cross) {
        c->missed++;
        free(stem);
        return 0;
    }
    free(c->out_mpy);
    free(c->mpy_name);
    char num[32];
    snprintf(num, sizeof num, "/%u.mpy", c->ncompiled++);
    c->out_mpy = join(c->tmpdir, num, "");
    c->mpy_name = join(stem, ".mpy", "");
    free(stem);
    if (!c->out_mpy || !c->mpy_name) {
        c->reported = 1;
        cli_error("%s: out of memory", f->host_path);
        return -ENOMEM;
    }
    if (run_mpy_cross(c, f->host_path, f->name, c->out_mpy) != 0) {
        c->reported = 1;
        return -EIO;
    }
    f->host_path = c->out_mpy;
    f->name = c->mpy_name;
    f->name_len = strlen(c->mpy_name);
    f->note = " -> .mpy";
    return 0;
}

void cli_build_dir_done(cli_build_dir_t *c)
{
    free(c->mpy_cross);
    free(c->out_mpy);
    free(c->mpy_name);
    c->mpy_cross = c->out_mpy = c->mpy_name = NULL;
    if (!c->tmpdir)
        return;
    for (unsigned i = 0; i < c->ncompiled; i++) {
        char num[32];
        snprintf(num, sizeof num, "/%u.mpy", i);
        char *p = join(c->tmpdir, num, "");
        if (p)
            unlink(p);
        free(p);
    }
    rmdir(c->tmpdir);
    free(c->tmpdir);
    c->tmpdir = NULL;
}

int cli_build_dir(cli_build_dir_t *c, romfs_builder_t *b, const char *src, int want_mpy,
                  const char *output_path, FILE *info)
{
    memset(c, 0, sizeof *c);
    c->info = info;
    c->want_mpy = want_mpy;
    /* A missing or non-directory source is one error line, before any of
     * the tree output that would suggest a build had started. */
    struct stat st;
    if (stat(src, &st) != 0) {
        cli_error("%s: %s", src, strerror(errno));
        c->reported = 1;
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("%s: not a directory", src);
        c->reported = 1;
        return -1;
    }
    if (want_mpy && (c->mpy_cross = find_mpy_cross()) != NULL) {
        const char *t = getenv("TMPDIR");
        c->tmpdir = join(t && *t ? t : "/tmp", "/romfs-mpy-XXXXXX", "");
        if (!c->tmpdir || !mkdtemp(c->tmpdir)) {
            cli_error("cannot create a temporary directory: %s", strerror(errno));
            free(c->tmpdir);
            c->tmpdir = NULL;
            return -1;
        }
    }
    /* mpremote's header: the source with exactly one final '/'. */
    size_t sl = strlen(src);
    while (sl > 1 && src[sl - 1] == '/')
        sl--;
    if (info)
        fprintf(info, "Building romfs filesystem, source directory: %.*s%s\n", (int)sl, src,
                sl && src[sl - 1] == '/' ? "" : "/");
    romfs_dirscan_opts_t so = {on_line, on_file, on_error, output_path, c};
    if (romfs_build_from_dir(b, src, &so) < 0) {
        if (!c->reported)
            cli_error("%s: build failed", src);
        return -1;
    }
    if (c->missed) {
        if (info)
            fprintf(info, "Warning: `mpy_cross` module not found, .py files were not precompiled\n");
        cli_warn("mpy-cross not found ($MPY_CROSS or PATH): %d .py file%s stored as source, which "
                 "costs RAM to compile at import; install mpy-cross or use --no-mpy",
                 c->missed, c->missed == 1 ? " was" : "s were");
    }
    return 0;
}
