#!/usr/bin/env python3
"""py-libp2p 0.8.1 dials Waystone: TCP + Noise + Yamux only, then identify, ping and 20 streams in a row.

Usage: dial_waystone.py /ip4/127.0.0.1/tcp/PORT/p2p/PEERID [EXPECTED_AGENT]
Prints one line per check, `ok <what>` or `FAIL <what>: <why>`; exits 0 only when every check passed. Everything runs
under one 30 s trio deadline; the host listens nowhere, bootstraps nowhere and has mDNS/UPnP off.
"""
import os
import sys
import traceback

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.serialization import deserialize_public_key
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519
from libp2p.custom_types import TProtocol
from libp2p.identity.identify.identify import ID as IDENTIFY, parse_identify_response
from libp2p.host.ping import ID as PING
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX, Yamux
from common import Checks, ok, fail, expect, read_exactly, read_to_eof

DEADLINE = 30


async def ping_once(stream):
    payload = os.urandom(32)
    t0 = trio.current_time()
    await stream.write(payload)
    echo = await read_exactly(stream, 32)
    return echo == payload, (trio.current_time() - t0) * 1000


async def main(addr, expected_agent):
    maddr = multiaddr.Multiaddr(addr)
    info = info_from_p2p_addr(maddr)
    key_pair = create_new_key_pair()
    host = new_host(
        key_pair=key_pair,
        # Only Noise and only Yamux are offered, so the connection can't fall back to TLS/secio/plaintext or mplex.
        sec_opt={TProtocol(NOISE): NoiseTransport(key_pair, noise_privkey=create_x25519().private_key)},
        muxer_opt={TProtocol(YAMUX): Yamux},
        enable_mDNS=False,
        enable_upnp=False,
        bootstrap=None,
    )
    async with host.run(listen_addrs=[]):
        await host.connect(info)
        conns = host.get_network().connections.get(info.peer_id) or []
        conns = conns if isinstance(conns, list) else [conns]
        muxers = {type(c.muxed_conn).__name__ for c in conns}
        expect(conns and muxers == {"Yamux"}, f"connected to {info.peer_id} over TCP + Noise + Yamux",
               f"connect: connections={len(conns)} muxers={muxers}")

        # (1) identify
        try:
            stream = await host.new_stream(info.peer_id, [IDENTIFY])
            raw = await read_to_eof(stream)
            await stream.close()
            msg = parse_identify_response(raw)
            agent = msg.agent_version
            want = expected_agent or "waystone/"
            expect(agent == want if expected_agent else agent.startswith(want),
                   f"identify: agentVersion {agent}", f"identify agentVersion: {agent!r}, want {want!r}")
            expect(msg.protocol_version == "ipfs/0.1.0", "identify: protocolVersion ipfs/0.1.0",
                   f"identify protocolVersion: {msg.protocol_version!r}")
            pid = ID.from_pubkey(deserialize_public_key(msg.public_key))
            expect(pid == info.peer_id, "identify: publicKey gives the peer ID",
                   f"identify publicKey gives {pid}, want {info.peer_id}")
            protos = list(msg.protocols)
            want_protos = ["/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0", "/ipfs/kad/1.0.0"]
            expect(protos == want_protos, f"identify: protocols {' '.join(protos)}",
                   f"identify protocols: {protos}, want {want_protos}")
            observed = str(multiaddr.Multiaddr(msg.observed_addr)) if msg.observed_addr else ""
            expect(observed.startswith("/ip4/127.0.0.1/tcp/"), f"identify: observedAddr {observed}",
                   f"identify observedAddr: {observed!r}")
            listen = [str(multiaddr.Multiaddr(a)) for a in msg.listen_addrs]
            bare = addr.split("/p2p/")[0]
            expect(bare in listen, f"identify: listenAddrs include {bare}", f"identify listenAddrs: {listen}")
            expect(len(msg.signedPeerRecord) > 0, "identify: signedPeerRecord present",
                   "identify: no signedPeerRecord")
        except Exception as e:
            fail(f"identify: {type(e).__name__}: {e}")

        # (2) ping: 3 round trips of 32 random bytes on one stream
        try:
            stream = await host.new_stream(info.peer_id, [PING])
            rtts = []
            for _ in range(3):
                same, ms = await ping_once(stream)
                if not same:
                    raise ValueError("echo differs from the 32 bytes sent")
                rtts.append(f"{ms:.1f}")
            await stream.close()
            ok(f"ping: 3 round trips echoed ({' '.join(rtts)} ms)")
        except Exception as e:
            fail(f"ping: {type(e).__name__}: {e}")

        # (3) 20 streams opened, used and closed one after another on the same connection
        done = 0
        try:
            for _ in range(20):
                stream = await host.new_stream(info.peer_id, [PING])
                same, _ms = await ping_once(stream)
                if not same:
                    raise ValueError(f"stream {done + 1}: echo differs")
                await stream.close()
                done += 1
            conns = host.get_network().connections.get(info.peer_id) or []
            conns = conns if isinstance(conns, list) else [conns]
            expect(done == 20 and len(conns) == 1, "20 streams opened, pinged and closed in a row on one connection",
                   f"streams: {done}/20, connections now {len(conns)}")
        except Exception as e:
            fail(f"streams: {done}/20 then {type(e).__name__}: {e}")

        await host.disconnect(info.peer_id)


async def bounded(addr, expected_agent):
    with trio.fail_after(DEADLINE):
        await main(addr, expected_agent)


def run():
    if len(sys.argv) < 2:
        sys.exit("usage: dial_waystone.py MULTIADDR [EXPECTED_AGENT]")
    try:
        trio.run(bounded, sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    except BaseException as e:  # noqa: BLE001 - a timeout or crash must still print one FAIL line
        if isinstance(e, SystemExit):
            raise
        fail(f"py-libp2p run: {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
    sys.exit(1 if Checks.failures else 0)


if __name__ == "__main__":
    run()
