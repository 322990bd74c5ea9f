# SPDX-License-Identifier: MIT
# Cross-compiling romfs for 64-bit Windows with Debian's mingw-w64
# (gcc-mingw-w64-x86-64, libz-mingw-w64-dev):
#   cmake -S . -B build/win -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
# The result (romfs.exe, static libraries) runs on Windows and under wine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(ROMFS_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${ROMFS_MINGW_TRIPLE}-gcc)
set(CMAKE_RC_COMPILER ${ROMFS_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${ROMFS_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must never hand the host's Linux libraries (libserialport.pc,
# fuse3.pc) to a Windows build: only the cross root's .pc files count.
set(ENV{PKG_CONFIG_LIBDIR} /usr/${ROMFS_MINGW_TRIPLE}/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
# One romfs.exe that needs no MinGW DLLs beside it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
