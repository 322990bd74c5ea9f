# Included from tests/cli/CMakeLists.txt: the fuzz targets' entry points
# linked with a plain driver (replay.c), run over the seed corpus (golden +
# hostile vectors + fuzz/corpus) in the normal build, under its sanitizers.
set(ROMFS_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)
add_executable(fuzz_replay_reader ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_reader.c)
add_executable(fuzz_replay_check ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_check.c
  ${PROJECT_SOURCE_DIR}/cli/imgwalk.c ${PROJECT_SOURCE_DIR}/cli/util.c
  ${PROJECT_SOURCE_DIR}/cli/flash_in.c ${PROJECT_SOURCE_DIR}/src/host/flashfmt.c)
add_executable(fuzz_replay_flashfmt ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_flashfmt.c
  ${PROJECT_SOURCE_DIR}/src/host/flashfmt.c)
foreach(t reader check flashfmt)
  target_include_directories(fuzz_replay_${t} PRIVATE ${PROJECT_SOURCE_DIR}/cli ${ROMFS_FUZZ_DIR})
  target_compile_definitions(fuzz_replay_${t} PRIVATE _GNU_SOURCE)
  target_link_libraries(fuzz_replay_${t} PRIVATE romfs_reader)
  add_test(NAME fuzz.replay_${t}
    COMMAND fuzz_replay_${t} ${ROMFS_VECTORS}/golden ${ROMFS_VECTORS}/hostile ${ROMFS_FUZZ_DIR}/corpus)
endforeach()
# The deploy session over an arbitrary partition (fuzz_session.c).
add_executable(fuzz_replay_session ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_session.c)
target_include_directories(fuzz_replay_session PRIVATE ${ROMFS_FUZZ_DIR})
target_link_libraries(fuzz_replay_session PRIVATE romfs_host)
add_test(NAME fuzz.replay_session
  COMMAND fuzz_replay_session ${ROMFS_VECTORS}/golden ${ROMFS_VECTORS}/hostile ${ROMFS_FUZZ_DIR}/corpus)

# The parsers of a board's answers when its image is read (cli/boardimg_parse.c).
add_executable(fuzz_replay_boardimg ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_boardimg.c
  ${PROJECT_SOURCE_DIR}/cli/boardimg_parse.c)
target_include_directories(fuzz_replay_boardimg PRIVATE ${PROJECT_SOURCE_DIR}/cli ${ROMFS_FUZZ_DIR})
target_link_libraries(fuzz_replay_boardimg PRIVATE ZLIB::ZLIB)
add_test(NAME fuzz.replay_boardimg COMMAND fuzz_replay_boardimg ${ROMFS_FUZZ_DIR}/corpus/boardimg)
