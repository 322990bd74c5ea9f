/* SPDX-License-Identifier: MIT */
/* Semihosting calls: on M-profile cores the trap is BKPT 0xAB with the
 * operation in r0 and its argument in r1. */
#include "semihost.h"

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_Stopped_ApplicationExit 0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023

static int sh_call(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sh_puts(const char *s)
{
    sh_call(SYS_WRITE0, s);
}

void sh_putu(unsigned long v)
{
    char buf[24];
    char *p = buf + sizeof buf - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sh_puts(p);
}

void sh_exit(int status)
{
    /* 32-bit SYS_EXIT carries only the reason; the extended call carries
     * the exit code too. */
    unsigned long block[2] = {ADP_Stopped_ApplicationExit, (unsigned long)status};
    sh_call(SYS_EXIT_EXTENDED, block);
    sh_call(SYS_EXIT, (const void *)(unsigned long)(status == 0 ? ADP_Stopped_ApplicationExit
                                                                : ADP_Stopped_RunTimeErrorUnknown));
    for (;;)
        ;
}
