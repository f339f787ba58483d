#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mnmapd's convergence and full sync, measured against etcd's gateway.

  etcd.py URL converge N LOGS...   N map writes, one at a time; for each, the
                                   time until every host's mnmapd logged it
                                   applied (LOGS: their logs)
  etcd.py URL fill N               N maps written (in transactions of 1000)
  etcd.py URL rate N               etcd's own rate: N puts one after another

Prints one "name value" line per figure (milliseconds, or per second).
"""
import base64
import calendar
import json
import re
import statistics
import sys
import time
import urllib.error
import urllib.request

PREFIX = "/mnmap/v1/"


def call(url, path, body):
    req = urllib.request.Request(url + "/v3/" + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def put(url, key, value):
    r = call(url, "kv/put", {"key": b64(PREFIX + key), "value": b64(json.dumps(value))})
    return int(r["header"]["revision"])


def map_key(i):
    return "maps/0/198.%d.%d.%d/tcp/80" % (18 + (i >> 16) % 2, (i >> 8) & 255, i & 255)


MAP = {"endpoints": [{"name": "e"}]}


def applied(logs):
    """Each host's {revision: time applied} from its log (same clock, today)."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    seen = []
    for log in logs:
        revs = {}
        for line in open(log):
            m = re.match(r"mnmapd (\d+:\d+:\d+)\.(\d+): revision (\d+) applied", line)
            if m:
                t = calendar.timegm(time.strptime(day + " " + m[1], "%Y-%m-%d %H:%M:%S"))
                revs[int(m[3])] = t + int(m[2]) / 1000
        seen.append(revs)
    return seen


def converge(url, n, logs):
    writes = []
    for i in range(n):
        t0 = time.time()
        writes.append((put(url, "maps/0/198.51.100.1/tcp/%d" % (1000 + i), MAP), t0))
        time.sleep(0.3)
    deadline = time.time() + 60
    while True:
        seen = applied(logs)
        if all(writes[-1][0] in s for s in seen) or time.time() > deadline:
            break
        time.sleep(0.5)
    lat = []
    for rev, t0 in writes:
        if all(rev in s for s in seen):
            lat.append(max(s[rev] for s in seen) - t0)
    lat.sort()
    print("converged %d" % len(lat))
    if lat:
        print("median_ms %.0f" % (statistics.median(lat) * 1000))
        print("p99_ms %.0f" % (lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000))


def fill(url, n, chunk=250):
    for first in range(0, n, chunk):
        ops = [{"request_put": {"key": b64(PREFIX + map_key(i)), "value": b64(json.dumps(MAP))}}
               for i in range(first, min(n, first + chunk))]
        for attempt in range(10):
            try:
                call(url, "kv/txn", {"success": ops})
                break
            except urllib.error.HTTPError:
                # Under TCG etcd may time a request out (503): again, later.
                time.sleep(1 + attempt)
        else:
            raise SystemExit("etcd refused the fill at map %d" % first)


def rate(url, n):
    t0 = time.time()
    key = b64("/mnmap-bench/rate")  # outside the layout: no host follows it
    for i in range(n):
        call(url, "kv/put", {"key": key, "value": b64(str(i))})
    print("puts_per_s %.0f" % (n / (time.time() - t0)))


def main():
    url, what, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if what == "converge":
        converge(url, n, sys.argv[4:])
    elif what == "fill":
        fill(url, n)
    elif what == "rate":
        rate(url, n)


if __name__ == "__main__":
    main()
