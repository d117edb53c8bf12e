#!/usr/bin/env bash
# Kademlia DHT (/ipfs/kad/1.0.0) interop with go-libp2p: p2pd (hivemind 1.1.12 wheel; go-libp2p v0.32.1,
# go-libp2p-kad-dht v0.25.1) DHT *clients* whose only bootstrap peer is the server under test.
#  1. clients A and B find each other through the server (FindPeer), the server's own FIND_NODE answer names the
#     target with its address, and a peer nobody runs is not found. Full mode: A provides a CID and B finds A as its
#     provider (FindProviders), the server's GET_PROVIDERS answer lists A. Bootstrap mode: the server keeps no
#     provider record (GET_PROVIDERS answers closer peers only) and B finds no provider.
#  2. a second server bootstraps from a p2pd DHT server U that knows another DHT server V, and learns V: its own
#     FIND_NODE answer for V names V's address.
# KAD_SERVER=waystone (default: `waystone run` with WAYSTONE_KADEMLIA_*) or p2pd (`p2pd -dhtServer`, the reference)
# for comparison; KAD_MODE=full (default) or bootstrap (waystone only).
# Loopback only (checked with ss); every wait is bounded; ~10 s.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
KAD_SERVER=${KAD_SERVER:-waystone}
KAD_MODE=${KAD_MODE:-full}
echo "Kademlia: go-libp2p DHT clients through a $KAD_SERVER server ($KAD_MODE mode)"
case "$KAD_SERVER:$KAD_MODE" in
  p2pd:full | waystone:full | waystone:bootstrap) ;;
  *) fail "KAD_SERVER=$KAD_SERVER KAD_MODE=$KAD_MODE: want KAD_SERVER=p2pd|waystone, KAD_MODE=full|bootstrap (p2pd: full only)"
    finish; exit 1 ;;
esac
P2PD=$(bash Tests/Interop/p2pd/install.sh 2>"$WORK/install.log" | tail -1)
[ -x "$P2PD" ] || { fail "p2pd installed" "$(tail -5 "$WORK/install.log")"; finish; exit 1; }

# --- helpers (the same block is in kad-py.sh: keep them in step) -------------------------------------------------
CTL=(python3 Tests/Interop/p2pd/p2pctl.py)
declare -A ID PORT PID
# new_peer NAME: an Ed25519 identity and a free loopback port for a p2pd node
new_peer() { ID[$1]=$("${CTL[@]}" genkey "$WORK/$1.key"); PORT[$1]=$(free_port); }
addr() { echo "/ip4/127.0.0.1/tcp/${PORT[$1]}"; }
maddr() { echo "$(addr "$1")/p2p/${ID[$1]}"; }
# ctl NAME ARGS...: p2pctl against NAME's control socket, at most 25 s
ctl() { local n=$1; shift; timeout 25 "${CTL[@]}" -s "/unix$WORK/$n.sock" "$@"; }
# wait_until SECONDS COMMAND...: reruns COMMAND every 0.2 s until it succeeds
wait_until() { local end=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done; }
# poll SECONDS PATTERN COMMAND...: reruns COMMAND every 0.3 s until it exits 0 with output matching the ERE
# PATTERN. Leaves OUT (last output), TRIES and TOOK (ms since the first try).
poll() {
  local secs=$1 pat=$2 t0=${EPOCHREALTIME/./} end=$((SECONDS + $1)); shift 2
  TRIES=0
  while :; do
    TRIES=$((TRIES + 1))
    if OUT=$("$@" 2>&1) && grep -qE -- "$pat" <<<"$OUT"; then TOOK=$(((${EPOCHREALTIME/./} - t0) / 1000)); return 0; fi
    if [ $SECONDS -ge $end ]; then TOOK=$(((${EPOCHREALTIME/./} - t0) / 1000)); return 1; fi
    sleep 0.3
  done
}
# start_p2pd NAME FLAGS...: p2pd on 127.0.0.1 TCP only (no QUIC), relay/NAT/AutoNAT off. FLAGS must carry a local
# -bootstrapPeers (else -b dials the public IPFS list). Waits until the control socket answers.
start_p2pd() {
  local n=$1; shift
  "$P2PD" -q -listen "/unix$WORK/$n.sock" -id "$WORK/$n.key" -hostAddrs="$(addr "$n")" \
    -relay=false -relayService=false -natPortMap=false -autonat=false "$@" >"$WORK/$n.log" 2>&1 &
  PID[$n]=$!; PIDS+=("$!")
  wait_until 15 ctl "$n" identify
}
has_peer() { local out; out=$(ctl "$1" list-peers) && grep -q "^$2 " <<<"$out"; }
# start_server NAME [BOOTSTRAP_MADDR]: the Kademlia server under test on 127.0.0.1 TCP; with BOOTSTRAP_MADDR it
# bootstraps from that peer alone. Sets SRV_ID, SRV_ADDR (no /p2p/), SRV_MADDR and SRV_PID.
start_server() {
  local n=$1 boot=${2:-} line
  case "$KAD_SERVER" in
    p2pd)
      new_peer "$n"
      # Without -b p2pd dials nobody; -bootstrapPeers (its own address) still keeps the public list out of reach.
      if [ -n "$boot" ]; then start_p2pd "$n" -dhtServer -b -bootstrapPeers="$boot" || return 1
      else start_p2pd "$n" -dhtServer -bootstrapPeers="$(maddr "$n")" || return 1; fi
      SRV_ID=${ID[$n]}; SRV_ADDR=$(addr "$n"); SRV_PID=${PID[$n]} ;;
    waystone)
      [ -x "$BIN_UNDER_TEST" ] || { echo "no waystone binary at $BIN_UNDER_TEST"; return 1; }
      LIBP2P_LISTEN=/ip4/127.0.0.1/tcp/0
      export WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true WAYSTONE_KADEMLIA_ENABLED=true \
        WAYSTONE_KADEMLIA_MODE=$KAD_MODE
      [ -n "$boot" ] && export WAYSTONE_KADEMLIA_BOOTSTRAP_PEERS=$boot
      start_daemon "$n"; local rc=$?
      unset WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES WAYSTONE_KADEMLIA_ENABLED WAYSTONE_KADEMLIA_MODE \
        WAYSTONE_KADEMLIA_BOOTSTRAP_PEERS LIBP2P_LISTEN
      [ $rc -eq 0 ] || return 1
      line=$(grep -m1 'msg=started' "$DAEMON_LOG")
      SRV_ID=$(grep -o 'peer_id=[^ ]*' <<<"$line" | cut -d= -f2)
      SRV_ADDR=$(grep -o 'libp2p=[^ ]*' <<<"$line" | cut -d= -f2)
      SRV_PID=$DAEMON_PID ;;
  esac
  SRV_MADDR=$SRV_ADDR/p2p/$SRV_ID
  [[ $SRV_ADDR == /ip4/127.0.0.1/tcp/* ]]
}
server_log() { if [ "$KAD_SERVER" = waystone ]; then tail -5 "$DAEMON_LOG"; else tail -5 "$WORK/$1.log"; fi; }
# loopback_only PID...: every TCP socket of these processes has a 127.0.0.1 remote end (ss from iproute2)
loopback_only() {
  command -v ss >/dev/null || { pass "ss not installed: loopback check skipped"; return; }
  local pids socks outside
  pids=$(printf '%s\n' "$@" | sort -u | paste -sd'|')
  socks=$(ss -Htnp 2>/dev/null | grep -E "pid=($pids)," || true)
  outside=$(awk 'NF >= 5 { print $5 }' <<<"$socks" | grep -v -E '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):' || true)
  [ -n "$socks" ] && [ -z "$outside" ] \
    && pass "ss: every TCP socket of the $(tr '|' '\n' <<<"$pids" | wc -l) processes points at 127.0.0.1" \
    || fail "ss: sockets outside loopback (or none seen)" "$socks"
}
# ------------------------------------------------------------------------------------------------------------------

# --- 1. two DHT clients meet through the server ------------------------------------------------------------------
if ! start_server srv; then fail "the $KAD_SERVER server starts on 127.0.0.1" "$(server_log srv)"; finish; exit 1; fi
S1_ID=$SRV_ID; S1_MADDR=$SRV_MADDR; S1_PID=$SRV_PID
pass "the $KAD_SERVER server listens on $S1_MADDR"

for n in a b; do
  new_peer $n
  start_p2pd $n -dhtClient -b -bootstrapPeers="$S1_MADDR" || fail "p2pd $n starts" "$(tail -5 "$WORK/$n.log")"
done
for n in a b; do
  if wait_until 10 has_peer $n "$S1_ID"; then
    out=$(ctl $n list-peers 2>&1)
    [ "$(wc -l <<<"$out")" -eq 1 ] && pass "DHT client $n bootstrapped from the server and is connected to it alone" \
      || fail "client $n is connected to more than the server" "$out"
  else
    fail "DHT client $n bootstrapped from the server" "$(ctl $n list-peers 2>&1; tail -5 "$WORK/$n.log")"
  fi
done

# go-libp2p-kad-dht v0.25.1 admits a peer into its routing table only after a "lookup check": a FIND_NODE for the
# peer's own ID, sent to that peer, must come back with at least one peer (go answers with itself).
if poll 8 "^closer " ctl a kad-rpc "$S1_ID" find-node "$S1_ID"; then
  pass "the server's FIND_NODE answer for its own ID is not empty ($(grep -c '^closer ' <<<"$OUT") peer(s))"
else fail "the server's FIND_NODE answer for its own ID is empty: go-libp2p keeps it out of its routing table" "$OUT"; fi
if poll 8 "^$S1_ID$" ctl a dht-closest-peers --timeout 5 "waystone-kad-go-$$"; then
  pass "A's DHT has the server in its routing table (GetClosestPeers lists it; ${TOOK} ms)"
else fail "A's DHT has the server in its routing table (GetClosestPeers)" "$OUT"; fi

# What the server itself answers (one FIND_NODE, no lookup): B, with the address B listens on.
if poll 8 "^closer ${ID[b]} (.*,)?$(addr b)(,|$)" ctl a kad-rpc "$S1_ID" find-node "${ID[b]}"; then
  pass "the server's FIND_NODE answer for B names B at $(addr b) (${TOOK} ms)"
else fail "the server's FIND_NODE answer for B" "$OUT"; fi

if poll 12 "^$(addr b)$" ctl a dht-find-peer --timeout 5 "${ID[b]}"; then
  pass "A finds B through the server (FindPeer: $(addr b); ${TRIES} tries, ${TOOK} ms)"
else fail "A finds B through the server (FindPeer)" "$OUT"; fi
if poll 12 "^$(addr a)$" ctl b dht-find-peer --timeout 5 "${ID[a]}"; then
  pass "B finds A through the server (FindPeer: $(addr a); ${TRIES} tries, ${TOOK} ms)"
else fail "B finds A through the server (FindPeer)" "$OUT"; fi

# A peer nobody runs: the lookup ends (bounded) without an address.
"${CTL[@]}" genkey "$WORK/ghost.key" >/dev/null
GHOST=$("${CTL[@]}" peerid "$WORK/ghost.key")
t0=${EPOCHREALTIME/./}
set +e; out=$(ctl a dht-find-peer --timeout 8 "$GHOST" 2>&1); rc=$?; set -e
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
[ $rc -ne 0 ] && ! grep -q '^/ip4/' <<<"$out" && pass "a peer nobody runs is not found (FindPeer fails after ${ms} ms)" \
  || fail "FindPeer of a peer nobody runs (rc $rc)" "$out"

CID=$("${CTL[@]}" cid "waystone-kad-go-$$-$RANDOM")
if [ "$KAD_MODE" = full ]; then
  out=$(ctl a dht-provide --timeout 15 "$CID" 2>&1) && pass "A provides $CID (ADD_PROVIDER to the server)" \
    || fail "A provides $CID" "$out"
  if poll 8 "^provider ${ID[a]} (.*,)?$(addr a)(,|$)" ctl b kad-rpc "$S1_ID" get-providers "$CID"; then
    pass "the server's GET_PROVIDERS answer lists A at $(addr a) (${TOOK} ms)"
  else fail "the server's GET_PROVIDERS answer lists A" "$OUT"; fi
  if poll 12 "^${ID[a]} (.*,)?$(addr a)(,|$)" ctl b dht-find-providers --timeout 5 --count 5 "$CID"; then
    pass "B finds A as provider through the server (FindProviders; ${TRIES} tries, ${TOOK} ms)"
  else fail "B finds A as provider through the server (FindProviders)" "$OUT"; fi
else
  set +e; out=$(ctl a dht-provide --timeout 10 "$CID" 2>&1); rc=$?; set -e
  echo "       (bootstrap mode: A's provide exited $rc: ${out:-no output})"
  if out=$(ctl b kad-rpc "$S1_ID" get-providers "$CID" 2>&1) && grep -q '^type 3$' <<<"$out" \
    && ! grep -q '^provider ' <<<"$out"; then
    pass "bootstrap mode: the server answers GET_PROVIDERS with closer peers only"
  else fail "bootstrap mode: GET_PROVIDERS answer" "$out"; fi
  set +e; out=$(ctl b dht-find-providers --timeout 5 --count 5 "$CID" 2>&1); set -e
  ! grep -q "^${ID[a]} " <<<"$out" && pass "bootstrap mode: B finds no provider record" \
    || fail "bootstrap mode: a provider record was kept" "$out"
fi

# --- 2. the server bootstraps from a p2pd DHT server and learns that server's peers -----------------------------
new_peer u; new_peer v
start_p2pd u -dhtServer -bootstrapPeers="$(maddr v)" || fail "p2pd u starts" "$(tail -5 "$WORK/u.log")"
start_p2pd v -dhtServer -b -bootstrapPeers="$(maddr u)" || fail "p2pd v starts" "$(tail -5 "$WORK/v.log")"
wait_until 10 has_peer u "${ID[v]}" && pass "upstream DHT server U knows DHT server V" \
  || fail "U knows V" "$(ctl u list-peers 2>&1)"
if start_server up "$(maddr u)"; then
  pass "a second $KAD_SERVER server (bootstrap peer: U alone) listens on $SRV_MADDR"
  out=$(ctl b connect "$SRV_ID" "$SRV_ADDR" 2>&1) || fail "B connects to the second server" "$out"
  if poll 12 "^closer ${ID[v]} (.*,)?$(addr v)(,|$)" ctl b kad-rpc "$SRV_ID" find-node "${ID[v]}"; then
    pass "the second server learnt V from U: its FIND_NODE answer names V at $(addr v) (${TOOK} ms)"
  else fail "the second server learnt V from U (FIND_NODE answer for V)" "$OUT$(server_log up)"; fi
  UP_PID=$SRV_PID
else
  fail "a second $KAD_SERVER server bootstrapping from U starts" "$(server_log up)"; UP_PID=
fi

loopback_only "${PID[@]}" "$S1_PID" ${UP_PID:+"$UP_PID"}
if [ "$KAD_SERVER" = waystone ]; then
  for p in "$S1_PID" ${UP_PID:+"$UP_PID"}; do
    kill -TERM "$p"; set +e; wait_exit "$p" 15; rc=$?; set -e
    [ $rc -eq 0 ] && pass "waystone (pid $p) stops cleanly" || fail "waystone (pid $p) exit code $rc"
  done
fi
finish
