# Helpers shared by the Kademlia interop suites (kad-go.sh, kad-py.sh): p2pd nodes, polling, the server under
# test (KAD_SERVER=waystone|p2pd, KAD_MODE), loopback check. Sourced after lib.sh, with P2PD set; not a suite.
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
