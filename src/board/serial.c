/* SPDX-License-Identifier: MIT */
/* Serial ports through libserialport's own API: enumeration with USB
 * VID/PID and descriptions (`-d auto`, `romfs devs`), and once open,
 * sp_wait on an event set and sp_nonblocking_read / sp_blocking_write with
 * timeouts, never its descriptor. The Windows cross build, which has no
 * libserialport, uses serial_win32.c behind the same functions. */
#include "chan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <libserialport.h>

#include "platform.h"
#include "romfs/romfs.h"

struct chan_serial {
    struct sp_port *sp;
    struct sp_event_set *ev;   /* SP_EVENT_RX_READY on sp */
};

/* A tty libserialport does not know (it needs sysfs: pseudo-terminals,
 * some virtual ports): the same settings through termios. */
static int open_plain_tty(chan_t *c, const char *path, const char **err)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno == ENOENT ? "no such serial port" : "cannot open the serial port";
        return ROMFS_ERR_NOBOARD;
    }
    struct termios t;
    if (!isatty(fd) || tcgetattr(fd, &t) != 0) {
        close(fd);
        *err = "not a serial port (tty)";
        return ROMFS_ERR_NOBOARD;
    }
    /* Raw mode as cfmakeraw sets it, in POSIX flags only. */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
#ifdef CRTSCTS /* hardware flow control off, where the OS names it (not POSIX) */
    t.c_cflag &= ~(tcflag_t)CRTSCTS;
#endif
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) != 0) {
        close(fd);
        *err = "cannot configure the serial port (115200 8N1)";
        return ROMFS_ERR_NOBOARD;
    }
    c->rfd = c->wfd = fd;
    c->pace = 1;
    return 0;
}

int chan_open_serial(chan_t *c, const char *path, const char **err)
{
    struct sp_port *sp;
    chan_init_fds(c, -1, -1);
    if (sp_get_port_by_name(path, &sp) != SP_OK)
        return open_plain_tty(c, path, err);
    if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
        *err = "cannot open the serial port";
        sp_free_port(sp);
        return ROMFS_ERR_NOBOARD;
    }
    /* MicroPython's USB-serial and UART REPLs: 115200 8N1, no flow control
     * (USB CDC ignores the rate; UART boards need it). */
    if (sp_set_baudrate(sp, 115200) != SP_OK || sp_set_bits(sp, 8) != SP_OK ||
        sp_set_parity(sp, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(sp, 1) != SP_OK ||
        sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE) != SP_OK) {
        *err = "cannot configure the serial port (115200 8N1)";
        sp_close(sp);
        sp_free_port(sp);
        return ROMFS_ERR_NOBOARD;
    }
    struct chan_serial *s = calloc(1, sizeof *s);
    if (!s || sp_new_event_set(&s->ev) != SP_OK || sp_add_port_events(s->ev, sp, SP_EVENT_RX_READY) != SP_OK) {
        *err = "out of memory";
        if (s && s->ev)
            sp_free_event_set(s->ev);
        free(s);
        sp_close(sp);
        sp_free_port(sp);
        return ROMFS_ERR_NOMEM;
    }
    s->sp = sp;
    c->ser = s;
    /* Only UART bridges can overrun a board's input buffer; USB CDC boards
     * are flow-controlled by USB, but pacing costs them little. */
    c->pace = 1;
    return 0;
}

int chan_serial_read(struct chan_serial *s, uint8_t *buf, size_t n, int timeout_ms)
{
    enum sp_return r = sp_nonblocking_read(s->sp, buf, n);
    if (r > 0)
        return (int)r;
    if (r < 0)
        return ROMFS_ERR_CLOSED;   /* EIO: the board went away */
    if (timeout_ms <= 0)
        return 0;
    int64_t t0 = rp_monotonic_ns();
    if (sp_wait(s->ev, (unsigned)timeout_ms) != SP_OK)
        return ROMFS_ERR_CLOSED;
    r = sp_nonblocking_read(s->sp, buf, n);
    if (r > 0)
        return (int)r;
    if (r < 0)
        return ROMFS_ERR_CLOSED;
    /* Ready before the time was up, yet nothing to read: the port hung up
     * (a USB board unplugged, a pty's other side closed). */
    if ((rp_monotonic_ns() - t0) / 1000000 + 1 < timeout_ms)
        return ROMFS_ERR_CLOSED;
    return 0;
}

int chan_serial_write(struct chan_serial *s, const uint8_t *buf, size_t n, int timeout_ms)
{
    enum sp_return r = sp_blocking_write(s->sp, buf, n, timeout_ms > 0 ? (unsigned)timeout_ms : 1);
    return r < 0 ? ROMFS_ERR_CLOSED : (int)r;
}

void chan_serial_close(struct chan_serial *s)
{
    sp_free_event_set(s->ev);
    sp_close(s->sp);
    sp_free_port(s->sp);
    free(s);
}

static char *dupstr(const char *s)
{
    return strdup(s ? s : "");
}

int chan_list_ports(struct chan_port **out, size_t *count)
{
    struct sp_port **list;
    *out = NULL;
    *count = 0;
    if (sp_list_ports(&list) != SP_OK)
        return 0; /* no serial subsystem: simply no ports */
    size_t n = 0;
    while (list[n])
        n++;
    struct chan_port *ports = calloc(n ? n : 1, sizeof *ports);
    if (!ports) {
        sp_free_port_list(list);
        return ROMFS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct chan_port *p = &ports[i];
        struct sp_port *sp = list[i];
        const char *desc = sp_get_port_description(sp);
        int vid = 0, pid = 0;
        if (sp_get_port_transport(sp) == SP_TRANSPORT_USB &&
            sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK) {
            p->vid = (unsigned)vid;
            p->pid = (unsigned)pid;
        }
        p->likely = chan_port_likely(p->vid, desc);
        p->name = dupstr(sp_get_port_name(sp));
        p->desc = dupstr(desc);
        if (!p->name || !p->desc) {
            sp_free_port_list(list);
            chan_free_ports(ports, i + 1);
            return ROMFS_ERR_NOMEM;
        }
    }
    sp_free_port_list(list);
    chan_sort_ports(ports, n);
    *out = ports;
    *count = n;
    return 0;
}
