# SPDX-License-Identifier: MIT
# The fuzz targets, one per parser: fuzz/fuzz_<name>.c, linked with the host
# library (which links the device layer and the reader), the board library
# for the board targets (their private headers in src/board/) and the
# sources named here; never a cli/ source (the command is only its front end). Included by
# fuzz/CMakeLists.txt (libFuzzer builds) and fuzz/replay.cmake (the corpus
# replayed in the normal test build), so both always build the same targets.
set(ROMFS_FUZZ_TARGETS reader check extract flashfmt session board vfs layout build boardimg mount ignore imgopen)
set(ROMFS_FUZZ_LIBS_board romfs_board)
set(ROMFS_FUZZ_LIBS_boardimg romfs_board)
# The FUSE daemon's operations, without a kernel (needs libfuse3, as the
# command's `mount` does: without it there is no daemon to fuzz).
set(ROMFS_FUZZ_SRCS_mount src/fuse/fuse_ops.c)
set(ROMFS_FUZZ_LIBS_mount PkgConfig::FUSE3)
set(ROMFS_FUZZ_DEFS_mount ROMFS_HAVE_FUSE=1)
if(NOT FUSE3_FOUND)
  list(REMOVE_ITEM ROMFS_FUZZ_TARGETS mount)
endif()

# romfs_fuzz_sources(name out_var): the sources of target `name`.
function(romfs_fuzz_sources name out)
  set(srcs ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${name}.c)
  foreach(f ${ROMFS_FUZZ_SRCS_${name}})
    list(APPEND srcs ${PROJECT_SOURCE_DIR}/${f})
  endforeach()
  set(${out} ${srcs} PARENT_SCOPE)
endfunction()

# romfs_fuzz_setup(target name): includes, definitions and libraries.
function(romfs_fuzz_setup target name)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_SOURCE_DIR}/src/fuse ${PROJECT_SOURCE_DIR}/src/board ${PROJECT_SOURCE_DIR}/src/host ${PROJECT_SOURCE_DIR}/fuzz)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE ${ROMFS_FUZZ_DEFS_${name}})
  target_link_libraries(${target} PRIVATE romfs_host ${ROMFS_FUZZ_LIBS_${name}})
endfunction()
