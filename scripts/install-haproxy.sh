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
bash "$(dirname "$0")/apt-install.sh" haproxy
echo "haproxy: $(haproxy -v | head -1)"
