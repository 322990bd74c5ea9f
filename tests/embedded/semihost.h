/* SPDX-License-Identifier: MIT */
/* Semihosting (ARM "angel" interface) for the bare-metal tests: output and
 * exit status reach the host through QEMU, no UART driver needed. */
#ifndef ROMFS_EMBEDDED_SEMIHOST_H
#define ROMFS_EMBEDDED_SEMIHOST_H

/* Print a NUL-terminated string (SYS_WRITE0). */
void sh_puts(const char *s);
/* Print an unsigned number in decimal. */
void sh_putu(unsigned long v);
/* End the program with this exit status (SYS_EXIT_EXTENDED with
 * ADP_Stopped_ApplicationExit; plain SYS_EXIT when that is unsupported). */
void sh_exit(int status) __attribute__((noreturn));

#endif
