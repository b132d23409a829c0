#!/usr/bin/env bash
# Runs tests/runtimes/behaviour.mjs against the built package under Node, Bun and Deno. Bun
# and Deno come from the registry as packages with their binaries inside, installed from
# scripts/runtimes/ (its own lockfile; Linux x64 only, so the main install stays portable).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/esm/index.js ] || npm run build --silent
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test:runtimes: the Bun and Deno packages pinned here are for Linux x64; this is $(uname -s)-$(uname -m), so only Node runs"
  node tests/runtimes/behaviour.mjs
  exit 0
fi
npm ci --prefix scripts/runtimes --no-audit --no-fund --silent
bin=scripts/runtimes/node_modules
chmod +x "$bin/@oven/bun-linux-x64/bin/bun" "$bin/@deno/linux-x64-glibc/deno"
node tests/runtimes/behaviour.mjs
"$bin/@oven/bun-linux-x64/bin/bun" tests/runtimes/behaviour.mjs
"$bin/@deno/linux-x64-glibc/deno" run --no-prompt tests/runtimes/behaviour.mjs
