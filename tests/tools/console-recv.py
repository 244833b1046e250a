#!/usr/bin/python3
# console-recv.py SOCKET OUT [INPUT]: the receiving end of --console-socket,
# for the tests (runc's recvtty is not packaged in Debian).
#
# Listens on the unix socket SOCKET, accepts one connection, takes the pty
# master the runtime sends with SCM_RIGHTS, writes INPUT (when given) to it,
# then copies everything read from the master to OUT until the other side
# hangs up (EIO once the last slave fd is closed).  Creates SOCKET, and
# SOCKET.ready once it listens (so a test can wait for it), and OUT.fd with
# facts about the fd it got: "isatty 1" and the name the runtime sent.
# Exits 0 after a hang-up, 1 on any error (no fd, not a tty); gives up after
# 60 s without a connection.
#
# Needs only the Python standard library: Debian package 'python3' (>= 3.9
# for socket.recv_fds).

import errno
import os
import socket
import sys


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write("usage: console-recv.py SOCKET OUT [INPUT]\n")
        return 2
    path, out = sys.argv[1], sys.argv[2]
    data = sys.argv[3].encode() if len(sys.argv) == 4 else b""

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(60)
    with open(path + ".ready", "w"):
        pass
    conn, _ = srv.accept()
    srv.close()
    conn.settimeout(60)
    msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    conn.close()
    if len(fds) != 1:
        sys.stderr.write("console-recv: expected 1 fd, got %d\n" % len(fds))
        return 1
    master = fds[0]
    with open(out + ".fd", "w") as f:
        f.write("isatty %d\n" % os.isatty(master))
        f.write("name %s\n" % msg.decode(errors="replace"))
    if not os.isatty(master):
        return 1
    if data:
        os.write(master, data)
    with open(out, "wb") as f:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError as e:
                if e.errno == errno.EIO:
                    break
                raise
            if not chunk:
                break
            f.write(chunk)
            f.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
