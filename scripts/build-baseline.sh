#!/usr/bin/env bash
# Builds the library as it was at a commit into a folder of its own, for a benchmark's A/B
# (BASELINE=<folder>): the new build and the old one measured in the same process.
#   bash scripts/build-baseline.sh <commit> <folder>
set -euo pipefail
commit="$1"
out="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$out"
mkdir -p "$out"
git -C "$root" archive "$commit" src tsconfig.base.json tsconfig.json tsconfig.build.json tsconfig.build-cjs.json | tar -x -C "$out"
ln -s "$root/node_modules" "$out/node_modules"
(cd "$out" && "$root/node_modules/.bin/tsc" -p tsconfig.build-cjs.json)
echo "$out/dist/cjs/index.js"
