#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mnmapd's convergence, first packet and full sync, measured against etcd's gateway.

  etcd.py URL converge N BASE LOGS...
                                   N new maps (ports BASE on) written one at
                                   a time; for each, the time until every
                                   host's mnmapd logged a revision at or
                                   after it applied (LOGS: their logs)
  etcd.py URL packet N ADDR PORT   N new udp maps ADDR/PORT+i to endpoint ec,
                                   from a client: t0 before the put, a probe
                                   every ms until ec's echo comes back (run
                                   in the client's namespace)
  etcd.py URL fill N               N maps written over one connection, in
                                   transactions of TXN_OPS (etcd's default
                                   --max-txn-ops)
  etcd.py URL synced LOG           the full sync's time from mnmapd's own log:
                                   its start to its replace (fails if absent)
  etcd.py URL rate N               etcd's own rate: N puts one after another

Prints one "name value" line per figure (milliseconds, or per second).
"""
import base64
import calendar
import http.client
import json
import math
import re
import select
import socket
import statistics
import sys
import time
import urllib.parse

PREFIX = "/mnmap/v1/"
TXN_OPS = 128
LINE = re.compile(r"mnmapd (\d+:\d+:\d+)\.(\d+): (.*)")


class Etcd:
    """One kept-alive HTTP connection to etcd's gateway."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def send(self, path, body):
        self.conn.request("POST", "/v3/" + path, json.dumps(body).encode(),
                          {"Content-Type": "application/json"})

    def reply(self):
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise IOError("etcd: HTTP %d: %s" % (r.status, data[:200]))
        return json.loads(data)

    def call(self, path, body):
        self.send(path, body)
        return self.reply()


def b64(s):
    return base64.b64encode(s.encode()).decode()


def put_req(key, value):
    return {"key": b64(PREFIX + key), "value": b64(json.dumps(value))}


def map_key(i):
    return "maps/0/198.%d.%d.%d/tcp/80" % (18 + (i >> 16) % 2, (i >> 8) & 255, i & 255)


MAP = {"endpoints": [{"name": "e"}]}


def log_times(log):
    """(time, message) of each of a log's lines (same clock, today)."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    for line in open(log, errors="replace"):
        m = LINE.match(line)
        if m:
            t = calendar.timegm(time.strptime(day + " " + m[1], "%Y-%m-%d %H:%M:%S"))
            yield t + int(m[2]) / 1000, m[3]


def applied(log):
    """[(revision, time)] of each revision the log says applied, in order."""
    revs = []
    for t, msg in log_times(log):
        m = re.match(r"revision (\d+) applied", msg)
        if m:
            revs.append((int(m[1]), t))
    return revs


def first_at(revs, rev):
    """When the host first held @rev: the first revision logged at or after it."""
    return next((t for r, t in revs if r >= rev), None)


def pct(sorted_values, p):
    """Nearest rank: of 100 samples, p99 is the 99th, not the largest."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def summary(lat, n):
    lat.sort()
    print("samples %d" % n)
    print("converged %d" % len(lat))
    print("misses %d" % (n - len(lat)))
    if lat:
        print("median_ms %.0f" % (statistics.median(lat) * 1000))
        print("p99_ms %.0f" % (pct(lat, 99) * 1000))
        print("max_ms %.0f" % (lat[-1] * 1000))


def converge(url, n, base, logs):
    e = Etcd(url)
    writes = []
    for i in range(n):
        t0 = time.time()
        r = e.call("kv/put", put_req("maps/0/198.51.100.1/tcp/%d" % (base + i), MAP))
        writes.append((int(r["header"]["revision"]), t0))
        time.sleep(0.3)
    deadline = time.time() + 60
    while True:
        seen = [applied(log) for log in logs]
        if all(first_at(s, writes[-1][0]) for s in seen) or time.time() > deadline:
            break
        time.sleep(0.5)
    lat = []
    for rev, t0 in writes:
        at = [first_at(s, rev) for s in seen]
        if all(at):
            lat.append(max(at) - t0)
    summary(lat, n)


def packet(url, n, addr, port):
    """Per write a new map; the first echo through it, probed every ms."""
    e = Etcd(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    lat = []
    for i in range(n):
        dst = (addr, port + i)
        value = {"endpoints": [{"name": "ec"}]}
        t0 = time.time()
        e.send("kv/put", put_req("maps/0/%s/udp/%d" % dst, value))
        got = None
        while time.time() - t0 < 10 and got is None:
            try:
                s.sendto(b"probe %d" % i, dst)
            except OSError:
                pass    # an ICMP error of a probe before the map: ignored
            if select.select([s], [], [], 0.001)[0]:
                try:
                    data, src = s.recvfrom(64)
                except OSError:
                    continue
                if src == dst and data == b"probe %d" % i:
                    got = time.time()
        e.reply()
        if got:
            lat.append(got - t0)
        time.sleep(0.1)
    summary(lat, n)


def fill(url, n):
    """The maps in transactions etcd takes by default; retries counted."""
    e, retries = Etcd(url), 0
    for first in range(0, n, TXN_OPS):
        ops = [{"request_put": put_req(map_key(i), MAP)}
               for i in range(first, min(n, first + TXN_OPS))]
        for attempt in range(10):
            try:
                e.call("kv/txn", {"success": ops})
                break
            except (IOError, OSError, http.client.HTTPException) as err:
                # Under TCG etcd may time a request out (503): again, later.
                print("fill: at map %d: %s" % (first, err), file=sys.stderr)
                retries += 1
                e = Etcd(url)
                time.sleep(1 + attempt)
        else:
            raise SystemExit("etcd refused the fill at map %d" % first)
    print("txn_ops %d" % TXN_OPS)
    print("retries %d" % retries)


def synced(log):
    """mnmapd's own start and replace lines: the full sync it timed."""
    start = replace = None
    for t, msg in log_times(log):
        if msg.startswith("host ") and " following " in msg:
            start = t
        elif start and re.match(r"revision \d+ applied as a replace", msg):
            replace = (t, msg)
            break
    if not replace:
        raise SystemExit("no replace logged after the start in %s" % log)
    print("sync_s %.1f" % (replace[0] - start))
    print("keys %s" % re.search(r"\((\d+) keys", replace[1])[1])
    split = re.search(r"read in ([\d.]+) s, applied in ([\d.]+) s", replace[1])
    if split:
        print("read_s %s" % split[1])
        print("apply_s %s" % split[2])


def rate(url, n):
    e = Etcd(url)
    t0 = time.time()
    key = b64("/mnmap-bench/rate")  # outside the layout: no host follows it
    for i in range(n):
        e.call("kv/put", {"key": key, "value": b64(str(i))})
    print("puts_per_s %.0f" % (n / (time.time() - t0)))


def main():
    url, what = sys.argv[1], sys.argv[2]
    if what == "converge":
        converge(url, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif what == "packet":
        packet(url, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif what == "fill":
        fill(url, int(sys.argv[3]))
    elif what == "synced":
        synced(sys.argv[3])
    elif what == "rate":
        rate(url, int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
