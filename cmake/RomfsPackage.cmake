# SPDX-License-Identifier: MIT
# `cpack -G DEB` in a build tree configured with -DCMAKE_INSTALL_PREFIX=/usr
# (scripts/package.sh deb does both): one binary package, romfs, holding
# what `cmake --install` installs: the command, the libraries (static), the
# headers, the .pc files, the CMake package, man pages, bash/zsh completions
# and the complete emulated board (board/ and, bundled, the MIT-licensed
# npm build of MicroPython it runs). Node.js is a Recommends, not a
# Depends: only `-d emulated` needs it, and without it the command says so
# in one line. LICENSE becomes /usr/share/doc/romfs/copyright.
set(CPACK_PACKAGE_NAME romfs)
set(CPACK_PACKAGE_VENDOR "The romfs authors")
set(CPACK_PACKAGE_CONTACT "The romfs authors <romfs@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MicroPython ROMFS images: builder, reader library, power-safe deploys")
set(CPACK_PACKAGE_DESCRIPTION "romfs builds, inspects and checks MicroPython ROMFS images and deploys
them to boards over the raw REPL (incremental, power-safe, verified). It
includes the zero-copy reader and device libraries for firmware, the host
library, and an emulated board (real MicroPython in WebAssembly, run by
Node.js) for trying deploys without hardware.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/romfs/romfs")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # libc6, zlib1g, libserialport0, libfuse3-3
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nodejs (>= 18)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "zlib1g-dev, pkg-config, cmake")
set(CPACK_STRIP_FILES ON)

# Debian keeps the licence as /usr/share/doc/<package>/copyright (a
# machine-readable one: romfs, and the bundled MicroPython).
file(READ ${PROJECT_SOURCE_DIR}/LICENSE _romfs_license)
string(REGEX REPLACE "\n\n" "\n .\n" _romfs_license_dep5 "${_romfs_license}")
string(REGEX REPLACE "\n([^ ])" "\n \\1" _romfs_license_dep5 "${_romfs_license_dep5}")
file(WRITE ${PROJECT_BINARY_DIR}/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: romfs

Files: *
Copyright: 2026 The romfs authors
License: MIT

Files: usr/share/romfs/node_modules/@micropython/*
Copyright: 2013-2025 Damien P. George and the MicroPython contributors
Comment: npm package @micropython/micropython-webassembly-pyscript, bundled
 for the emulated board.
License: MIT

License: MIT
 ${_romfs_license_dep5}
")
install(FILES ${PROJECT_BINARY_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
include(CPack)
