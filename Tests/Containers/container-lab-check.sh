#!/usr/bin/env bash
# Builds and runs the Dockerfile and docker-compose.yml for real with ../shared/tools/container-lab.sh (podman and
# local stand-ins for the base images; no Docker engine needed). `make test-containers` runs it; it is not part of
# `make test` because the image build takes several minutes. Everything listens on 127.0.0.1 only.
set -uo pipefail
cd "$(dirname "$0")/../.."
source Tests/Interop/lib.sh
LAB=${CONTAINER_LAB:-../shared/tools/container-lab.sh}
[ -x "$LAB" ] || [ -f "$LAB" ] || { echo "container-lab.sh not found at $LAB (set CONTAINER_LAB)"; exit 1; }
p() { podman --runtime runc --cgroup-manager=cgroupfs "$@"; }
echo "containers"
bash "$LAB" setup >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
if bash "$LAB" build waystone:lab >"$WORK/build.log" 2>&1; then pass "image builds"; else fail "image builds" "$(tail -20 "$WORK/build.log")"; finish; exit 1; fi

port=$(free_port)
p rm -f waystone-lab-check >/dev/null 2>&1
p run -d --name waystone-lab-check --network=host --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
  -e WAYSTONE_METRICS_LISTEN=127.0.0.1:$port waystone:lab >/dev/null 2>"$WORK/run.log" || fail "container starts" "$(cat "$WORK/run.log")"
for i in $(seq 1 50); do [ "$(http_get "http://127.0.0.1:$port/healthz" 2>/dev/null | head -1)" = 200 ] && break; sleep 0.2; done
[ "$(p exec waystone-lab-check id -u 2>/dev/null)" = 10001 ] && pass "runs as non-root uid 10001" || fail "runs as non-root"
p healthcheck run waystone-lab-check >/dev/null 2>&1 && pass "image HEALTHCHECK passes" || fail "image HEALTHCHECK passes"
r=$(http_get "http://127.0.0.1:$port/metrics"); [ "$(head -1 <<<"$r")" = 200 ] && grep -q '^waystone_build_info' <<<"$r" \
  && pass "/metrics answers" || fail "/metrics answers" "$r"
[ "$(p exec waystone-lab-check stat -c %a /data/identity.key 2>/dev/null)" = 600 ] && pass "identity.key 0600 in the /data volume" \
  || fail "identity.key in /data"
p stop -t 20 waystone-lab-check >/dev/null 2>&1
[ "$(p inspect waystone-lab-check --format '{{.State.ExitCode}}' 2>/dev/null)" = 0 ] && pass "SIGTERM stop exits 0" || fail "SIGTERM stop exits 0"
p rm -f waystone-lab-check >/dev/null 2>&1

bash "$LAB" compose down >/dev/null 2>&1
if bash "$LAB" compose up -d --build >"$WORK/compose.log" 2>&1; then pass "compose up -d"; else fail "compose up -d" "$(tail -20 "$WORK/compose.log")"; fi
health=""
for i in $(seq 1 60); do
  health=$(python3 - <<'PY' 2>/dev/null || true
import json, urllib.request
d = json.load(urllib.request.urlopen("http://127.0.0.1:9090/api/v1/targets", timeout=2))
print(",".join(t["health"] for t in d["data"]["activeTargets"] if t["labels"]["job"] == "waystone"))
PY
)
  [ "$health" = up ] && break
  sleep 1
done
[ "$health" = up ] && pass "Prometheus reports the waystone target up" || fail "waystone target up ($health)"
bash "$LAB" compose down >/dev/null 2>&1 && pass "compose down" || fail "compose down"
finish
