#!/usr/bin/env bash
# Kademlia DHT (/ipfs/kad/1.0.0) interop with py-libp2p 0.8.1 (PyPI libp2p, its libp2p.kad_dht): a py-libp2p DHT
# *client* whose only bootstrap peer is the server under test finds a go-libp2p node (p2pd, DHT client) that also
# bootstrapped from the server alone (find_peer), dials the address it got and pings the go node; then another go
# client finds the py-libp2p node through the server (FindPeer). Full mode adds provider records both ways: py
# finds the go node as provider of a CID (find_providers), and a go client finds py as provider of another CID.
# The py side is Tests/Interop/pylibp2p/kad_find_peer.py (one `ok`/`FAIL` line per check).
# KAD_SERVER=waystone (default: `waystone run` with WAYSTONE_KADEMLIA_*) or p2pd (`p2pd -dhtServer`, the reference)
# for comparison; KAD_MODE=full (default) or bootstrap (waystone only).
# Loopback only (checked with ss); every wait is bounded; ~10 s.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
KAD_SERVER=${KAD_SERVER:-waystone}
KAD_MODE=${KAD_MODE:-full}
echo "Kademlia: a py-libp2p DHT client and go-libp2p DHT clients through a $KAD_SERVER server ($KAD_MODE mode)"
case "$KAD_SERVER:$KAD_MODE" in
  p2pd:full | waystone:full | waystone:bootstrap) ;;
  *) fail "KAD_SERVER=$KAD_SERVER KAD_MODE=$KAD_MODE: want KAD_SERVER=p2pd|waystone, KAD_MODE=full|bootstrap (p2pd: full only)"
    finish; exit 1 ;;
esac
PY=$(bash Tests/Interop/pylibp2p/make-venv.sh 2>"$WORK/venv.log" | tail -1)
[ -x "$PY" ] || { fail "py-libp2p venv" "$(tail -5 "$WORK/venv.log")"; finish; exit 1; }
P2PD=$(bash Tests/Interop/p2pd/install.sh 2>"$WORK/install.log" | tail -1)
[ -x "$P2PD" ] || { fail "p2pd installed" "$(tail -5 "$WORK/install.log")"; finish; exit 1; }

source Tests/Interop/p2pd/kad-lib.sh

if ! start_server srv; then fail "the $KAD_SERVER server starts on 127.0.0.1" "$(server_log srv)"; finish; exit 1; fi
pass "the $KAD_SERVER server listens on $SRV_MADDR"

# g: the go node py-libp2p looks for; h: the go node that looks for py-libp2p. Both know only the server.
for n in g h; do
  new_peer $n
  start_p2pd $n -dhtClient -b -bootstrapPeers="$SRV_MADDR" || fail "p2pd $n starts" "$(tail -5 "$WORK/$n.log")"
done
for n in g h; do
  wait_until 10 has_peer $n "$SRV_ID" && pass "go DHT client $n bootstrapped from the server" \
    || fail "go DHT client $n bootstrapped from the server" "$(ctl $n list-peers 2>&1; tail -5 "$WORK/$n.log")"
done

pyargs=()
if [ "$KAD_MODE" = full ]; then
  CID_G=$("${CTL[@]}" cid "waystone-kad-py-g-$$-$RANDOM"); CID_PY=$("${CTL[@]}" cid "waystone-kad-py-py-$$-$RANDOM")
  out=$(ctl g dht-provide --timeout 15 "$CID_G" 2>&1) && pass "go node g provides $CID_G" || fail "g provides $CID_G" "$out"
  pyargs=(--find-provider "$CID_G" --provide "$CID_PY")
fi

# No `timeout` wrapper (a SIGKILL from the cleanup trap would orphan the child): the script stops itself after 50 s.
t0=${EPOCHREALTIME/./}
"$PY" Tests/Interop/pylibp2p/kad_find_peer.py "$SRV_MADDR" "${ID[g]}" "$(addr g)" "${pyargs[@]}" --deadline 12 \
  --lifetime 50 >"$WORK/py.out" 2>"$WORK/py.err" &
PYPID=$!; PIDS+=("$PYPID")
wait_for_log "$WORK/py.out" '^done ' 45 >/dev/null || fail "kad_find_peer.py finished its checks" "$(tail -15 "$WORK/py.err")"
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
n=0
while IFS= read -r l; do
  case "$l" in
    "ok "*) pass "py-libp2p: ${l#ok }"; n=$((n + 1)) ;;
    "FAIL "*) fail "py-libp2p: ${l#FAIL }"; n=$((n + 1)) ;;
  esac
done <"$WORK/py.out"
want=6; [ "$KAD_MODE" = full ] && want=8
[ $n -ge $want ] && grep -q '^done 0$' "$WORK/py.out" && pass "kad_find_peer.py: $n checks, none failed (${ms} ms with start-up)" \
  || fail "kad_find_peer.py: $n checks (want $want), $(grep -c '^FAIL ' "$WORK/py.out") failed" \
    "$(grep -v '^ok ' "$WORK/py.out")$(tail -15 "$WORK/py.err")"

line=$(grep -m1 '^addr ' "$WORK/py.out" || true)
PYMADDR=${line#addr }
PYID=${PYMADDR##*/p2p/}
PYADDR=${PYMADDR%/p2p/*}
if [[ $PYMADDR =~ ^/ip4/127\.0\.0\.1/tcp/[1-9][0-9]*/p2p/12D3KooW[1-9A-HJ-NP-Za-km-z]+$ ]]; then
  has_peer h "$PYID" && fail "h is not connected to py-libp2p before its lookup" "$(ctl h list-peers 2>&1)" \
    || pass "h is not connected to py-libp2p before its lookup"
  if poll 12 "^${PYADDR}$" ctl h dht-find-peer --timeout 5 "$PYID"; then
    pass "go node h finds py-libp2p through the server (FindPeer: $PYADDR; ${TRIES} tries, ${TOOK} ms)"
  else fail "go node h finds py-libp2p through the server (FindPeer)" "$OUT"; fi
  if [ "$KAD_MODE" = full ]; then
    if poll 12 "^${PYID} (.*,)?${PYADDR}(,|$)" ctl h dht-find-providers --timeout 5 --count 5 "$CID_PY"; then
      pass "go node h finds py-libp2p as provider of $CID_PY (FindProviders; ${TRIES} tries, ${TOOK} ms)"
    else fail "go node h finds py-libp2p as provider (FindProviders)" "$OUT"; fi
  fi
else
  fail "py-libp2p listener address" "$line$(tail -15 "$WORK/py.err")"
fi

loopback_only "${PID[@]}" "$SRV_PID" "$PYPID"
kill -TERM "$PYPID" 2>/dev/null || true; wait "$PYPID" 2>/dev/null || true
if [ "$KAD_SERVER" = waystone ]; then
  kill -TERM "$SRV_PID"; set +e; wait_exit "$SRV_PID" 15; rc=$?; set -e
  [ $rc -eq 0 ] && pass "waystone stops cleanly" || fail "waystone exit code $rc"
fi
finish
