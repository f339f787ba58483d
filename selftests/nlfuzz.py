#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fuzz mnmap's generic netlink family from the namespace it runs in.

    nlfuzz.py --mode MODE [--seed N] [--count N] [--dev IFNAME]...
              [--endpoint NAME]... [--addr ADDR]... [--map SPEC]... [--verbose]

Each message is a valid request of some command (built from the attribute
and command numbers of include/uapi/linux/mnmap.h, as nlraw.py does),
then mutated. MODE says which:

  invalid  exactly one mutation that makes the request invalid for sure
           (wrong attribute length, unknown or unsupported type, nesting
           flag wrong, truncated attribute, value out of range, bad name,
           read-only attribute, missing address, truncated genl header,
           dump of a do-only command). Every command, destructive ones
           included, aimed at the existing --endpoint and --addr objects:
           the kernel must refuse each one (any success is reported with
           the message in hex and makes the exit status 1).
  safe     random mutations (one to three) of additions, gets, dumps and
           transactions that are never committed, on fuzz-only names and
           addresses (10/8, fd00::/8): nothing the caller set up can
           change. For a namespace whose table must keep serving.
  any      everything: every command with random valid values and random
           mutations, random commands, flags and versions, raw bit flips
           and truncations, several messages in one send, garbage, several
           sockets (a transaction left open is dropped when its socket
           closes). Destructive: run it on a scratch namespace.

Generation depends only on the seed (printed first), never on the replies,
so a seed reproduces the same messages. Prints a summary of the replies.
"""
import argparse
import errno
import ipaddress
import os
import random
import re
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nlraw import ENUM, Sock  # noqa: E402

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 1, 2, 4, 8
NLM_F_ROOT, NLM_F_MATCH = 0x100, 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NAME_MAX = ENUM.get("MNMAP_NAME_MAX_LEN", 64)


def cmd(name):
    return ENUM["MNMAP_CMD_" + name]


def a(name):
    return ENUM["MNMAP_A_" + name]


# Which commands have a policy (their attributes are validated strictly),
# which only dump, which change state.
POLICY_CMDS = {"HOST_SET", "ENDPOINT_NEW", "ENDPOINT_SET", "ENDPOINT_DEL",
               "ENDPOINT_GET", "MAP_NEW", "MAP_DEL", "MAP_GET", "TXN_BEGIN"}
DO_ONLY = {"HOST_GET", "HOST_SET", "ENDPOINT_NEW", "ENDPOINT_SET", "ENDPOINT_DEL",
           "MAP_NEW", "MAP_DEL", "MAP_FLUSH", "TXN_BEGIN", "TXN_COMMIT", "TXN_ABORT"}
SAFE_CMDS = ["HOST_GET", "ENDPOINT_NEW", "ENDPOINT_GET", "MAP_NEW", "MAP_GET",
             "TXN_BEGIN", "TXN_ABORT"]
ALL_CMDS = sorted(POLICY_CMDS | DO_ONLY)
# The highest type of each attribute set, for "unknown type" mutations.
# (The header's *_MAX are expressions that nlraw does not read.)
SET_MAX = {"A": max(v for k, v in ENUM.items() if re.match(r"MNMAP_A_[A-Z]+$", k))}
for _set in ("HOST", "ENDPOINT", "MAP"):
    SET_MAX[_set] = max(v for k, v in ENUM.items() if k.startswith("MNMAP_A_%s_" % _set))


class Attr:
    """One attribute: a leaf (bytes) or a nest (list of Attr). kind is
    what the policy expects: u8, u16, u32, bin4, bin6, bin16, str, flag,
    nest; set is the attribute set of the nest's children."""

    def __init__(self, t, value, kind, aset=None):
        self.t, self.value, self.kind, self.aset = t, value, kind, aset
        self.flags = NLA_F_NESTED if kind == "nest" else 0
        self.len_delta = 0          # added to nla_len when serialised
        self.name = None            # its uAPI name, where it has one

    def payload(self):
        if self.kind == "nest":
            return b"".join(c.pack() for c in self.value)
        return self.value

    def pack(self):
        p = self.payload()
        hdr = struct.pack("=HH", max(0, min(0xFFFF, 4 + len(p) + self.len_delta)),
                          (self.t | self.flags) & 0xFFFF)
        return hdr + p + b"\0" * ((4 - len(p) % 4) % 4)


def leaf(set_, name, kind, value):
    full = "MNMAP_A_%s_%s" % (set_, name) if set_ != "A" else "MNMAP_A_" + name
    x = Attr(ENUM[full], value, kind)
    x.name = full
    return x


def nest(name, set_, children):
    return Attr(a(name), children, "nest", set_)


def u8(v):
    return struct.pack("=B", v & 0xFF)


def u16(v):
    return struct.pack("=H", v & 0xFFFF)


def u32(v):
    return struct.pack("=I", v & 0xFFFFFFFF)


def name_bytes(text):
    return text.encode() + b"\0"


class Msg:
    def __init__(self, cmd_name, attrs, flags=NLM_F_REQUEST | NLM_F_ACK):
        self.cmd_name, self.attrs, self.flags = cmd_name, attrs, flags
        self.cmd = cmd(cmd_name)
        self.version, self.reserved = 1, 0
        self.genl_len = 4           # bytes of the genl header kept
        self.cut = 0                # bytes cut off the end, nlmsg_len follows
        self.junk = b""
        self.why = ""               # the mutations, for reports

    def pack(self, family, seq):
        body = struct.pack("=BBH", self.cmd, self.version, self.reserved)[:self.genl_len]
        if self.genl_len == 4:
            body += b"".join(x.pack() for x in self.attrs) + self.junk
        if self.cut:
            body = body[:max(0, len(body) - self.cut)]
        return struct.pack("=IHHII", 16 + len(body), family, self.flags, seq, 0) + body


class Gen:
    """Valid requests of every command, from the objects given."""

    def __init__(self, rnd, opts):
        self.r, self.o = rnd, opts
        self.ifindexes = [socket.if_nametoindex(d) for d in opts.dev] or [1]
        self.n = 0

    def fuzz_name(self):
        self.n += 1
        return "fz%d-%d" % (self.o.seed, self.n)

    def name(self, existing):
        if existing and self.o.endpoint:
            return self.r.choice(self.o.endpoint)
        if self.o.mode == "any" and self.r.random() < 0.5 and self.o.endpoint:
            return self.r.choice(self.o.endpoint)
        return self.fuzz_name()

    def mac(self):
        return bytes([0x02] + [self.r.randrange(256) for _ in range(5)])

    def addr(self, existing, v6=None):
        """(attr name suffix, packed address)."""
        if existing and self.o.addr:
            ip = ipaddress.ip_address(self.r.choice(self.o.addr))
        elif (self.r.random() < 0.5) if v6 is None else v6:
            ip = ipaddress.ip_address("fd00::%x:%x" % (self.r.randrange(65536), self.r.randrange(65536)))
        else:
            ip = ipaddress.ip_address("10.%d.%d.%d" % tuple(self.r.randrange(256) for _ in range(3)))
        return ("ADDR_IPV6" if ip.version == 6 else "ADDR_IPV4"), ip.packed

    def endpoint_nest(self, existing):
        r = self.r
        kids = [leaf("ENDPOINT", "NAME", "str", name_bytes(self.name(existing))),
                leaf("ENDPOINT", "MAC", "bin6", self.mac())]
        if r.random() < 0.6:
            kids.append(leaf("ENDPOINT", "IFINDEX", "u32", u32(r.choice(self.ifindexes))))
        elif r.random() < 0.5:
            kids.append(leaf("ENDPOINT", "VTEP_IPV4", "bin4", bytes([192, 0, 2, r.randrange(1, 255)])))
            kids.append(leaf("ENDPOINT", "VNI", "u32", u32(r.randrange(1 << 24))))
        else:
            kids.append(leaf("ENDPOINT", "VTEP_IPV6", "bin16",
                             ipaddress.ip_address("2001:db8:f::%x" % r.randrange(1, 65536)).packed))
        return nest("ENDPOINT", "ENDPOINT", kids)

    def map_nest(self, existing, with_endpoint=True):
        r = self.r
        if existing and self.o.map:
            return self.known_map(r.choice(self.o.map), with_endpoint)
        an, packed = self.addr(existing)
        kids = [leaf("MAP", an, "bin16" if len(packed) == 16 else "bin4", packed)]
        proto = r.choice([6, 17, 58 if len(packed) == 16 else 1])
        kids.append(leaf("MAP", "PROTO", "u8", u8(proto)))
        if proto in (6, 17):
            first = r.randrange(1, 65536)
            kids.append(leaf("MAP", "PORT_FIRST", "u16", u16(first)))
            if r.random() < 0.4:
                kids.append(leaf("MAP", "PORT_LAST", "u16",
                                 u16(min(65535, first + r.randrange(200)))))
        if r.random() < 0.2:
            kids.append(leaf("MAP", "TENANT", "u32", u32(0)))
        if with_endpoint:
            ep = self.r.choice(self.o.endpoint) if self.o.endpoint else self.fuzz_name()
            kids.append(leaf("MAP", "ENDPOINT", "str", name_bytes(ep)))
            if r.random() < 0.5:
                kids.append(leaf("MAP", "WEIGHT", "u32", u32(r.randrange(1, 65536))))
        return nest("MAP", "MAP", kids)

    def known_map(self, spec, with_endpoint):
        """A map the caller set up: "ADDR PROTO [PORT] [ENDPOINT]"."""
        words = spec.split()
        ip = ipaddress.ip_address(words[0])
        kids = [leaf("MAP", "ADDR_IPV6" if ip.version == 6 else "ADDR_IPV4",
                     "bin16" if ip.version == 6 else "bin4", ip.packed),
                leaf("MAP", "PROTO", "u8", u8({"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}[words[1]]))]
        if len(words) > 2:
            kids.append(leaf("MAP", "PORT_FIRST", "u16", u16(int(words[2]))))
        if with_endpoint and len(words) > 3:
            kids.append(leaf("MAP", "ENDPOINT", "str", name_bytes(words[3])))
        return nest("MAP", "MAP", kids)

    def request(self, name, existing):
        """A valid request of command NAME; EXISTING aims it at the
        caller's objects (invalid mode), else at fuzz-only ones."""
        r = self.r
        if name == "HOST_GET":
            return Msg(name, [])
        if name == "HOST_SET":
            kids = [leaf("HOST", "UPLINK", "u32", u32(r.choice(self.ifindexes)))]
            if not existing:
                kids = r.sample(kids + [
                    leaf("HOST", "VTEP_IPV4", "bin4", bytes([192, 0, 2, r.randrange(256)])),
                    leaf("HOST", "VTEP_IPV6", "bin16", bytes(16)),
                    leaf("HOST", "GATEWAY_IPV4", "bin4", bytes(4)),
                    leaf("HOST", "VXLAN", "u32", u32(0))], r.randrange(1, 4))
            return Msg(name, [nest("HOST", "HOST", kids)])
        if name == "ENDPOINT_NEW":
            return Msg(name, [self.endpoint_nest(False) for _ in range(r.choice([1, 1, 2, 5]))])
        if name == "ENDPOINT_SET":
            return Msg(name, [self.endpoint_nest(existing or r.random() < 0.5)])
        if name == "ENDPOINT_DEL":
            attrs = [nest("ENDPOINT", "ENDPOINT",
                          [leaf("ENDPOINT", "NAME", "str", name_bytes(self.name(existing)))])]
            if existing or r.random() < 0.5:
                attrs.append(leaf("A", "FORCE", "flag", b""))
            return Msg(name, attrs)
        if name == "ENDPOINT_GET":
            if r.random() < 0.5:
                return Msg(name, [], NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)
            return Msg(name, [nest("ENDPOINT", "ENDPOINT",
                                   [leaf("ENDPOINT", "NAME", "str", name_bytes(self.name(True)))])])
        if name == "MAP_NEW":
            return Msg(name, [self.map_nest(False) for _ in range(r.choice([1, 1, 2, 8]))])
        if name == "MAP_DEL":
            m = self.map_nest(existing, with_endpoint=r.random() < 0.3)
            m.value = [k for k in m.value if k.t != ENUM["MNMAP_A_MAP_WEIGHT"]]
            return Msg(name, [m])
        if name == "MAP_GET":
            attrs = [self.map_nest(True, with_endpoint=False)] if r.random() < 0.4 else []
            return Msg(name, attrs, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)
        if name == "TXN_BEGIN":
            replace = self.o.mode != "safe" and (existing or r.random() < 0.3)
            return Msg(name, [leaf("A", "REPLACE", "flag", b"")] if replace else [])
        return Msg(name, [])        # MAP_FLUSH, TXN_COMMIT, TXN_ABORT


def walk(attrs, parent_set="A"):
    """Every (attribute, its list, the set it belongs to), depth first."""
    for x in attrs:
        yield x, attrs, parent_set
        if x.kind == "nest" and isinstance(x.value, list):
            yield from walk(x.value, x.aset)


WRONG_LEN = {"u8": [0, 2, 4], "u16": [0, 1, 4], "u32": [0, 2, 8], "bin4": [0, 3, 16],
             "bin6": [0, 5, 8], "bin16": [0, 4, 15, 17], "flag": [1, 4]}
OUT_OF_RANGE = {  # attribute name -> packed values the policy or handler refuse
    "MNMAP_A_MAP_WEIGHT": [u32(0), u32(65536), u32(0xFFFFFFFF)],
    "MNMAP_A_MAP_TENANT": [u32(1 << 24), u32(0xFFFFFFFF)],
    "MNMAP_A_MAP_PORT_FIRST": [u16(0)],
    "MNMAP_A_MAP_PROTO": [u8(0), u8(47), u8(255)],
    "MNMAP_A_ENDPOINT_VNI": [u32(1 << 24)],
    # 0 says "no device" (what a device that went away leaves): valid.
    "MNMAP_A_ENDPOINT_IFINDEX": [u32(0x7FFFFFF0)],
}
READ_ONLY = {"HOST": ["VERSION", "STATS", "DATAPATH"], "ENDPOINT": ["USERS", "STATS"],
             "MAP": ["STATS", "BACKEND"]}
BAD_NAMES = [b"", b"a b", b"x/y", b"\xff\xfe", b"a" * (NAME_MAX + 1), b"-" * 3 + b"\n"]


def mutate_invalid(r, m):
    """Apply one mutation that makes M invalid for sure; returns False
    when none fits M (it has no attributes and no way to be refused)."""
    if m.cmd_name not in POLICY_CMDS or not m.attrs:
        # Attributes of commands without a policy are not looked at: only
        # the header can be wrong.
        if m.cmd_name in DO_ONLY and r.random() < 0.5:
            m.flags |= NLM_F_DUMP
            m.why = "dump of a do-only command"
        else:
            m.genl_len = r.randrange(4)
            m.why = "genl header cut to %d bytes" % m.genl_len
        return True
    nodes = list(walk(m.attrs))
    # What the policy refuses, for every command that has one; what only
    # the handler refuses, for the commands that change state (a dump's
    # filter may match nothing instead).
    choices = ["len", "unknown", "unsupported", "nestflag", "trunc", "tiny", "readonly"]
    if any(x.name in OUT_OF_RANGE for x, _, _ in nodes):
        choices.append("range")
    if any(x.kind == "str" for x, _, _ in nodes):
        choices.append("nonul")
        if m.cmd_name in DO_ONLY:
            choices.append("name")
    if m.cmd_name in ("MAP_NEW", "MAP_DEL") and any(x.aset == "MAP" for x, _, _ in nodes):
        choices.append("noaddr")
    if m.cmd_name in DO_ONLY:
        choices.append("dump")
    how = r.choice(choices)
    m.why = how
    if how == "len":
        x, _, _ = r.choice([n for n in nodes if n[0].kind in WRONG_LEN] or nodes)
        if x.kind not in WRONG_LEN:
            return mutate_invalid(r, m)
        n = r.choice(WRONG_LEN[x.kind])
        x.value = (x.value + bytes(r.randrange(256) for _ in range(n)))[:n]
        m.why += " %s to %d bytes" % (x.name or x.t, n)
    elif how in ("unknown", "unsupported"):
        parents = [(m.attrs, "A")] + [(x.value, x.aset) for x, _, _ in nodes if x.kind == "nest"]
        lst, set_ = r.choice(parents)
        if how == "unknown":
            t = r.choice([0, SET_MAX[set_] + 1 + r.randrange(20), 0x3FFF])
        else:
            # A type of the set that this command's policy does not take.
            t = a("COUNT") if set_ == "A" else SET_MAX[set_] + 1
        lst.insert(r.randrange(len(lst) + 1), Attr(t, u32(r.getrandbits(32)), "u32"))
        m.why += " type %d in %s" % (t, set_)
    elif how == "nestflag":
        x, _, _ = r.choice(nodes)
        x.flags ^= NLA_F_NESTED
        m.why += " flipped on type %d" % x.t
    elif how == "trunc":
        # The last attribute says it is longer than what is left.
        m.cut = r.randrange(1, 4) if r.random() < 0.5 else 0
        x = m.attrs[-1]
        while x.kind == "nest" and x.value and r.random() < 0.5:
            x = x.value[-1]
        x.len_delta = r.randrange(1, 64)
        m.why += " nla_len +%d on type %d" % (x.len_delta, x.t)
    elif how == "tiny":
        x, _, _ = r.choice(nodes)
        x.len_delta = -(4 + len(x.payload())) + r.randrange(4)
        m.why += " nla_len %d on type %d" % (4 + len(x.payload()) + x.len_delta, x.t)
    elif how == "readonly":
        parents = [(x.value, x.aset) for x, _, _ in nodes if x.kind == "nest" and x.aset in READ_ONLY]
        if not parents:
            return mutate_invalid(r, m)
        lst, set_ = r.choice(parents)
        ro = r.choice(READ_ONLY[set_])
        t = ENUM["MNMAP_A_%s_%s" % (set_, ro)]
        lst.append(Attr(t, [], "nest") if ro in ("STATS", "BACKEND") else Attr(t, b"", "flag"))
        m.why += " %s %s" % (set_, ro)
    elif how == "range":
        x, _, _ = r.choice([n for n in nodes if n[0].name in OUT_OF_RANGE])
        if x.name == "MNMAP_A_MAP_PROTO" and m.cmd_name not in DO_ONLY:
            return mutate_invalid(r, m)
        x.value = r.choice(OUT_OF_RANGE[x.name])
        m.why += " %s=%s" % (x.name, x.value.hex())
    elif how == "name":
        x, _, _ = r.choice([n for n in nodes if n[0].kind == "str"])
        x.value = r.choice(BAD_NAMES) + b"\0"
        m.why += " %r" % x.value
    elif how == "nonul":
        x, _, _ = r.choice([n for n in nodes if n[0].kind == "str"])
        x.value = x.value.rstrip(b"\0") or b"x"
        m.why += " %r" % x.value
    elif how == "noaddr":
        for x, _, _ in nodes:
            if x.aset == "MAP":
                x.value = [k for k in x.value if k.kind not in ("bin4", "bin16")]
    elif how == "dump":
        m.flags |= NLM_F_DUMP
    return True


def mutate_random(r, m, mode):
    """One random mutation, valid or not."""
    nodes = list(walk(m.attrs))
    how = r.choice(["len", "type", "dup", "drop", "wrap", "flatten", "bytes", "nestflag",
                    "trunc", "tiny", "flags", "cmd", "version", "junk", "cut", "flip",
                    "invalid", "value"])
    m.why += " " + how
    if how == "invalid":
        mutate_invalid(r, m)
    elif not nodes and how not in ("flags", "cmd", "version", "junk", "cut", "flip"):
        m.junk += bytes(r.randrange(256) for _ in range(r.randrange(1, 24)))
    elif how == "len":
        x, _, _ = r.choice(nodes)
        if x.kind != "nest":
            n = r.choice([0, 1, 2, 3, 4, 5, 6, 8, 15, 16, 17, 64, 65, 300])
            x.value = (x.value + bytes(r.randrange(256) for _ in range(n)))[:n]
    elif how == "type":
        x, _, _ = r.choice(nodes)
        x.t = r.randrange(0, 16) if r.random() < 0.9 else r.getrandbits(14)
    elif how == "dup":
        x, lst, _ = r.choice(nodes)
        lst.insert(r.randrange(len(lst) + 1), copy_attr(x))
    elif how == "drop":
        x, lst, _ = r.choice(nodes)
        lst.remove(x)
    elif how == "wrap":
        x, lst, _ = r.choice(nodes)
        i = lst.index(x)
        lst[i] = Attr(x.t if r.random() < 0.5 else r.randrange(1, 12), [x], "nest", "A")
    elif how == "flatten":
        nests = [n for n in nodes if n[0].kind == "nest"]
        if nests:
            x, lst, _ = r.choice(nests)
            i = lst.index(x)
            lst[i:i + 1] = x.value
    elif how == "bytes":
        x, _, _ = r.choice(nodes)
        if x.kind != "nest" and x.value:
            b = bytearray(x.value)
            for _ in range(r.randrange(1, 4)):
                b[r.randrange(len(b))] = r.randrange(256)
            x.value = bytes(b)
    elif how == "value":
        x, _, s = r.choice(nodes)
        if x.kind in ("u8", "u16", "u32"):
            width = {"u8": 1, "u16": 2, "u32": 4}[x.kind]
            x.value = r.choice([0, 1, 0xFF, 0xFFFF, 65536, 1 << 24, 0xFFFFFFFF,
                                r.getrandbits(32)]).to_bytes(4, sys.byteorder)[:width]
    elif how == "nestflag":
        x, _, _ = r.choice(nodes)
        x.flags ^= r.choice([NLA_F_NESTED, NLA_F_NET_BYTEORDER])
    elif how == "trunc":
        x, _, _ = r.choice(nodes)
        x.len_delta = r.randrange(1, 40)
    elif how == "tiny":
        x, _, _ = r.choice(nodes)
        x.len_delta = -(4 + len(x.payload())) + r.randrange(4)
    elif how == "flags":
        m.flags = NLM_F_REQUEST | r.choice([0, NLM_F_ACK]) | r.choice(
            [0, NLM_F_DUMP, NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH, 0x400, 0x800, NLM_F_MULTI])
    elif how == "cmd":
        if mode == "safe":
            m.cmd = cmd(r.choice(SAFE_CMDS))
        else:
            m.cmd = r.choice([r.randrange(0, 32), r.randrange(256), cmd(r.choice(ALL_CMDS))])
    elif how == "version":
        m.version, m.reserved = r.randrange(256), r.choice([0, 0, r.getrandbits(16)])
    elif how == "junk":
        m.junk += bytes(r.randrange(256) for _ in range(r.randrange(1, 24)))
    elif how == "cut":
        m.cut = r.randrange(1, 12)
    elif how == "flip":
        m.flip = r.randrange(1, 4)  # applied to the attribute bytes by send


def copy_attr(x):
    y = Attr(x.t, [copy_attr(c) for c in x.value] if x.kind == "nest" else x.value, x.kind, x.aset)
    y.flags, y.len_delta = x.flags, x.len_delta
    return y


class Fuzzer:
    def __init__(self, opts):
        self.o = opts
        self.r = random.Random(opts.seed)
        self.gen = Gen(self.r, opts)
        self.family = Sock().family
        self.socks = [self.open() for _ in range(3)]
        self.seq = 1000
        self.results = {}
        self.violations = 0

    def open(self):
        sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        sk.bind((0, 0))
        sk.setsockopt(270, 11, 1)   # NETLINK_EXT_ACK
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sk.settimeout(10)
        return sk

    def exchange(self, sk, data, seq):
        """Send DATA, then a HOST_GET to know when the kernel is done with
        it (netlink handles a socket's messages in order, at send time).
        Returns 'ok', 'errno NAME' or 'none' for DATA's seq."""
        sk.send(data)
        fence = seq + 1
        sk.send(struct.pack("=IHHII", 20, self.family, NLM_F_REQUEST | NLM_F_ACK, fence, 0) +
                struct.pack("=BBH", cmd("HOST_GET"), 1, 0))
        verdict = "none"
        while True:
            buf = sk.recv(1 << 20)
            off = 0
            while off + 16 <= len(buf):
                length, typ, _flags, s, _ = struct.unpack_from("=IHHII", buf, off)
                if length < 16:
                    break
                if s == fence and typ == NLMSG_ERROR:
                    return verdict
                if s == seq:
                    if typ == NLMSG_ERROR:
                        err = struct.unpack_from("=i", buf, off + 16)[0]
                        if err:
                            verdict = "error " + errno.errorcode.get(-err, str(-err))
                        elif verdict == "none":
                            verdict = "ok"
                    elif verdict == "none":
                        verdict = "ok"
                off += (length + 3) & ~3

    def one(self, i):
        r, o = self.r, self.o
        if o.mode == "invalid":
            name = r.choice(ALL_CMDS)
            m = self.gen.request(name, existing=True)
            mutate_invalid(r, m)
        else:
            name = r.choice(SAFE_CMDS if o.mode == "safe" else ALL_CMDS)
            m = self.gen.request(name, existing=False)
            for _ in range(r.choice([0, 1, 1, 1, 2, 3]) if o.mode == "safe" else r.randrange(0, 4)):
                mutate_random(r, m, o.mode)
        self.seq += 2
        data = bytearray(m.pack(self.family, self.seq))
        for _ in range(getattr(m, "flip", 0)):
            if len(data) > 20:
                pos = r.randrange(20, len(data))
                data[pos] ^= 1 << r.randrange(8)
        data = bytes(data)
        if o.mode == "any" and r.random() < 0.05:
            # Several messages in one send, one of them garbage.
            extra = bytes(r.randrange(256) for _ in range(r.randrange(0, 40)))
            data = data + extra
        k = r.randrange(len(self.socks))
        if o.mode != "invalid" and r.random() < 0.02:
            # A socket goes (with whatever transaction it held) and another
            # comes.
            self.socks[k].close()
            self.socks[k] = self.open()
        verdict = self.exchange(self.socks[k], data, self.seq)
        key = "%s: %s" % (name, verdict)
        self.results[key] = self.results.get(key, 0) + 1
        if o.verbose:
            print("%d %s [%s] %s -> %s" % (i, name, m.why.strip(), data.hex(), verdict))
        if o.mode == "invalid" and verdict == "ok":
            self.violations += 1
            print("ACCEPTED INVALID #%d %s (%s): %s" % (i, name, m.why, data.hex()))

    def run(self):
        print("nlfuzz: mode %s seed %d count %d" % (self.o.mode, self.o.seed, self.o.count))
        for i in range(self.o.count):
            self.one(i)
        for sk in self.socks:
            sk.close()
        for key in sorted(self.results):
            print("  %5d %s" % (self.results[key], key))
        return 1 if self.violations else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["invalid", "safe", "any"], required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--dev", action="append", default=[])
    p.add_argument("--endpoint", action="append", default=[])
    p.add_argument("--addr", action="append", default=[])
    p.add_argument("--map", action="append", default=[],
                   help='"ADDR PROTO [PORT [ENDPOINT]]" of an existing map')
    p.add_argument("--verbose", action="store_true")
    return Fuzzer(p.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
