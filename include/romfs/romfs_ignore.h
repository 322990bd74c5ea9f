/* SPDX-License-Identifier: MIT */
/*
 * Which source files a build leaves out (host library): gitignore's pattern
 * syntax, as `.romfsignore`, `--exclude PATTERN` and the default excludes
 * (.git/, __pycache__/, editor swap and backup files) use it.
 *
 * A pattern is one line: blank lines and lines starting with '#' are
 * ignored; trailing spaces are dropped unless escaped with '\'; a leading
 * '!' re-includes what an earlier pattern excluded; a trailing '/' matches
 * directories only. A pattern with a '/' at its start or middle is matched
 * against the whole path from the source root (a leading '/' is dropped),
 * otherwise against the last name at any depth. In a pattern '*' matches
 * any run of characters but '/', '?' one character but '/', "[a-z]" and
 * "[!a-z]" (or "[^a-z]") a character class, '\' quotes the next character;
 * a whole "**" component matches any number of directories (a
 * final one at least one: "a" then "**" matches what is inside a). The last pattern that matches a path decides. As in git, a
 * file inside an excluded directory cannot be re-included: callers do not
 * descend into excluded directories (romfs_ignore_path checks each parent).
 *
 * Matching costs at most (pattern length x name length) steps per name:
 * no pattern makes it exponential. Patterns and paths are bytes; a path is
 * relative to the source root, '/'-separated, without a leading '/'.
 */
#ifndef ROMFS_IGNORE_H
#define ROMFS_IGNORE_H

#include <stddef.h>

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_ignore romfs_ignore_t;

/* The patterns romfs leaves out unless told otherwise (NULL-terminated):
 * .git/ .hg/ .svn/ __pycache__/ .DS_Store Thumbs.db .*.swp .*.swo .*.swx
 * ?*~ \#*# (emacs) .#* .romfsignore. "?*~" (not "*~") keeps a file named "~". */
extern const char *const romfs_ignore_defaults[];

/* An empty set (nothing excluded), or NULL out of memory. */
romfs_ignore_t *romfs_ignore_new(void);
void romfs_ignore_free(romfs_ignore_t *ig);

/* Add one pattern line (len bytes, no newline needed; a final "\r" is
 * dropped). origin names where it came from in romfs_ignore_rule's answer
 * ("--exclude", ".romfsignore:3"; copied). Returns 0 (blank and comment
 * lines add nothing), ROMFS_ERR_NOMEM. */
int romfs_ignore_add(romfs_ignore_t *ig, const char *line, size_t len, const char *origin);

/* Add every line of text (a .romfsignore file's contents); origin gets
 * ":LINE" appended. Returns 0 or ROMFS_ERR_NOMEM. */
int romfs_ignore_add_text(romfs_ignore_t *ig, const char *text, size_t len, const char *origin);

/* 1 when path (is_dir: a directory) itself is excluded by the last pattern
 * matching it, else 0. Parents are not examined. */
int romfs_ignore_match(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir);

/* 1 when path or any of its parent directories is excluded. */
int romfs_ignore_path(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir);

/* The pattern (as written) and origin of the rule that decided path's
 * fate in romfs_ignore_match, or NULL when none matched. */
const char *romfs_ignore_rule(const romfs_ignore_t *ig, const char *path, size_t len, int is_dir,
                              const char **origin);

/* Patterns held (blank and comment lines not counted). */
size_t romfs_ignore_count(const romfs_ignore_t *ig);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif /* ROMFS_IGNORE_H */
