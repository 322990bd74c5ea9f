# SPDX-License-Identifier: MIT
# Included from tests/cli/CMakeLists.txt: every fuzz target's entry point
# linked with a plain driver (replay.c) and run over its seed corpus (golden
# + hostile vectors + fuzz/corpus, and fuzz/corpus/<name>/ where a target
# has seeds of its own) in the normal build, under its sanitizers.
include(${PROJECT_SOURCE_DIR}/fuzz/targets.cmake)
set(ROMFS_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)
foreach(name ${ROMFS_FUZZ_TARGETS})
  romfs_fuzz_sources(${name} srcs)
  add_executable(fuzz_replay_${name} ${ROMFS_FUZZ_DIR}/replay.c ${srcs})
  romfs_fuzz_setup(fuzz_replay_${name} ${name})
  set(seeds ${ROMFS_VECTORS}/golden ${ROMFS_VECTORS}/hostile ${ROMFS_FUZZ_DIR}/corpus)
  if(IS_DIRECTORY ${ROMFS_FUZZ_DIR}/corpus/${name})
    set(seeds ${ROMFS_FUZZ_DIR}/corpus/${name})
  endif()
  add_test(NAME fuzz.replay_${name} COMMAND fuzz_replay_${name} ${seeds})
endforeach()
