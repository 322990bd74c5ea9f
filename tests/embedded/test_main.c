/* SPDX-License-Identifier: MIT */
/*
 * The reader's and the mount table's checks, bare metal on a Cortex-M.
 * Images are linked into flash (images.S) and mounted in place; results go
 * out through semihosting and the exit status is 0 only when every check
 * passed. No heap, no stdio: the library must work without either.
 */
#include <stdint.h>
#include <string.h>

#include "romfs/romfs.h"
#include "romfs/romfs_boot.h"
#include "flash_nor.h"
#include "romfs/romfs_part.h"
#include "romfs/romfs_vfs.h"
#include "semihost.h"

unsigned long stack_high_water(void);

static unsigned checks, failures;

static void check_at(int ok, const char *what, int line)
{
    checks++;
    if (ok)
        return;
    failures++;
    sh_puts("embedded: FAIL line ");
    sh_putu((unsigned long)line);
    sh_puts(": ");
    sh_puts(what);
    sh_puts("\n");
}

#define CHECK(e) check_at((e) ? 1 : 0, #e, __LINE__)
#define CHECK_EQ(a, b) check_at((long)(a) == (long)(b), #a " == " #b, __LINE__)

#define IMG(name) extern const uint8_t img_##name[], img_##name##_end[];
#define LEN(name) ((size_t)(img_##name##_end - img_##name))

IMG(doc_example)
IMG(many_and_deep)
IMG(too_small)
IMG(bad_magic)
IMG(header_past_end)
IMG(pointer_offset_out_of_image)
IMG(pointer_size_out_of_image)
IMG(record_longer_than_parent)
IMG(varuint_overflow)
IMG(name_longer_than_record)
IMG(names_with_slash_and_dots)
IMG(interrupted_deploy_ff_tail)
IMG(unused_record_kind)
IMG(file_without_data)
IMG(truncated_pointer)
IMG(deep_nesting_20000)
IMG(duplicate_names)
IMG(unknown_records_skipped)
IMG(padded_varuints)
IMG(indirect_data_valid)

/* outer image: inner.romfs (itself an image holding hello.txt) and
 * plain.txt. const, so it sits in flash with the rest. */
static const uint8_t nested[] = {
    0xd2, 0xcd, 0x31, 0x49, 0x05, 0x2d, 0x0b, 0x69, 0x6e, 0x6e, 0x65, 0x72, 0x2e, 0x72, 0x6f,
    0x6d, 0x66, 0x73, 0x02, 0x1f, 0xd2, 0xcd, 0x31, 0x1b, 0x05, 0x19, 0x09, 0x68, 0x65, 0x6c,
    0x6c, 0x6f, 0x2e, 0x74, 0x78, 0x74, 0x02, 0x0d, 0x68, 0x69, 0x20, 0x66, 0x72, 0x6f, 0x6d,
    0x20, 0x69, 0x6e, 0x6e, 0x65, 0x72, 0x05, 0x18, 0x09, 0x70, 0x6c, 0x61, 0x69, 0x6e, 0x2e,
    0x74, 0x78, 0x74, 0x02, 0x0c, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x6e, 0x20, 0x69, 0x6d, 0x61,
    0x67, 0x65,
};

/* Flash on MPS2 AN385 is [0, 4 MiB). */
static int in_flash(const void *p)
{
    return (uintptr_t)p < 0x00400000u;
}

static int data_is(const romfs_file_t *f, const char *s)
{
    size_t n;
    const uint8_t *d = romfs_file_data(f, &n);
    return n == strlen(s) && memcmp(d, s, n) == 0;
}

static romfs_vfs_t vfs;

static void test_reader_in_place(void)
{
    romfs_t fs;
    romfs_info_t info;
    romfs_file_t f;
    romfs_dir_t d;
    romfs_statvfs_t st;
    char buf[16];
    size_t pos;
    const uint8_t *img = img_doc_example;
    size_t len = LEN(doc_example);

    CHECK(in_flash(img));
    CHECK_EQ(romfs_mount(&fs, img, len), 0);
    CHECK(fs.image == img);
    CHECK_EQ(romfs_image_size(&fs), len);
    CHECK_EQ(romfs_stat(&fs, "/main.py", &info), 0);
    CHECK_EQ(info.type, ROMFS_TYPE_FILE);
    CHECK_EQ(info.size, 34);
    /* Execute in place: the file's bytes are the image's bytes in flash. */
    CHECK(info.data > img && info.data + info.size <= img + len && in_flash(info.data));
    CHECK_EQ(romfs_file_open(&fs, &f, "/lib/helper.py"), 0);
    CHECK(data_is(&f, "VALUE = 42\n"));
    CHECK_EQ(romfs_file_read(&f, buf, 5), 5);
    CHECK(memcmp(buf, "VALUE", 5) == 0);
    CHECK_EQ(romfs_file_seek(&f, 3, ROMFS_SEEK_CUR, &pos), 0);
    CHECK_EQ(pos, 8);
    CHECK_EQ(romfs_file_read(&f, buf, sizeof buf), 3);
    CHECK(memcmp(buf, "42\n", 3) == 0);
    CHECK_EQ(romfs_file_read(&f, buf, sizeof buf), 0);
    CHECK_EQ(romfs_file_seek(&f, -2, ROMFS_SEEK_END, &pos), 0);
    CHECK_EQ(pos, 9);
    CHECK_EQ(romfs_file_seek(&f, 1000, ROMFS_SEEK_SET, &pos), 0);
    CHECK_EQ(pos, 11);
    CHECK_EQ(romfs_file_seek(&f, -12, ROMFS_SEEK_CUR, &pos), ROMFS_ERR_INVAL);
    CHECK_EQ(romfs_file_tell(&f), 11);
    CHECK_EQ(romfs_file_open(&fs, &f, "/lib"), ROMFS_ERR_ISDIR);
    CHECK_EQ(romfs_file_open(&fs, &f, "/nope"), ROMFS_ERR_NOENT);
    CHECK_EQ(romfs_dir_open(&fs, &d, "/main.py"), ROMFS_ERR_NOTDIR);

    static const char *const names[] = {"lib", "main.py", "utils.py"};
    CHECK_EQ(romfs_dir_open(&fs, &d, "/"), 0);
    int n = 0, r;
    while ((r = romfs_dir_read(&d, &info)) == 1) {
        if (n < 3)
            CHECK(info.name_len == strlen(names[n]) &&
                  memcmp(info.name, names[n], info.name_len) == 0);
        n++;
    }
    CHECK_EQ(r, 0);
    CHECK_EQ(n, 3);
    romfs_statvfs(&fs, &st);
    CHECK_EQ(st.bsize, 1);
    CHECK_EQ(st.blocks, len - 5);

    /* A bigger tree: count every entry with an explicit stack of dirs. */
    romfs_dir_t stack[8];
    int depth = 0, entries = 0;
    CHECK_EQ(romfs_mount(&fs, img_many_and_deep, LEN(many_and_deep)), 0);
    CHECK_EQ(romfs_dir_open(&fs, &stack[0], ""), 0);
    while (depth >= 0) {
        r = romfs_dir_read(&stack[depth], &info);
        if (r <= 0) {
            CHECK_EQ(r, 0);
            depth--;
            continue;
        }
        entries++;
        if (info.type == ROMFS_TYPE_DIR && depth + 1 < 8)
            CHECK_EQ(romfs_dir_open_info(&fs, &stack[++depth], &info), 0);
    }
    CHECK(entries > 10);
}

static void test_table(void)
{
    romfs_info_t info;
    romfs_vfs_file_t f;
    romfs_vfs_dir_t d;
    romfs_statvfs_t st;

    romfs_vfs_init(&vfs);
    CHECK_EQ(romfs_vfs_mount(&vfs, "/rom", img_doc_example, LEN(doc_example), 0), 0);
    CHECK_EQ(romfs_vfs_mount(&vfs, "/rom", img_doc_example, LEN(doc_example), 0),
             ROMFS_ERR_PERM);
    CHECK_EQ(romfs_vfs_mount(&vfs, "/x", img_bad_magic, LEN(bad_magic), 0), ROMFS_ERR_NODEV);
    CHECK_EQ(romfs_vfs_mount(&vfs, "/x", NULL, LEN(bad_magic), 0), ROMFS_ERR_INVAL);
    CHECK_EQ(romfs_vfs_mount(&vfs, "/x", img_doc_example, LEN(doc_example),
                             ROMFS_VFS_MOUNT_MKFS),
             ROMFS_ERR_PERM);
    CHECK_EQ(romfs_vfs_dir_open(&vfs, &d, "/"), 0);
    CHECK_EQ(romfs_vfs_dir_read(&d, &info), 1);
    CHECK(info.name_len == 3 && memcmp(info.name, "rom", 3) == 0);
    CHECK_EQ(romfs_vfs_dir_read(&d, &info), 0);
    CHECK_EQ(romfs_vfs_open(&vfs, &f, "/rom/utils.py", "rb"), 0);
    CHECK(data_is(&f.file, "def greet():\n    return 'hello from rom'\n"));
    CHECK(in_flash(f.file.data));
    CHECK_EQ(f.flags, ROMFS_VFS_O_BINARY);
    CHECK_EQ(romfs_vfs_open(&vfs, &f, "/rom/utils.py", "w"), ROMFS_ERR_ROFS);
    CHECK_EQ(romfs_vfs_open(&vfs, &f, "/rom/lib", "r"), ROMFS_ERR_ISDIR);
    CHECK_EQ(romfs_vfs_open(&vfs, &f, "/rom/none", "r"), ROMFS_ERR_NOENT);
    CHECK_EQ(romfs_vfs_stat(&vfs, "/else", &info), ROMFS_ERR_NODEV);
    CHECK_EQ(romfs_vfs_statvfs(&vfs, "/rom", &st), 0);
    CHECK_EQ(st.blocks, LEN(doc_example) - 5);
    CHECK_EQ(romfs_vfs_chdir(&vfs, "/rom"), 0);
    CHECK(strcmp(romfs_vfs_getcwd(&vfs), "/rom") == 0);
    CHECK_EQ(romfs_vfs_open(&vfs, &f, "lib/../lib/helper.py", "r"), 0);
    CHECK(data_is(&f.file, "VALUE = 42\n"));
    CHECK_EQ(romfs_vfs_chdir(&vfs, "lib"), ROMFS_ERR_OPNOTSUPP);
    CHECK_EQ(romfs_vfs_chdir(&vfs, ".."), 0);
    CHECK_EQ(romfs_vfs_mkdir(&vfs, "/rom/x"), ROMFS_ERR_OPNOTSUPP);

    /* Nested image in flash, mounted zero-copy. */
    CHECK_EQ(romfs_vfs_mount(&vfs, "/n", nested, sizeof nested, 0), 0);
    CHECK_EQ(romfs_vfs_mount_file(&vfs, "/n/inner.romfs", "/rom/inner", 0), 0);
    CHECK_EQ(romfs_vfs_open(&vfs, &f, "/rom/inner/hello.txt", "r"), 0);
    CHECK(data_is(&f.file, "hi from inner"));
    CHECK(f.file.data > nested && f.file.data < nested + sizeof nested);
    CHECK_EQ(romfs_vfs_mount_file(&vfs, "/n/plain.txt", "/p", 0), ROMFS_ERR_NODEV);
    CHECK_EQ(romfs_vfs_umount(&vfs, "/rom/inner"), 0);
    CHECK_EQ(romfs_vfs_umount(&vfs, "/rom/inner"), ROMFS_ERR_INVAL);
}

struct hostile_case {
    const uint8_t *img;
    const uint8_t *end;
    const char *path; /* NULL: must not mount */
    const char *data; /* NULL: an error from {err1, err2} */
    int err1, err2;
};

#define H(name) img_##name, img_##name##_end
static const struct hostile_case hostile[] = {
    {H(too_small), NULL, NULL, 0, 0},
    {H(bad_magic), NULL, NULL, 0, 0},
    {H(header_past_end), NULL, NULL, 0, 0},
    {H(pointer_offset_out_of_image), "/h/ok", "fine", 0, 0},
    {H(pointer_offset_out_of_image), "/h/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {H(pointer_size_out_of_image), "/h/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {H(record_longer_than_parent), "/h/ok", "fine", 0, 0},
    {H(record_longer_than_parent), "/h/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {H(varuint_overflow), "/h/x", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {H(name_longer_than_record), "/h/x", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {H(names_with_slash_and_dots), "/h/a/b", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {H(names_with_slash_and_dots), "/h/ok", "fine", 0, 0},
    {H(interrupted_deploy_ff_tail), "/h/missing", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_IO},
    {H(interrupted_deploy_ff_tail), "/h/ok", "fine", 0, 0},
    {H(unused_record_kind), "/h/ok", "fine", 0, 0},
    {H(file_without_data), "/h/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {H(truncated_pointer), "/h/x", NULL, ROMFS_ERR_IO, ROMFS_ERR_IO},
    {H(deep_nesting_20000), "/h/d/d/d/x", NULL, ROMFS_ERR_NOENT, ROMFS_ERR_NOENT},
    {H(duplicate_names), "/h/x", "first", 0, 0},
    {H(unknown_records_skipped), "/h/dir/in", "side", 0, 0},
    {H(padded_varuints), "/h/p", "padded", 0, 0},
    {H(indirect_data_valid), "/h/a", "ALIGNEDDATA!", 0, 0},
};

static void test_hostile(void)
{
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const struct hostile_case *c = &hostile[i];
        size_t len = (size_t)(c->end - c->img);
        romfs_info_t info;
        romfs_vfs_file_t f;
        romfs_vfs_dir_t d;
        romfs_vfs_init(&vfs);
        int r = romfs_vfs_mount(&vfs, "/h", c->img, len, 0);
        if (c->path == NULL) {
            CHECK_EQ(r, ROMFS_ERR_NODEV);
            CHECK_EQ(romfs_boot_decide(c->img, len), 0);
            continue;
        }
        CHECK_EQ(r, 0);
        int s = romfs_vfs_stat(&vfs, c->path, &info);
        int o = romfs_vfs_open(&vfs, &f, c->path, "rb");
        if (c->data) {
            CHECK_EQ(s, 0);
            CHECK(o == 0 && data_is(&f.file, c->data));
        } else {
            CHECK(s == c->err1 || s == c->err2);
            CHECK(o == c->err1 || o == c->err2);
            /* The reader itself says CORRUPT where the table says EIO. */
            romfs_t fs;
            CHECK_EQ(romfs_mount(&fs, c->img, len), 0);
            int rs = romfs_stat(&fs, c->path + 2, &info);
            CHECK(rs == (s == ROMFS_ERR_IO ? ROMFS_ERR_CORRUPT : s));
        }
        /* Listing never leaves the image and always ends. */
        CHECK_EQ(romfs_vfs_dir_open(&vfs, &d, "/h"), 0);
        int guard = 0;
        while ((r = romfs_vfs_dir_read(&d, &info)) != 0 && guard++ < 100) {
            if (r == 1)
                CHECK(info.data >= c->img && info.data + info.size <= c->end);
        }
        CHECK(guard < 100);
    }
}

static uint8_t flash_mem[4096];
static uint32_t wear[16];

static void test_partition_boot(void)
{
    romfs_nor_t nor;
    romfs_part_t part;
    romfs_rom_t rom = {&part, 1};
    romfs_boot_paths_t paths;
    romfs_info_t info;
    CHECK_EQ(romfs_nor_init(&nor, flash_mem, sizeof flash_mem, 256, 4, wear), 0);
    romfs_nor_part(&nor, &part);
    CHECK_EQ(romfs_nor_erase(&nor, 0, sizeof flash_mem), 0);
    romfs_vfs_init(&vfs);
    CHECK_EQ(romfs_boot_mount(&vfs, &rom, &paths), ROMFS_BOOT_SKIPPED);
    CHECK_EQ(romfs_rom_write_image(&rom, 0, img_doc_example, LEN(doc_example)), 0);
    CHECK_EQ(romfs_boot_mount(&vfs, &rom, &paths), ROMFS_BOOT_MOUNTED);
    CHECK_EQ(paths.count, 2);
    CHECK_EQ(romfs_vfs_stat(&vfs, "/rom/lib/helper.py", &info), 0);
    CHECK(info.data > flash_mem && info.data < flash_mem + sizeof flash_mem);
    /* A cut in the middle of a rewrite leaves nothing mountable. */
    romfs_nor_power_loss(&nor, 1, 2);
    CHECK_EQ(romfs_rom_write_image(&rom, 0, img_doc_example, LEN(doc_example)), ROMFS_ERR_IO);
    romfs_nor_power_on(&nor);
    CHECK_EQ(romfs_boot_decide(flash_mem, sizeof flash_mem), 0);
}

int main(void)
{
    sh_puts("embedded: romfs " ROMFS_VERSION_STRING " on " ROMFS_EMBEDDED_CPU "\n");
    test_reader_in_place();
    test_table();
    test_hostile();
    test_partition_boot();
#ifdef ROMFS_EMBEDDED_FORCE_FAIL
    CHECK_EQ(checks, 0);
#endif
    sh_puts("embedded: ");
    sh_putu(checks);
    sh_puts(" checks, ");
    sh_putu(failures);
    sh_puts(" failed, stack high-water ");
    sh_putu(stack_high_water());
    sh_puts(" bytes\n");
    sh_puts(failures == 0 && checks > 0 ? "embedded: PASS\n" : "embedded: FAIL\n");
    return failures == 0 && checks > 0 ? 0 : 1;
}
