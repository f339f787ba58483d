#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Long-lived TCP connections to a load-balanced service, for 13-balance.sh.

  lb.py serve NAME PORT     answer every line on every connection with NAME
  lb.py client ADDR PORT    read commands on stdin, answer each with a line:
    open N BASE     open N connections from source ports BASE.. and keep them
    probe           send a line on each kept connection: who answers, in
                    order ("-" where the connection broke: reset or silent)
    new N BASE      N short connections from ports BASE..: who answered each,
                    counted ("name=count ...", "-" for those that failed)

Source ports are fixed, so that a run sees the same flows every time.
"""
import collections
import selectors
import socket
import sys

TIMEOUT = 5


def serve(name, port):
    sel = selectors.DefaultSelector()
    for family, addr in ((socket.AF_INET6, "::"),):
        lst = socket.socket(family, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        lst.bind((addr, port))
        lst.listen(512)
        lst.setblocking(False)
        sel.register(lst, selectors.EVENT_READ, None)
    reply = (name + "\n").encode()
    while True:
        for key, _ in sel.select():
            if key.data is None:
                conn, _ = key.fileobj.accept()
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ, b"")
                continue
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                continue
            try:
                key.fileobj.send(reply * data.count(b"\n"))
            except OSError:
                pass


def connect(addr, port, sport):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(TIMEOUT)
    s.bind(("", sport))
    s.connect((addr, port))
    return s


def ask(s):
    """Who answers on @s: a name, or "-" when the connection is broken."""
    try:
        s.sendall(b"?\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(256)
            if not chunk:
                return "-"
            data += chunk
        return data.decode().strip()
    except OSError:
        return "-"


def client(addr, port):
    kept = []
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "open":
            n, base = int(words[1]), int(words[2])
            for i in range(n):
                try:
                    kept.append(connect(addr, port, base + i))
                except OSError:
                    kept.append(None)
            print("ok", flush=True)
        elif words[0] == "probe":
            print(" ".join(ask(s) if s else "-" for s in kept), flush=True)
        elif words[0] == "new":
            n, base = int(words[1]), int(words[2])
            counts = collections.Counter()
            for i in range(n):
                try:
                    s = connect(addr, port, base + i)
                except OSError:
                    counts["-"] += 1
                    continue
                counts[ask(s)] += 1
                s.close()
            print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), flush=True)
        elif words[0] == "quit":
            break


def main():
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))


if __name__ == "__main__":
    main()
