/* SPDX-License-Identifier: MIT */
/* A tiny reference-layout image writer for the deploy and layout tests, so
 * they do not depend on the builder: files and directories given as a flat
 * list of paths in pre-order ("lib/" opens a directory, ".." closes one). */
#ifndef ROMFS_TEST_IMGMK_H
#define ROMFS_TEST_IMGMK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct mk_ent {
    const char *name;   /* "x/" opens directory x, ".." closes the current one */
    const uint8_t *data;
    size_t len;
} mk_ent_t;

static size_t mk_vlen(size_t v)
{
    size_t n = 1;
    while (v >>= 7)
        n++;
    return n;
}

static uint8_t *mk_put(uint8_t *p, size_t v)
{
    for (size_t i = mk_vlen(v); i-- > 0;)
        *p++ = (uint8_t)(((v >> (7 * i)) & 0x7f) | (i ? 0x80 : 0));
    return p;
}

/* Payload length of entries [*i, end of the current directory). */
static size_t mk_measure(const mk_ent_t *e, size_t n, size_t *i)
{
    size_t total = 0;
    while (*i < n) {
        const mk_ent_t *x = &e[(*i)++];
        size_t nl = strlen(x->name);
        if (strcmp(x->name, "..") == 0)
            break;
        size_t pay;
        if (x->name[nl - 1] == '/') {
            pay = mk_vlen(nl - 1) + nl - 1 + mk_measure(e, n, i);
        } else {
            pay = mk_vlen(nl) + nl + 1 + mk_vlen(x->len) + x->len;
        }
        total += 1 + mk_vlen(pay) + pay;
    }
    return total;
}

static uint8_t *mk_emit(const mk_ent_t *e, size_t n, size_t *i, uint8_t *p)
{
    while (*i < n) {
        const mk_ent_t *x = &e[*i];
        size_t nl = strlen(x->name);
        if (strcmp(x->name, "..") == 0) {
            (*i)++;
            break;
        }
        if (x->name[nl - 1] == '/') {
            size_t j = *i + 1;
            size_t pay = mk_vlen(nl - 1) + nl - 1 + mk_measure(e, n, &j);
            *p++ = 4;
            p = mk_put(p, pay);
            p = mk_put(p, nl - 1);
            memcpy(p, x->name, nl - 1);
            p += nl - 1;
            (*i)++;
            p = mk_emit(e, n, i, p);
        } else {
            size_t pay = mk_vlen(nl) + nl + 1 + mk_vlen(x->len) + x->len;
            *p++ = 5;
            p = mk_put(p, pay);
            p = mk_put(p, nl);
            memcpy(p, x->name, nl);
            p += nl;
            *p++ = 2;
            p = mk_put(p, x->len);
            if (x->len)
                memcpy(p, x->data, x->len);
            p += x->len;
            (*i)++;
        }
    }
    return p;
}

/* malloc'd image; *len receives its size (even, like mpremote's). */
static uint8_t *mk_image(const mk_ent_t *e, size_t n, size_t *len)
{
    size_t i = 0;
    size_t pay = mk_measure(e, n, &i);
    size_t hdr = 3 + mk_vlen(pay);
    int pad = (hdr + pay) & 1;
    uint8_t *img = malloc(hdr + pay + pad + 1), *p = img;
    *p++ = 0xd2;
    *p++ = 0xcd;
    *p++ = 0x31;
    if (pad)
        *p++ = 0x80;
    p = mk_put(p, pay);
    i = 0;
    p = mk_emit(e, n, &i, p);
    *len = (size_t)(p - img);
    return img;
}

#endif
