/* SPDX-License-Identifier: MIT */
/* gitignore-style patterns for the files a build leaves out; see
 * romfs_ignore.h. Matching never backtracks more than one star at a time
 * (the classic wildcard algorithm, once over characters within a name and
 * once over names for "**"), so its cost is bounded by the product of the
 * lengths whatever the pattern. */
#include "romfs/romfs_ignore.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "platform.h"
#include "romfs/romfs.h"

const char *const romfs_ignore_defaults[] = {
    ".git/", ".hg/", ".svn/", "__pycache__/", ".DS_Store", "Thumbs.db", ".*.swp", ".*.swo", ".*.swx",
    "?*~", "\\#*#", ".#*", ".romfsignore", NULL,
};

typedef struct rule {
    char *text;      /* the pattern as written (trimmed) */
    char *origin;
    char *pat;       /* the components, '/'-separated, no leading or trailing '/' */
    size_t len;
    int negate, dir_only;
} rule_t;

struct romfs_ignore {
    rule_t *rules;
    size_t n, cap;
};

romfs_ignore_t *romfs_ignore_new(void)
{
    return calloc(1, sizeof(romfs_ignore_t));
}

static void rule_free(rule_t *r)
{
    free(r->pat);
    free(r->text);
    free(r->origin);
}

void romfs_ignore_free(romfs_ignore_t *ig)
{
    if (!ig)
        return;
    for (size_t i = 0; i < ig->n; i++)
        rule_free(&ig->rules[i]);
    free(ig->rules);
    free(ig);
}

size_t romfs_ignore_count(const romfs_ignore_t *ig)
{
    return ig ? ig->n : 0;
}

/// Parsing a line ///

/* The line without its end of line and its unescaped trailing spaces. */
static size_t trim_line(const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    /* Trailing spaces go unless the last one is escaped. */
    while (len && line[len - 1] == ' ') {
        size_t bs = 0;
        while (bs + 1 < len && line[len - 2 - bs] == '\\')
            bs++;
        if (bs % 2)
            break;
        len--;
    }
    return len;
}

/* Write the pattern p..end into r->pat (room for its length + 8):
 * unanchored ones get a leading "**" component, empty components go
 * ("a//b" is "a/b") and a final "**" becomes "*" then "**" (at least
 * one name below). */
static void rule_compile(rule_t *r, const char *p, const char *end, int anchored)
{
    size_t body = (size_t)(end - p);
    int trailing = body >= 3 && memcmp(end - 3, "/**", 3) == 0;
    if (body == 2 && memcmp(p, "**", 2) == 0)
        trailing = 0;
    size_t w = 0;
    if (!anchored) {
        memcpy(r->pat, "**/", 3);
        w = 3;
    }
    for (const char *q = p; q < end;) {
        const char *s = memchr(q, '/', (size_t)(end - q));
        size_t n = s ? (size_t)(s - q) : (size_t)(end - q);
        if (n) {
            if (w && r->pat[w - 1] != '/')
                r->pat[w++] = '/';
            memcpy(r->pat + w, q, n);
            w += n;
        }
        q += n + (s != NULL);
    }
    if (trailing) {
        w -= 2;
        memcpy(r->pat + w, "*/**", 4);
        w += 4;
    }
    r->pat[w] = '\0';
    r->len = w;
}

int romfs_ignore_add(romfs_ignore_t *ig, const char *line, size_t len, const char *origin)
{
    len = trim_line(line, len);
    if (len == 0 || line[0] == '#')
        return 0;
    rule_t r = {0};
    const char *p = line, *end = line + len;
    if (*p == '!') {
        r.negate = 1;
        p++;
    }
    if (p < end && end[-1] == '/' && (end - p < 2 || end[-2] != '\\')) {
        r.dir_only = 1;
        while (end > p && end[-1] == '/')
            end--;
    }
    /* Anchored: a '/' anywhere but at the end (already cut). */
    int anchored = memchr(p, '/', (size_t)(end - p)) != NULL;
    while (p < end && *p == '/')
        p++;
    if (p == end)
        return 0;
    r.pat = malloc((size_t)(end - p) + 8);
    r.text = rp_strndup(line, len);
    r.origin = strdup(origin ? origin : "");
    rule_t *nr = r.pat && r.text && r.origin ? romfs_grow(ig->rules, &ig->cap, ig->n + 1, sizeof *nr, 16) : NULL;
    if (!nr) {
        rule_free(&r);
        return ROMFS_ERR_NOMEM;
    }
    ig->rules = nr;
    rule_compile(&r, p, end, anchored);
    ig->rules[ig->n++] = r;
    return 0;
}

int romfs_ignore_add_text(romfs_ignore_t *ig, const char *text, size_t len, const char *origin)
{
    size_t ol = strlen(origin ? origin : "");
    char *o = malloc(ol + 24);
    if (!o)
        return ROMFS_ERR_NOMEM;
    unsigned line = 0;
    int r = 0;
    for (size_t i = 0; i < len && r == 0;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        snprintf(o, ol + 24, "%s:%u", origin ? origin : "", ++line);
        r = romfs_ignore_add(ig, text + i, n, o);
        i += n + 1;
    }
    free(o);
    return r;
}

/// Matching ///

/* One character class at p ('[' first): *adv gets its length, the result
 * whether c is in it; -1 when it does not close (the '[' is literal). */
static int class_match(const char *p, size_t pn, unsigned char c, size_t *adv)
{
    size_t i = 1;
    int neg = 0, hit = 0;
    if (i < pn && (p[i] == '!' || p[i] == '^')) {
        neg = 1;
        i++;
    }
    size_t first = i;
    while (i < pn && (p[i] != ']' || i == first)) {
        unsigned char lo = (unsigned char)p[i];
        if (lo == '\\' && i + 1 < pn)
            lo = (unsigned char)p[++i];
        i++;
        unsigned char hi = lo;
        if (i + 1 < pn && p[i] == '-' && p[i + 1] != ']') {
            hi = (unsigned char)p[i + 1];
            i += 2;
            if (hi == '\\' && i < pn)
                hi = (unsigned char)p[i++];
        }
        if (lo <= c && c <= hi)
            hit = 1;
    }
    if (i >= pn)
        return -1;
    *adv = i + 1;
    return hit != neg;
}

/* Does the pattern atom at p match c? *adv: the atom's length. */
static int atom_match(const char *p, size_t pn, unsigned char c, size_t *adv)
{
    if (*p == '?') {
        *adv = 1;
        return 1;
    }
    if (*p == '[') {
        int m = class_match(p, pn, c, adv);
        if (m >= 0)
            return m;
    }
    if (*p == '\\' && pn > 1) {
        *adv = 2;
        return (unsigned char)p[1] == c;
    }
    *adv = 1;
    return (unsigned char)*p == c;
}

/* One name against one pattern component (neither holds a '/'). */
static int name_match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0, adv;
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            while (pi < pn && p[pi] == '*')
                pi++;
            star_p = pi;
            star_s = si;
            continue;
        }
        if (pi < pn && atom_match(p + pi, pn - pi, (unsigned char)s[si], &adv)) {
            pi += adv;
            si++;
            continue;
        }
        if (star_p == SIZE_MAX)
            return 0;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

/* The component starting at *at in a '/'-separated string of n bytes: its
 * length; *next: where the following one starts (n at the end). */
static size_t comp(const char *s, size_t n, size_t at, size_t *next)
{
    const char *e = memchr(s + at, '/', n - at);
    size_t len = e ? (size_t)(e - (s + at)) : n - at;
    *next = e ? at + len + 1 : n;
    return len;
}

static int is_starstar(const char *p, size_t pn, size_t at)
{
    size_t nx;
    return comp(p, pn, at, &nx) == 2 && p[at] == '*' && p[at + 1] == '*';
}

/* Pattern components against path components, "**" matching any number. */
static int path_match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0, pnx, snx;
    while (si < sn) {
        if (pi < pn && is_starstar(p, pn, pi)) {
            while (pi < pn && is_starstar(p, pn, pi))
                comp(p, pn, pi, &pi);
            star_p = pi;
            star_s = si;
            continue;
        }
        size_t sl = comp(s, sn, si, &snx);
        if (pi < pn) {
            size_t pl = comp(p, pn, pi, &pnx);
            if (name_match(p + pi, pl, s + si, sl)) {
                pi = pnx;
                si = snx;
                continue;
            }
        }
        if (star_p == SIZE_MAX)
            return 0;
        pi = star_p;
        comp(s, sn, star_s, &star_s);
        si = star_s;
    }
    while (pi < pn && is_starstar(p, pn, pi))
        comp(p, pn, pi, &pi);
    return pi >= pn;
}

/* The deciding rule for path, or NULL. */
static const rule_t *decide(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir)
{
    while (len && path[len - 1] == '/')
        len--;
    while (len && path[0] == '/') {
        path++;
        len--;
    }
    if (!ig || len == 0)
        return NULL;
    for (size_t i = ig->n; i-- > 0;) {
        const rule_t *r = &ig->rules[i];
        if (r->dir_only && !is_dir)
            continue;
        if (path_match(r->pat, r->len, path, len))
            return r;
    }
    return NULL;
}

int romfs_ignore_match(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir)
{
    const rule_t *r = decide(ig, path, len, is_dir);
    return r && !r->negate;
}

int romfs_ignore_path(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir)
{
    for (size_t i = 1; i < len; i++)
        if (path[i] == '/' && path[i - 1] != '/' && romfs_ignore_match(ig, path, i, 1))
            return 1;
    return romfs_ignore_match(ig, path, len, is_dir);
}

const char *romfs_ignore_rule(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir,
                              const char **origin)
{
    const rule_t *r = decide(ig, path, len, is_dir);
    if (origin)
        *origin = r ? r->origin : NULL;
    return r ? r->text : NULL;
}
