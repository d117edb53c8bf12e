#!/usr/bin/env bash
# go-libp2p (p2pd from the hivemind 1.1.12 wheel, go-libp2p v0.32.1) connects to Waystone on loopback:
# multistream-select, Noise, Yamux, identify and ping must work with the real, unchanged peer.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
echo "go-libp2p (p2pd) against waystone"
P2PD=$(bash Tests/Interop/p2pd/install.sh 2>"$WORK/install.log" | tail -1)
[ -x "$P2PD" ] || { fail "p2pd installed" "$(tail -5 "$WORK/install.log")"; finish; exit 1; }
CTL=(python3 Tests/Interop/p2pd/p2pctl.py)

LIBP2P_LISTEN=/ip4/127.0.0.1/tcp/0
export WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true
start_daemon libp2p
unset WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES
line=$(grep -m1 'msg=started' "$DAEMON_LOG")
WSID=$(grep -o 'peer_id=[^ ]*' <<<"$line" | cut -d= -f2)
WSADDR=$(grep -o 'libp2p=[^ ]*' <<<"$line" | cut -d= -f2)
[[ $WSADDR == /ip4/127.0.0.1/tcp/* ]] && pass "waystone listens on $WSADDR" || fail "waystone libp2p address" "$line"

"${CTL[@]}" genkey "$WORK/p2pd.key" >/dev/null
port=$(free_port)
"$P2PD" -q -listen "/unix$WORK/p.sock" -id "$WORK/p2pd.key" -hostAddrs="/ip4/127.0.0.1/tcp/$port" \
  -bootstrapPeers="$WSADDR/p2p/$WSID" -relay=false -relayService=false -natPortMap=false -autonat=false \
  >"$WORK/p2pd.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 50); do [ -S "$WORK/p.sock" ] && break; sleep 0.1; done
ctl() { timeout 20 "${CTL[@]}" -s "/unix$WORK/p.sock" "$@"; }

out=$(ctl connect "$WSID" "$WSADDR" 2>&1) && pass "p2pd connects (multistream, Noise, Yamux; go waits for identify)" \
  || fail "p2pd connects" "$out$(tail -5 "$WORK/p2pd.log")"
peers=$(ctl list-peers 2>&1)
grep -q "^$WSID /ip4/127.0.0.1/tcp/" <<<"$peers" && pass "p2pd lists waystone as a connected peer" \
  || fail "p2pd list-peers" "$peers"

id=$(ctl peer-identify "$WSID" 2>&1)
field() { grep "^$1 " <<<"$id" | cut -d' ' -f2-; }
[ "$(field agentVersion)" = "waystone/$("$BIN_UNDER_TEST" version | cut -d' ' -f2)" ] \
  && pass "identify: agentVersion $(field agentVersion)" || fail "identify agentVersion" "$id"
[ "$(field protocolVersion)" = "ipfs/0.1.0" ] && pass "identify: protocolVersion ipfs/0.1.0" || fail "identify protocolVersion" "$id"
[ "$(field peerIdFromKey)" = "$WSID" ] && pass "identify: publicKey gives the peer ID" || fail "identify publicKey" "$id"
[ "$(field protocols)" = "/ipfs/id/1.0.0 /ipfs/id/push/1.0.0 /ipfs/ping/1.0.0 /ipfs/kad/1.0.0" ] \
  && pass "identify: protocols are exactly those accepted inbound" || fail "identify protocols" "$id"
[ "$(field listenAddrs)" = "$WSADDR" ] && pass "identify: listenAddrs = the bound address" || fail "identify listenAddrs" "$id"
[[ "$(field observedAddr)" == /ip4/127.0.0.1/tcp/* ]] && pass "identify: observedAddr $(field observedAddr)" \
  || fail "identify observedAddr" "$id"
[ -n "$(field signedPeerRecord)" ] && pass "identify: signedPeerRecord present" || fail "identify signedPeerRecord" "$id"

rtts=$(ctl ping "$WSID" --count 3 2>&1)
[ "$(grep -cE '^[0-9.]+$' <<<"$rtts")" -eq 3 ] && pass "ping: 3 round trips ($(tr '\n' ' ' <<<"$rtts")ms)" \
  || fail "ping" "$rtts"

# 100 streams opened and closed in a row on the one connection: each negotiates /ipfs/ping/1.0.0 and echoes 32 bytes.
payload=$(python3 -c 'import os; print(os.urandom(32).hex())')
ok=0
for i in $(seq 1 100); do
  reply=$(ctl stream-open "$WSID" /ipfs/ping/1.0.0 --data-hex "$payload" --read-bytes 32 --idle 5 2>/dev/null | python3 -c 'import sys; print(sys.stdin.buffer.read().hex())') || true
  [ "$reply" = "$payload" ] && ok=$((ok + 1))
done
[ $ok -eq 100 ] && pass "100 streams opened, echoed and closed" || fail "100 streams: $ok echoed"

http_get "http://$METRICS/metrics" | tail -n +2 >"$WORK/metrics.txt"
grep -q '^libp2p_swarm_connections_opened_total{dir="inbound",transport="tcp",security="noise",muxer="yamux"} [1-9]' "$WORK/metrics.txt" \
  && pass "metrics: inbound connection upgraded" || fail "metrics upgraded" "$(grep libp2p_ "$WORK/metrics.txt")"
pings=$(awk '/^waystone_libp2p_streams_total\{protocol="\/ipfs\/ping\/1.0.0"\}/ {print $2}' "$WORK/metrics.txt")
[ "${pings:-0}" -ge 101 ] 2>/dev/null && pass "metrics: $pings ping streams counted" \
  || fail "metrics streams ($pings)" "$(grep streams_total "$WORK/metrics.txt")"
value() { awk -v k="$1" '$1 == k {print $2}' "$WORK/metrics.txt"; }
[ "$(value 'libp2p_identify_identify_total{dir="received"}')" -ge 1 ] 2>/dev/null \
  && [ "$(value waystone_libp2p_peerstore_peers)" -ge 1 ] 2>/dev/null \
  && pass "waystone asked p2pd's identify on the inbound connection and keeps it in its peerstore" \
  || fail "identify of the inbound peer" "$(grep -E 'identify|peerstore' "$WORK/metrics.txt")"
[ "$(value 'libp2p_swarm_handshake_latency_seconds_count{transport="tcp",security="noise",muxer="yamux"}')" -ge 1 ] \
  2>/dev/null && pass "metrics: handshake latency observed" || fail "handshake latency" "$(grep latency "$WORK/metrics.txt")"
[ "$(value 'waystone_libp2p_open_streams{protocol="/ipfs/ping/1.0.0"}')" = 0 ] \
  && pass "metrics: no ping stream left open after 100 closed" || fail "open ping streams" "$(grep open_streams "$WORK/metrics.txt")"
out=$(promtool check metrics <"$WORK/metrics.txt" 2>&1) && [ -z "$out" ] && pass "promtool check metrics: clean" \
  || fail "promtool" "$out"

kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "waystone stops cleanly with a peer connected" || fail "waystone exit code $rc"

# The other direction: a second Waystone dials p2pd (libp2p.peers) and identifies it.
P2PDID=$(ctl identify 2>/dev/null | head -1)
export WAYSTONE_LIBP2P_PEERS="/ip4/127.0.0.1/tcp/$port/p2p/$P2PDID" WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true
start_daemon dialer
unset WAYSTONE_LIBP2P_PEERS WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES
DIALER_ID=$(grep -m1 -o 'peer_id=[^ ]*' "$DAEMON_LOG" | cut -d= -f2)
line=$(wait_for_log "$DAEMON_LOG" 'msg="peer identified"' 15) || line=""
grep -q "peer=$P2PDID" <<<"$line" && grep -q 'agent=p2pd/0.1' <<<"$line" \
  && pass "waystone dials p2pd and identifies it (agent p2pd/0.1)" || fail "waystone dials p2pd" "$(tail -5 "$DAEMON_LOG")"
peers=$(ctl list-peers 2>&1)
grep -q "^$DIALER_ID " <<<"$peers" && pass "p2pd lists the dialing waystone" || fail "p2pd list-peers (dialer)" "$peers"
out=$(ctl ping "$DIALER_ID" --count 1 2>&1) && pass "p2pd pings over the connection waystone dialed" \
  || fail "ping over the outbound connection" "$out"
http_get "http://$METRICS/metrics" | tail -n +2 >"$WORK/metrics2.txt"
grep -q '^libp2p_swarm_connections_opened_total{dir="outbound",transport="tcp",security="noise",muxer="yamux"} [1-9]' "$WORK/metrics2.txt" \
  && pass "metrics: outbound connection upgraded" || fail "metrics outbound" "$(grep opened "$WORK/metrics2.txt")"
kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "dialing waystone stops cleanly" || fail "dialing waystone exit code $rc"
finish
