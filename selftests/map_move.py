#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Move a map between two containers while a UDP stream flows to it.

    map_move.py recv FILE            (in a container) log what arrives
    map_move.py send ADDR PORT SECS  (outside) a numbered, timestamped stream
    map_move.py move ADDR PORT A B N (on the host) N atomic moves A <-> B,
                                     each a one-transaction batch; prints
                                     "owner since until" windows
    map_move.py check MOVES A:FILE B:FILE
        a datagram sent while one container surely owned the port (away
        from a move by a margin) must have reached that one only.

Times are CLOCK_MONOTONIC, which every namespace of one kernel shares.
"""
import socket
import struct
import subprocess
import sys
import time

MARGIN = 0.25  # seconds either side of a move where both owners are fine
FMT = "!Id"


def recv(path):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 9000))
    with open(path, "w", buffering=1) as out:
        while True:
            data = s.recv(64)
            seq, sent = struct.unpack(FMT, data[:12])
            out.write("%d %.6f\n" % (seq, sent))


def send(addr, port, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.monotonic() + float(secs)
    seq = 0
    while time.monotonic() < end:
        s.sendto(struct.pack(FMT, seq, time.monotonic()), (addr, int(port)))
        seq += 1
        time.sleep(0.002)
    print(seq)


def move(addr, port, a, b, n):
    owner, other = a, b
    since = time.monotonic()
    for _ in range(int(n)):
        time.sleep(1)
        batch = ("map del %s udp %s endpoint %s\nmap add %s udp %s endpoint %s\n"
                 % (addr, port, owner, addr, port, other))
        start = time.monotonic()
        subprocess.run(["mnmapctl", "-b", "-"], input=batch.encode(), check=True)
        done = time.monotonic()
        print(owner, since, start)
        owner, other, since = other, owner, done
    print(owner, since, float("inf"))


def check(moves_path, *logs):
    windows = []
    with open(moves_path) as f:
        for line in f:
            owner, since, until = line.split()
            windows.append((owner, float(since) + MARGIN, float(until) - MARGIN))
    wrong = judged = 0
    for spec in logs:
        name, path = spec.split(":", 1)
        with open(path) as f:
            for line in f:
                seq, sent = line.split()
                for owner, since, until in windows:
                    if since <= float(sent) <= until:
                        judged += 1
                        if owner != name:
                            wrong += 1
                            print("datagram %s sent while %s owned the port reached %s"
                                  % (seq, owner, name))
    print("judged %d datagrams, %d to the wrong container" % (judged, wrong))
    sys.exit(1 if wrong or not judged else 0)


if __name__ == "__main__":
    {"recv": recv, "send": send, "move": move, "check": check}[sys.argv[1]](*sys.argv[2:])
