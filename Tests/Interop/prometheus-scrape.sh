#!/usr/bin/env bash
# A real Prometheus (Debian package) scrapes a running Waystone on loopback; the target must be `up` and
# waystone_build_info must be queryable.
source "$(dirname "$0")/lib.sh"
echo "prometheus scrape"
command -v prometheus >/dev/null || { echo "prometheus not installed (make test installs it)"; exit 1; }
start_daemon scrape
pport=$(free_port)
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: waystone
    static_configs:
      - targets: ["$METRICS"]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
up=""
for i in $(seq 1 60); do
  up=$(python3 - "$pport" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/targets", timeout=2))
print(",".join(t["health"] for t in d["data"]["activeTargets"]))
PY
)
  [ "$up" = up ] && break
  sleep 0.5
done
[ "$up" = up ] && pass "Prometheus target health is up" || fail "Prometheus target health ($up)" "$(tail -5 "$WORK/prometheus.log")"
val=$(python3 - "$pport" <<'PY' 2>/dev/null || true
import json, sys, urllib.parse, urllib.request
q = urllib.parse.quote("waystone_build_info")
d = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/query?query={q}", timeout=2))
print(d["data"]["result"][0]["value"][1] if d["data"]["result"] else "")
PY
)
[ "$val" = 1 ] && pass "waystone_build_info scraped = 1" || fail "waystone_build_info scraped ($val)"
kill -TERM "$DAEMON_PID"; set +e; wait_exit "$DAEMON_PID" 15; set -e
finish
