#!/usr/bin/env bash
# An S3-compatible server (moto in server mode) on 127.0.0.1, for the S3 adapter's tests
# (libs/blob-storage). moto comes from PyPI into a git-ignored virtualenv; no Docker.
#
# Usage:
#   deploy/s3/moto-server.sh install       # create .cache/tools/moto-venv with moto[server] (once)
#   deploy/s3/moto-server.sh run PORT      # install if needed, then exec the server on 127.0.0.1:PORT (foreground)
#
# Environment:
#   MOTO_VERSION     moto version from PyPI (default below)
#   MOTO_VENV        default: <repo>/.cache/tools/moto-venv
#   PYTHON           python 3 to build the venv with (default: python3)
set -euo pipefail

DEFAULT_MOTO_VERSION=5.2.5

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
MOTO_VERSION="${MOTO_VERSION:-$DEFAULT_MOTO_VERSION}"
MOTO_VENV="${MOTO_VENV:-$REPO_ROOT/.cache/tools/moto-venv}"
PYTHON="${PYTHON:-python3}"

# The script's first line names the python of the venv it was made in: a copied or moved cache is rebuilt.
installed() { [[ -x "$MOTO_VENV/bin/moto_server" && -f "$MOTO_VENV/.moto-$MOTO_VERSION" && "$(head -n 1 "$MOTO_VENV/bin/moto_server")" == "#!$MOTO_VENV/bin/python"* ]]; }

install() {
  if installed; then return 0; fi
  mkdir -p "$(dirname "$MOTO_VENV")"
  # Test suites start servers in parallel: one installs, the others wait for it.
  exec 9>"$MOTO_VENV.lock"
  flock 9
  if ! installed; then
    echo "installing moto[server]==$MOTO_VERSION into $MOTO_VENV" >&2
    rm -rf "$MOTO_VENV"
    "$PYTHON" -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
    touch "$MOTO_VENV/.moto-$MOTO_VERSION"
  fi
  flock -u 9
  exec 9>&-
}

case "${1:-}" in
  install) install ;;
  run)
    port="${2:?usage: $0 run PORT}"
    install
    exec "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$port"
    ;;
  *) echo "usage: $0 install | run PORT" >&2; exit 2 ;;
esac
