# SPDX-License-Identifier: MIT
# Man pages: docs/man/*.scd (scdoc, Debian package scdoc) become romfs.1,
# romfs-build.1, ... in the build tree when scdoc is found; ROMFS_MAN_PAGES
# lists them for install. Without scdoc the pages are skipped, with a note.
find_program(ROMFS_SCDOC scdoc)
file(GLOB _romfs_scd CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.scd)
set(ROMFS_MAN_PAGES)
if(ROMFS_SCDOC AND _romfs_scd)
  foreach(scd ${_romfs_scd})
    get_filename_component(name ${scd} NAME_WE)
    set(out ${PROJECT_BINARY_DIR}/man/${name}.1)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND sh -c "\"$0\" < \"$1\" > \"$2\"" ${ROMFS_SCDOC} ${scd} ${out}
      DEPENDS ${scd} VERBATIM)
    list(APPEND ROMFS_MAN_PAGES ${out})
  endforeach()
  add_custom_target(romfs_man ALL DEPENDS ${ROMFS_MAN_PAGES})
elseif(_romfs_scd)
  message(STATUS "man pages skipped: scdoc not found (Debian package scdoc)")
endif()
