# Helpers for stun-clients.sh. Sourced after ../lib.sh (uses WORK, PIDS, pass/fail, wait_for_log, wait_exit).
STUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${STUN_VENVS:=$(cd "$STUN_DIR/../../.." && pwd)/.build/interop-venvs}"
: "${STUN_SERVER:=waystone}"   # waystone | coturn | liar (our negative control: every mapping check must fail)
STUN_N=0

# in_ns NS CMD...: runs CMD in network namespace NS ("" = the current one)
in_ns() { local ns=$1; shift; if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi; }
# exec_in_ns NS CMD...: the same, replacing the (background) subshell, so that `exec_in_ns ... &` makes $! the
# server's own PID (ip netns exec execs its command too) and kill-by-PID reaches the server, not a wrapper
exec_in_ns() { local ns=$1; shift; if [ -n "$ns" ]; then exec ip netns exec "$ns" "$@"; else exec "$@"; fi; }

# wait_listening NS ADDRESS PORT SECONDS: until a UDP and a TCP socket are bound to ADDRESS:PORT in NS
wait_listening() {
  local ns=$1 a=$2 p=$3 secs=${4:-15} i
  for ((i = 0; i < secs * 10; i++)); do
    if in_ns "$ns" ss -Hlun "src $a:$p" | grep -q . && in_ns "$ns" ss -Hltn "src $a:$p" | grep -q .; then return 0; fi
    if ! kill -0 "$STUN_PID" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# start_stun_server NS ADDRESS PORT: the server under test on UDP and TCP ADDRESS:PORT inside NS ("" = here).
# Sets STUN_PID and STUN_LOG. STUN_SERVER picks the implementation:
#   waystone (default): WAYSTONE_STUN_LISTEN=ADDRESS:PORT WAYSTONE_METRICS_LISTEN=127.0.0.1:0 \
#                         $BIN_UNDER_TEST run --data-dir DIR   (the namespaces have their own lo, brought up,
#                         so 127.0.0.1:0 is valid there too); ready when the log has msg=started AND both sockets
#                       are bound. Extra env (K=V ...) in STUN_WAYSTONE_ENV, extra run arguments in STUN_WAYSTONE_ARGS.
#   coturn: turnserver -c FILE with a STUN-only config (stun-only, no-cli/tls/dtls, no SOFTWARE), stopped by PID.
#   liar:   Tests/Interop/stun/lying_server.py (STUN_LIE=port|ip), to prove the checks catch a wrong address.
start_stun_server() {
  local ns=$1 addr=$2 port=$3 tag
  STUN_N=$((STUN_N + 1)); tag=$WORK/stun$STUN_N; STUN_LOG=$tag.log
  case $STUN_SERVER in
    waystone)
      # shellcheck disable=SC2086
      exec_in_ns "$ns" env WAYSTONE_STUN_LISTEN="$addr:$port" WAYSTONE_METRICS_LISTEN=127.0.0.1:0 ${STUN_WAYSTONE_ENV:-} \
        "$BIN_UNDER_TEST" run --data-dir "$tag-data" ${STUN_WAYSTONE_ARGS:-} 2>"$STUN_LOG" &
      STUN_PID=$!; PIDS+=("$STUN_PID")
      wait_for_log "$STUN_LOG" 'msg=started' 15 >/dev/null || { echo "waystone did not start"; cat "$STUN_LOG"; return 1; }
      ;;
    coturn)
      cat >"$tag.conf" <<CONF
listening-ip=$addr
relay-ip=$addr
listening-port=$port
stun-only
no-cli
no-tls
no-dtls
no-software-attribute
relay-threads=1
userdb=$tag.db
pidfile=$tag.pid
log-file=$STUN_LOG
simple-log
no-stdout-log
CONF
      # stderr: coturn 4.6.1 prints "socket: Protocol not supported" for every SCTP listener it cannot open
      exec_in_ns "$ns" turnserver -c "$tag.conf" >/dev/null 2>"$tag.stderr" &
      STUN_PID=$!; PIDS+=("$STUN_PID")
      ;;
    liar)
      exec_in_ns "$ns" python3 "$STUN_DIR/lying_server.py" "$addr" "$port" "${STUN_LIE:-port}" 2>"$STUN_LOG" &
      STUN_PID=$!; PIDS+=("$STUN_PID")
      ;;
    *) echo "STUN_SERVER must be waystone, coturn or liar (got $STUN_SERVER)"; return 1 ;;
  esac
  wait_listening "$ns" "$addr" "$port" 15 || { echo "$STUN_SERVER not listening on $addr:$port"; cat "$STUN_LOG" 2>/dev/null; return 1; }
}

stop_stun_server() {
  kill -TERM "$STUN_PID" 2>/dev/null || true
  wait_exit "$STUN_PID" 10 >/dev/null 2>&1 || { kill -9 "$STUN_PID" 2>/dev/null; wait "$STUN_PID" 2>/dev/null; } || true
}

# --- clients: each prints "mapped=IP:PORT local=IP:PORT" (local = the client's own socket) or fails --------------
# Debian stun-client 0.97 (`stun`), RFC 3489 test I from a fixed source port (-p); parses its MappedAddress lines.
client_stun() { # NS HOST PORT SOURCE_IP
  local lp=$((20000 + RANDOM % 20000)) out
  out=$(in_ns "$1" timeout 15 stun "$2:$3" 1 -v -p "$lp" 2>&1) || { echo "stun exited $?: $out"; return 1; }
  local m; m=$(grep -oE '^MappedAddress = [0-9.]+:[0-9]+' <<<"$out" | awk '{print $3}' | sort -u)
  [ "$(wc -w <<<"$m")" = 1 ] || { echo "stun: expected one MappedAddress, got '${m//$'\n'/ }': $out"; return 1; }
  echo "mapped=$m local=$4:$lp"
}
# coturn's turnutils_stunclient (UDP only, RFC 5389 Binding). It has no source-port option and does not print its
# port, so the port is read from its own getsockname() call under strace.
client_turnutils() { # NS HOST PORT SOURCE_IP
  local tr=$WORK/turnutils.$RANDOM.strace out
  out=$(in_ns "$1" timeout 15 strace -f -qq -e trace=getsockname -o "$tr" turnutils_stunclient -p "$3" -L "$4" "$2" 2>&1) \
    || { echo "turnutils_stunclient exited $?: $out"; return 1; }
  local m lp
  m=$(grep -oE 'UDP reflexive addr: [0-9.]+:[0-9]+' <<<"$out" | awk '{print $4}' | sort -u)
  lp=$(grep -oE 'sin_port=htons\([0-9]+\)' "$tr" | grep -oE '[0-9]+' | sort -u)
  [ "$(wc -w <<<"$m")" = 1 ] && [ "$(wc -w <<<"$lp")" = 1 ] \
    || { echo "turnutils_stunclient: mapped '$m', local port '$lp': $out"; cat "$tr"; return 1; }
  echo "mapped=$m local=$4:$lp"
}
client_pystun3() { in_ns "$1" timeout 20 "$STUN_VENVS/pystun3/bin/python" "$STUN_DIR/pystun3_probe.py" "$2" "$3" "$4"; }
client_aioice() { in_ns "$1" timeout 20 "$STUN_VENVS/aioice/bin/python" "$STUN_DIR/aioice_probe.py" "$2" "$3"; }
client_ours() { in_ns "$1" timeout 10 python3 "$STUN_DIR/stun_binding_client.py" "$2" "$3" "$4" ${5:-}; } # NS tcp|udp HOST PORT [--fingerprint]

# expect_mapped NAME EXPECTED_IP CLIENT-FN ARGS...: runs the client; passes only when every mapped= it prints is
# exactly EXPECTED_IP and the port of its own local= socket (EXPECTED_IP:their port).
expect_mapped() {
  local name=$1 want_ip=$2 out line n=0 bad=""; shift 2
  if ! out=$("$@" 2>&1); then fail "$name" "$out"; return 0; fi
  while read -r line; do
    [[ $line =~ ^mapped=([0-9.]+):([0-9]+)\ local=([0-9.]+):([0-9]+)$ ]] || continue
    n=$((n + 1))
    [ "${BASH_REMATCH[1]}:${BASH_REMATCH[2]}" = "$want_ip:${BASH_REMATCH[4]}" ] \
      || bad+="mapped ${BASH_REMATCH[1]}:${BASH_REMATCH[2]}, expected $want_ip:${BASH_REMATCH[4]}; "
  done <<<"$out"
  if [ "$n" -ge 1 ] && [ -z "$bad" ]; then pass "$name"; else fail "$name" "${bad:-no mapped address in output}"$'\n'"$out"; fi
}
