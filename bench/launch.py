#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Network launch time: from adding a map to the first packet delivered.

    launch.py first PORT READY    (in the container) print the CLOCK_MONOTONIC
                                  times the first datagram to PORT entered the
                                  container (the kernel's receive stamp) and
                                  woke this receiver; touch READY once
                                  listening
    launch.py add ARGS...         print the time just before running
                                  `mnmapctl ARGS...`, and the time it ended
    launch.py netlink ADDR PORT ENDPOINT
                                  the same map add as one netlink request
                                  from an open socket (no process start):
                                  print the time before sending, and at the ACK
CLOCK_MONOTONIC is one clock for every namespace of a kernel.
"""
import os
import socket
import struct
import subprocess
import sys
import time

SO_TIMESTAMPNS = 35     # Python's socket module does not name it

if sys.argv[1] == "first":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    open(sys.argv[3], "w").close()
    _, ancillary, _, _ = s.recvmsg(64, 64)
    woke = time.monotonic()
    # The stamp is CLOCK_REALTIME: carry it over to CLOCK_MONOTONIC.
    offset = time.time() - time.monotonic()
    sec, nsec = struct.unpack("qq", ancillary[0][2][:16])
    print("%.6f %.6f" % (sec + nsec / 1e9 - offset, woke))
elif sys.argv[1] == "add":
    t0 = time.monotonic()
    subprocess.run(["mnmapctl"] + sys.argv[2:], check=True)
    print("%.6f %.6f" % (t0, time.monotonic()))
else:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../selftests"))
    import nlraw
    sock = nlraw.Sock()
    addr, port, endpoint = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    request = nlraw.nest("MAP", nlraw.ip("MAP_ADDR_IPV4", addr),
                         nlraw.u8("MAP_PROTO", socket.IPPROTO_UDP),
                         nlraw.u16("MAP_PORT_FIRST", port), nlraw.s("MAP_ENDPOINT", endpoint))
    t0 = time.monotonic()
    err, text = sock.request("MAP_NEW", request)
    t1 = time.monotonic()
    if err:
        sys.exit("launch: %s" % text)
    print("%.6f %.6f" % (t0, t1))
