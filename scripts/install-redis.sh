#!/usr/bin/env bash
# Installs Debian's redis-server (with redis-cli, from redis-tools) for the revocation-sync
# tests and the fleet harness, and libfaketime, which gives one process another clock (a Redis
# on a host with another time; an instance whose clock is ahead), when any is missing. The
# tests start their own servers, replicas and a cluster (127.0.0.1, free ports, throwaway
# directories) and stop them.
# Fails (never skips) when they cannot be installed.
set -euo pipefail
libfaketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 &&
  [ -e "$libfaketime" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "redis-server, redis-cli or libfaketime is missing, and installing them needs root:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y redis-server redis-tools libfaketime" >&2
  exit 1
fi
echo "installing redis-server and libfaketime"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools libfaketime >/dev/null
redis-server --version
redis-cli --version
test -e "$libfaketime"
