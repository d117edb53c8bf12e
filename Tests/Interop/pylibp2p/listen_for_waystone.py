#!/usr/bin/env python3
"""py-libp2p 0.8.1 listens and waits for Waystone to dial it (libp2p.peers): TCP + Noise + Yamux only, Ed25519 key.

Usage: listen_for_waystone.py EXPECTED_PEER_ID EXPECTED_AGENT [SECONDS]
Prints, flushed line by line:
  addr /ip4/127.0.0.1/tcp/PORT/p2p/ID   once listening (a free port picked by the kernel)
  protocols N                           how many protocols our identify advertises
  connected PEER DIRECTION              for every upgraded connection (DIRECTION as py-libp2p sees it)
  ok <what> | FAIL <what>: <why>        the checks on the first connection: it is inbound and comes from
                                        EXPECTED_PEER_ID, and over that same connection identify (agent
                                        EXPECTED_AGENT, public key = peer ID) and 3 pings succeed
  done N                                checks finished, N of them failed
Then keeps listening (for further dials) until killed or SECONDS (default 60) have passed since start; exits 0 only
when every check passed. mDNS, UPnP and bootstrap are off; the host listens on 127.0.0.1 only.
"""
import os
import sys
import traceback

import multiaddr
import trio

from libp2p import new_host
from libp2p.abc import INotifee
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.serialization import deserialize_public_key
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519
from libp2p.custom_types import TProtocol
from libp2p.host.ping import ID as PING
from libp2p.identity.identify.identify import ID as IDENTIFY, parse_identify_response
from libp2p.peer.id import ID
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX, Yamux
from common import Checks, say, ok, fail, expect, read_exactly, read_to_eof

CHECKS_DEADLINE = 20  # seconds from listening until the first connection's checks must be done


class Watcher(INotifee):
    """Reports every upgraded connection and hands it to the checks."""

    def __init__(self, send):
        self.send = send

    async def connected(self, network, conn):
        peer = getattr(conn.muxed_conn, "peer_id", None)
        direction = getattr(conn, "direction", None)
        say(f"connected {peer} {str(getattr(direction, 'name', direction)).lower()}")
        try:
            self.send.send_nowait(conn)
        except trio.WouldBlock:
            pass

    async def disconnected(self, network, conn):
        pass

    async def opened_stream(self, network, stream):
        pass

    async def closed_stream(self, network, stream):
        pass

    async def listen(self, network, maddr):
        pass

    async def listen_close(self, network, maddr):
        pass


async def check_connection(host, conn, expected_peer, expected_agent):
    peer = conn.muxed_conn.peer_id
    direction = getattr(getattr(conn, "direction", None), "name", "?")
    expect(str(peer) == expected_peer, f"connection from waystone {peer}",
           f"connection from {peer}, want {expected_peer}")
    expect(direction == "INBOUND", "the connection is inbound (waystone dialed us)",
           f"connection direction {direction}, want INBOUND")
    with trio.move_on_after(5):
        await conn.event_started.wait()

    # identify, on the connection Waystone opened
    try:
        stream = await host.new_stream(peer, [IDENTIFY])
        expect(stream.muxed_conn is conn.muxed_conn, "identify stream runs on waystone's connection",
               "identify stream opened on another connection")
        raw = await read_to_eof(stream)
        await stream.close()
        msg = parse_identify_response(raw)
        expect(msg.agent_version == expected_agent, f"identify: agentVersion {msg.agent_version}",
               f"identify agentVersion: {msg.agent_version!r}, want {expected_agent!r}")
        pid = ID.from_pubkey(deserialize_public_key(msg.public_key))
        expect(pid == peer, "identify: publicKey gives waystone's peer ID",
               f"identify publicKey gives {pid}, want {peer}")
        protos = list(msg.protocols)
        expect(str(PING) in protos, f"identify: protocols {' '.join(protos)}", f"identify protocols: {protos}")
    except Exception as e:
        fail(f"identify: {type(e).__name__}: {e}")

    # ping: 3 round trips of 32 random bytes on one stream, again on Waystone's connection
    try:
        stream = await host.new_stream(peer, [PING])
        expect(stream.muxed_conn is conn.muxed_conn, "ping stream runs on waystone's connection",
               "ping stream opened on another connection")
        rtts = []
        for _ in range(3):
            payload = os.urandom(32)
            t0 = trio.current_time()
            await stream.write(payload)
            if await read_exactly(stream, 32) != payload:
                raise ValueError("echo differs from the 32 bytes sent")
            rtts.append(f"{(trio.current_time() - t0) * 1000:.1f}")
        await stream.close()
        ok(f"ping: 3 round trips echoed ({' '.join(rtts)} ms)")
    except Exception as e:
        fail(f"ping: {type(e).__name__}: {e}")

    conns = host.get_network().connections.get(peer) or []
    conns = conns if isinstance(conns, list) else [conns]
    expect(len(conns) == 1, "still exactly one connection to waystone (we never dialed it)",
           f"{len(conns)} connections to waystone")


async def main(expected_peer, expected_agent, lifetime):
    key_pair = create_new_key_pair()
    host = new_host(
        key_pair=key_pair,
        # Only Noise and only Yamux, so Waystone's dial can't fall back to TLS/plaintext or mplex.
        sec_opt={TProtocol(NOISE): NoiseTransport(key_pair, noise_privkey=create_x25519().private_key)},
        muxer_opt={TProtocol(YAMUX): Yamux},
        enable_mDNS=False,
        enable_upnp=False,
        bootstrap=None,
    )
    send, receive = trio.open_memory_channel(16)
    host.get_network().register_notifee(Watcher(send))
    with trio.move_on_after(lifetime):
        async with host.run(listen_addrs=[multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
            addrs = [str(a) for a in host.get_addrs() if str(a).startswith("/ip4/127.0.0.1/tcp/")]
            if not addrs or "/tcp/0/" in addrs[0]:
                fail(f"listening: addresses {[str(a) for a in host.get_addrs()]}")
                return
            say(f"addr {addrs[0]}")
            say(f"protocols {len([p for p in host.get_mux().get_protocols() if p is not None])}")
            try:
                with trio.fail_after(CHECKS_DEADLINE):
                    conn = await receive.receive()
                    await check_connection(host, conn, expected_peer, expected_agent)
            except trio.TooSlowError:
                fail(f"no connection checked within {CHECKS_DEADLINE} s")
            say(f"done {Checks.failures}")
            await trio.sleep_forever()


def run():
    if len(sys.argv) < 3:
        sys.exit("usage: listen_for_waystone.py EXPECTED_PEER_ID EXPECTED_AGENT [SECONDS]")
    lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    try:
        trio.run(main, sys.argv[1], sys.argv[2], lifetime)
    except BaseException as e:  # noqa: BLE001 - a crash must still print one FAIL line
        if isinstance(e, SystemExit):
            raise
        fail(f"py-libp2p run: {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
    sys.exit(1 if Checks.failures else 0)


if __name__ == "__main__":
    run()
