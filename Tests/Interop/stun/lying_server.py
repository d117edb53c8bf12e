#!/usr/bin/env python3
"""OUR negative control, never a server under test: a STUN Binding responder (UDP and TCP) that reports a WRONG
mapped address, so every mapped-address check in stun-clients.sh must FAIL against it (STUN_SERVER=liar).

usage: lying_server.py ADDRESS PORT {port|ip}
  port: reports the real source IP with source port + 1;  ip: reports the real port with the IP's last octet + 1.
Answers RFC 8489 requests with XOR-MAPPED-ADDRESS + MAPPED-ADDRESS and RFC 3489 ones (no cookie) with MAPPED-ADDRESS
only; everything else (including CHANGE-REQUEST tests) gets the same answer."""
import socket, struct, sys, threading

COOKIE = 0x2112A442
addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def lie(src):
    ip, p = src[0], src[1]
    if mode == "port":
        return ip, (p + 1) & 0xFFFF
    o = ip.split(".")
    return ".".join(o[:3] + [str((int(o[3]) + 1) % 256)]), p


def answer(req: bytes, src) -> bytes | None:
    if len(req) < 20 or struct.unpack("!H", req[:2])[0] != 0x0001:
        return None
    ip, p = lie(src)
    raw = socket.inet_aton(ip)
    attrs = struct.pack("!HHBBH", 0x0001, 8, 0, 1, p) + raw
    if struct.unpack("!I", req[4:8])[0] == COOKIE:
        x = bytes(a ^ b for a, b in zip(raw, struct.pack("!I", COOKIE)))
        attrs += struct.pack("!HHBBH", 0x0020, 8, 0, 1, p ^ (COOKIE >> 16)) + x
    return struct.pack("!HH", 0x0101, len(attrs)) + req[4:20] + attrs


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, src = s.recvfrom(2048)
        r = answer(data, src)
        if r:
            s.sendto(r, src)


def tcp_conn(c, src):
    buf = b""
    with c:
        while True:
            chunk = c.recv(4096)
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 20 and len(buf) >= 20 + struct.unpack("!H", buf[2:4])[0]:
                n = 20 + struct.unpack("!H", buf[2:4])[0]
                r = answer(buf[:n], src)
                buf = buf[n:]
                if r:
                    c.sendall(r)


def tcp():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        c, src = s.accept()
        threading.Thread(target=tcp_conn, args=(c, src), daemon=True).start()


threading.Thread(target=udp, daemon=True).start()
tcp()
