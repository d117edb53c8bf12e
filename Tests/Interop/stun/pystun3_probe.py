#!/usr/bin/env python3
"""Runs PyPI pystun3's own RFC 3489 Binding exchange (stun.stun_test, "Test I") -- in the pystun3 venv.

usage: pystun3_probe.py HOST PORT SOURCE_IP   -> prints  mapped=IP:PORT local=IP:PORT
Why not the `pystun3` CLI: after Test I it sends CHANGE-REQUEST tests, and stun_test() loops forever on the 420 error
response an RFC 5780 server without an alternate address sends (coturn does; Waystone must). Test I is the mapped
address; pystun3 reads only MAPPED-ADDRESS (its requests carry no magic cookie: the RFC 3489 path)."""
import socket, sys

import stun  # pystun3

host, port, source_ip = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.bind((source_ip, 0))
local = s.getsockname()
stun._initialize()  # builds the message-type table stun_test() needs (get_nat_type does this first)
ret = stun.stun_test(s, host, port, local[0], local[1])
if not ret["Resp"]:
    print("error: pystun3 got no Binding response", file=sys.stderr)
    sys.exit(1)
print(f"mapped={ret['ExternalIP']}:{ret['ExternalPort']} local={local[0]}:{local[1]}")
