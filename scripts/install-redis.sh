#!/usr/bin/env bash
# Installs Debian's redis-server for the revocation-sync tests when it is missing. The tests
# start their own servers (127.0.0.1, free ports, throwaway directories) and stop them.
# Fails (never skips) when it cannot be installed.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "redis-server is missing, and installing it needs root:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y redis-server" >&2
  exit 1
fi
echo "installing redis-server"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
redis-server --version
