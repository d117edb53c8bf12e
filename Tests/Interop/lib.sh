# Shared helpers for the interop / end-to-end suites. Sourced, not run.
# Every suite is bounded in time, talks only to 127.0.0.1, and removes what it created.
set -euo pipefail
: "${BIN_UNDER_TEST:=$(dirname "${BASH_SOURCE[0]}")/../../.build/debug/waystone}"
BIN_UNDER_TEST=$(readlink -f "$BIN_UNDER_TEST")
PASSED=0; FAILED=0
WORK=$(mktemp -d /tmp/waystone-interop.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "  ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL $1"; [ $# -gt 1 ] && echo "$2" | sed 's/^/       /'; return 0; }
# check NAME COMMAND...: pass when the command exits 0
check() { local n=$1; shift; local out; if out=$("$@" 2>&1); then pass "$n"; else fail "$n" "$out"; fi; }
finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# http_get URL -> prints "STATUS" on the first line, then the body (python3 stdlib, no curl needed)
http_get() {
  python3 - "$1" "${2:-GET}" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=sys.argv[2])
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        body = r.read()
        print(r.status); sys.stdout.write(body.decode())
except urllib.error.HTTPError as e:
    print(e.code); sys.stdout.write(e.read().decode())
PY
}

# free_port -> an unused loopback TCP port
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_for_log FILE PATTERN SECONDS -> the first matching line, or fails
wait_for_log() {
  local f=$1 pat=$2 secs=${3:-10} i
  for ((i = 0; i < secs * 10; i++)); do
    if grep -m1 -E "$pat" "$f" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# start_daemon NAME [ARGS...]: starts `waystone run` with a fresh data dir and metrics on a free loopback port.
# Sets DAEMON_PID, DAEMON_LOG, METRICS (host:port), DATA.
start_daemon() {
  local name=$1; shift
  DATA=$WORK/$name-data; DAEMON_LOG=$WORK/$name.log
  # STUN and libp2p off unless the suite sets STUN_LISTEN / LIBP2P_LISTEN: suites run daemons side by side and
  # 3478 / 4001 may be taken.
  WAYSTONE_METRICS_LISTEN=127.0.0.1:0 WAYSTONE_STUN_LISTEN="${STUN_LISTEN:-}" \
    WAYSTONE_LIBP2P_LISTEN="${LIBP2P_LISTEN:-}" "$BIN_UNDER_TEST" run --data-dir "$DATA" "$@" 2>"$DAEMON_LOG" &
  DAEMON_PID=$!; PIDS+=("$DAEMON_PID")
  local line
  line=$(wait_for_log "$DAEMON_LOG" 'msg=started' 15) || { cat "$DAEMON_LOG"; return 1; }
  METRICS=$(echo "$line" | grep -o 'metrics=[^ ]*' | cut -d= -f2)
}

# wait_exit PID SECONDS -> exit code of PID (fails if it is still running after SECONDS)
wait_exit() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; return $?; fi
    sleep 0.1
  done
  return 124
}
