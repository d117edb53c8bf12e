#!/usr/bin/env bash
# Needs python3 (with pip, or with venv: a venv supplies pip). Fetches go-libp2p's p2pd (go-libp2p-daemon, hivemind fork, go-libp2p v0.32.1) from the hivemind 1.1.12 wheel and
# unpacks only the daemon and its control-protocol schema. Idempotent; nothing here is committed.
#   <repo>/.build/interop/cache/      the downloaded wheel (pip download --no-deps)
#   <repo>/.build/interop/p2pd/p2pd   the daemon (UPX-packed static binary)
#   <repo>/.build/interop/p2pd/p2pd.proto
# Override the location with P2PD_DIR. Prints the binary's path on the last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
base=$root/.build/interop
dir=${P2PD_DIR:-$base/p2pd}
cache=$base/cache
wheel_version=1.1.12

# `p2pd -h` exits 2 (Go's flag package); judge it by its usage text.
runs() { local out; out=$("$dir/p2pd" -h 2>&1 || true); [[ $out == *-bootstrapPeers* ]]; }

if [ -x "$dir/p2pd" ] && [ -f "$dir/p2pd.proto" ] && runs; then
  echo "$dir/p2pd"; exit 0
fi
mkdir -p "$cache" "$dir"
wheel=$(ls "$cache"/hivemind-$wheel_version-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  echo "p2pd: downloading hivemind==$wheel_version (wheel only, no dependencies)" >&2
  # A fresh Debian has python3-venv but not always pip: use a small venv's pip when python3 has none.
  pip=(python3 -m pip)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    [ -x "$base/pip-venv/bin/pip" ] || python3 -m venv "$base/pip-venv" >&2
    pip=("$base/pip-venv/bin/pip")
  fi
  "${pip[@]}" download -q --disable-pip-version-check --no-deps "hivemind==$wheel_version" -d "$cache" >&2
  wheel=$(ls "$cache"/hivemind-$wheel_version-*.whl | head -1)
fi
tmp=$(mktemp -d "$base/unzip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Extract only the daemon and its schema (python's zipfile: no unzip package needed), plus any proto the schema
# imports (none today) so it stays complete.
python3 - "$wheel" "$tmp" <<'PY'
import re, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    z.extract("hivemind/hivemind_cli/p2pd", out)
    z.extract("hivemind/proto/p2pd.proto", out)
    schema = z.read("hivemind/proto/p2pd.proto").decode()
    for imp in re.findall(r'^import\s+(?:public\s+)?"([^"]+)";', schema, re.M):
        name = "hivemind/proto/" + imp.rsplit("/", 1)[-1]
        z.extract(name, out)
        print("p2pd: schema imports " + name, file=sys.stderr)
PY
for f in "$tmp"/hivemind/proto/*.proto; do install -m 0644 "$f" "$dir/"; done
install -m 0755 "$tmp/hivemind/hivemind_cli/p2pd" "$dir/p2pd"
if ! runs; then echo "p2pd: $dir/p2pd -h does not run" >&2; exit 1; fi
echo "$dir/p2pd"
