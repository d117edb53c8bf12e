#!/usr/bin/env bash
# Creates the py-libp2p venv the libp2p-py.sh suite uses (idempotent). libp2p==0.8.1 compiles fastecdsa, which needs
# a C compiler, libgmp-dev and the headers of the Python it builds for (python3-dev for Debian's /usr/bin/python3,
# hence that interpreter by default). Location: $PYLIBP2P_VENV (default <repo>/.build/interop/pylibp2p-venv).
# Prints the venv's python on the last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
dir=${PYLIBP2P_VENV:-$root/.build/interop/pylibp2p-venv}
py=${PYLIBP2P_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
spec='libp2p==0.8.1'
if ! { [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import libp2p, importlib.metadata as m; assert m.version("libp2p") == "0.8.1"' 2>/dev/null; }; then
  echo "make: creating venv $dir ($spec)" >&2
  rm -rf "${dir:?}"; mkdir -p "$(dirname "$dir")"
  "$py" -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$spec" >&2
fi
echo "$dir/bin/python"
