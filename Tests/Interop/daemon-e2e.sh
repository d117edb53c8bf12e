#!/usr/bin/env bash
# End-to-end: the real binary, its CLI, exit codes, identity file, metrics endpoint checked by promtool, signals.
source "$(dirname "$0")/lib.sh"
W=$BIN_UNDER_TEST
echo "daemon end-to-end"

# --- CLI and exit codes -------------------------------------------------------------------------------------------
check "version exits 0" "$W" version
check "--version exits 0" "$W" --version
check "--help exits 0" "$W" --help
check "run --help exits 0" "$W" run --help
set +e
out=$("$W" frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] && pass "unknown subcommand exits 2" || fail "unknown subcommand exits 2 (got $rc)" "$out"
echo '{"metrics": {"lisen": "127.0.0.1:1"}}' >"$WORK/bad.json"
out=$("$W" check-config --config "$WORK/bad.json" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q 'metrics.lisen' <<<"$out" \
  && pass "unknown config key: exit 2, one line naming metrics.lisen" || fail "unknown config key (rc $rc)" "$out"
out=$(WAYSTONE_METRICS_LISTEN=nonsense "$W" check-config 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q 'WAYSTONE_METRICS_LISTEN' <<<"$out" \
  && pass "bad environment value: exit 2 naming the variable" || fail "bad environment value (rc $rc)" "$out"
out=$(WAYSTONE_LOG_LEVEL=debug "$W" check-config --log-level warn 2>/dev/null); rc=$?
[ $rc -eq 0 ] && grep -q '"warn"' <<<"$out" && pass "flag beats environment in check-config" \
  || fail "flag beats environment (rc $rc)" "$out"
out=$("$W" healthcheck --bogus 2>&1); rc=$?
[ $rc -eq 1 ] && pass "healthcheck usage error exits 1, never 2" || fail "healthcheck usage error (rc $rc)" "$out"
port=$(free_port)
out=$(WAYSTONE_METRICS_LISTEN=127.0.0.1:$port "$W" healthcheck 2>&1); rc=$?
[ $rc -eq 1 ] && pass "healthcheck with nothing listening exits 1" || fail "healthcheck, nothing listening (rc $rc)" "$out"
set -e

# --- identity -----------------------------------------------------------------------------------------------------
KDIR=$WORK/keys
id1=$("$W" keygen --data-dir "$KDIR" 2>/dev/null | tail -1)
[[ $id1 == 12D3KooW* ]] && pass "keygen prints an Ed25519 peer ID" || fail "keygen prints a peer ID" "$id1"
[ "$(stat -c %a "$KDIR")" = 700 ] && [ "$(stat -c %a "$KDIR/identity.key")" = 600 ] \
  && pass "data dir 0700, identity.key 0600" || fail "modes" "$(stat -c '%a %n' "$KDIR" "$KDIR/identity.key")"
[ "$("$W" peer-id --data-dir "$KDIR" 2>/dev/null)" = "$id1" ] && pass "peer-id prints the stored identity" \
  || fail "peer-id prints the stored identity"
set +e
out=$("$W" keygen --data-dir "$KDIR" 2>&1); rc=$?
[ $rc -eq 2 ] && pass "keygen refuses to overwrite without --force" || fail "keygen without --force (rc $rc)" "$out"
id2=$("$W" keygen --force --data-dir "$KDIR" 2>/dev/null | tail -1)
[ -n "$id2" ] && [ "$id2" != "$id1" ] && ls "$KDIR"/identity.key.replaced-* >/dev/null 2>&1 \
  && pass "keygen --force replaces the key and keeps the old one aside" || fail "keygen --force" "$(ls -la "$KDIR")"
printf 'garbage' >"$KDIR/identity.key"
out=$("$W" run --data-dir "$KDIR" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(cat "$KDIR/identity.key")" = garbage ] \
  && pass "corrupt identity: exit 2, file untouched" || fail "corrupt identity (rc $rc)" "$out"
set -e

# --- running daemon -----------------------------------------------------------------------------------------------
start_daemon main --log-format logfmt
pid=$DAEMON_PID
pass "daemon started, metrics at $METRICS"
grep -q "peer_id=12D3KooW" "$DAEMON_LOG" && pass "start line names the peer ID" || fail "start line names the peer ID" "$(cat "$DAEMON_LOG")"
[ "$("$W" peer-id --data-dir "$DATA")" = "$(grep -o 'peer_id=[^ ]*' "$DAEMON_LOG" | head -1 | cut -d= -f2)" ] \
  && pass "peer-id matches the running node" || fail "peer-id matches the running node"
r=$(http_get "http://$METRICS/healthz"); [ "$(head -1 <<<"$r")" = 200 ] && pass "GET /healthz 200" || fail "GET /healthz" "$r"
r=$(http_get "http://$METRICS/readyz"); [ "$(head -1 <<<"$r")" = 200 ] && pass "GET /readyz 200" || fail "GET /readyz" "$r"
r=$(http_get "http://$METRICS/nope"); [ "$(head -1 <<<"$r")" = 404 ] && pass "unknown path 404" || fail "unknown path" "$r"
r=$(http_get "http://$METRICS/metrics" POST); [ "$(head -1 <<<"$r")" = 405 ] && pass "POST /metrics 405" || fail "POST /metrics" "$r"
http_get "http://$METRICS/metrics" | tail -n +2 >"$WORK/metrics.txt"
out=$(promtool check metrics <"$WORK/metrics.txt" 2>&1) && [ -z "$out" ] && pass "promtool check metrics: clean" \
  || fail "promtool check metrics" "$out"
for m in process_cpu_seconds_total process_resident_memory_bytes process_virtual_memory_bytes process_open_fds \
  process_max_fds process_start_time_seconds 'waystone_build_info{' waystone_ready waystone_http_requests_total; do
  grep -q "^$m" "$WORK/metrics.txt" && pass "exports $m" || fail "exports $m"
done
WAYSTONE_METRICS_LISTEN=$METRICS check "waystone healthcheck exits 0" "$W" healthcheck
set +e
out=$(WAYSTONE_METRICS_LISTEN=$METRICS "$W" run --data-dir "$WORK/second" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(grep -c 'level=error' <<<"$out")" -ge 1 ] && grep -q "$METRICS" <<<"$out" \
  && pass "listener in use: exit 2 naming the address" || fail "listener in use (rc $rc)" "$out"
set -e

# SIGHUP: config file re-read, log.level applied, restart-only keys reported
echo '{"log": {"level": "debug"}}' >"$WORK/reload.json"
kill -TERM "$pid"; wait_exit "$pid" 15 || true
start_daemon reload --config "$WORK/reload.json"
pid=$DAEMON_PID
echo '{"log": {"level": "info"}, "shutdown": {"drainSeconds": 3}}' >"$WORK/reload.json"
kill -HUP "$pid"
wait_for_log "$DAEMON_LOG" 'config reloaded' 5 >/dev/null && grep -q 'applied=log.level' "$DAEMON_LOG" \
  && grep -q 'restart_needed=shutdown.drainSeconds' "$DAEMON_LOG" \
  && pass "SIGHUP applies log.level, reports restart-only keys" || fail "SIGHUP reload" "$(cat "$DAEMON_LOG")"

# SIGUSR1: drain without exiting
kill -USR1 "$pid"; sleep 0.5
r=$(http_get "http://$METRICS/readyz"); [ "$(head -1 <<<"$r")" = 503 ] && pass "SIGUSR1: /readyz 503" || fail "SIGUSR1 readyz" "$r"
r=$(http_get "http://$METRICS/healthz"); [ "$(head -1 <<<"$r")" = 200 ] && pass "SIGUSR1: /healthz still 200" || fail "SIGUSR1 healthz" "$r"
kill -0 "$pid" && pass "SIGUSR1: still running" || fail "SIGUSR1: still running"

# SIGTERM: clean exit 0
kill -TERM "$pid"
set +e; wait_exit "$pid" 15; rc=$?; set -e
[ $rc -eq 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM exit code $rc" "$(tail -5 "$DAEMON_LOG")"
grep -q 'msg=stopped' "$DAEMON_LOG" && pass "stop logged" || fail "stop logged"

# Restart keeps the peer ID
before=$("$W" peer-id --data-dir "$DATA")
start_daemon reload --config "$WORK/reload.json"
grep -q "peer_id=$before" "$DAEMON_LOG" && pass "restart keeps the peer ID" || fail "restart keeps the peer ID"
kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; set -e
finish
