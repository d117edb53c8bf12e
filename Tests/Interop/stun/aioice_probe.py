#!/usr/bin/env python3
"""Gathers ICE candidates with PyPI aioice against one STUN server -- in the aioice venv.

usage: aioice_probe.py HOST PORT   -> one line per server-reflexive candidate:  mapped=IP:PORT local=IP:PORT
(local = the candidate's related address, i.e. the host candidate it was learned from). aioice skips 127.0.0.1 when
gathering host candidates, so this is run from the NAT test's home namespace. Exit 1 when there is no srflx."""
import asyncio, sys

import aioice


async def main() -> int:
    conn = aioice.Connection(ice_controlling=True, stun_server=(sys.argv[1], int(sys.argv[2])), use_ipv6=False)
    try:
        await asyncio.wait_for(conn.gather_candidates(), 10)
        srflx = [c for c in conn.local_candidates if c.type == "srflx"]
        for c in srflx:
            print(f"mapped={c.host}:{c.port} local={c.related_address}:{c.related_port}")
        if not srflx:
            hosts = ", ".join(f"{c.type} {c.host}:{c.port}" for c in conn.local_candidates)
            print(f"error: no server-reflexive candidate (got: {hosts or 'nothing'})", file=sys.stderr)
            return 1
        return 0
    finally:
        await conn.close()


sys.exit(asyncio.run(main()))
