/* SPDX-License-Identifier: MIT */
/* Inside the host library: where an output path really is. */
#ifndef ROMFS_HOST_IO_LINKS_H
#define ROMFS_HOST_IO_LINKS_H

/* Follow symbolic links from path to the file they end at (which may be
 * missing), as the atomic output does before writing. Returns a malloc'd
 * path or NULL with errno set. */
char *romfs_io_resolve_links(const char *path);

#endif
