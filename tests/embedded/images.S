/* SPDX-License-Identifier: MIT */
/* ROMFS images linked into flash (.rodata) byte for byte, so the tests
 * mount them where they lie: execute in place. The assembler finds the
 * files through -I <vectors dir>. */
    .syntax unified

    .macro IMAGE name, file
    .section .rodata.img_\name, "a"
    .balign 4
    .global img_\name
    .global img_\name\()_end
img_\name:
    .incbin "\file"
img_\name\()_end:
    .endm

    IMAGE doc_example, "golden/doc_example.romfs"
    IMAGE many_and_deep, "golden/many_and_deep.romfs"
    IMAGE too_small, "hostile/too_small.romfs"
    IMAGE bad_magic, "hostile/bad_magic.romfs"
    IMAGE header_past_end, "hostile/header_past_end.romfs"
    IMAGE pointer_offset_out_of_image, "hostile/pointer_offset_out_of_image.romfs"
    IMAGE pointer_size_out_of_image, "hostile/pointer_size_out_of_image.romfs"
    IMAGE record_longer_than_parent, "hostile/record_longer_than_parent.romfs"
    IMAGE varuint_overflow, "hostile/varuint_overflow.romfs"
    IMAGE name_longer_than_record, "hostile/name_longer_than_record.romfs"
    IMAGE names_with_slash_and_dots, "hostile/names_with_slash_and_dots.romfs"
    IMAGE interrupted_deploy_ff_tail, "hostile/interrupted_deploy_ff_tail.romfs"
    IMAGE unused_record_kind, "hostile/unused_record_kind.romfs"
    IMAGE file_without_data, "hostile/file_without_data.romfs"
    IMAGE truncated_pointer, "hostile/truncated_pointer.romfs"
    IMAGE deep_nesting_20000, "hostile/deep_nesting_20000.romfs"
    IMAGE duplicate_names, "hostile/duplicate_names.romfs"
    IMAGE unknown_records_skipped, "hostile/unknown_records_skipped.romfs"
    IMAGE padded_varuints, "hostile/padded_varuints.romfs"
    IMAGE indirect_data_valid, "hostile/indirect_data_valid.romfs"
