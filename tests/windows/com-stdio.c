/* SPDX-License-Identifier: MIT */
/*
 * Test helper of win.exec, built with mingw-w64 by the test: a Windows
 * program that is a board on its standard input and output, for
 * romfs.exe's `exec:` boards. It copies its standard input to the COM
 * port argv[1] (the emulated board behind it) and the port to its
 * standard output, until its input ends or the port fails. One thread:
 * the pipe is peeked, the port read with a 10 ms timeout.
 */
#include <windows.h>

#include <stdio.h>

static int put_all(HANDLE h, const char *p, DWORD n)
{
    while (n) {
        DWORD w = 0;
        if (!WriteFile(h, p, n, &w, NULL) || w == 0)
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: com-stdio COMn\n");
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "\\\\.\\%s", argv[1]);
    HANDLE com = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (com == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "com-stdio: cannot open %s (error %lu)\n", argv[1], GetLastError());
        return 1;
    }
    DCB dcb;
    memset(&dcb, 0, sizeof dcb);
    dcb.DCBlength = sizeof dcb;
    GetCommState(com, &dcb);
    dcb.BaudRate = 115200;
    dcb.ByteSize = 8;
    dcb.Parity = NOPARITY;
    dcb.StopBits = ONESTOPBIT;
    dcb.fBinary = TRUE;
    dcb.fOutxCtsFlow = dcb.fOutxDsrFlow = dcb.fOutX = dcb.fInX = FALSE;
    SetCommState(com, &dcb);
    COMMTIMEOUTS t = {MAXDWORD, MAXDWORD, 10, 0, 0}; /* what is there, else wait 10 ms for a byte */
    SetCommTimeouts(com, &t);
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
    char buf[4096];
    for (;;) {
        DWORD avail = 0, n = 0;
        if (!PeekNamedPipe(in, NULL, 0, NULL, &avail, NULL))
            break; /* romfs closed our input: the board is let go */
        if (avail) {
            if (!ReadFile(in, buf, avail < sizeof buf ? avail : sizeof buf, &n, NULL) || n == 0)
                break;
            if (put_all(com, buf, n) != 0)
                return 1;
        }
        if (!ReadFile(com, buf, sizeof buf, &n, NULL))
            return 1;
        if (n && put_all(out, buf, n) != 0)
            break;
    }
    CloseHandle(com);
    return 0;
}
