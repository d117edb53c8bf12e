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

# --- helpers (the same block is in kad-go.sh: keep them in step) -------------------------------------------------
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
