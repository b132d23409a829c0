#!/usr/bin/env bash
# Runs the jest suite again under Node 22 and 24 (from the registry's node@22 / node@24
# packages); Node 20 runs it in `npm test`. Usage: bash scripts/test-node-versions.sh [22 24]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22 24)
for version in "${versions[@]}"; do
  echo "== node $(npx -y -p "node@$version" node --version)"
  npx -y -p "node@$version" node node_modules/jest/bin/jest.js --silent
done
