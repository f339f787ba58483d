#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Network launch time: from `mnmapctl map add` to the first packet delivered.

    launch.py first PORT READY   (in the container) print the CLOCK_MONOTONIC
                                 time of the first datagram to PORT; touch
                                 READY once listening
    launch.py add ARGS...        print the time just before running
                                 `mnmapctl ARGS...`, and the time it ended
CLOCK_MONOTONIC is one clock for every namespace of a kernel.
"""
import socket
import subprocess
import sys
import time

if sys.argv[1] == "first":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    open(sys.argv[3], "w").close()
    s.recv(64)
    print("%.6f" % time.monotonic())
else:
    t0 = time.monotonic()
    subprocess.run(["mnmapctl"] + sys.argv[2:], check=True)
    print("%.6f %.6f" % (t0, time.monotonic()))
