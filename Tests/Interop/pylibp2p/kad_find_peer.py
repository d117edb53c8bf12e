#!/usr/bin/env python3
"""py-libp2p 0.8.1 Kademlia DHT *client* bootstraps from one server and finds a go-libp2p peer through it.

Usage: kad_find_peer.py SERVER_MADDR TARGET_PEER_ID TARGET_ADDR [--find-provider CID] [--provide CID]
                        [--deadline S] [--lifetime S]
  SERVER_MADDR   /ip4/127.0.0.1/tcp/PORT/p2p/ID of the DHT server under test: the only peer we are told about
  TARGET_ADDR    the address the target listens on (without /p2p/): what the lookup must return
  --find-provider CID   also look up providers of CID (text CID, e.g. b...): TARGET must be one (full mode)
  --provide CID         then announce ourselves as provider of CID (ADD_PROVIDER to the closest peers)
Prints, flushed line by line:
  addr /ip4/127.0.0.1/tcp/PORT/p2p/ID   once listening
  ok <what> | FAIL <what>: <why>        one line per check
  done N                                checks finished, N of them failed
then stays up (other peers may look us up through the server) until --lifetime seconds (default 60) after start or
until killed; exits 0 only when every check passed. mDNS, UPnP and the host's own bootstrap list are off; the host
listens on 127.0.0.1 only, TCP + Noise + Yamux. The DHT runs in client mode (no /ipfs/kad/1.0.0 handler), with the
server as the only routing-table entry: anything we learn about TARGET comes from the server's answers.
"""
import argparse
import os
import sys
import traceback

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519
from libp2p.custom_types import TProtocol
from libp2p.host.ping import ID as PING
from libp2p.kad_dht.common import PROTOCOL_ID as KAD
from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo, info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX, Yamux
from libp2p.tools.anyio_service import background_trio_service
from common import Checks, say, ok, fail, read_exactly



def known_addrs(host, peer):
    try:
        return [str(a) for a in host.get_peerstore().addrs(peer)]
    except Exception:  # py-libp2p raises for a peer it has never heard of
        return []


async def retry(deadline, attempt):
    """Calls `attempt()` until it returns a truthy value or `deadline` (trio time) passes -> (value, tries, error)."""
    tries, last_error = 0, None
    while True:
        tries += 1
        try:
            with trio.move_on_after(max(0.5, deadline - trio.current_time())):
                value = await attempt()
                if value:
                    return value, tries, None
        except Exception as e:  # a failed lookup is retried until the deadline
            last_error = f"{type(e).__name__}: {e}"
        if trio.current_time() >= deadline:
            return None, tries, last_error
        await trio.sleep(0.3)


async def checks(host, dht, args):
    target = ID.from_base58(args.target)

    # 1. find_peer through the server alone
    async def find():
        info = await dht.find_peer(target)
        return info if info and args.target_addr in [str(a) for a in info.addrs] else None

    t0 = trio.current_time()
    info, tries, err = await retry(t0 + args.deadline, find)
    if info:
        ok(f"find_peer: {target} at {args.target_addr} through the server "
           f"({tries} attempt(s), {trio.current_time() - t0:.2f} s)")
    else:
        fail(f"find_peer {target} within {args.deadline} s ({tries} attempts): got "
             f"{known_addrs(host, target) or 'nothing'}{'; ' + err if err else ''}")
        return

    # 2. the address the DHT gave is real: dial it and ping the go node
    try:
        with trio.fail_after(10):
            await host.connect(PeerInfo(target, [multiaddr.Multiaddr(args.target_addr)]))
            stream = await host.new_stream(target, [PING])
            payload = os.urandom(32)
            t1 = trio.current_time()
            await stream.write(payload)
            echoed = await read_exactly(stream, 32)
            rtt = (trio.current_time() - t1) * 1000
            await stream.close()
        if echoed == payload:
            ok(f"dialed the address found and pinged {target} ({rtt:.1f} ms)")
        else:
            fail("ping through the address found: echo differs")
    except Exception as e:
        fail(f"dial/ping {target} at {args.target_addr}: {type(e).__name__}: {e}")

    # 3. provider records kept by the server (full mode)
    if args.find_provider:
        async def providers():
            found = await dht.find_providers(args.find_provider, 5)
            return [p for p in found if p.peer_id == target] or None

        t0 = trio.current_time()
        found, tries, err = await retry(t0 + args.deadline, providers)
        if found:
            ok(f"find_providers {args.find_provider}: {target} ({tries} attempt(s), "
               f"{trio.current_time() - t0:.2f} s)")
        else:
            fail(f"find_providers {args.find_provider}: {target} not among the providers within {args.deadline} s"
                 f"{'; ' + err if err else ''}")
    if args.provide:
        try:
            with trio.fail_after(args.deadline):
                sent = await dht.provide(args.provide)
            if sent:
                ok(f"provide {args.provide}: ADD_PROVIDER sent to at least one peer (the server)")
            else:
                fail(f"provide {args.provide}: no peer took the ADD_PROVIDER")
        except Exception as e:
            fail(f"provide {args.provide}: {type(e).__name__}: {e}")


async def main(args):
    key_pair = create_new_key_pair()
    host = new_host(
        key_pair=key_pair,
        sec_opt={TProtocol(NOISE): NoiseTransport(key_pair, noise_privkey=create_x25519().private_key)},
        muxer_opt={TProtocol(YAMUX): Yamux},
        enable_mDNS=False,
        enable_upnp=False,
        bootstrap=None,
    )
    server = info_from_p2p_addr(multiaddr.Multiaddr(args.server))
    target = ID.from_base58(args.target)
    with trio.move_on_after(args.lifetime):
        async with host.run(listen_addrs=[multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
            addrs = [str(a) for a in host.get_addrs() if str(a).startswith("/ip4/127.0.0.1/tcp/")]
            if not addrs:
                fail(f"listening: addresses {[str(a) for a in host.get_addrs()]}")
                say(f"done {Checks.failures}")
                return
            say(f"addr {addrs[0]}")
            if target in host.get_network().connections or known_addrs(host, target):
                fail(f"before the lookup we already know {target}")
            else:
                ok(f"before the lookup: not connected to {target}, no address for it")

            try:
                with trio.fail_after(10):
                    await host.connect(server)
                ok(f"connected to the server {server.peer_id}")
            except Exception as e:
                fail(f"connect to the server {args.server}: {type(e).__name__}: {e}")
                say(f"done {Checks.failures}")
                return
            # identify runs in the background after connect; the server must list the kad protocol in it
            protos = []
            with trio.move_on_after(5):
                while str(KAD) not in protos:
                    try:
                        protos = [str(p) for p in host.get_peerstore().get_protocols(server.peer_id) or []]
                    except Exception:
                        protos = []
                    if str(KAD) not in protos:
                        await trio.sleep(0.1)
            if str(KAD) in protos:
                ok(f"the server's identify lists {KAD}")
            else:
                fail(f"the server's identify does not list {KAD}: {protos}")

            dht = KadDHT(host, DHTMode.CLIENT)
            if await dht.routing_table.add_peer(server.peer_id):
                ok(f"the server is our routing table's only entry (size {dht.get_routing_table_size()})")
            else:
                fail("the routing table refused the server")
            async with background_trio_service(dht):
                await checks(host, dht, args)
                say(f"done {Checks.failures}")
                await trio.sleep_forever()


def run():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("server")
    ap.add_argument("target")
    ap.add_argument("target_addr")
    ap.add_argument("--find-provider")
    ap.add_argument("--provide")
    ap.add_argument("--deadline", type=float, default=15, help="seconds each lookup may take, retries included")
    ap.add_argument("--lifetime", type=float, default=60, help="seconds until the script stops itself")
    args = ap.parse_args()
    try:
        trio.run(main, args)
    except BaseException as e:  # noqa: BLE001 - a crash must still print one FAIL line
        if isinstance(e, SystemExit):
            raise
        fail(f"py-libp2p run: {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
    sys.exit(1 if Checks.failures else 0)


if __name__ == "__main__":
    run()
