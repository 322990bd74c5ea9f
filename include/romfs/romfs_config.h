/* SPDX-License-Identifier: MIT */
/*
 * Compile-time sizes of libromfs structures (romfs_vfs.h's mount table).
 *
 * This is the source tree's copy: firmware that compiles the sources itself
 * (ROMFS_READER_SOURCES, ROMFS_DEVICE_SOURCES) may override each value with
 * -D, as long as every file sees the same values. A library built by CMake
 * and its installed headers carry a generated copy instead (from
 * cmake/romfs_config.h.in) that fixes the values the library was compiled
 * with: a program compiled with different ones stops with an #error rather
 * than silently reading the table with the wrong layout. To change them
 * there, configure the library with -DROMFS_VFS_MAX_MOUNTS=n etc.
 */
#ifndef ROMFS_ROMFS_CONFIG_H
#define ROMFS_ROMFS_CONFIG_H

/* Mount slots in one table. */
#ifndef ROMFS_VFS_MAX_MOUNTS
#define ROMFS_VFS_MAX_MOUNTS 4
#endif

/* Longest mount path, in bytes including the NUL ("/rom/sub" is 9). */
#ifndef ROMFS_VFS_MOUNT_PATH_MAX
#define ROMFS_VFS_MOUNT_PATH_MAX 32
#endif

/* Longest resolved absolute path, in bytes including the NUL. */
#ifndef ROMFS_VFS_PATH_MAX
#define ROMFS_VFS_PATH_MAX 256
#endif

#endif /* ROMFS_ROMFS_CONFIG_H */
