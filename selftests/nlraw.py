#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send hand-made mnmap netlink requests, to test the kernel's validation
without mnmapctl's own checks in the way.

    nlraw.py 'req("MAP_NEW", nest("MAP", a4("MAP_ADDR_IPV4", "192.0.2.1"), ...))'
    nlraw.py --hold-txn SECONDS [EXPR]
                                    open a transaction and keep it open
                                    (idle), then close it, or go on with
                                    EXPR (as below) on the same socket
    nlraw.py 'then(req("TXN_BEGIN"), req(...), shown("ENDPOINT", "ENDPOINT_USERS"))'

Requests in one expression go out on one socket (so into its transaction).
Prints "ok" (with shown(): "ok: VALUE", a u32 of the last reply) or
"error: ERRNO-NAME: EXTACK-MESSAGE" and exits 0 or 1.
Attribute and command names are read from include/uapi/linux/mnmap.h, so
this stays in step with the contract.
"""
import errno
import ipaddress
import os
import re
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 16, 3, 1, 2
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
NLMSGERR_ATTR_MSG = 1


def load_enums():
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    text = open(os.path.join(top, "include/uapi/linux/mnmap.h")).read()
    names = {}
    for body in re.findall(r"enum \w+ \{(.*?)\};", text, re.S):
        value = 0
        for name, explicit in re.findall(r"^\s*(MNMAP_\w+)(?:\s*=\s*(\d+))?,", body, re.M):
            value = int(explicit) if explicit else value + 1
            names[name] = value
    return names


ENUM = load_enums()


def attr(kind, name, payload):
    t = ENUM["MNMAP_%s_%s" % (kind, name)] if isinstance(name, str) else name
    hdr = struct.pack("=HH", 4 + len(payload), t)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


NLA_F_NESTED = 0x8000


def nest(name, *attrs):
    return attr("A", ENUM["MNMAP_A_" + name] | NLA_F_NESTED, b"".join(attrs))


def s(name, value):
    return attr("A", name, value.encode() + b"\0")


def u8(name, v):
    return attr("A", name, struct.pack("=B", v))


def u16(name, v):
    return attr("A", name, struct.pack("=H", v))


def u32(name, v):
    return attr("A", name, struct.pack("=I", v))


def raw(name, hexbytes):
    return attr("A", name, bytes.fromhex(hexbytes))


def ip(name, text):
    return attr("A", name, ipaddress.ip_address(text).packed)


def flag(name):
    return attr("A", name, b"")


class Sock:
    def __init__(self):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sk.bind((0, 0))
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = 0
        self.family = None
        self.family = self.resolve()

    def send(self, msg_type, cmd, payload):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        self.sk.send(struct.pack("=IHHII", 16 + len(body), msg_type,
                                 NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body)
        while True:
            data = self.sk.recv(65536)
            off = 0
            while off < len(data):
                length, typ, flags, seq, _ = struct.unpack_from("=IHHII", data, off)
                if typ == NLMSG_ERROR:
                    return self.parse_error(data[off:off + length], flags)
                if typ == msg_type:
                    self.reply = data[off + 20:off + length]
                off += (length + 3) & ~3

    def parse_error(self, msg, flags):
        err = struct.unpack_from("=i", msg, 16)[0]
        inner_len = struct.unpack_from("=I", msg, 20)[0]
        off = 20 + (16 if flags & 0x100 else (inner_len + 3) & ~3)  # NLM_F_CAPPED
        text = ""
        while off + 4 <= len(msg):
            alen, atype = struct.unpack_from("=HH", msg, off)
            if alen < 4:
                break
            if atype == NLMSGERR_ATTR_MSG:
                text = msg[off + 4:off + alen].rstrip(b"\0").decode()
            off += (alen + 3) & ~3
        return err, text

    def resolve(self):
        name = b"mnmap\0"
        payload = struct.pack("=HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name + b"\0" * 2
        err, text = self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, payload)
        if err:
            sys.exit("nlraw: cannot resolve the mnmap family: %s" % os.strerror(-err))
        off = 0
        while off < len(self.reply):
            alen, atype = struct.unpack_from("=HH", self.reply, off)
            if atype == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("=H", self.reply, off + 4)[0]
            off += (alen + 3) & ~3
        sys.exit("nlraw: no family id")

    def request(self, cmd, *attrs):
        self.reply = b""
        return self.send(self.family, ENUM["MNMAP_CMD_" + cmd], b"".join(attrs))

    def shown(self, outer, inner):
        """The u32 INNER in the OUTER nest of the last reply, as a result."""
        nested = attrs_of(self.reply).get(ENUM["MNMAP_A_" + outer])
        value = attrs_of(nested or b"").get(ENUM["MNMAP_A_" + inner])
        if value is None:
            return -errno.ENOENT, "the last reply has no %s in %s" % (inner, outer)
        return 0, str(struct.unpack_from("=I", value)[0])


def attrs_of(data):
    """Attribute type (flags masked) -> payload, for one level."""
    found, off = {}, 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4:
            break
        found[atype & 0x3FFF] = data[off + 4:off + alen]
        off += (alen + 3) & ~3
    return found


def then(*results):
    """The first failure among RESULTS, or the last result."""
    return next((r for r in results if r[0]), results[-1])


def report(result):
    err, text = result
    if err:
        print("error: %s: %s" % (errno.errorcode.get(-err, str(-err)), text))
        return 1
    print("ok: " + text if text else "ok")
    return 0


def main():
    sock = Sock()
    helpers = dict(nest=nest, s=s, u8=u8, u16=u16, u32=u32, raw=raw, ip=ip, flag=flag,
                   req=lambda cmd, *a: sock.request(cmd, *a), shown=sock.shown, then=then)
    if sys.argv[1] == "--hold-txn":
        rc = report(sock.request("TXN_BEGIN"))
        sys.stdout.flush()
        time.sleep(float(sys.argv[2]))
        if len(sys.argv) > 3:
            rc = report(eval(sys.argv[3], helpers))
        return rc
    return report(eval(sys.argv[1], helpers))


if __name__ == "__main__":
    sys.exit(main())
