/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the .romfsignore / --exclude pattern matcher. Input:
 * pattern lines, a NUL, then paths one per line. Never reads outside its
 * buffers; invariants: a path excluded by itself is excluded with its
 * parents too, an excluded path names the rule that decided, and a pattern
 * that quotes a path character by character, anchored, matches exactly
 * that path (the literal oracle). Long inputs reach every length. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "romfs/romfs_ignore.h"

static void literal_oracle(const char *path, size_t len)
{
    /* Components without empty ones: the matcher's view of the path. */
    char *pat = malloc(2 * len + 3);
    FUZZ_ASSERT(pat);
    size_t w = 0;
    pat[w++] = '/';
    for (size_t i = 0; i < len; i++) {
        if (path[i] != '/')
            pat[w++] = '\\';
        pat[w++] = path[i];
    }
    romfs_ignore_t *ig = romfs_ignore_new();
    FUZZ_ASSERT(ig);
    FUZZ_ASSERT(romfs_ignore_add(ig, pat, w, "oracle") == 0);
    /* The matcher's view of a path: names between single slashes. */
    int has_name = len && path[0] != '/' && path[len - 1] != '/';
    for (size_t i = 1; i < len; i++)
        has_name &= !(path[i] == '/' && path[i - 1] == '/');
    /* '\r' and '\n' at the end are cut from a line, spaces escaped stay. */
    int tail_cut = len && (path[len - 1] == '\r' || path[len - 1] == '\n');
    if (has_name && !tail_cut && !memchr(path, '\0', len))
        FUZZ_ASSERT(romfs_ignore_match(ig, path, len, 0) == 1);
    romfs_ignore_free(ig);
    free(pat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t plen = nul ? (size_t)(nul - text) : size;
    romfs_ignore_t *ig = romfs_ignore_new();
    FUZZ_ASSERT(ig);
    FUZZ_ASSERT(romfs_ignore_add_text(ig, text, plen, "fuzz") == 0);
    if (nul) {
        const char *p = nul + 1, *end = text + size;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            for (int dir = 0; dir < 2; dir++) {
                int m = romfs_ignore_match(ig, p, n, dir);
                int whole = romfs_ignore_path(ig, p, n, dir);
                const char *origin = NULL;
                const char *rule = romfs_ignore_rule(ig, p, n, dir, &origin);
                if (m) {
                    FUZZ_ASSERT(whole);
                    FUZZ_ASSERT(rule && origin && strncmp(origin, "fuzz:", 5) == 0);
                }
                if (rule)
                    FUZZ_ASSERT(rule[0] != '\0');
            }
            if (n < 512)
                literal_oracle(p, n);
            p += n + 1;
        }
    }
    romfs_ignore_free(ig);
    return 0;
}
