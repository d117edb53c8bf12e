#!/usr/bin/env bash
# Kademlia warm restart: a Waystone DHT node with PEERS live DHT-server peers on loopback (Waystone daemons, each
# bootstrapping from it) is stopped and started again with its data dir; the routing table must be back to at least
# 90 % of its size before the restart within 30 s, from the snapshot alone (no bootstrap peers configured).
# PEERS (default 50) and RESTORE_SECONDS (default 30) can be changed.
source "$(dirname "$0")/lib.sh"
PEERS=${PEERS:-50}
RESTORE_SECONDS=${RESTORE_SECONDS:-30}
echo "kademlia warm restart with $PEERS DHT-server peers"

value() { http_get "http://$1/metrics" | awk -v k="$2" '$1 == k {print $2}'; }
table() { local v; v=$(value "$1" waystone_kad_routing_table_peers 2>/dev/null) || v=0; echo "${v:-0}"; }

# All peers share 127.0.0.1: the per-IP connection limits are lifted for the lab.
export WAYSTONE_LIBP2P_ALLOW_PRIVATE_ADDRESSES=true WAYSTONE_KADEMLIA_REFRESH_SECONDS=0 \
  WAYSTONE_LIBP2P_LIMITS_MAX_CONNECTIONS_PER_IP=0 WAYSTONE_LIBP2P_LIMITS_NEW_CONNECTIONS_PER_SECOND_PER_IP=0
SERVER_PORT=$(free_port)
LIBP2P_LISTEN=/ip4/127.0.0.1/tcp/$SERVER_PORT start_daemon server
SERVER_ID=$(grep -m1 -o 'peer_id=[^ ]*' "$DAEMON_LOG" | cut -d= -f2)
SERVER_PID=$DAEMON_PID SERVER_METRICS=$METRICS SERVER_DATA=$DATA
export WAYSTONE_KADEMLIA_BOOTSTRAP_PEERS=/ip4/127.0.0.1/tcp/$SERVER_PORT/p2p/$SERVER_ID
for i in $(seq 1 "$PEERS"); do
  LIBP2P_LISTEN=/ip4/127.0.0.1/tcp/0 start_daemon "peer$i" >/dev/null
done
unset WAYSTONE_KADEMLIA_BOOTSTRAP_PEERS

# The table fills as the peers join (k per bucket: not every peer fits); wait until it stops growing.
before=0; stable=0; end=$((SECONDS + 60))
while [ $SECONDS -lt $end ] && [ $stable -lt 10 ]; do
  now=$(table "$SERVER_METRICS")
  if [ "${now%.*}" -gt "${before%.*}" ]; then before=$now; stable=0; else stable=$((stable + 1)); fi
  sleep 0.3
done
before=${before%.*}
[ "$before" -ge $((PEERS / 2)) ] && pass "routing table holds $before of $PEERS peers before the restart" \
  || fail "routing table before the restart: $before of $PEERS"

kill -TERM "$SERVER_PID"; set +e; wait_exit "$SERVER_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && [ -s "$SERVER_DATA/kademlia.snapshot" ] && pass "stopped cleanly with a snapshot saved" \
  || fail "stop: exit $rc, snapshot $(ls -la "$SERVER_DATA" 2>&1)"

started=$(date +%s.%N)
DAEMON_LOG=$WORK/server2.log
WAYSTONE_METRICS_LISTEN=127.0.0.1:0 WAYSTONE_STUN_LISTEN= WAYSTONE_LIBP2P_LISTEN=/ip4/127.0.0.1/tcp/$SERVER_PORT \
  "$BIN_UNDER_TEST" run --data-dir "$SERVER_DATA" 2>"$DAEMON_LOG" &
SERVER_PID=$!; PIDS+=("$SERVER_PID")
line=$(wait_for_log "$DAEMON_LOG" 'msg=started' 15) || line=""
SERVER_METRICS=$(grep -o 'metrics=[^ ]*' <<<"$line" | cut -d= -f2)
want=$(((before * 9 + 9) / 10)); after=0; elapsed=""
deadline=$(python3 -c "print($started + $RESTORE_SECONDS)")
while python3 -c "import sys,time; sys.exit(0 if time.time() < $deadline else 1)"; do
  after=$(table "$SERVER_METRICS"); after=${after%.*}
  if [ "$after" -ge "$want" ]; then elapsed=$(python3 -c "import time; print(f'{time.time() - $started:.2f}')"); break; fi
  sleep 0.1
done
[ "$(value "$SERVER_METRICS" 'waystone_kad_snapshot_loads_total{result="ok"}')" = 1 ] \
  && pass "the restarted node loaded its snapshot" || fail "snapshot load" "$(grep kad_snapshot "$DAEMON_LOG")"
[ -n "$elapsed" ] && pass "warm restart: $after of $before verified peers back in ${elapsed} s (goal: 90 % in ${RESTORE_SECONDS} s)" \
  || fail "warm restart: only $after of $before peers back after ${RESTORE_SECONDS} s"
# The restored table answers: a FIND_NODE-driven count from the metrics of the restarted node.
sleep 1
final=$(table "$SERVER_METRICS"); final=${final%.*}
echo "  table after restart + 1 s: $final (before: $before)"
kill -TERM "$SERVER_PID"; set +e; wait_exit "$SERVER_PID" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "restarted node stops cleanly" || fail "restarted node exit $rc"
finish
