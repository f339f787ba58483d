#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made frames for the tests: what real clients never send.

    pkt.py IFNAME DST-MAC EXPR     send the frame EXPR builds, on IFNAME
    pkt.py --vxlan VTEP VNI DST-MAC EXPR
                                   send it into the VXLAN tunnel to VTEP

EXPR is Python over the builders below, e.g.
    ip4("198.51.100.10", "192.0.2.2", UDP, udp(25000, 7001, b"hi"))
Checksums are right unless the builder is told otherwise, so that a
frame gets past them to the defect it is about. The source MAC is
IFNAME's own unless EXPR is a tuple (SRC-MAC, PAYLOAD). Stdlib only.
"""
import socket
import struct
import sys

TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58
ETH_IP, ETH_IP6, ETH_ARP = 0x0800, 0x86DD, 0x0806


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s >> 16) + (s & 0xFFFF)
    return ~s & 0xFFFF


def wordsum(data):
    """The ones' complement sum of data's 16-bit words, not complemented."""
    return ~csum(data) & 0xFFFF


def skew_udp(pkt, delta):
    """The UDP packet pkt built (no IPv6 extension headers) with its
    checksum wrong by exactly delta, in ones' complement."""
    ethertype, data = pkt
    off = (data[0] & 0xF) * 4 if ethertype == ETH_IP else 40
    c = struct.unpack("!H", data[off + 6:off + 8])[0] + delta
    c = (c & 0xFFFF) + (c >> 16)
    c = 0xFFFF if c in (0, 0x10000) else c & 0xFFFF
    return (ethertype, data[:off + 6] + struct.pack("!H", c) + data[off + 8:])


def _fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def _a(addr):
    return socket.inet_pton(_fam(addr), addr)


def _pseudo(src, dst, proto, length):
    if _fam(src) == socket.AF_INET6:
        return _a(src) + _a(dst) + struct.pack("!IxxxB", length, proto)
    return _a(src) + _a(dst) + struct.pack("!xBH", proto, length)


class L4:
    """A transport header and payload whose checksum needs the addresses."""

    def __init__(self, proto, data, csum_at):
        self.proto, self.data, self.csum_at = proto, data, csum_at

    def bytes(self, src, dst):
        if self.csum_at is None:
            return self.data
        d = bytearray(self.data)
        d[self.csum_at:self.csum_at + 2] = b"\0\0"
        c = csum(_pseudo(src, dst, self.proto, len(d)) + bytes(d))
        if self.proto == UDP and c == 0:
            c = 0xFFFF
        d[self.csum_at:self.csum_at + 2] = struct.pack("!H", c)
        return bytes(d)


def udp(sport, dport, payload=b"", length=None):
    n = 8 + len(payload) if length is None else length
    return L4(UDP, struct.pack("!HHHH", sport, dport, n, 0) + payload, 6)


def tcp(sport, dport, flags=0x02, payload=b"", doff=5, cut=None):
    """A TCP header (SYN by default); cut=N keeps only its first N bytes."""
    h = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, doff << 4, flags, 65535, 0, 0)
    h += b"\0" * max(0, doff * 4 - 20)
    if cut is not None:
        return L4(TCP, h[:cut], None)
    return L4(TCP, h + payload, 16)


def icmp4(typ, code, body=b"", rest=0):
    h = struct.pack("!BBHI", typ, code, 0, rest) + body
    return L4(ICMP, h[:2] + struct.pack("!H", csum(h)) + h[4:], None)


def icmp6(typ, code, body=b"", rest=0):
    return L4(ICMP6, struct.pack("!BBHI", typ, code, 0, rest) + body, 2)


def ip4(src, dst, proto, l4, ttl=64, ident=1, frag=0, ihl=5, options=b"", tot_len=None):
    """An IPv4 packet; l4 is an L4 or raw bytes."""
    payload = l4.bytes(src, dst) if isinstance(l4, L4) else l4
    hlen = 20 + len(options)
    n = hlen + len(payload) if tot_len is None else tot_len
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, n, ident, frag, ttl, proto, 0,
                    _a(src), _a(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return (ETH_IP, h + payload)


def ip6(src, dst, nexthdr, l4, hlim=64, exthdrs=b"", plen=None):
    """An IPv6 packet; exthdrs go before l4 (nexthdr names the first)."""
    payload = exthdrs + (l4.bytes(src, dst) if isinstance(l4, L4) else l4)
    n = len(payload) if plen is None else plen
    h = struct.pack("!IHBB16s16s", 6 << 28, n, nexthdr, hlim, _a(src), _a(dst))
    return (ETH_IP6, h + payload)


def inner(pkt):
    """The bytes of a packet built by ip4() or ip6(), to embed in an ICMP error."""
    return pkt[1]


def frame(dst_mac, src_mac, pkt):
    ethertype, payload = pkt
    mac = lambda m: bytes.fromhex(m.replace(":", ""))
    return mac(dst_mac) + mac(src_mac) + struct.pack("!H", ethertype) + payload


def vxlan(vni, dst_mac, src_mac, pkt):
    """A VXLAN payload (RFC 7348) carrying the frame pkt builds."""
    return struct.pack("!II", 0x08000000, vni << 8) + frame(dst_mac, src_mac, pkt)


def tunnel(vtep, vni, dst_mac, pkt, src_mac="02:00:00:00:ee:ee"):
    """Send a frame into the VXLAN tunnel of the host at vtep, as a host would."""
    s = socket.socket(_fam(vtep), socket.SOCK_DGRAM)
    s.sendto(vxlan(vni, dst_mac, src_mac, pkt), (vtep, 4789))


def send(ifname, dst_mac, pkt, src_mac=None):
    if src_mac is None:
        src_mac = open("/sys/class/net/%s/address" % ifname).read().strip()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    s.send(frame(dst_mac, src_mac, pkt))


def main():
    if sys.argv[1] == "--vxlan":
        vtep, vni, dst_mac, expr = sys.argv[2:6]
        tunnel(vtep, int(vni), dst_mac, eval(expr))
        return
    ifname, dst_mac, expr = sys.argv[1:4]
    what = eval(expr)
    src_mac = None
    if isinstance(what, tuple) and isinstance(what[0], str):
        src_mac, what = what
    send(ifname, dst_mac, what, src_mac)


if __name__ == "__main__":
    main()
