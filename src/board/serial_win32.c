/* SPDX-License-Identifier: MIT */
/* Serial ports on Windows through the Win32 COMM API, behind the functions
 * serial.c gives elsewhere with libserialport (which Debian does not build
 * for mingw): CreateFileW on \\.\COMn, SetCommState (115200 8N1, no flow
 * control), SetCommTimeouts per call, ReadFile/WriteFile, PurgeComm; the
 * ports listed from HKLM\HARDWARE\DEVICEMAP\SERIALCOMM. */
#include "chan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "platform.h"
#include "romfs/romfs.h"

struct chan_serial {
    HANDLE h;
    COMMTIMEOUTS cur;   /* what the port has now */
};

static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

int chan_open_serial(chan_t *c, const char *path, const char **err)
{
    chan_init_fds(c, -1, -1);
    /* "COM12" is \\.\COM12 (COM10 and up exist only so); a \\.\ or \\?\
     * path is taken as it is. */
    size_t n = strlen(path);
    char *dev = malloc(n + 5);
    if (!dev) {
        *err = "out of memory";
        return ROMFS_ERR_NOMEM;
    }
    if (n >= 2 && rp_is_sep(path[0]) && rp_is_sep(path[1]))
        memcpy(dev, path, n + 1);
    else {
        memcpy(dev, "\\\\.\\", 4);
        memcpy(dev + 4, path, n + 1);
    }
    wchar_t *w = wide(dev);
    free(dev);
    if (!w) {
        *err = "not a port name (bad UTF-8)";
        return ROMFS_ERR_NOBOARD;
    }
    HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        *err = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? "no such serial port"
             : e == ERROR_ACCESS_DENIED ? "cannot open the serial port (in use by another program?)"
             : "cannot open the serial port";
        return ROMFS_ERR_NOBOARD;
    }
    /* MicroPython's USB-serial and UART REPLs: 115200 8N1, no flow control
     * (USB CDC ignores the rate; UART boards need it). */
    DCB dcb;
    memset(&dcb, 0, sizeof dcb);
    dcb.DCBlength = sizeof dcb;
    if (!GetCommState(h, &dcb)) {
        CloseHandle(h);
        *err = "not a serial port";
        return ROMFS_ERR_NOBOARD;
    }
    dcb.BaudRate = CBR_115200;
    dcb.ByteSize = 8;
    dcb.Parity = NOPARITY;
    dcb.StopBits = ONESTOPBIT;
    dcb.fBinary = TRUE;
    dcb.fParity = FALSE;
    dcb.fOutxCtsFlow = FALSE;
    dcb.fOutxDsrFlow = FALSE;
    dcb.fDtrControl = DTR_CONTROL_ENABLE;
    dcb.fRtsControl = RTS_CONTROL_ENABLE;
    dcb.fDsrSensitivity = FALSE;
    dcb.fOutX = FALSE;
    dcb.fInX = FALSE;
    dcb.fErrorChar = FALSE;
    dcb.fNull = FALSE;
    dcb.fAbortOnError = FALSE;
    if (!SetCommState(h, &dcb)) {
        CloseHandle(h);
        *err = "cannot configure the serial port (115200 8N1)";
        return ROMFS_ERR_NOBOARD;
    }
    PurgeComm(h, PURGE_RXCLEAR | PURGE_TXCLEAR);
    struct chan_serial *s = calloc(1, sizeof *s);
    if (!s) {
        CloseHandle(h);
        *err = "out of memory";
        return ROMFS_ERR_NOMEM;
    }
    s->h = h;
    c->ser = s;
    c->pace = 1;
    return 0;
}

static int set_timeouts(struct chan_serial *s, const COMMTIMEOUTS *t)
{
    if (memcmp(&s->cur, t, sizeof *t) == 0)
        return 0;
    if (!SetCommTimeouts(s->h, (COMMTIMEOUTS *)t))
        return -1;
    s->cur = *t;
    return 0;
}

int chan_serial_read(struct chan_serial *s, uint8_t *buf, size_t n, int timeout_ms)
{
    /* Bytes waiting: take them without waiting (MAXDWORD, 0, 0). None:
     * wait for the first ones in short slices (MAXDWORD, MAXDWORD, T),
     * the caller calling again until its deadline. Windows returns at the
     * first byte within T; wine waits all of T, so T stays short. */
    COMSTAT cs;
    DWORD errs = 0;
    if (!ClearCommError(s->h, &errs, &cs))
        return ROMFS_ERR_CLOSED;   /* the device went away */
    COMMTIMEOUTS t = s->cur;
    t.ReadIntervalTimeout = MAXDWORD;
    int wait = cs.cbInQue == 0 && timeout_ms > 0;
    t.ReadTotalTimeoutMultiplier = wait ? MAXDWORD : 0;
    t.ReadTotalTimeoutConstant = wait ? (DWORD)(timeout_ms < 5 ? timeout_ms : 5) : 0;
    if (set_timeouts(s, &t) != 0)
        return ROMFS_ERR_CLOSED;
    DWORD got = 0;
    if (!ReadFile(s->h, buf, n > 65536 ? 65536 : (DWORD)n, &got, NULL))
        return ROMFS_ERR_CLOSED;
    return (int)got;
}

int chan_serial_write(struct chan_serial *s, const uint8_t *buf, size_t n, int timeout_ms)
{
    COMMTIMEOUTS t = s->cur;
    t.WriteTotalTimeoutMultiplier = 0;
    t.WriteTotalTimeoutConstant = timeout_ms > 0 ? (DWORD)timeout_ms : 1;
    if (set_timeouts(s, &t) != 0)
        return ROMFS_ERR_CLOSED;
    DWORD put = 0;
    if (!WriteFile(s->h, buf, n > 65536 ? 65536 : (DWORD)n, &put, NULL) && GetLastError() != ERROR_TIMEOUT)
        return ROMFS_ERR_CLOSED;
    return (int)put;
}

void chan_serial_close(struct chan_serial *s)
{
    CloseHandle(s->h);
    free(s);
}

/* A USB serial port's ids and name from the device tree Windows keeps
 * (and SetupAPI reads), the key <instance> in
 * HKLM\SYSTEM\CurrentControlSet\Enum\USB\VID_vvvv&PID_pppp[&MI_nn],
 * whose "Device Parameters" hold its PortName ("COM5") and which holds
 * its FriendlyName. The tree keeps devices unplugged since: only ports in
 * SERIALCOMM (present) are asked about. 0 when com is found there. */
static int usb_port_ids(const wchar_t *com, unsigned *vid, unsigned *pid, wchar_t *friendly, DWORD fsize)
{
    HKEY usb;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Enum\\USB", 0, KEY_READ, &usb) != ERROR_SUCCESS)
        return -1;
    int found = -1;
    for (DWORD i = 0; found != 0; i++) {
        wchar_t dev[256];
        DWORD dl = sizeof dev / sizeof dev[0];
        if (RegEnumKeyExW(usb, i, dev, &dl, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        unsigned v, p;
        HKEY dk;
        if (swscanf(dev, L"VID_%4x&PID_%4x", &v, &p) != 2 ||
            RegOpenKeyExW(usb, dev, 0, KEY_READ, &dk) != ERROR_SUCCESS)
            continue;
        for (DWORD j = 0; found != 0; j++) {
            wchar_t inst[256], sub[300], name[64];
            DWORD il = sizeof inst / sizeof inst[0], nl = sizeof name;
            if (RegEnumKeyExW(dk, j, inst, &il, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
                break;
            swprintf(sub, sizeof sub / sizeof sub[0], L"%ls\\Device Parameters", inst);
            if (RegGetValueW(dk, sub, L"PortName", RRF_RT_REG_SZ, NULL, name, &nl) != ERROR_SUCCESS ||
                _wcsicmp(name, com) != 0)
                continue;
            *vid = v;
            *pid = p;
            DWORD fl = fsize * sizeof *friendly;
            if (RegGetValueW(dk, inst, L"FriendlyName", RRF_RT_REG_SZ, NULL, friendly, &fl) != ERROR_SUCCESS)
                friendly[0] = 0;
            found = 0;
        }
        RegCloseKey(dk);
    }
    RegCloseKey(usb);
    return found;
}

/* The ports Windows knows: HKLM\HARDWARE\DEVICEMAP\SERIALCOMM maps each
 * serial device (\Device\Serial0, \Device\USBSER000, ...) to its COM name;
 * a USB port's VID/PID and friendly name come from the device tree, and
 * make it "likely" as on Linux (`-d auto`). */
int chan_list_ports(struct chan_port **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    HKEY key;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"HARDWARE\\DEVICEMAP\\SERIALCOMM", 0, KEY_READ, &key) != ERROR_SUCCESS)
        return 0;   /* no serial ports at all */
    struct chan_port *ports = NULL;
    size_t n = 0;
    int rc = 0;
    for (DWORD i = 0;; i++) {
        wchar_t vname[256], data[256];
        DWORD vlen = sizeof vname / sizeof vname[0], dlen = sizeof data - sizeof data[0], type = 0;
        LONG r = RegEnumValueW(key, i, vname, &vlen, NULL, &type, (BYTE *)data, &dlen);
        if (r == ERROR_NO_MORE_ITEMS)
            break;
        if (r != ERROR_SUCCESS || type != REG_SZ)
            continue;
        data[dlen / sizeof data[0]] = 0;
        struct chan_port *p = realloc(ports, (n + 1) * sizeof *p);
        if (!p) {
            rc = ROMFS_ERR_NOMEM;
            break;
        }
        ports = p;
        memset(&ports[n], 0, sizeof ports[n]);
        wchar_t friendly[256];
        unsigned vid = 0, pid = 0;
        int usb = usb_port_ids(data, &vid, &pid, friendly, sizeof friendly / sizeof friendly[0]) == 0;
        ports[n].name = narrow(data);
        ports[n].desc = narrow(usb && friendly[0] ? friendly : vname);
        ports[n].vid = vid;
        ports[n].pid = pid;
        ports[n].likely = chan_port_likely(vid, ports[n].desc);
        n++;
        if (!ports[n - 1].name || !ports[n - 1].desc) {
            rc = ROMFS_ERR_NOMEM;
            break;
        }
    }
    RegCloseKey(key);
    if (rc) {
        chan_free_ports(ports, n);
        return rc;
    }
    chan_sort_ports(ports, n);
    *out = ports;
    *count = n;
    return 0;
}
