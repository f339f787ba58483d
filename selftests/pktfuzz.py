#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send malformed Ethernet frames on one interface (AF_PACKET, SOCK_RAW).

    pktfuzz.py --iface IF --dst-mac MAC --src ADDR --src6 ADDR6
               --dst ADDR --dst6 ADDR6 [--ports P,P...] [--sports P,P...]
               [--arp-sender ADDR] [--nd-sender ADDR6]
               [--leak PREFIX]... [--seed N] [--count N] [--only GEN]

Each generator makes one kind of defect, with valid checksums wherever the
point is a structural defect, so the frame gets past checksum checks:
truncated and inconsistent IPv4 and IPv6 headers, IPv4 options and bad
IHL and total length, overlapping, oversized and tiny fragments, TCP data
offset below 5, UDP length mismatches, ICMP and ICMPv6 errors with
truncated embedded headers, long and truncated IPv6 extension header
chains, ARP and NDP with wrong lengths or truncated options, random bytes
after an Ethernet header, and random bit flips and truncations of valid
frames. --count frames of each generator, from a random.Random(seed).

Addresses: --src/--src6 are the senders (the client's, or a container's
own), --dst/--dst6 the mapped addresses aimed at, --ports their ports
(mapped or not), --sports the source ports. ARP and NDP use
--arp-sender/--nd-sender as the sender's address, one that no neighbour
cache here relies on, so the fuzz never poisons a route the checks use.

--leak PREFIX: count frames that come back on IF to an address of PREFIX
(the host's stack routed out what mnmap should have dropped or
delivered) and exit 1 when there are any, printing the first ones.
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys
import time

ETH_P_ALL, ETH_P_IP, ETH_P_IPV6, ETH_P_ARP = 0x0003, 0x0800, 0x86DD, 0x0806
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ihl=None, options=b"", tot_len=None, ident=1,
         frag_off=0, mf=False, df=False, ttl=64, fix_csum=True):
    opts = options + b"\0" * ((4 - len(options) % 4) % 4)
    real_ihl = 5 + len(opts) // 4
    ihl = real_ihl if ihl is None else ihl
    tot = 20 + len(opts) + len(payload) if tot_len is None else tot_len
    flags = (0x2000 if mf else 0) | (0x4000 if df else 0) | (frag_off & 0x1FFF)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 0xF), 0, tot & 0xFFFF, ident & 0xFFFF,
                      flags, ttl, proto, 0, src, dst) + opts
    if fix_csum:
        hdr = hdr[:10] + struct.pack("!H", csum(hdr[:max(20, min(len(hdr), ihl * 4))])) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, plen=None, hlim=64):
    n = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, n & 0xFFFF, nh, hlim, src, dst) + payload


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length & 0xFFFF)
    return src + dst + struct.pack("!IxxxB", length, proto)


def l4_csum(src, dst, proto, segment, at):
    """SEGMENT with its checksum (at offset AT) computed over what it is."""
    if len(segment) < at + 2:
        return segment
    seg = segment[:at] + b"\0\0" + segment[at + 2:]
    c = csum(pseudo(src, dst, proto, len(seg)) + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def tcp(src, dst, sport, dport, flags=0x02, doff=5, options=b"", payload=b"", seq=1):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (doff & 0xF) << 4, flags,
                      65535, 0, 0) + options
    return l4_csum(src, dst, 6, hdr + payload, 16)


def udp(src, dst, sport, dport, payload=b"", length=None):
    n = 8 + len(payload) if length is None else length
    return l4_csum(src, dst, 17, struct.pack("!HHHH", sport, dport, n & 0xFFFF, 0) + payload, 6)


def icmp4(typ, code, rest, payload):
    body = struct.pack("!BBH", typ, code, 0) + rest + payload
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def icmp6(src, dst, typ, code, rest, payload):
    return l4_csum(src, dst, 58, struct.pack("!BBH", typ, code, 0) + rest + payload, 2)


def arp(op, sha, spa, tha, tpa, htype=1, ptype=ETH_P_IP, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


class Gens:
    """One method per kind of defect; each returns one frame."""

    def __init__(self, r, o):
        self.r, self.o = r, o
        self.dmac, self.smac = mac(o.dst_mac), mac(o.src_mac)
        self.src = ipaddress.ip_address(o.src).packed
        self.src6 = ipaddress.ip_address(o.src6).packed
        self.dst = [ipaddress.ip_address(x).packed for x in o.dst]
        self.dst6 = [ipaddress.ip_address(x).packed for x in o.dst6]
        self.ports = [int(p) for p in o.ports.split(",")]
        self.sports = [int(p) for p in o.sports.split(",")]
        self.ident = r.randrange(65536)

    # Building blocks

    def d4(self):
        return self.r.choice(self.dst)

    def d6(self):
        return self.r.choice(self.dst6)

    def port(self):
        return self.r.choice(self.ports) if self.r.random() < 0.8 else self.r.randrange(65536)

    def sport(self):
        return self.r.choice(self.sports) if self.r.random() < 0.8 else self.r.randrange(65536)

    def junk(self, lo, hi):
        return bytes(self.r.randrange(256) for _ in range(self.r.randrange(lo, hi + 1)))

    def e4(self, payload):
        return eth(self.dmac, self.smac, ETH_P_IP, payload)

    def e6(self, payload):
        return eth(self.dmac, self.smac, ETH_P_IPV6, payload)

    def l4(self, src, dst, v6=False):
        """(proto, a valid TCP, UDP or ICMP segment) between SRC and DST."""
        r = self.r
        k = r.randrange(3)
        if k == 0:
            return 6, tcp(src, dst, self.sport(), self.port(), flags=r.choice([2, 0x10, 0x18, 4]),
                          payload=self.junk(0, 40))
        if k == 1:
            return 17, udp(src, dst, self.sport(), self.port(), self.junk(0, 64))
        if v6:
            return 58, icmp6(src, dst, 128, 0, struct.pack("!HH", r.randrange(65536), 1), self.junk(0, 32))
        return 1, icmp4(8, 0, struct.pack("!HH", r.randrange(65536), 1), self.junk(0, 32))

    def valid(self):
        """A valid frame of any kind, to mutate."""
        r = self.r
        k = r.randrange(4)
        if k == 0:
            d = self.d4()
            p, seg = self.l4(self.src, d)
            return self.e4(ipv4(self.src, d, p, seg))
        if k == 1:
            d = self.d6()
            p, seg = self.l4(self.src6, d, v6=True)
            return self.e6(ipv6(self.src6, d, p, seg))
        if k == 2:
            return self.arp_frame(arp(1, self.smac, self.arp_sender(), bytes(6), self.d4()))
        return self.ns_frame(self.d6(), self.nd_opts_valid())

    # IPv4

    def ipv4_truncated(self):
        p, seg = self.l4(self.src, self.d4())
        f = self.e4(ipv4(self.src, self.d4(), p, seg))
        return f[:self.r.randrange(14, len(f))]

    def ipv4_bad_ihl_len(self):
        r = self.r
        d = self.d4()
        p, seg = self.l4(self.src, d)
        k = r.randrange(4)
        if k == 0:      # IHL below 5
            return self.e4(ipv4(self.src, d, p, seg, ihl=r.randrange(5)))
        if k == 1:      # IHL beyond the packet
            return self.e4(ipv4(self.src, d, p, seg[:r.randrange(0, 20)], ihl=r.randrange(6, 16)))
        if k == 2:      # total length beyond the frame, or inside the header
            tot = r.choice([r.randrange(0, 20), 20 + len(seg) + r.randrange(1, 2000), 65535])
            return self.e4(ipv4(self.src, d, p, seg, tot_len=tot))
        # total length shorter than the frame (trailing bytes), or cutting L4
        return self.e4(ipv4(self.src, d, p, seg, tot_len=20 + r.randrange(0, len(seg) + 1)))

    def ipv4_options(self):
        r = self.r
        d = self.d4()
        p, seg = self.l4(self.src, d)
        kinds = [
            lambda: b"\x01" * r.randrange(1, 40),                     # NOPs
            lambda: b"\x07" + bytes([r.randrange(256)]) + self.junk(0, 38),  # record route
            lambda: b"\x44" + bytes([r.choice([0, 1, 2, 40, 255])]) + self.junk(0, 38),  # timestamp
            lambda: b"\x83" + bytes([r.choice([0, 1, 3, 39])]) + b"\x04" + self.junk(0, 36),  # LSRR
            lambda: b"\x94\x04\0\0",                                  # router alert
            lambda: self.junk(1, 40),
        ]
        opts = r.choice(kinds)()[:40]
        return self.e4(ipv4(self.src, d, p, seg, options=opts))

    def ipv4_fragments(self):
        """A datagram to a mapped UDP or TCP port in fragments that
        overlap, overrun 65535, leave no room for the ports, or come
        without their first."""
        r = self.r
        d = self.d4()
        self.ident = (self.ident + 1) & 0xFFFF
        p, seg = (17, udp(self.src, d, self.sport(), self.port(), self.junk(16, 200))) \
            if r.random() < 0.6 else (6, tcp(self.src, d, self.sport(), self.port(), payload=self.junk(8, 200)))
        k = r.randrange(5)
        if k == 0:      # a first fragment too short for the ports
            return self.e4(ipv4(self.src, d, p, seg[:r.randrange(0, 4)], ident=self.ident, mf=True))
        if k == 1:      # overlapping: a later one starting inside the first
            return self.e4(ipv4(self.src, d, p, seg[r.randrange(0, 8):], ident=self.ident,
                                frag_off=r.randrange(0, 2), mf=r.random() < 0.5))
        if k == 2:      # offset and length beyond 65535
            return self.e4(ipv4(self.src, d, p, self.junk(64, 600), ident=self.ident,
                                frag_off=0x1FFF - r.randrange(4), mf=r.random() < 0.5))
        if k == 3:      # a later fragment with no first
            return self.e4(ipv4(self.src, d, p, self.junk(8, 100), ident=r.randrange(65536),
                                frag_off=r.randrange(1, 100), mf=r.random() < 0.5))
        # a first fragment with MF and offset 0 but a total length that
        # disagrees, or DF and MF together
        return self.e4(ipv4(self.src, d, p, seg, ident=self.ident, mf=True, df=True,
                            tot_len=20 + len(seg) + r.choice([-3, 1, 8])))

    def tcp_bad_doff(self):
        r = self.r
        v6 = r.random() < 0.4
        s, d = (self.src6, self.d6()) if v6 else (self.src, self.d4())
        doff = r.choice([0, 1, 2, 3, 4, 15, 6])
        seg = tcp(s, d, self.sport(), self.port(), flags=r.choice([2, 0x12, 0x10, 0x11]),
                  doff=doff, payload=self.junk(0, 12))
        return self.e6(ipv6(s, d, 6, seg)) if v6 else self.e4(ipv4(s, d, 6, seg))

    def udp_bad_len(self):
        r = self.r
        v6 = r.random() < 0.4
        s, d = (self.src6, self.d6()) if v6 else (self.src, self.d4())
        payload = self.junk(0, 64)
        n = r.choice([0, 1, 7, 8 + len(payload) + r.randrange(1, 100), 8 + len(payload) - 1, 65535])
        seg = udp(s, d, self.sport(), self.port(), payload, length=n)
        if r.random() < 0.3:
            seg = seg[:r.randrange(0, 8)]       # not even a whole header
        return self.e6(ipv6(s, d, 17, seg)) if v6 else self.e4(ipv4(s, d, 17, seg))

    def icmp_error_truncated(self):
        """An error about a packet the destination sent: the embedded
        header truncated, inconsistent, or itself an error."""
        r = self.r
        d = self.d4()
        inner_p, inner_seg = self.l4(d, self.src)
        inner = ipv4(d, self.src, inner_p, inner_seg)
        k = r.randrange(4)
        if k == 0:
            inner = inner[:r.randrange(0, 28)]
        elif k == 1:
            inner = ipv4(d, self.src, inner_p, inner_seg, ihl=r.choice([0, 4, 15]))[:r.randrange(8, 40)]
        elif k == 2:
            inner = ipv4(d, self.src, 1, icmp4(3, 3, bytes(4), inner[:r.randrange(0, 28)]))
        else:
            inner = ipv4(r.choice([d, self.src]), self.src, inner_p, inner_seg[:r.randrange(0, 8)],
                         frag_off=r.choice([0, 0, 5]))
        typ, code = r.choice([(3, 0), (3, 1), (3, 3), (3, 4), (11, 0), (12, 0), (5, 1), (4, 0)])
        rest = struct.pack("!HH", 0, r.choice([0, 68, 576, 1280])) if typ == 3 else bytes(4)
        return self.e4(ipv4(self.src, d, 1, icmp4(typ, code, rest, inner)))

    # IPv6

    def ipv6_truncated(self):
        r = self.r
        d = self.d6()
        p, seg = self.l4(self.src6, d, v6=True)
        if r.random() < 0.5:
            f = self.e6(ipv6(self.src6, d, p, seg))
            return f[:r.randrange(14, len(f))]
        # payload length that disagrees with the frame
        return self.e6(ipv6(self.src6, d, p, seg, plen=r.choice(
            [0, 1, len(seg) - 1, len(seg) + r.randrange(1, 1500), 65535])))

    def ext_header(self, nh, kind):
        """One extension header (hop-by-hop 0, routing 43, fragment 44,
        destination options 60) followed by NH."""
        r = self.r
        if kind == 44:
            return struct.pack("!BBHI", nh, 0, (r.randrange(0, 8) << 3) | r.randrange(2),
                               r.getrandbits(32))
        n = r.choice([0, 0, 1, 2])
        body = bytes([1, 4 + 8 * n]) + b"\0" * (4 + 8 * n) if r.random() < 0.8 else self.junk(6 + 8 * n, 6 + 8 * n)
        if kind == 43:
            body = bytes([r.choice([0, 2, 4]), r.randrange(3)]) + body[2:]
        return bytes([nh, n]) + body

    def ipv6_ext_chain(self):
        """Up to 40 extension headers before TCP or UDP to a mapped port:
        whole, cut in the middle, or one length pointing past the end."""
        r = self.r
        d = self.d6()
        p, seg = self.l4(self.src6, d, v6=True)
        kinds = [r.choice([0, 43, 44, 60]) for _ in range(r.choice([1, 2, 8, 40]))]
        if r.random() < 0.5:
            kinds[0] = 0            # hop-by-hop first, where it belongs
        chain, nh = seg, p
        for kind in reversed(kinds):
            chain = self.ext_header(nh, kind) + chain
            nh = kind
        k = r.randrange(3)
        if k == 0:
            chain = chain[:r.randrange(0, len(chain))]
        elif k == 1:
            chain = bytes([chain[0], 255]) + chain[2:]     # length far past the end
        return self.e6(ipv6(self.src6, d, nh, chain, plen=len(chain) if r.random() < 0.8 else None))

    def ipv6_fragments(self):
        r = self.r
        d = self.d6()
        p, seg = self.l4(self.src6, d, v6=True)
        ident = r.getrandbits(32)
        k = r.randrange(4)
        if k == 0:      # first fragment too short for the ports
            body, off, m = seg[:r.randrange(0, 4)], 0, 1
        elif k == 1:    # overlapping
            body, off, m = seg, r.randrange(0, 2), r.randrange(2)
        elif k == 2:    # past 65535
            body, off, m = self.junk(64, 600), 0x1FFF - r.randrange(4), r.randrange(2)
        else:           # an atomic fragment
            body, off, m = seg, 0, 0
        frag = struct.pack("!BBHI", p, 0, (off << 3) | m, ident)
        return self.e6(ipv6(self.src6, d, 44, frag + body))

    def icmp6_error_truncated(self):
        r = self.r
        d = self.d6()
        inner_p, inner_seg = self.l4(d, self.src6, v6=True)
        inner = ipv6(d, self.src6, inner_p, inner_seg)
        k = r.randrange(3)
        if k == 0:
            inner = inner[:r.randrange(0, 48)]
        elif k == 1:
            # the embedded packet's own extension headers, cut
            chain = self.ext_header(inner_p, r.choice([0, 60, 44])) + inner_seg
            inner = ipv6(d, self.src6, r.choice([0, 60, 44]), chain)[:r.randrange(40, 56)]
        else:
            inner = ipv6(d, self.src6, 58, icmp6(d, self.src6, 1, 4, bytes(4), inner[:r.randrange(0, 48)]))
        typ, code = r.choice([(1, 0), (1, 4), (2, 0), (3, 0), (4, 0), (4, 1)])
        rest = struct.pack("!I", r.choice([0, 1280, 1500])) if typ == 2 else bytes(4)
        return self.e6(ipv6(self.src6, d, 58, icmp6(self.src6, d, typ, code, rest, inner)))

    # ARP and NDP

    def arp_sender(self):
        return ipaddress.ip_address(self.o.arp_sender).packed

    def arp_frame(self, body):
        return eth(self.r.choice([self.dmac, b"\xff" * 6]), self.smac, ETH_P_ARP, body)

    def arp_bad(self):
        r = self.r
        tpa = self.d4() if r.random() < 0.8 else bytes([169, 254, 1, 1])
        k = r.randrange(4)
        if k == 0:      # truncated
            return self.arp_frame(arp(1, self.smac, self.arp_sender(), bytes(6), tpa)[:r.randrange(0, 28)])
        if k == 1:      # hardware and protocol lengths that do not fit the frame
            hlen, plen = r.choice([(0, 4), (6, 0), (8, 4), (6, 16), (255, 255), (16, 16)])
            return self.arp_frame(arp(1, self.smac, self.arp_sender(), bytes(6), tpa, hlen=hlen,
                                      plen=plen) + self.junk(0, 20))
        if k == 2:      # other hardware/protocol types and opcodes
            return self.arp_frame(arp(r.choice([0, 1, 2, 3, 8, 0xFFFF]), self.smac, self.arp_sender(),
                                      bytes(6), tpa, htype=r.choice([1, 6, 0xFFFF]),
                                      ptype=r.choice([ETH_P_IP, ETH_P_IPV6, 0])))
        return self.arp_frame(self.junk(0, 60))

    def nd_sender(self):
        return ipaddress.ip_address(self.o.nd_sender).packed

    def nd_opts_valid(self):
        return struct.pack("!BB", 1, 1) + self.smac

    def ns_frame(self, target, opts, src=None, hlim=255, dst=None):
        src = self.nd_sender() if src is None else src
        dst = dst or (b"\xff\x02" + b"\0" * 9 + b"\x01\xff" + target[13:])
        body = icmp6(src, dst, 135, 0, bytes(4), target + opts)
        return self.e6(ipv6(src, dst, 58, body, hlim=hlim))

    def ndp_bad(self):
        r = self.r
        target = self.d6() if r.random() < 0.8 else ipaddress.ip_address("fe80::1").packed
        k = r.randrange(5)
        if k == 0:      # an option of length 0 (forbidden), or past the end
            opts = struct.pack("!BB", 1, r.choice([0, 2, 255])) + self.smac
        elif k == 1:    # truncated option
            opts = self.nd_opts_valid()[:r.randrange(1, 8)]
        elif k == 2:    # no full target, lengths and checksum consistent
            src, dst = self.nd_sender(), b"\xff\x02" + b"\0" * 9 + b"\x01\xff" + target[13:]
            body = icmp6(src, dst, 135, 0, bytes(4), target[:r.randrange(0, 16)])
            return self.e6(ipv6(src, dst, 58, body, hlim=255))
        elif k == 3:    # a hop limit other than 255, or an unspecified source with a lladdr
            return self.ns_frame(target, self.nd_opts_valid(), hlim=r.choice([1, 64, 254]),
                                 src=r.choice([None, bytes(16)]))
        else:           # many options, one bad
            opts = b"".join(struct.pack("!BB", r.randrange(1, 30), 1) + self.junk(6, 6)
                            for _ in range(r.randrange(1, 20))) + struct.pack("!BB", 14, 0)
        if r.random() < 0.3:
            # a neighbour advertisement, router solicitation or redirect instead
            typ = r.choice([136, 133, 137])
            src = self.nd_sender()
            dst = b"\xff\x02" + b"\0" * 13 + b"\x01"
            body = icmp6(src, dst, typ, 0, bytes(4), target + opts)
            return self.e6(ipv6(src, dst, 58, body, hlim=255))
        return self.ns_frame(target, opts)

    # Anything

    def valid_udp(self):
        """Not a defect: a datagram to the first --dst and --ports, which
        shows that the frames this builds are right."""
        seg = udp(self.src, self.dst[0], self.sports[0], self.ports[0], b"pktfuzz")
        return self.e4(ipv4(self.src, self.dst[0], 17, seg))

    def random_after_eth(self):
        r = self.r
        t = r.choice([ETH_P_IP, ETH_P_IPV6, ETH_P_ARP, 0x8100, 0x88A8, r.randrange(65536)])
        body = self.junk(0, 120)
        if t == ETH_P_IP and body and r.random() < 0.5:
            body = bytes([0x45]) + body[1:]
        if t == ETH_P_IPV6 and body and r.random() < 0.5:
            body = bytes([0x60]) + body[1:]
        return eth(self.dmac, self.smac, t, body)

    def mutated(self):
        r = self.r
        f = bytearray(self.valid())
        for _ in range(r.randrange(1, 4)):
            k = r.randrange(3)
            if k == 0:
                pos = r.randrange(14, len(f))
                f[pos] ^= 1 << r.randrange(8)
            elif k == 1:
                f = f[:r.randrange(14, len(f) + 1)]
            else:
                f += self.junk(1, 30)
            if len(f) <= 14:
                f += self.junk(1, 20)
        return bytes(f)


GENERATORS = ["ipv4_truncated", "ipv4_bad_ihl_len", "ipv4_options", "ipv4_fragments",
              "tcp_bad_doff", "udp_bad_len", "icmp_error_truncated", "ipv6_truncated",
              "ipv6_ext_chain", "ipv6_fragments", "icmp6_error_truncated", "arp_bad",
              "ndp_bad", "random_after_eth", "mutated"]


def leaked(frame, prefixes):
    """The managed address FRAME (received) is sent to, if any."""
    if len(frame) < 14:
        return None
    t = struct.unpack_from("!H", frame, 12)[0]
    if t == ETH_P_IP and len(frame) >= 34:
        dst = ipaddress.ip_address(frame[30:34])
    elif t == ETH_P_IPV6 and len(frame) >= 54:
        dst = ipaddress.ip_address(frame[38:54])
    else:
        return None
    return dst if any(dst in p for p in prefixes) else None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src-mac")
    p.add_argument("--src", required=True)
    p.add_argument("--src6", required=True)
    p.add_argument("--dst", action="append", required=True)
    p.add_argument("--dst6", action="append", required=True)
    p.add_argument("--ports", default="80")
    p.add_argument("--sports", default="40000")
    p.add_argument("--arp-sender", default="192.0.2.222")
    p.add_argument("--nd-sender", default="2001:db8:c::222")
    p.add_argument("--leak", action="append", default=[])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--only")
    p.add_argument("--verbose", action="store_true")
    o = p.parse_args()
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sk.bind((o.iface, 0))
    sk.setblocking(False)
    if not o.src_mac:
        o.src_mac = open("/sys/class/net/%s/address" % o.iface).read().strip()
    prefixes = [ipaddress.ip_network(x) for x in o.leak]
    r = random.Random(o.seed)
    g = Gens(r, o)
    names = [o.only] if o.only else GENERATORS
    print("pktfuzz: %s seed %d, %d frames of each of %s" % (o.iface, o.seed, o.count, " ".join(names)))
    sent, leaks = 0, []
    for name in names:
        for _ in range(o.count):
            frame = getattr(g, name)()
            if o.verbose:
                print(name, frame.hex())
            try:
                sk.send(frame)
                sent += 1
            except OSError as e:    # a frame the driver refuses (too short)
                if o.verbose:
                    print("  refused:", e)
            drain(sk, prefixes, leaks)
    time.sleep(0.5)
    drain(sk, prefixes, leaks)
    print("pktfuzz: sent %d frames, %d came back to a managed address" % (sent, len(leaks)))
    for frame in leaks[:5]:
        print("  leaked:", frame.hex())
    return 1 if leaks else 0


def drain(sk, prefixes, leaks):
    while True:
        try:
            frame, addr = sk.recvfrom(65536)
        except BlockingIOError:
            return
        if addr[2] != PACKET_OUTGOING and prefixes and leaked(frame, prefixes):
            leaks.append(frame)


if __name__ == "__main__":
    sys.exit(main())
