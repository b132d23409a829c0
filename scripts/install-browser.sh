#!/usr/bin/env bash
# Installs Debian's Chromium for npm run test:browser, if it is not there yet. Nothing
# downloads a browser of its own: playwright-core drives this one.
set -euo pipefail
if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then
  echo "browser: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo present)), from CHROMIUM"
  exit 0
fi
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" chromium
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
