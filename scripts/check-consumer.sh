#!/usr/bin/env bash
# Checks the package as a user gets it: pack it, install the tarball into empty folders,
# import it from CommonJS and ESM, and compile + run a decorated consumer with each
# TypeScript version in legacy and standard decorator modes; every ```ts block of the README
# compiles there too, strict.
# Usage: bash scripts/check-consumer.sh [ts-version ...]   (default: 5.9 6.0 7.0)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(5.9 6.0 7.0)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
# `npm pack` builds the package itself (prepack), as it will when published.
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
echo "packed $(basename "$tarball")"

# Plain JavaScript consumers: require() and import.
mkdir "$work/js" && cd "$work/js"
npm init -y >/dev/null && npm install --silent --no-audit --no-fund "$tarball"
cat > use.cjs <<'JS'
const { batched, BatchedError } = require('batched-fn');
const double = batched(async (xs) => xs.map((x) => x * 2), { delay: 0 });
double(21).then((y) => console.log(`cjs: ${y}, BatchedError is ${typeof BatchedError}`));
JS
cat > use.mjs <<'JS'
import { batched, BatchedError } from 'batched-fn';
const double = batched(async (xs) => xs.map((x) => x * 2), { delay: 0 });
console.log(`esm: ${await double(21)}, BatchedError is ${typeof BatchedError}`);
JS
node use.cjs
node use.mjs

# TypeScript consumers.
for version in "${versions[@]}"; do
  dir="$work/ts-$version"
  mkdir "$dir" && cd "$dir"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund "$tarball" "typescript@~$version" reflect-metadata @types/node@20 fastify@5
  cp "$root/scripts/consumer/consumer.ts" "$root/scripts/consumer/readme-prelude.d.ts" .
  blocks=$(node "$root/scripts/readme-blocks.mjs" .)
  for mode in legacy standard; do
    flags=(--strict --target es2022 --module nodenext --moduleResolution nodenext --types node --outDir "out-$mode" --skipLibCheck false)
    [ "$mode" = legacy ] && flags+=(--experimentalDecorators --emitDecoratorMetadata)
    ./node_modules/.bin/tsc "${flags[@]}" consumer.ts
    echo "typescript $(./node_modules/.bin/tsc --version | awk '{print $NF}') $mode: $(node "out-$mode/consumer.js")"
    # Strict codebases often set exactOptionalPropertyTypes: `undefined` must still remove an option.
    if [ "$mode" = standard ]; then
      ./node_modules/.bin/tsc "${flags[@]}" --exactOptionalPropertyTypes --noEmit consumer.ts
    fi
    # Every TypeScript block of the README and docs/, in a strict project (contract §1.1).
    ./node_modules/.bin/tsc "${flags[@]}" --noEmit readme-prelude.d.ts block-*.mts
    echo "typescript $(./node_modules/.bin/tsc --version | awk '{print $NF}') $mode: $blocks TypeScript blocks of the README and docs/ compile"
  done
done
echo "consumer check passed"
