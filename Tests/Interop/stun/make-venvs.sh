#!/usr/bin/env bash
# Creates the two Python venvs the STUN interop suite uses (idempotent). pystun3 and `stun` both install a module
# named `stun`, so each client gets its own venv. Location: $STUN_VENVS (default <repo>/.build/interop-venvs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
dir=${STUN_VENVS:-$root/.build/interop-venvs}
mk() { # mk NAME IMPORT PIP-SPEC
  if [ -x "$dir/$1/bin/python" ] && "$dir/$1/bin/python" -c "import $2" 2>/dev/null; then return 0; fi
  echo "make: creating venv $dir/$1 ($3)"
  rm -rf "${dir:?}/$1"; python3 -m venv "$dir/$1"
  "$dir/$1/bin/pip" install -q --disable-pip-version-check "$3"
}
mk pystun3 stun 'pystun3==2.0.0'
mk aioice aioice 'aioice==0.13.0'
