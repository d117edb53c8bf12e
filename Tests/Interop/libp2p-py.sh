#!/usr/bin/env bash
# py-libp2p 0.8.1 (PyPI libp2p, trio) dials Waystone on loopback over TCP with only Noise and Yamux offered, then
# checks identify, ping and 20 streams in a row (Tests/Interop/pylibp2p/dial_waystone.py, one `ok`/`FAIL` line each).
# Then the other direction: Waystone dials a py-libp2p listener (libp2p.peers) and identifies it, py-libp2p identifies
# and pings Waystone over that connection (Tests/Interop/pylibp2p/listen_for_waystone.py), and a libp2p.peers entry
# with the wrong /p2p/ peer ID is refused by Noise.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
echo "py-libp2p against waystone"
PY=$(bash Tests/Interop/pylibp2p/make-venv.sh 2>"$WORK/venv.log" | tail -1)
[ -x "$PY" ] || { fail "py-libp2p venv" "$(tail -5 "$WORK/venv.log")"; finish; exit 1; }

LIBP2P_LISTEN=/ip4/127.0.0.1/tcp/0
export WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true
start_daemon libp2p
unset WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES
line=$(grep -m1 'msg=started' "$DAEMON_LOG")
WSID=$(grep -o 'peer_id=[^ ]*' <<<"$line" | cut -d= -f2)
WSADDR=$(grep -o 'libp2p=[^ ]*' <<<"$line" | cut -d= -f2)
[[ $WSADDR == /ip4/127.0.0.1/tcp/* ]] && pass "waystone listens on $WSADDR" || fail "waystone libp2p address" "$line"

# The script has its own 30 s trio deadline; `timeout` is the backstop.
set +e
WSAGENT="waystone/$("$BIN_UNDER_TEST" version | cut -d' ' -f2)"
timeout 45 "$PY" Tests/Interop/pylibp2p/dial_waystone.py "$WSADDR/p2p/$WSID" "$WSAGENT" >"$WORK/py.out" 2>"$WORK/py.err"
rc=$?
set -e
n=0
while IFS= read -r l; do
  case "$l" in
    "ok "*) pass "py-libp2p: ${l#ok }"; n=$((n + 1)) ;;
    "FAIL "*) fail "py-libp2p: ${l#FAIL }"; n=$((n + 1)) ;;
  esac
done <"$WORK/py.out"
[ $rc -eq 0 ] && [ $n -ge 10 ] && pass "dial_waystone.py exits 0 after $n checks" \
  || fail "dial_waystone.py exit $rc after $n checks" "$(tail -15 "$WORK/py.err")"

http_get "http://$METRICS/metrics" | tail -n +2 >"$WORK/metrics.txt"
grep -q '^libp2p_swarm_connections_opened_total{dir="inbound",transport="tcp",security="noise",muxer="yamux"} [1-9]' "$WORK/metrics.txt" \
  && pass "metrics: inbound connection upgraded" || fail "metrics upgraded" "$(grep libp2p_ "$WORK/metrics.txt")"
pings=$(grep '^waystone_libp2p_streams_total{protocol="/ipfs/ping/1.0.0"}' "$WORK/metrics.txt" | awk '{print $2}')
[ "${pings:-0}" -ge 21 ] 2>/dev/null && pass "metrics: $pings ping streams counted" \
  || fail "metrics ping streams (want >= 21)" "$(grep streams_total "$WORK/metrics.txt")"

kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "waystone stops cleanly" || fail "waystone exit code $rc"

# --- Waystone dials py-libp2p. The dialer's identity is made first so the listener knows whom to expect.
"$BIN_UNDER_TEST" keygen --data-dir "$WORK/pydialer-data" >/dev/null
DIALER_ID=$("$BIN_UNDER_TEST" peer-id --data-dir "$WORK/pydialer-data")
PYAGENT="py-libp2p/$("$PY" -c 'import importlib.metadata as m; print(m.version("libp2p"))')"
# No `timeout` wrapper (a SIGKILL from the cleanup trap would orphan the child): the script stops itself after 60 s.
"$PY" Tests/Interop/pylibp2p/listen_for_waystone.py "$DIALER_ID" "$WSAGENT" 60 >"$WORK/pyl.out" 2>"$WORK/pyl.err" &
PYPID=$!; PIDS+=("$PYPID")
line=$(wait_for_log "$WORK/pyl.out" '^(addr|FAIL) ' 15) || line=""
PYADDR=${line#addr }
PYID=${PYADDR##*/p2p/}
if ! [[ $PYADDR =~ ^/ip4/127\.0\.0\.1/tcp/[1-9][0-9]*/p2p/12D3KooW[1-9A-HJ-NP-Za-km-z]+$ ]]; then
  fail "py-libp2p listener address" "$line$(cat "$WORK/pyl.out")$(tail -15 "$WORK/pyl.err")"
  finish; exit 1
fi
pass "py-libp2p listens on $PYADDR"
pyprotos=$(grep -m1 '^protocols ' "$WORK/pyl.out" | cut -d' ' -f2)

export WAYSTONE_LIBP2P_PEERS=$PYADDR WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true
start_daemon pydialer
unset WAYSTONE_LIBP2P_PEERS WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES
grep -q "msg=started .*peer_id=$DIALER_ID " "$DAEMON_LOG" && pass "dialing waystone runs as $DIALER_ID" \
  || fail "dialing waystone identity" "$(grep -m1 msg=started "$DAEMON_LOG")"
line=$(wait_for_log "$DAEMON_LOG" 'msg="peer identified"' 10) || line=""
grep -q "peer=$PYID " <<<"$line" && grep -q "agent=$PYAGENT " <<<"$line" \
  && pass "waystone dials py-libp2p and identifies it (agent $PYAGENT, peer $PYID)" \
  || fail "waystone dials py-libp2p and identifies it" "$(tail -5 "$DAEMON_LOG")"
[ -n "$pyprotos" ] && grep -q "protocols=$pyprotos\$" <<<"$line" \
  && pass "waystone reads the $pyprotos protocols py-libp2p advertises" \
  || fail "identified protocols (want $pyprotos)" "$line"

# listen_for_waystone.py checks the connection and prints `done N` (its own 20 s deadline; this wait is the backstop).
wait_for_log "$WORK/pyl.out" '^done ' 20 >/dev/null || fail "py-libp2p checks finished" "$(tail -15 "$WORK/pyl.err")"
grep -q "^connected $DIALER_ID inbound\$" "$WORK/pyl.out" && pass "py-libp2p sees waystone's inbound connection" \
  || fail "py-libp2p inbound connection from $DIALER_ID" "$(cat "$WORK/pyl.out")"
n=0
while IFS= read -r l; do
  case "$l" in
    "ok "*) pass "py-libp2p listener: ${l#ok }"; n=$((n + 1)) ;;
    "FAIL "*) fail "py-libp2p listener: ${l#FAIL }"; n=$((n + 1)) ;;
  esac
done <"$WORK/pyl.out"
[ $n -ge 9 ] && grep -q '^done 0$' "$WORK/pyl.out" && pass "listen_for_waystone.py: $n checks, none failed" \
  || fail "listen_for_waystone.py: $n checks" "$(grep -v '^ok ' "$WORK/pyl.out")$(tail -15 "$WORK/pyl.err")"

http_get "http://$METRICS/metrics" | tail -n +2 >"$WORK/metrics-dialer.txt"
grep -q '^libp2p_swarm_connections_opened_total{dir="outbound",transport="tcp",security="noise",muxer="yamux"} [1-9]' "$WORK/metrics-dialer.txt" \
  && pass "metrics: outbound connection upgraded" || fail "metrics outbound" "$(grep opened "$WORK/metrics-dialer.txt")"
failures=$(awk '/^waystone_libp2p_dial_failures_total/ {n++; s += $2} END {print n ? s : "none"}' \
  "$WORK/metrics-dialer.txt")
[ "$failures" = 0 ] && pass "metrics: no dial failures" \
  || fail "metrics dial failures ($failures)" "$(grep dial_failures "$WORK/metrics-dialer.txt")"
kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "dialing waystone stops cleanly" || fail "dialing waystone exit code $rc"

# --- The same address with another /p2p/ peer ID: Noise must refuse py-libp2p (its key is not that peer's). The
# daemon counts this in waystone_libp2p_dial_failures_total{reason="handshake"} and logs "dial failed".
"$BIN_UNDER_TEST" keygen --data-dir "$WORK/decoy-data" >/dev/null
DECOY_ID=$("$BIN_UNDER_TEST" peer-id --data-dir "$WORK/decoy-data")
export WAYSTONE_LIBP2P_PEERS=${PYADDR%/p2p/*}/p2p/$DECOY_ID WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true
start_daemon wrongpeer
unset WAYSTONE_LIBP2P_PEERS WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES
WRONG_ID=$(grep -m1 -o 'peer_id=[^ ]*' "$DAEMON_LOG" | cut -d= -f2)
failed=0; end=$((SECONDS + 8))
while [ $SECONDS -lt $end ]; do
  http_get "http://$METRICS/metrics" | tail -n +2 >"$WORK/metrics-wrong.txt"
  failed=$(awk '/^waystone_libp2p_dial_failures_total\{reason="handshake"\}/ {print $2}' "$WORK/metrics-wrong.txt")
  [ "${failed:-0}" -ge 1 ] 2>/dev/null && break
  sleep 0.2
done
[ "${failed:-0}" -ge 1 ] 2>/dev/null \
  && pass "wrong peer ID: the failed dial is counted (dial_failures_total{reason=\"handshake\"} $failed)" \
  || fail "wrong peer ID: no failed dial counted" "$(grep -E 'failures|opened' "$WORK/metrics-wrong.txt")"
line=$(wait_for_log "$DAEMON_LOG" 'msg="dial failed"' 5) || line=""
grep -q 'noise' <<<"$line" && pass "wrong peer ID: the failed dial is logged with its Noise error" \
  || fail "wrong peer ID: no dial failed log line" "$(tail -5 "$DAEMON_LOG")"
grep -q '^libp2p_swarm_connections_opened_total{dir="outbound",transport="tcp",security="noise",muxer="yamux"} 0$' "$WORK/metrics-wrong.txt" \
  && pass "wrong peer ID: no outbound connection upgraded" || fail "wrong peer ID: outbound upgraded" \
  "$(grep opened "$WORK/metrics-wrong.txt")"
! grep -q 'msg="peer identified"' "$DAEMON_LOG" && pass "wrong peer ID: nothing identified" \
  || fail "wrong peer ID: a peer was identified" "$(grep 'peer identified' "$DAEMON_LOG")"
[ -n "$WRONG_ID" ] && ! grep -q "^connected $WRONG_ID " "$WORK/pyl.out" && kill -0 "$PYPID" 2>/dev/null \
  && pass "py-libp2p never got a connection from it and keeps running" \
  || fail "py-libp2p side of the wrong-peer dial ($WRONG_ID)" "$(cat "$WORK/pyl.out")"
kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "wrong-peer waystone stops cleanly" || fail "wrong-peer waystone exit code $rc"
kill -TERM "$PYPID" 2>/dev/null || true; wait "$PYPID" 2>/dev/null || true
finish
