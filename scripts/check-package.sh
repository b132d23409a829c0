#!/usr/bin/env bash
# Lints the package as it would be published: publint and @arethetypeswrong/cli on the packed tarball.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
# `npm pack` builds the package itself (prepack), as it will when published.
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
npx publint --strict "$tarball"
npx attw --format table-flipped "$tarball"
