/* SPDX-License-Identifier: MIT */
/*
 * Symbol visibility of libromfs. The libraries are compiled with
 * -fvisibility=hidden; every public header wraps its declarations in
 * ROMFS_API_BEGIN / ROMFS_API_END, so a shared library exports exactly the
 * calls the headers declare and nothing else. ROMFS_API marks a single
 * declaration the same way. For consumers the macros change nothing.
 */
#ifndef ROMFS_ROMFS_EXPORT_H
#define ROMFS_ROMFS_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define ROMFS_API __attribute__((visibility("default")))
#define ROMFS_API_BEGIN _Pragma("GCC visibility push(default)")
#define ROMFS_API_END _Pragma("GCC visibility pop")
#else
#define ROMFS_API
#define ROMFS_API_BEGIN
#define ROMFS_API_END
#endif

#endif /* ROMFS_ROMFS_EXPORT_H */
