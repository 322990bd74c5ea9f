/* SPDX-License-Identifier: MIT */
/*
 * What `romfs watch` and `romfs diff` use from cli/deploy.c: building a
 * directory into memory exactly as `romfs deploy DIR` does (same scan,
 * order, mpy-cross step). Defined at the end of cli/deploy.c. The deploys
 * themselves go through the host session API (romfs/romfs_session.h).
 */
#ifndef ROMFS_CLI_DEPLOY_SEAM_H
#define ROMFS_CLI_DEPLOY_SEAM_H

#include <stddef.h>
#include <stdint.h>

struct cli_mpy_cfg;

/* Build directory src into memory as `romfs deploy DIR` does (cfg: the
 * compile options, cli/build_dir.h). 0, or -1 after one error line. *img is
 * malloc'd. mpy_ver and mpy_sub (may be NULL): the .mpy version compiled, 0
 * when nothing was. */
int cli_deploy_build(const char *src, const struct cli_mpy_cfg *cfg, uint8_t **img, size_t *len,
                     unsigned *mpy_ver, unsigned *mpy_sub);

/* What board b loads (sys.implementation._mpy), for a build that compiles:
 * 1 with *bm filled; 0 when the board does not say or says what this build
 * cannot decode, after one warning (compile without -march). */
struct romfs_board;
struct romfs_mpy_board;
int cli_board_mpy(struct romfs_board *b, struct romfs_mpy_board *bm);

/* The one build for a board, used by `deploy DIR` and `watch`: directory
 * src compiled with the -march of bm (NULL: unknown) unless the user gave
 * one, and refused (one error line, -1) when the board could not load its
 * .mpy files, before anything is written to the board. */
int cli_build_for_board(const char *src, const struct cli_mpy_cfg *cfg, const struct romfs_mpy_board *bm,
                        uint8_t **img, size_t *len);

#endif
