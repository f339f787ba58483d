#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""UDP request/response latency (netperf's UDP_RR, which Debian lacks).

    rr.py serve PORT           echo every datagram back
    rr.py ask ADDR PORT N      N one-byte transactions, one at a time;
                               prints the median and p99 round trip in µs,
                               and the CPU time of the whole machine (every
                               CPU, /proc/stat) per transaction in µs
"""
import socket
import sys
import os
import time


def busy_seconds():
    """CPU time spent on anything but idle and iowait, all CPUs."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((sys.argv[2], int(sys.argv[3])))
    s.settimeout(2)
    rtts = []
    n = int(sys.argv[4])
    busy = busy_seconds()
    for _ in range(n):
        t0 = time.perf_counter()
        s.send(b"x")
        s.recv(16)
        rtts.append((time.perf_counter() - t0) * 1e6)
    cpu = (busy_seconds() - busy) * 1e6 / n
    rtts.sort()
    print("%.1f %.1f %.1f" % (rtts[len(rtts) // 2], rtts[int(0.99 * (len(rtts) - 1))], cpu))
