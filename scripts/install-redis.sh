#!/usr/bin/env bash
# Installs Debian's redis-server (with redis-cli, from redis-tools) for the revocation-sync
# tests when either is missing. The tests start their own servers, replicas and a cluster
# (127.0.0.1, free ports, throwaway directories) and stop them.
# Fails (never skips) when it cannot be installed.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "redis-server or redis-cli is missing, and installing them needs root:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y redis-server redis-tools" >&2
  exit 1
fi
echo "installing redis-server"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
redis-server --version
redis-cli --version
