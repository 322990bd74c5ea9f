# Included from tests/cli/CMakeLists.txt: the fuzz targets' entry points
# linked with a plain driver (replay.c), run over the seed corpus (golden +
# hostile vectors + fuzz/corpus) in the normal build, under its sanitizers.
set(ROMFS_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)
add_executable(fuzz_replay_reader ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_reader.c)
add_executable(fuzz_replay_check ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_check.c
  ${PROJECT_SOURCE_DIR}/cli/imgwalk.c ${PROJECT_SOURCE_DIR}/cli/util.c)
foreach(t reader check)
  target_include_directories(fuzz_replay_${t} PRIVATE ${PROJECT_SOURCE_DIR}/cli ${ROMFS_FUZZ_DIR})
  target_compile_definitions(fuzz_replay_${t} PRIVATE _GNU_SOURCE)
  target_link_libraries(fuzz_replay_${t} PRIVATE romfs_reader)
  add_test(NAME fuzz.replay_${t}
    COMMAND fuzz_replay_${t} ${ROMFS_VECTORS}/golden ${ROMFS_VECTORS}/hostile ${ROMFS_FUZZ_DIR}/corpus)
endforeach()

# fuzz.replay_board: the board-answer parsers over fuzz/corpus/board (one
# seed per parser: the first byte picks it, see fuzz_board.c).
add_executable(fuzz_replay_board ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_board.c
  ${PROJECT_SOURCE_DIR}/cli/transport/answer.c ${PROJECT_SOURCE_DIR}/cli/transport/rawrepl.c
  ${PROJECT_SOURCE_DIR}/cli/transport/chan.c ${PROJECT_SOURCE_DIR}/cli/transport/exec.c)
target_include_directories(fuzz_replay_board PRIVATE ${PROJECT_SOURCE_DIR}/cli/transport ${ROMFS_FUZZ_DIR})
target_compile_definitions(fuzz_replay_board PRIVATE _GNU_SOURCE)
target_link_libraries(fuzz_replay_board PRIVATE romfs_host PkgConfig::SERIALPORT)
add_test(NAME fuzz.replay_board COMMAND fuzz_replay_board ${ROMFS_FUZZ_DIR}/corpus/board)

# The deploy session over an arbitrary partition (fuzz_session.c).
add_executable(fuzz_replay_session ${ROMFS_FUZZ_DIR}/replay.c ${ROMFS_FUZZ_DIR}/fuzz_session.c)
target_include_directories(fuzz_replay_session PRIVATE ${ROMFS_FUZZ_DIR})
target_link_libraries(fuzz_replay_session PRIVATE romfs_host)
add_test(NAME fuzz.replay_session
  COMMAND fuzz_replay_session ${ROMFS_VECTORS}/golden ${ROMFS_VECTORS}/hostile ${ROMFS_FUZZ_DIR}/corpus)
