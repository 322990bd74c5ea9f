/* Utilities shared by the subcommands: errors, file loading, atomic output. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    fputs("romfs: ", stderr);
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

static int load_stream(FILE *fp, const char *path, cli_file_t *f)
{
    size_t cap = 65536, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        cli_error("%s: out of memory", path);
        return -1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                cli_error("%s: out of memory", path);
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0) {
            if (ferror(fp)) {
                cli_error("%s: read error: %s", path, strerror(errno));
                free(buf);
                return -1;
            }
            break;
        }
    }
    f->data = buf;
    f->len = len;
    f->mapped = 0;
    return 0;
}

int cli_file_load(const char *path, cli_file_t *f)
{
    memset(f, 0, sizeof *f);
    if (strcmp(path, "-") == 0)
        return load_stream(stdin, "<stdin>", f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        cli_error("%s: is a directory, not an image file", path);
        close(fd);
        return -1;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            f->data = p;
            f->len = (size_t)st.st_size;
            f->mapped = 1;
            return 0;
        }
    }
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        cli_error("%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    int r = load_stream(fp, path, f);
    fclose(fp);
    return r;
}

void cli_file_free(cli_file_t *f)
{
    if (f->mapped)
        munmap(f->data, f->len);
    else
        free(f->data);
    memset(f, 0, sizeof *f);
}

int cli_out_open(cli_out_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    o->path = strdup(path);
    size_t n = strlen(path) + 32;
    o->tmp = malloc(n);
    if (!o->path || !o->tmp) {
        cli_error("%s: out of memory", path);
        cli_out_abort(o);
        return -1;
    }
    snprintf(o->tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot create temporary file: %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        cli_out_abort(o);
        return -1;
    }
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        cli_error("%s: %s", path, strerror(errno));
        close(fd);
        cli_out_abort(o);
        return -1;
    }
    return 0;
}

int cli_out_commit(cli_out_t *o)
{
    if (!o->tmp) {
        int r = fflush(o->fp);
        o->fp = NULL;
        if (r != 0) {
            cli_error("<stdout>: write error: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    int err = 0;
    if (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0)
        err = errno;
    if (fclose(o->fp) != 0 && !err)
        err = errno;
    o->fp = NULL;
    if (!err) {
        /* Give the result the permissions an ordinary create would. */
        mode_t um = umask(0);
        umask(um);
        chmod(o->tmp, 0666 & ~um);
        if (rename(o->tmp, o->path) != 0)
            err = errno;
    }
    if (err) {
        cli_error("%s: write failed: %s", o->path, strerror(err));
        cli_out_abort(o);
        return -1;
    }
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    return 0;
}

void cli_out_abort(cli_out_t *o)
{
    if (o->fp && o->fp != stdout)
        fclose(o->fp);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}

static size_t utf8_len(const uint8_t *s, size_t n)
{
    /* Length of a valid UTF-8 sequence at s, 0 if invalid. */
    uint8_t c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    else if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void cli_json_string(FILE *fp, const uint8_t *s, size_t len)
{
    fputc('"', fp);
    for (size_t i = 0; i < len;) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            fputc('\\', fp);
            fputc(c, fp);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(fp, "\\u%04x", c);
            i++;
        } else {
            size_t n = utf8_len(s + i, len - i);
            if (n == 0) {
                fprintf(fp, "\\u%04x", c);
                i++;
            } else {
                fwrite(s + i, 1, n, fp);
                i += n;
            }
        }
    }
    fputc('"', fp);
}

long long cli_parse_size(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || s[0] == '-' || v > (unsigned long long)INT64_MAX)
        return -1;
    return (long long)v;
}
