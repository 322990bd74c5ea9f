/* Shared by the fuzz targets: a failed expectation must crash so libFuzzer
 * (or the replay driver) records it, whatever NDEBUG says. */
#ifndef ROMFS_FUZZ_COMMON_H
#define ROMFS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* [p, p+n) lies inside [img, img+len). */
#define FUZZ_ASSERT_INSIDE(img, len, p, n) \
    FUZZ_ASSERT((p) >= (img) && (p) <= (img) + (len) && (size_t)(n) <= (size_t)((img) + (len) - (p)))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
