#!/usr/bin/env bash
# Self-test of the p2pd harness (install.sh + p2pctl.py) with go-libp2p only; no Waystone involved, not part of
# `make test`. Three p2pd daemons on 127.0.0.1, TCP only, each told its bootstrap peers explicitly (never the public
# list): A is a DHT server; B and C are DHT clients. B connects to A with `connect`; C joins through `-b` with A as
# its only bootstrap peer. B then finds C and C's provider record through A's DHT, and A opens an echo stream to B.
# Bounded in time (each step under `timeout`); stops the daemons by PID; removes its temp dir and sockets.
# Prints "N passed, M failed"; exit status 0 when nothing failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CTL="python3 $here/p2pctl.py --io-timeout 20"
PASSED=0; FAILED=0; PIDS=()
WORK=$(mktemp -d /tmp/p2pd-selftest.XXXXXX)
cleanup() {
  for p in "${PIDS[@]}"; do { kill "$p"; } 2>/dev/null || true; done
  sleep 0.3
  for p in "${PIDS[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
pass() { PASSED=$((PASSED + 1)); echo "  ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL $1"; [ $# -gt 1 ] && echo "$2" | sed 's/^/       /'; return 0; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }
# ctl NODE ARGS...: p2pctl against NODE's control socket, at most 25 s
ctl() { local n=$1; shift; timeout 25 $CTL -s "/unix$WORK/$n.sock" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# has TEXT GREP-ARGS...: grep on a here-string. Never `echo "$x" | grep -q` here: with pipefail, grep -q exiting at
# the first match can SIGPIPE bash's line-buffered echo and fail a check whose text matched (seen under load).
has() { local text=$1; shift; grep -q "$@" <<<"$text"; }
# wait_for SECONDS COMMAND...: retry every 0.2 s until the command succeeds
wait_for() { local end=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done; }

echo "== p2pd harness self-test"
if ! P2PD=$(timeout 300 bash "$here/install.sh" | tail -1) || [ ! -x "$P2PD" ]; then
  fail "install.sh provides p2pd"; finish
fi
pass "install.sh provides p2pd ($P2PD)"

declare -A ID PORT
for n in a b c; do
  ID[$n]=$($CTL genkey "$WORK/$n.key"); PORT[$n]=$(free_port)
done
addr() { echo "/ip4/127.0.0.1/tcp/${PORT[$1]}/p2p/${ID[$1]}"; }

# start NODE EXTRA-FLAGS...: loopback TCP only, relay off, explicit local bootstrap peers (given in EXTRA-FLAGS)
start() {
  local n=$1; shift
  "$P2PD" -q -listen "/unix$WORK/$n.sock" -id "$WORK/$n.key" -hostAddrs="/ip4/127.0.0.1/tcp/${PORT[$n]}" \
    -relay=false -relayService=false -natPortMap=false -autonat=false "$@" >"$WORK/$n.log" 2>&1 &
  PIDS+=($!); eval "PID_$n=$!"
}
start a -dhtServer -bootstrapPeers="$(addr b)"
start b -dhtClient -bootstrapPeers="$(addr a)"
for n in a b; do
  if wait_for 15 ctl $n identify; then pass "daemon $n answers identify"; else fail "daemon $n answers identify" "$(cat "$WORK/$n.log")"; finish; fi
done
# C joins by bootstrapping (-b) from A alone: the path a Waystone test uses with -bootstrapPeers=<waystone>.
start c -dhtClient -b -bootstrapPeers="$(addr a)"
wait_for 15 ctl c identify || { fail "daemon c answers identify" "$(cat "$WORK/c.log")"; finish; }

for n in a b c; do
  out=$(ctl $n identify 2>&1)
  if [ "$(echo "$out" | head -1)" = "${ID[$n]}" ] && has "$out" -x "/ip4/127.0.0.1/tcp/${PORT[$n]}"; then
    pass "identify $n: peer ID from its key file, listens on 127.0.0.1:${PORT[$n]}"
  else fail "identify $n" "$out"; fi
done

# connect B -> A (address without /p2p/; the peer ID is its own argument), then both sides list each other
if out=$(ctl b connect "${ID[a]}" "/ip4/127.0.0.1/tcp/${PORT[a]}" 2>&1); then pass "connect b -> a"; else fail "connect b -> a" "$out"; fi
out=$(ctl b list-peers 2>&1)
if has "$out" "^${ID[a]} .*/ip4/127.0.0.1/tcp/${PORT[a]}"; then pass "list-peers on b shows a"; else fail "list-peers on b shows a" "$out"; fi
if wait_for 5 bash -c "$CTL -s /unix$WORK/a.sock list-peers | grep -q '^${ID[b]} '"; then pass "list-peers on a shows b"
else fail "list-peers on a shows b" "$(ctl a list-peers 2>&1)"; fi
if wait_for 15 bash -c "$CTL -s /unix$WORK/a.sock list-peers | grep -q '^${ID[c]} '"; then pass "c bootstrapped to a (-b, local -bootstrapPeers)"
else fail "c bootstrapped to a" "$(ctl a list-peers 2>&1; cat "$WORK/c.log")"; fi
out=$(ctl b list-peers 2>&1)
if has "$out" "^${ID[c]} "; then fail "b is not connected to c before the DHT lookup" "$out"
else pass "b is not connected to c before the DHT lookup"; fi

# Identify and ping over the live connection, driven through the daemon (what a Waystone test does the other way)
identify_ok() {
  has "$1" -x "agentVersion p2pd/0.1" && has "$1" -x "peerIdFromKey ${ID[a]}" \
    && has "$1" "^protocols .*/ipfs/ping/1.0.0" && has "$1" "^observedAddr /ip4/127.0.0.1/tcp/"
}
out=$(ctl b peer-identify "${ID[a]}" 2>&1)
if identify_ok "$out"; then pass "peer-identify b -> a: agent p2pd/0.1, key matches peer ID, observed address on loopback"
else fail "peer-identify b -> a" "$out"; fi
if out=$(ctl b ping --count 3 "${ID[a]}" 2>&1) && [ "$(echo "$out" | wc -l)" = 3 ]; then pass "ping b -> a (3 round trips)"
else fail "ping b -> a" "$out"; fi

# DHT find-peer: B (client) finds C (client, connected only to A) through A (server)
out=$(ctl b dht-find-peer --timeout 15 "${ID[c]}" 2>&1)
if [ "$(echo "$out" | head -1)" = "${ID[c]}" ] && has "$out" -x "/ip4/127.0.0.1/tcp/${PORT[c]}"; then
  pass "dht-find-peer on b finds c through a"
else fail "dht-find-peer on b finds c through a" "$out"; fi

# DHT provider records: C provides, B finds C as a provider (records stored on A, the only server)
cid=$($CTL cid "waystone-p2pd-selftest-$$")
if out=$(ctl c dht-provide --timeout 15 "$cid" 2>&1); then pass "dht-provide on c"; else fail "dht-provide on c" "$out"; fi
out=$(ctl b dht-find-providers --timeout 15 --count 5 "$cid" 2>&1)
if has "$out" "^${ID[c]} "; then pass "dht-find-providers on b returns c"; else fail "dht-find-providers on b returns c" "$out"; fi

# Streams: B serves an echo handler on a unix socket; A opens a stream to B, sends, reads the echo back (no
# half-close: p2pd turns EOF on a unix socket into a full stream close), then closes
proto=/waystone/selftest/echo/1.0.0
$CTL -s "/unix$WORK/b.sock" stream-handler "$proto" --listen "/unix$WORK/b-echo.sock" --echo --max-streams 1 \
  >"$WORK/handler.out" 2>&1 &
hpid=$!; PIDS+=($hpid)
if wait_for 10 grep -q '^READY' "$WORK/handler.out"; then pass "stream-handler registered on b"
else fail "stream-handler registered on b" "$(cat "$WORK/handler.out")"; fi
msg="hello from a $(date +%s%N)"
out=$(ctl a stream-open --timeout 10 --data "$msg" --read-bytes ${#msg} "${ID[b]}" "$proto" 2>"$WORK/open.err")
if [ "$out" = "$msg" ]; then pass "stream-open a -> b echoes the payload"; else fail "stream-open a -> b echoes" "got: $out
$(cat "$WORK/open.err" "$WORK/handler.out")"; fi
wait_for 5 bash -c "! kill -0 $hpid 2>/dev/null"
if grep -q "^STREAM ${ID[a]} $proto" "$WORK/handler.out"; then pass "handler saw the stream from a"
else fail "handler saw the stream from a" "$(cat "$WORK/handler.out")"; fi

# Loopback only: every address any daemon knows its peers at is on 127.0.0.1
bad=$(for n in a b c; do ctl $n list-peers; done | tr ' ,' '\n\n' | grep '^/' | grep -v '^/ip4/127\.0\.0\.1/' || true)
if [ -z "$bad" ]; then pass "all peer connections stay on 127.0.0.1"; else fail "peer addresses outside loopback" "$bad"; fi

# The same from the kernel's side: every TCP socket the daemons own has a loopback remote end (needs ss, iproute2)
if command -v ss >/dev/null; then
  socks=$(ss -Htnp 2>/dev/null | grep -E "pid=($PID_a|$PID_b|$PID_c)," || true)
  outside=$(echo "$socks" | awk 'NF >= 5 { print $5 }' | grep -v -E '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):' || true)
  if [ -n "$socks" ] && [ -z "$outside" ]; then pass "ss: the daemons' TCP sockets all point at 127.0.0.1"
  else fail "ss: daemon TCP sockets outside loopback (or none seen)" "$socks"; fi
fi

# Stop the daemons by PID
for n in a b c; do eval "kill \$PID_$n"; done
stopped=1
for n in a b c; do eval "p=\$PID_$n"; wait_for 5 bash -c "! kill -0 $p 2>/dev/null" || stopped=0; done
if [ $stopped = 1 ]; then pass "daemons stop on SIGTERM"; else fail "daemons stop on SIGTERM"; fi
finish
