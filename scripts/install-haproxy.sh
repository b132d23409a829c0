#!/usr/bin/env bash
# Installs Debian's HAProxy for npm run test:haproxy, npm run example:haproxy and
# npm run bench:replicas, if it is not there yet (HAPROXY names another binary).
set -euo pipefail
if [ -n "${HAPROXY:-}" ] && [ -x "$HAPROXY" ]; then
  echo "haproxy: $("$HAPROXY" -v | head -1), from HAPROXY"
  exit 0
fi
if command -v haproxy >/dev/null; then
  echo "haproxy: $(haproxy -v | head -1)"
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
# The package would start a service of its own; the project runs HAProxy in the foreground instead.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq haproxy >/dev/null
echo "haproxy: $(haproxy -v | head -1)"
