#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""UDP request/response latency (netperf's UDP_RR, which Debian lacks).

    rr.py serve PORT           echo every datagram back
    rr.py ask ADDR PORT N      N one-byte transactions, one at a time;
                               prints the median and p99 round trip in µs
"""
import socket
import sys
import time

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
    for _ in range(int(sys.argv[4])):
        t0 = time.perf_counter()
        s.send(b"x")
        s.recv(16)
        rtts.append((time.perf_counter() - t0) * 1e6)
    rtts.sort()
    print("%.1f %.1f" % (rtts[len(rtts) // 2], rtts[int(0.99 * (len(rtts) - 1))]))
