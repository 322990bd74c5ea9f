/*
 * The narrow interface `romfs watch` (cli/watch_deploy.c) uses from
 * cli/deploy.c, so that its deploys build and use the host cache exactly as
 * `romfs deploy` does while the board stays open. Defined at the end of
 * cli/deploy.c; meant to be re-pointed at the host session API.
 */
#ifndef ROMFS_CLI_DEPLOY_SEAM_H
#define ROMFS_CLI_DEPLOY_SEAM_H

#include <stddef.h>
#include <stdint.h>

#include "deploy_board.h"

/* Build directory src into memory as `romfs deploy DIR` does (mpy: compile
 * .py with mpy-cross). 0, or -1 after one error line. *img is malloc'd. */
int cli_deploy_build(const char *src, int mpy, uint8_t **img, size_t *len);

/* The image the host cache says this board holds, when the board's block
 * CRCs (nboard entries of bs bytes) confirm it; malloc'd, or NULL. */
uint8_t *cli_deploy_cached_base(const dboard_info_t *info, const char *dev, const uint32_t *board_crcs,
                                uint32_t nboard, uint32_t bs, size_t *len);

/* Record img in the host cache: done 0 before writing (the pending image
 * an interrupted deploy leaves), 1 after a verified deploy. */
void cli_deploy_remember(const dboard_info_t *info, const char *dev, const uint8_t *img, size_t len, int done);

#endif
