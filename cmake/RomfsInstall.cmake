# SPDX-License-Identifier: MIT
# `cmake --install`: headers, the libraries (static, or shared with a
# SONAME under BUILD_SHARED_LIBS), the CMake package (romfsConfig.cmake:
# romfs::reader, romfs::device, romfs::host, romfs::board when built),
# pkg-config files, and with the
# command its man pages, shell completions and the emulated board.
include(CMakePackageConfigHelpers)

set(ROMFS_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/romfs)
set(ROMFS_INSTALL_TARGETS romfs_reader romfs_device romfs_host)
if(ROMFS_HAVE_BOARD)
  list(APPEND ROMFS_INSTALL_TARGETS romfs_board)
endif()
install(TARGETS ${ROMFS_INSTALL_TARGETS} EXPORT romfsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The headers, with the generated romfs_config.h (the sizes this library was
# built with) in place of the source tree's overridable one.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/romfs DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  PATTERN romfs_config.h EXCLUDE)
install(FILES ${ROMFS_CONFIG_INCLUDE_DIR}/romfs/romfs_config.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/romfs)
# The licence, and the documents the headers refer to.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/docs/FORMAT.md
  ${PROJECT_SOURCE_DIR}/docs/DEPLOY.md ${PROJECT_SOURCE_DIR}/docs/EMBEDDED.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(EXPORT romfsTargets NAMESPACE romfs:: DESTINATION ${ROMFS_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/romfsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/romfsConfig.cmake INSTALL_DESTINATION ${ROMFS_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/romfsConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/romfsConfig.cmake ${PROJECT_BINARY_DIR}/romfsConfigVersion.cmake
  DESTINATION ${ROMFS_CMAKEDIR})

# pkg-config: romfs-reader, romfs-device, romfs-host, romfs-board (when
# built), and romfs (= host, everything but the boards). Static libraries need zlib on the link line, shared ones not.
if(BUILD_SHARED_LIBS)
  set(ROMFS_PC_ZLIB_PUBLIC "")
  set(ROMFS_PC_ZLIB_PRIVATE "zlib")
else()
  set(ROMFS_PC_ZLIB_PUBLIC ", zlib")
  set(ROMFS_PC_ZLIB_PRIVATE "")
endif()
if(WIN32) # the platform layer's threads: pthreads, except on Windows
  set(ROMFS_PC_THREADS "")
else()
  set(ROMFS_PC_THREADS "-pthread")
endif()
foreach(d LIBDIR INCLUDEDIR) # relative to ${prefix}, so the files relocate
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${d}}")
    set(ROMFS_PC_${d} "${CMAKE_INSTALL_${d}}")
  else()
    set(ROMFS_PC_${d} "\${prefix}/${CMAKE_INSTALL_${d}}")
  endif()
endforeach()
if(BUILD_SHARED_LIBS)
  set(ROMFS_PC_SERIALPORT_PUBLIC "")
  set(ROMFS_PC_SERIALPORT_PRIVATE "libserialport")
else()
  set(ROMFS_PC_SERIALPORT_PUBLIC ", libserialport")
  set(ROMFS_PC_SERIALPORT_PRIVATE "")
endif()
set(ROMFS_PCS romfs-reader romfs-device romfs-host romfs)
if(ROMFS_HAVE_BOARD)
  list(APPEND ROMFS_PCS romfs-board)
endif()
foreach(pc ${ROMFS_PCS})
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

if(ROMFS_BUILD_CLI)
  install(TARGETS romfs_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # The emulated board and the MicroPython it runs (npm, MIT, bundled with
  # its licence): the installed command finds them at ../share/romfs/
  # relative to itself; Node.js resolves the package from
  # share/romfs/node_modules. Every file emulator.mjs loads is listed here
  # (tests/consumer: consumer.install_cli runs the installed board).
  install(FILES ${PROJECT_SOURCE_DIR}/board/emulator.mjs ${PROJECT_SOURCE_DIR}/board/flash.mjs
    ${PROJECT_SOURCE_DIR}/board/standin.py ${PROJECT_SOURCE_DIR}/board/README.md
    DESTINATION ${CMAKE_INSTALL_DATADIR}/romfs/board)
  set(_mp ${PROJECT_SOURCE_DIR}/node_modules/@micropython/micropython-webassembly-pyscript)
  if(EXISTS ${_mp})
    install(DIRECTORY ${_mp} DESTINATION ${CMAKE_INSTALL_DATADIR}/romfs/node_modules/@micropython)
  elseif(ROMFS_PACKAGE)
    message(FATAL_ERROR "packaging: node_modules/@micropython not found; run `npm ci` (scripts/setup.sh package) first")
  else()
    message(STATUS "install: node_modules/@micropython not found (npm ci); the installed emulated board will need it")
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/completions/romfs.bash
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME romfs)
  install(FILES ${PROJECT_SOURCE_DIR}/completions/_romfs
    DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
  if(ROMFS_MAN_PAGES)
    install(FILES ${ROMFS_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endif()
endif()
