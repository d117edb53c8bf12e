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

source Tests/Interop/p2pd/kad-lib.sh

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
