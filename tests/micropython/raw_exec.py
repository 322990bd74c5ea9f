#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run MicroPython code on a board process through its raw REPL.

    raw_exec.py [-t SECONDS] [--pty] COMMAND < CODE

COMMAND (one shell string) starts the board with its REPL on stdin/stdout
(a QEMU firmware with -serial stdio, the unix port). Each chunk of CODE
separated by a line '#---' is run as one raw-REPL command. What the code
printed goes to stdout; a traceback to stderr and exit status 1. The board
is stopped at the end; a board that does not answer in time is status 2.
--pty gives the board a pseudo-terminal (the unix port answers the raw REPL
only on a terminal).
"""
import os, signal, subprocess, sys, time

def main():
    args = sys.argv[1:]
    timeout = 60.0
    if args[:1] == ["-t"]:
        timeout = float(args[1])
        args = args[2:]
    use_pty = args[:1] == ["--pty"]
    if use_pty:
        args = args[1:]
    code = sys.stdin.read()
    chunks = [c for c in code.split("\n#---\n")]
    if use_pty:
        import pty, tty
        master, slave = pty.openpty()
        tty.setraw(slave)
        p = subprocess.Popen(args[0], shell=True, stdin=slave, stdout=slave, start_new_session=True)
        os.close(slave)
        fd = wfd = master
    else:
        p = subprocess.Popen(args[0], shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             start_new_session=True)
        fd, wfd = p.stdout.fileno(), p.stdin.fileno()
    buf = bytearray()
    deadline = time.monotonic() + timeout

    def read_until(marker):
        while True:
            i = buf.find(marker)
            if i >= 0:
                out = bytes(buf[:i])
                del buf[:i + len(marker)]
                return out
            if time.monotonic() > deadline:
                raise TimeoutError(marker)
            import select
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    d = os.read(fd, 65536)
                except OSError:  # a pty whose other side closed
                    d = b""
                if not d:
                    raise EOFError(bytes(buf))
                buf.extend(d)

    def send(b):
        while b:
            b = b[os.write(wfd, b):]

    status = 0
    try:
        # Interrupt whatever runs, then enter the raw REPL.
        send(b"\r\x03\x03\x01")
        read_until(b"raw REPL; CTRL-B to exit\r\n>")
        for chunk in chunks:
            send(chunk.encode() + b"\x04")
            read_until(b"OK")
            out = read_until(b"\x04")
            err = read_until(b"\x04>")
            sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
            sys.stdout.flush()
            if err:
                sys.stderr.write(err.decode(errors="replace").replace("\r\n", "\n"))
                status = 1
                break
    except TimeoutError as e:
        sys.stderr.write("raw_exec: the board did not answer in %gs (waiting for %r; got %r)\n"
                         % (timeout, e.args[0], bytes(buf[-200:])))
        status = 2
    except EOFError as e:
        sys.stderr.write("raw_exec: the board process ended (last output %r)\n" % (e.args[0][-200:],))
        status = 2
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    return status

if __name__ == "__main__":
    sys.exit(main())
