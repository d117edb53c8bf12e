#!/usr/bin/env bash
# Deploy files: Prometheus config and alert rules pass promtool; the systemd unit passes systemd-analyze verify
# with the real binary installed at /usr/local/bin/waystone inside a throw-away root.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
echo "deploy files"
check "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml
check "promtool check rules deploy/prometheus/alerts.yml" promtool check rules deploy/prometheus/alerts.yml
if command -v systemd-analyze >/dev/null; then
  root=$WORK/root
  mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/lib" "$root/bin"
  cp -a /lib/systemd "$root/lib/"
  cp "$(type -P kill)" "$root/bin/kill"
  cp "$BIN_UNDER_TEST" "$root/usr/local/bin/waystone"
  cp deploy/systemd/waystone.service "$root/etc/systemd/system/"
  out=$(systemd-analyze verify --root="$root" waystone.service 2>&1) && [ -z "$out" ] \
    && pass "systemd-analyze verify waystone.service" || fail "systemd-analyze verify waystone.service" "$out"
else
  echo "  skip systemd-analyze (not installed)"
fi
for f in config/*.json; do
  check "check-config $f" "$BIN_UNDER_TEST" check-config --config "$f"
done
finish
