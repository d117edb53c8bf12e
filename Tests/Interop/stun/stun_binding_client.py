#!/usr/bin/env python3
"""OUR OWN minimal STUN Binding client (stdlib only) -- used for the TCP checks, because no packaged client here does
STUN over TCP (turnutils_stunclient, stun-client and pystun3 are UDP only). It is NOT one of the independent clients.

usage: stun_binding_client.py {tcp|udp} HOST PORT [--fingerprint]
Sends one RFC 8489 Binding request (magic cookie, optional FINGERPRINT), verifies the transaction ID and the
FINGERPRINT of the answer when present, and prints one line:  mapped=IP:PORT local=IP:PORT
XOR-MAPPED-ADDRESS is required; a plain MAPPED-ADDRESS, if also present, must agree with it. Exit 1 on any problem."""
import os, socket, struct, sys, zlib

COOKIE = 0x2112A442


def fingerprint(msg: bytes) -> bytes:
    return struct.pack("!HHI", 0x8028, 4, (zlib.crc32(msg) ^ 0x5354554E) & 0xFFFFFFFF)


def request(tid: bytes, with_fp: bool) -> bytes:
    if not with_fp:
        return struct.pack("!HHI", 0x0001, 0, COOKIE) + tid
    head = struct.pack("!HHI", 0x0001, 8, COOKIE) + tid
    return head + fingerprint(head)


def parse(resp: bytes, tid: bytes):
    if len(resp) < 20:
        raise ValueError(f"short response ({len(resp)} bytes)")
    mtype, mlen, cookie = struct.unpack("!HHI", resp[:8])
    if mtype != 0x0101:
        raise ValueError(f"not a Binding success response: type 0x{mtype:04x}")
    if cookie != COOKIE or resp[8:20] != tid:
        raise ValueError("magic cookie / transaction ID mismatch")
    if len(resp) != 20 + mlen:
        raise ValueError(f"length field {mlen} but {len(resp) - 20} attribute bytes")
    xor = plain = None
    off = 20
    while off < len(resp):
        atype, alen = struct.unpack("!HH", resp[off:off + 4])
        val = resp[off + 4:off + 4 + alen]
        if len(val) != alen:
            raise ValueError("attribute overruns message")
        if atype in (0x0020, 0x0001):
            family, port = val[1], struct.unpack("!H", val[2:4])[0]
            if family != 1:
                raise ValueError(f"address family {family} (expected IPv4)")
            addr = val[4:8]
            if atype == 0x0020:
                port ^= COOKIE >> 16
                addr = bytes(a ^ b for a, b in zip(addr, struct.pack("!I", COOKIE)))
                xor = (socket.inet_ntoa(addr), port)
            else:
                plain = (socket.inet_ntoa(addr), port)
        elif atype == 0x8028:
            want = fingerprint(resp[:2] + struct.pack("!H", off + 8 - 20) + resp[4:off])
            if val != want[4:]:
                raise ValueError("bad FINGERPRINT in response")
        off += 4 + ((alen + 3) & ~3)
    if xor is None:
        raise ValueError("no XOR-MAPPED-ADDRESS")
    if plain is not None and plain != xor:
        raise ValueError(f"MAPPED-ADDRESS {plain} disagrees with XOR-MAPPED-ADDRESS {xor}")
    return xor


def main() -> int:
    proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with_fp = "--fingerprint" in sys.argv[4:]
    tid = os.urandom(12)
    req = request(tid, with_fp)
    if proto == "tcp":
        s = socket.create_connection((host, port), timeout=3)
        s.sendall(req)
        buf = b""
        while len(buf) < 20 or len(buf) < 20 + struct.unpack("!H", buf[2:4])[0]:
            chunk = s.recv(4096)
            if not chunk:
                raise ValueError("connection closed before a full response")
            buf += chunk
        resp = buf[:20 + struct.unpack("!H", buf[2:4])[0]]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1)
        s.connect((host, port))
        for _ in range(3):
            s.send(req)
            try:
                resp = s.recv(2048)
                break
            except socket.timeout:
                continue
        else:
            raise ValueError("no response")
    mapped = parse(resp, tid)
    local = s.getsockname()
    print(f"mapped={mapped[0]}:{mapped[1]} local={local[0]}:{local[1]}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # one line, for the suite's failure output
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
