#!/usr/bin/env bash
# STUN interop: real clients nobody here wrote must each report the right mapped address (issue 3, "Tests").
#   loopback: Debian stun-client (`stun`), coturn's turnutils_stunclient, PyPI pystun3 over UDP; our own tiny
#             Binding client (Tests/Interop/stun/stun_binding_client.py, labelled "ours") over TCP and UDP.
#   NAT:      namespaces public (server at 100.64.0.10) <- nat (100.64.0.20, iptables MASQUERADE) <- home
#             (192.168.77.10); every client above plus aioice's server-reflexive candidate, run in home, must see
#             the NAT's public-side address 100.64.0.20 and its own (MASQUERADE-preserved) port.
# STUN_SERVER=waystone (default, $BIN_UNDER_TEST) | coturn (turnserver, the stand-in) | liar (negative control: a
# responder that lies about the address; every mapping check must FAIL; STUN_LIE=port|ip).
# Needs: stun-client coturn strace iproute2 iptables, and the venvs from Tests/Interop/stun/make-venvs.sh.
# Bounded (every client under `timeout`); traffic stays on 127.0.0.0/8 and in the namespaces; all removed on exit.
# lib.sh resolves BIN_UNDER_TEST (a missing .build dir makes that fail); coturn/liar runs do not need it
[ "${STUN_SERVER:-waystone}" = waystone ] || : "${BIN_UNDER_TEST:=/bin/true}"
if [ "${STUN_SERVER:-waystone}" = waystone ] && [ ! -x "${BIN_UNDER_TEST:-$(dirname "$0")/../../.build/debug/waystone}" ]; then
  echo "STUN clients: no Waystone binary (set BIN_UNDER_TEST, or STUN_SERVER=coturn)"; echo "0 passed, 1 failed"; exit 1
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stun/lib-stun.sh"
echo "STUN clients against $STUN_SERVER"
SKIPPED=0
skip() { SKIPPED=$((SKIPPED + 1)); echo "  skip $1"; }

NS_PUB=wsstun-pub-$$; NS_NAT=wsstun-nat-$$; NS_HOME=wsstun-home-$$; NS_MADE=()
PUB_IP=100.64.0.10; NAT_PUB_IP=100.64.0.20; NAT_HOME_IP=192.168.77.1; HOME_IP=192.168.77.10
netns_teardown() {
  local ns p
  for ns in "${NS_MADE[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  done
  for ns in "${NS_MADE[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  NS_MADE=()
}
stun_cleanup() { netns_teardown; cleanup; }
trap stun_cleanup EXIT
trap 'exit 143' TERM INT

for v in pystun3 aioice; do
  [ -x "$STUN_VENVS/$v/bin/python" ] || bash "$(dirname "$0")/stun/make-venvs.sh" >/dev/null
done

# --- loopback -----------------------------------------------------------------------------------------------------
PORT=$(free_port)
if start_stun_server "" 127.0.0.1 "$PORT"; then
  pass "server up on UDP+TCP 127.0.0.1:$PORT"
  expect_mapped "stun-client (stun 0.97), UDP: mapped = 127.0.0.1:its port" 127.0.0.1 client_stun "" 127.0.0.1 "$PORT" 127.0.0.1
  expect_mapped "turnutils_stunclient, UDP: mapped = 127.0.0.1:its port" 127.0.0.1 client_turnutils "" 127.0.0.1 "$PORT" 127.0.0.1
  expect_mapped "pystun3 (RFC 3489, MAPPED-ADDRESS), UDP: mapped = 127.0.0.1:its port" 127.0.0.1 client_pystun3 "" 127.0.0.1 "$PORT" 127.0.0.1
  expect_mapped "ours, TCP: mapped = 127.0.0.1:its port" 127.0.0.1 client_ours "" tcp 127.0.0.1 "$PORT"
  expect_mapped "ours, TCP with FINGERPRINT: mapped = 127.0.0.1:its port" 127.0.0.1 client_ours "" tcp 127.0.0.1 "$PORT" --fingerprint
  expect_mapped "ours, UDP with FINGERPRINT: mapped = 127.0.0.1:its port" 127.0.0.1 client_ours "" udp 127.0.0.1 "$PORT" --fingerprint
  stop_stun_server
else
  fail "server up on 127.0.0.1:$PORT" "$(cat "$STUN_LOG" 2>/dev/null)"
  stop_stun_server
fi

# --- NAT: public / nat / home namespaces --------------------------------------------------------------------------
netns_setup() {
  local out ns
  for ns in "$NS_PUB" "$NS_NAT" "$NS_HOME"; do
    if ! out=$(ip netns add "$ns" 2>&1); then
      if grep -qi 'operation not permitted' <<<"$out"; then echo "EPERM: $out"; return 2; fi
      echo "ip netns add $ns: $out"; return 1
    fi
    NS_MADE+=("$ns")
    ip -n "$ns" link set lo up || return 1
  done
  set -x
  ip -n "$NS_PUB" link add pub0 type veth peer name natpub0 netns "$NS_NAT" &&
    ip -n "$NS_NAT" link add nathome0 type veth peer name home0 netns "$NS_HOME" &&
    ip -n "$NS_PUB" addr add "$PUB_IP/24" dev pub0 && ip -n "$NS_PUB" link set pub0 up &&
    ip -n "$NS_NAT" addr add "$NAT_PUB_IP/24" dev natpub0 && ip -n "$NS_NAT" link set natpub0 up &&
    ip -n "$NS_NAT" addr add "$NAT_HOME_IP/24" dev nathome0 && ip -n "$NS_NAT" link set nathome0 up &&
    ip -n "$NS_HOME" addr add "$HOME_IP/24" dev home0 && ip -n "$NS_HOME" link set home0 up &&
    ip -n "$NS_HOME" route add default via "$NAT_HOME_IP" &&
    ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1 &&
    ip netns exec "$NS_NAT" iptables -t nat -A POSTROUTING -o natpub0 -j MASQUERADE
  local rc=$?; set +x; return $rc
}
set +e; nsout=$(netns_setup 2>&1); nsrc=$?; set -e
# netns_setup ran in a subshell: record what exists so the trap removes it
for ns in "$NS_PUB" "$NS_NAT" "$NS_HOME"; do grep -qw "$ns" <<<"$(ip netns list)" && NS_MADE+=("$ns"); done
if [ $nsrc -eq 2 ]; then
  skip "NAT test: the kernel refuses network namespaces ($(head -1 <<<"$nsout"))"
elif [ $nsrc -ne 0 ]; then
  fail "NAT namespaces set up" "$nsout"
else
  pass "NAT namespaces: $PUB_IP (public) <- $NAT_PUB_IP MASQUERADE <- $HOME_IP (home)"
  PORT=3478
  if start_stun_server "$NS_PUB" "$PUB_IP" "$PORT"; then
    pass "server up on UDP+TCP $PUB_IP:$PORT in the public namespace"
    N="behind NAT: mapped = $NAT_PUB_IP:its port, not $HOME_IP"
    expect_mapped "stun-client, UDP $N" "$NAT_PUB_IP" client_stun "$NS_HOME" "$PUB_IP" "$PORT" "$HOME_IP"
    expect_mapped "turnutils_stunclient, UDP $N" "$NAT_PUB_IP" client_turnutils "$NS_HOME" "$PUB_IP" "$PORT" "$HOME_IP"
    expect_mapped "pystun3, UDP $N" "$NAT_PUB_IP" client_pystun3 "$NS_HOME" "$PUB_IP" "$PORT" "$HOME_IP"
    expect_mapped "aioice srflx candidate, UDP $N" "$NAT_PUB_IP" client_aioice "$NS_HOME" "$PUB_IP" "$PORT"
    expect_mapped "ours, TCP $N" "$NAT_PUB_IP" client_ours "$NS_HOME" tcp "$PUB_IP" "$PORT"
    # the NAT really translated: the server's namespace has no route back to the home network
    if ip netns exec "$NS_PUB" ip route get "$HOME_IP" >/dev/null 2>&1; then
      fail "public namespace cannot reach $HOME_IP directly" "$(ip netns exec "$NS_PUB" ip route)"
    else pass "public namespace has no route to the home network (answers only reach home through the NAT)"; fi
    stop_stun_server
  else
    fail "server up on $PUB_IP:$PORT in the public namespace" "$(cat "$STUN_LOG" 2>/dev/null)"
    stop_stun_server
  fi
  netns_teardown
  left=$(ip netns list | grep -E "wsstun-(pub|nat|home)-$$" || true)
  [ -z "$left" ] && pass "namespaces removed" || fail "namespaces removed" "$left"
fi

[ "$SKIPPED" -gt 0 ] && echo "($SKIPPED skipped)"
finish
