#!/usr/bin/env bash
# py-libp2p 0.8.1 (PyPI libp2p, trio) dials Waystone on loopback over TCP with only Noise and Yamux offered, then
# checks identify, ping and 20 streams in a row (Tests/Interop/pylibp2p/dial_waystone.py, one `ok`/`FAIL` line each).
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
timeout 45 "$PY" Tests/Interop/pylibp2p/dial_waystone.py "$WSADDR/p2p/$WSID" \
  "waystone/$("$BIN_UNDER_TEST" version | cut -d' ' -f2)" >"$WORK/py.out" 2>"$WORK/py.err"
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
grep -q '^libp2p_swarm_connections_opened_total{dir="inbound"} [1-9]' "$WORK/metrics.txt" \
  && pass "metrics: inbound connection upgraded" || fail "metrics upgraded" "$(grep libp2p_ "$WORK/metrics.txt")"
pings=$(grep '^waystone_libp2p_streams_total{protocol="/ipfs/ping/1.0.0"}' "$WORK/metrics.txt" | awk '{print $2}')
[ "${pings:-0}" -ge 21 ] 2>/dev/null && pass "metrics: $pings ping streams counted" \
  || fail "metrics ping streams (want >= 21)" "$(grep streams_total "$WORK/metrics.txt")"

kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "waystone stops cleanly" || fail "waystone exit code $rc"
finish
