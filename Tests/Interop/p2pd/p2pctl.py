#!/usr/bin/env python3
"""Minimal control client for go-libp2p's p2pd (hivemind fork, wheel hivemind==1.1.12), stdlib only.

Written against hivemind/proto/p2pd.proto (package p2pclient.p2pd.pb): every control message is a protobuf preceded
by its uvarint length, on a fresh connection to the daemon's unix socket (-listen /unix/PATH). The protobuf, base58,
multiaddr, CID and Ed25519 key code below is hand-written for the few messages the harness needs (no codegen).

Usage: p2pctl.py [-s SOCKET] [--json] COMMAND ...   (SOCKET: /unix/PATH or PATH; default $P2PD_SOCK)
  identify                       line 1: peer ID, then one listen multiaddr per line
  connect PEERID MADDR...        [--timeout S]
  disconnect PEERID
  list-peers                     one line per connected peer: PEERID MADDR[,MADDR...]
  dht-find-peer PEERID           line 1: peer ID, then its multiaddrs
  dht-closest-peers KEY          peer IDs, one per line (KEY is text, e.g. a peer ID string)
  dht-provide CID
  dht-find-providers CID         [--count N]; one line per provider: PEERID MADDR[,...]
  kad-rpc PEERID TYPE KEY        [--proto P]; ONE raw Kademlia request (no lookup) on a fresh stream to PEERID:
                                 TYPE find-node (KEY = peer ID), get-providers (KEY = CID; its multihash is sent),
                                 get-value (KEY = text); prints `type N`, then `closer|provider PEERID MADDR[,...]`
                                 lines and `record VALUEHEX` from the single reply
  stream-open PEERID PROTO...    [--data TEXT | --data-hex HEX | stdin] [--read-bytes N] [--idle S] [--half-close]
                                 sends, prints what comes back to stdout (see the half-close quirk below)
  stream-handler PROTO... --listen /unix/PATH [--echo] [--max-streams N]
                                 serves streams until killed (or N streams); echo mode echoes bytes back
  peer-identify PEERID           opens /ipfs/id/1.0.0 to PEERID through the daemon; prints the decoded Identify
  ping PEERID                    [--count N]; /ipfs/ping/1.0.0 through the daemon, prints RTTs in ms
  genkey FILE                    writes a new Ed25519 identity for `p2pd -id FILE`, prints its peer ID
  peerid FILE                    prints the peer ID of a key file written by genkey
  cid TEXT                       prints the CIDv1 (raw, sha2-256, base32) of TEXT, for dht-provide tests
Quirk: p2pd turns EOF on a stream's unix socket into a full Close of the libp2p stream (no half-close), so
stream-open keeps its write side open until it has read the reply.
Exit status: 0 on success, 1 on a daemon ERROR response (message on stderr), 2 on usage/transport errors.
"""
import argparse
import hashlib
import json
import os
import socket
import sys
import threading

# ---------------------------------------------------------------------------------------------------------------
# uvarint and protobuf (proto2 wire format; only varint and length-delimited fields are used by p2pd.proto)


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_uvarint_from(buf, i):
    n = shift = 0
    for _ in range(10):
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7
    raise ValueError("varint too long")


def pb_encode(fields):
    """fields: list of (number, value); int -> varint, bytes/str -> length-delimited, bool -> varint."""
    out = bytearray()
    for num, val in fields:
        if val is None:
            continue
        if isinstance(val, (bool, int)):
            v = int(val)
            if v < 0:
                v += 1 << 64
            out += uvarint(num << 3) + uvarint(v)
        else:
            if isinstance(val, str):
                val = val.encode()
            out += uvarint(num << 3 | 2) + uvarint(len(val)) + val
    return bytes(out)


def pb_decode(buf):
    """-> {number: [values]}; varints as int, length-delimited as bytes; fixed32/64 skipped."""
    fields = {}
    i = 0
    while i < len(buf):
        key, i = read_uvarint_from(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_uvarint_from(buf, i)
        elif wt == 2:
            n, i = read_uvarint_from(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated field")
            v, i = bytes(buf[i:i + n]), i + n
        elif wt == 1:
            v, i = None, i + 8
        elif wt == 5:
            v, i = None, i + 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        if v is not None:
            fields.setdefault(num, []).append(v)
    return fields


def one(fields, num, default=None):
    v = fields.get(num)
    return v[-1] if v else default


# ---------------------------------------------------------------------------------------------------------------
# base58btc, base32, peer IDs, CIDs

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(b):
    n = int.from_bytes(b, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = B58[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s


def b58decode(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + raw


B32 = "abcdefghijklmnopqrstuvwxyz234567"


def b32encode(b):
    bits = "".join(f"{x:08b}" for x in b)
    bits += "0" * (-len(bits) % 5)
    return "".join(B32[int(bits[i:i + 5], 2)] for i in range(0, len(bits), 5))


def b32decode(s):
    bits = "".join(f"{B32.index(c):05b}" for c in s.lower())
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))


def peer_to_str(b):
    return b58encode(b)


def peer_from_str(s):
    """base58 multihash (Qm.../12D3Koo...) or CIDv1 with the libp2p-key codec (b...)."""
    if s.startswith(("Qm", "1")):
        return b58decode(s)
    if s.startswith("b"):
        raw = b32decode(s[1:])
        ver, i = read_uvarint_from(raw, 0)
        codec, i = read_uvarint_from(raw, i)
        if ver != 1 or codec != 0x72:
            raise ValueError(f"not a libp2p-key CID: {s}")
        return raw[i:]
    raise ValueError(f"cannot parse peer ID {s!r}")


def cid_from_str(s):
    if s.startswith("Qm"):
        return b58decode(s)  # CIDv0: the bare sha2-256 multihash
    if s.startswith("b"):
        return b32decode(s[1:])
    if s.startswith("z"):
        return b58decode(s[1:])
    raise ValueError(f"cannot parse CID {s!r} (want Qm..., b... or z...)")


def cid_to_str(b):
    return b58encode(b) if len(b) == 34 and b[:2] == b"\x12\x20" else "b" + b32encode(b)


def cid_of_text(text):
    return "b" + b32encode(uvarint(1) + uvarint(0x55) + b"\x12\x20" + hashlib.sha256(text.encode()).digest())


# ---------------------------------------------------------------------------------------------------------------
# multiaddr (binary <-> string) for the protocols p2pd and Waystone use

# code: (name, size) with size in bytes, 0 = no value, -1 = uvarint-length-prefixed
MA_PROTOS = {
    4: ("ip4", 4), 6: ("tcp", 2), 273: ("udp", 2), 33: ("dccp", 2), 132: ("sctp", 2), 41: ("ip6", 16),
    42: ("ip6zone", -1), 43: ("ipcidr", 1), 53: ("dns", -1), 54: ("dns4", -1), 55: ("dns6", -1),
    56: ("dnsaddr", -1), 400: ("unix", -1), 421: ("p2p", -1), 290: ("p2p-circuit", 0), 460: ("quic", 0),
    461: ("quic-v1", 0), 465: ("webtransport", 0), 466: ("certhash", -1), 477: ("ws", 0), 478: ("wss", 0),
    448: ("tls", 0), 449: ("sni", -1), 454: ("noise", 0), 480: ("http", 0), 280: ("webrtc-direct", 0),
    281: ("webrtc", 0), 479: ("p2p-websocket-star", 0), 275: ("p2p-webrtc-star", 0), 276: ("p2p-webrtc-direct", 0),
    277: ("p2p-stardust", 0), 301: ("udt", 0), 302: ("utp", 0),
}
MA_BY_NAME = {v[0]: (k, v[1]) for k, v in MA_PROTOS.items()}
MA_BY_NAME["ipfs"] = MA_BY_NAME["p2p"]


def _ma_val_to_str(name, v):
    if name == "ip4":
        return socket.inet_ntop(socket.AF_INET, v)
    if name == "ip6":
        return socket.inet_ntop(socket.AF_INET6, v)
    if name in ("tcp", "udp", "dccp", "sctp"):
        return str(int.from_bytes(v, "big"))
    if name == "ipcidr":
        return str(v[0])
    if name == "p2p":
        return peer_to_str(v)
    if name == "certhash":
        import base64
        return "u" + base64.urlsafe_b64encode(v).decode().rstrip("=")
    if name == "unix":
        return v.decode().lstrip("/")
    return v.decode()


def _ma_val_from_str(name, s):
    if name == "ip4":
        return socket.inet_pton(socket.AF_INET, s)
    if name == "ip6":
        return socket.inet_pton(socket.AF_INET6, s)
    if name in ("tcp", "udp", "dccp", "sctp"):
        return int(s).to_bytes(2, "big")
    if name == "ipcidr":
        return bytes([int(s)])
    if name == "p2p":
        return peer_from_str(s)
    if name == "certhash":
        import base64
        if not s.startswith("u"):
            raise ValueError("certhash: only base64url (u...) supported")
        return base64.urlsafe_b64decode(s[1:] + "=" * (-len(s[1:]) % 4))
    return s.encode()


def ma_to_str(b):
    out, i = [], 0
    while i < len(b):
        code, i = read_uvarint_from(b, i)
        if code not in MA_PROTOS:
            return "".join(out) + f"/<unknown-{code}>/{b[i:].hex()}"
        name, size = MA_PROTOS[code]
        if size == 0:
            out.append("/" + name)
            continue
        if size < 0:
            size, i = read_uvarint_from(b, i)
        v, i = b[i:i + size], i + size
        out.append(f"/{name}/{_ma_val_to_str(name, v)}")
    return "".join(out)


def ma_from_str(s):
    parts = s.split("/")
    if parts[0] != "":
        raise ValueError(f"multiaddr must start with '/': {s!r}")
    out, i = bytearray(), 1
    while i < len(parts):
        name = parts[i]
        i += 1
        if name == "" and i == len(parts):
            break
        if name not in MA_BY_NAME:
            raise ValueError(f"unknown multiaddr protocol {name!r}")
        code, size = MA_BY_NAME[name]
        out += uvarint(code)
        if size == 0:
            continue
        if name == "unix":  # path: the rest of the string
            v, i = ("/" + "/".join(parts[i:])).encode(), len(parts)
        else:
            if i >= len(parts):
                raise ValueError(f"{name}: missing value")
            v = _ma_val_from_str(name, parts[i])
            i += 1
        if size < 0:
            out += uvarint(len(v))
        elif len(v) != size:
            raise ValueError(f"{name}: bad value length")
        out += v
    return bytes(out)


def split_p2p(maddr):
    """'/ip4/../tcp/1/p2p/ID' -> ('ID', '/ip4/../tcp/1')."""
    if "/p2p/" not in maddr:
        return None, maddr
    head, _, pid = maddr.rpartition("/p2p/")
    return pid, head


# ---------------------------------------------------------------------------------------------------------------
# Ed25519 public key from a seed (RFC 8032 reference arithmetic) for `p2pd -id` key files

_P = 2 ** 255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y, sign):
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x & 1) != sign:
        x = _P - x
    return x


def _padd(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def ed25519_public(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    gy = 4 * pow(5, _P - 2, _P) % _P
    gx = _recover_x(gy, 0)
    pt, q = (gx, gy, 1, gx * gy % _P), (0, 1, 1, 0)
    while a:
        if a & 1:
            q = _padd(q, pt)
        pt = _padd(pt, pt)
        a >>= 1
    zi = pow(q[2], _P - 2, _P)
    x, y = q[0] * zi % _P, q[1] * zi % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def peer_id_of_ed25519(pub):
    key = pb_encode([(1, 1), (2, pub)])  # crypto.pb PublicKey{Type: Ed25519, Data}
    return b58encode(b"\x00" + uvarint(len(key)) + key)  # identity multihash (key <= 42 bytes)


def peer_id_of_key(key):
    """Peer ID (base58) of a crypto.pb PublicKey: identity multihash up to 42 bytes, sha2-256 above."""
    if len(key) <= 42:
        return b58encode(b"\x00" + uvarint(len(key)) + key)
    return b58encode(b"\x12\x20" + hashlib.sha256(key).digest())


def genkey(path):
    seed = os.urandom(32)
    pub = ed25519_public(seed)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pb_encode([(1, 1), (2, seed + pub)]))  # crypto.pb PrivateKey; go wants seed||pub
    return peer_id_of_ed25519(pub)


def peerid_of_keyfile(path):
    f = pb_decode(open(path, "rb").read())
    if one(f, 1) != 1:
        raise ValueError("only Ed25519 key files are supported")
    return peer_id_of_ed25519(one(f, 2)[32:64])


# ---------------------------------------------------------------------------------------------------------------
# control connection

REQ = {"IDENTIFY": 0, "CONNECT": 1, "STREAM_OPEN": 2, "STREAM_HANDLER": 3, "DHT": 4, "LIST_PEERS": 5,
       "DISCONNECT": 7, "REMOVE_STREAM_HANDLER": 10}
DHT = {"FIND_PEER": 0, "FIND_PEERS_CONNECTED_TO_PEER": 1, "FIND_PROVIDERS": 2, "GET_CLOSEST_PEERS": 3,
       "GET_PUBLIC_KEY": 4, "GET_VALUE": 5, "SEARCH_VALUE": 6, "PUT_VALUE": 7, "PROVIDE": 8}
DHT_BEGIN, DHT_VALUE, DHT_END = 0, 1, 2
MAX_MSG = 4 << 20


class DaemonError(Exception):
    pass


class Conn:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = bytearray()

    def send_msg(self, payload):
        self.sock.sendall(uvarint(len(payload)) + payload)

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("daemon closed the control connection")
            self.buf += chunk

    def recv_msg(self):
        n = shift = i = 0
        while True:
            self._fill(i + 1)
            b = self.buf[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if i > 9:
                raise ValueError("bad length prefix")
        if n > MAX_MSG:
            raise ValueError(f"message too large ({n})")
        self._fill(i + n)
        msg = bytes(self.buf[i:i + n])
        del self.buf[:i + n]
        return msg

    def take_buffered(self):
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def close(self):
        self.sock.close()


def sock_path(s):
    return s[len("/unix"):] if s.startswith("/unix/") else s


def request(args, rtype, fields, keep=False):
    """Sends Request{type, fields...}; returns (decoded Response, Conn or None). Raises DaemonError on ERROR."""
    conn = Conn(sock_path(args.socket), args.io_timeout)
    conn.send_msg(pb_encode([(1, REQ[rtype])] + fields))
    resp = pb_decode(conn.recv_msg())
    if one(resp, 1, 0) != 0:
        err = pb_decode(one(resp, 2, b""))
        conn.close()
        raise DaemonError(one(err, 1, b"").decode(errors="replace") or "unknown error")
    if keep:
        return resp, conn
    conn.close()
    return resp, None


def peerinfo(b):
    f = pb_decode(b)
    return peer_to_str(one(f, 1, b"")), [ma_to_str(a) for a in f.get(2, [])]


def emit(args, obj, lines):
    if args.json:
        print(json.dumps(obj))
    else:
        for line in lines:
            print(line)


# ---------------------------------------------------------------------------------------------------------------
# commands


def cmd_identify(args):
    resp, _ = request(args, "IDENTIFY", [])
    pid, addrs = peerinfo(one(resp, 4))
    emit(args, {"id": pid, "addrs": addrs}, [pid] + addrs)


def cmd_connect(args):
    addrs = []
    for a in args.maddr:
        pid, head = split_p2p(a)
        if pid and pid != args.peer:
            raise SystemExit(f"p2pctl: {a} names another peer than {args.peer}")
        addrs.append(ma_from_str(head))
    fields = [(1, peer_from_str(args.peer))] + [(2, a) for a in addrs] + [(3, args.timeout)]
    request(args, "CONNECT", [(2, pb_encode(fields))])


def cmd_disconnect(args):
    request(args, "DISCONNECT", [(7, pb_encode([(1, peer_from_str(args.peer))]))])


def cmd_list_peers(args):
    resp, _ = request(args, "LIST_PEERS", [])
    peers = [peerinfo(p) for p in resp.get(6, [])]
    emit(args, [{"id": p, "addrs": a} for p, a in peers], [f"{p} {','.join(a)}" for p, a in peers])


def dht_request(args, dtype, fields, stream):
    req = pb_encode([(1, DHT[dtype])] + fields + [(7, args.timeout)])
    resp, conn = request(args, "DHT", [(5, req)], keep=stream)
    if not stream:
        return [pb_decode(one(resp, 5, b""))]
    # streaming reply: Response{OK, dht: BEGIN}, then bare DHTResponse messages until END
    out = []
    try:
        first = pb_decode(one(resp, 5, b""))
        if one(first, 1, DHT_BEGIN) != DHT_BEGIN:
            return [first]
        while True:
            m = pb_decode(conn.recv_msg())
            if one(m, 1) == DHT_END:
                return out
            out.append(m)
    finally:
        conn.close()


def cmd_dht_find_peer(args):
    [m] = dht_request(args, "FIND_PEER", [(2, peer_from_str(args.peer))], stream=False)
    pid, addrs = peerinfo(one(m, 2, b""))
    emit(args, {"id": pid, "addrs": addrs}, [pid] + addrs)


def cmd_dht_closest_peers(args):
    ms = dht_request(args, "GET_CLOSEST_PEERS", [(4, args.key.encode())], stream=True)
    ids = [peer_to_str(one(m, 3, b"")) for m in ms]
    emit(args, ids, ids)


def cmd_dht_provide(args):
    dht_request(args, "PROVIDE", [(3, cid_from_str(args.cid))], stream=False)


def cmd_dht_find_providers(args):
    ms = dht_request(args, "FIND_PROVIDERS", [(3, cid_from_str(args.cid)), (6, args.count)], stream=True)
    peers = [peerinfo(one(m, 2, b"")) for m in ms]
    emit(args, [{"id": p, "addrs": a} for p, a in peers], [f"{p} {','.join(a)}" for p, a in peers])


KAD_TYPES = {"get-value": 1, "get-providers": 3, "find-node": 4}


def kad_key(kind, text):
    """The `key` field of a Kademlia request: peer ID bytes, a CID's multihash, or the text itself."""
    if kind == "find-node":
        return peer_from_str(text)
    if kind == "get-providers":
        raw = cid_from_str(text)
        if len(raw) == 34 and raw[:2] == b"\x12\x20":
            return raw  # CIDv0 is its multihash
        _, i = read_uvarint_from(raw, 0)  # version
        _, i = read_uvarint_from(raw, i)  # codec
        return raw[i:]
    return text.encode()


def cmd_kad_rpc(args):
    """One Kademlia request to PEER on a fresh stream through the daemon (spec dht.proto Message{type=1, key=2}),
    framed like every kad message (uvarint length + protobuf); reads exactly one reply and decodes its closerPeers
    (8), providerPeers (9) and record (3). No iterative lookup: this shows what PEER itself answers."""
    if args.type not in KAD_TYPES:
        raise ValueError(f"kad-rpc type must be one of {', '.join(KAD_TYPES)}")
    msg = pb_encode([(1, KAD_TYPES[args.type]), (2, kad_key(args.type, args.key))])
    fields = [(1, peer_from_str(args.peer)), (2, args.proto), (3, args.timeout)]
    _, conn = request(args, "STREAM_OPEN", [(3, pb_encode(fields))], keep=True)
    try:
        conn.sock.settimeout(args.timeout)  # the reply must come within --timeout seconds
        conn.send_msg(msg)  # no half-close: p2pd would turn it into a full close and lose the reply
        reply = pb_decode(conn.recv_msg())
    finally:
        conn.close()

    def peers(num):
        out = []
        for b in reply.get(num, []):
            f = pb_decode(b)
            out.append((peer_to_str(one(f, 1, b"")), [ma_to_str(a) for a in f.get(2, [])], one(f, 3, 0)))
        return out

    closer, providers = peers(8), peers(9)
    record = pb_decode(one(reply, 3, b"")) if 3 in reply else None
    value = one(record, 2, b"").hex() if record is not None else None
    obj = {"type": one(reply, 1, 0), "closer": [{"id": p, "addrs": a, "connection": c} for p, a, c in closer],
           "providers": [{"id": p, "addrs": a} for p, a, _ in providers], "record": value}
    lines = [f"type {obj['type']}"] + [f"closer {p} {','.join(a)}" for p, a, _ in closer]
    lines += [f"provider {p} {','.join(a)}" for p, a, _ in providers]
    if value is not None:
        lines.append(f"record {value}")
    emit(args, obj, lines)


def cmd_stream_open(args):
    fields = [(1, peer_from_str(args.peer))] + [(2, p) for p in args.proto] + [(3, args.timeout)]
    resp, conn = request(args, "STREAM_OPEN", [(3, pb_encode(fields))], keep=True)
    info = pb_decode(one(resp, 3, b""))
    print(f"p2pctl: stream to {peer_to_str(one(info, 1, b''))} proto {one(info, 3, b'').decode()}", file=sys.stderr)
    # p2pd turns EOF on the unix socket into a full Close of the libp2p stream (no half-close): the reply is lost
    # once we shut our side down. So by default keep writing open and stop reading at --read-bytes, at the remote's
    # EOF, or after --idle seconds of silence; --half-close sends EOF right after the data (fire-and-forget).
    if args.data_hex is not None:
        src = [bytes.fromhex(args.data_hex)]
    elif args.data is not None:
        src = [args.data.encode()]
    else:
        src = iter(lambda: sys.stdin.buffer.read1(65536), b"")

    def writer_fn():
        for chunk in src:
            conn.sock.sendall(chunk)
        if args.half_close:
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    writer = threading.Thread(target=writer_fn, daemon=True)
    writer.start()
    out = sys.stdout.buffer
    got = conn.take_buffered()
    conn.sock.settimeout(args.idle)
    try:
        while args.read_bytes is None or len(got) < args.read_bytes:
            try:
                chunk = conn.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
    finally:
        if args.read_bytes is not None:
            got = got[:args.read_bytes]
        out.write(got)
        out.flush()
        conn.close()
    if args.read_bytes is not None and len(got) < args.read_bytes:
        raise EOFError(f"stream ended after {len(got)} of {args.read_bytes} bytes")


def open_and_read(args, peer, proto, payload, want=None):
    """Opens a stream through the daemon, sends payload (no half-close), reads `want` bytes or until EOF."""
    fields = [(1, peer_from_str(peer)), (2, proto), (3, args.timeout)]
    _, conn = request(args, "STREAM_OPEN", [(3, pb_encode(fields))], keep=True)
    try:
        if payload:
            conn.sock.sendall(payload)
        got = conn.take_buffered()
        while want is None or len(got) < want:
            chunk = conn.sock.recv(65536)
            if not chunk:
                break
            got += chunk
        return got
    finally:
        conn.close()


def cmd_peer_identify(args):
    """Opens /ipfs/id/1.0.0 to PEER through the daemon (go-libp2p negotiates it) and decodes the reply."""
    raw = open_and_read(args, args.peer, "/ipfs/id/1.0.0", b"")
    if not raw:
        raise EOFError("empty identify reply")
    n, i = read_uvarint_from(raw, 0)
    f = pb_decode(raw[i:i + n])
    key = pb_decode(one(f, 1, b""))
    obj = {
        "protocolVersion": one(f, 5, b"").decode(), "agentVersion": one(f, 6, b"").decode(),
        "publicKeyType": one(key, 1), "peerIdFromKey": peer_id_of_key(one(f, 1, b"")),
        "listenAddrs": [ma_to_str(a) for a in f.get(2, [])], "protocols": [p.decode() for p in f.get(3, [])],
        "observedAddr": ma_to_str(one(f, 4, b"")), "signedPeerRecord": len(one(f, 8, b"")), "bytes": len(raw),
    }
    emit(args, obj, [f"{k} {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in obj.items()])


def cmd_ping(args):
    """/ipfs/ping/1.0.0 through the daemon: 32 random bytes must come back unchanged; prints the RTT in ms."""
    import time
    for _ in range(args.count):
        payload = os.urandom(32)
        t0 = time.monotonic()
        got = open_and_read(args, args.peer, "/ipfs/ping/1.0.0", payload, want=32)
        if got != payload:
            raise ValueError(f"ping: got {got.hex()} for {payload.hex()}")
        print(f"{(time.monotonic() - t0) * 1000:.2f}")


def serve_stream(c, echo):
    conn = Conn.__new__(Conn)
    conn.sock, conn.buf = c, bytearray()
    try:
        info = pb_decode(conn.recv_msg())
        peer, addr, proto = peer_to_str(one(info, 1, b"")), ma_to_str(one(info, 2, b"")), one(info, 3, b"").decode()
        print(f"STREAM {peer} {proto} {addr}", flush=True)
        pending = conn.take_buffered()
        total = len(pending)
        if echo and pending:
            c.sendall(pending)
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            total += len(chunk)
            if echo:
                c.sendall(chunk)
        c.shutdown(socket.SHUT_WR)
        print(f"CLOSED {peer} {proto} {total} bytes", flush=True)
    except Exception as e:  # one broken stream must not stop the handler
        print(f"p2pctl: stream error: {e}", file=sys.stderr)
    finally:
        c.close()


def cmd_stream_handler(args):
    path = sock_path(args.listen)
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    fields = [(1, ma_from_str("/unix" + path))] + [(2, p) for p in args.proto] + [(3, args.balanced)]
    request(args, "STREAM_HANDLER", [(4, pb_encode(fields))])
    print(f"READY {' '.join(args.proto)}", flush=True)
    served, threads = 0, []
    try:
        while args.max_streams == 0 or served < args.max_streams:
            c, _ = srv.accept()
            t = threading.Thread(target=serve_stream, args=(c, args.echo), daemon=True)
            t.start()
            threads.append(t)
            served += 1
        for t in threads:
            t.join(timeout=args.io_timeout)
    finally:
        srv.close()
        try:
            os.unlink(path)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description="p2pd control client", formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("-s", "--socket", default=os.environ.get("P2PD_SOCK", "/unix/tmp/p2pd.sock"))
    ap.add_argument("--json", action="store_true", help="print JSON instead of lines")
    ap.add_argument("--io-timeout", type=float, default=30.0, help="socket timeout in seconds (default 30)")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def add(name, fn, *pos, timeout=False):
        p = sub.add_parser(name)
        for a in pos:
            if a.endswith("..."):
                p.add_argument(a[:-3], nargs="+")
            else:
                p.add_argument(a)
        if timeout:
            p.add_argument("--timeout", type=int, default=10, help="daemon-side timeout in seconds (default 10)")
        p.set_defaults(fn=fn)
        return p

    add("identify", cmd_identify)
    add("connect", cmd_connect, "peer", "maddr...", timeout=True)
    add("disconnect", cmd_disconnect, "peer")
    add("list-peers", cmd_list_peers)
    add("dht-find-peer", cmd_dht_find_peer, "peer", timeout=True)
    add("dht-closest-peers", cmd_dht_closest_peers, "key", timeout=True)
    add("dht-provide", cmd_dht_provide, "cid", timeout=True)
    p = add("dht-find-providers", cmd_dht_find_providers, "cid", timeout=True)
    p.add_argument("--count", type=int, default=20)
    p = add("kad-rpc", cmd_kad_rpc, "peer", "type", "key", timeout=True)
    p.add_argument("--proto", default="/ipfs/kad/1.0.0", help="protocol ID (default /ipfs/kad/1.0.0)")
    p = add("stream-open", cmd_stream_open, "peer", "proto...", timeout=True)
    p.add_argument("--data", help="send TEXT instead of stdin")
    p.add_argument("--data-hex", help="send these bytes (hex) instead of stdin")
    p.add_argument("--read-bytes", type=int, help="close after reading N bytes (error if fewer arrive)")
    p.add_argument("--idle", type=float, default=10.0, help="stop reading after S seconds of silence (default 10)")
    p.add_argument("--half-close", action="store_true", help="send EOF after the data (p2pd then closes the stream)")
    p = add("stream-handler", cmd_stream_handler, "proto...")
    p.add_argument("--listen", required=True, help="/unix/PATH the daemon dials for each inbound stream")
    p.add_argument("--echo", action="store_true", help="echo every byte back, half-close on EOF")
    p.add_argument("--balanced", action="store_true", help="hivemind's balanced flag (several handlers per proto)")
    p.add_argument("--max-streams", type=int, default=0, help="exit after N streams (0: serve until killed)")
    add("peer-identify", cmd_peer_identify, "peer", timeout=True)
    p = add("ping", cmd_ping, "peer", timeout=True)
    p.add_argument("--count", type=int, default=1)
    p = sub.add_parser("genkey")
    p.add_argument("file")
    p.set_defaults(fn=lambda a: print(genkey(a.file)))
    p = sub.add_parser("peerid")
    p.add_argument("file")
    p.set_defaults(fn=lambda a: print(peerid_of_keyfile(a.file)))
    p = sub.add_parser("cid")
    p.add_argument("text")
    p.set_defaults(fn=lambda a: print(cid_of_text(a.text)))

    args = ap.parse_args()
    try:
        args.fn(args)
    except DaemonError as e:
        print(f"p2pctl {args.cmd}: daemon error: {e}", file=sys.stderr)
        sys.exit(1)
    except (OSError, EOFError, ValueError) as e:
        print(f"p2pctl {args.cmd}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
