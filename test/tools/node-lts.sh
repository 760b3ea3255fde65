#!/usr/bin/env bash
# Ensure the Node.js the image ships (the current LTS; Dockerfile: node:24,
# distroless nodejs24) is available beside the machine's own Node.js, so the
# tests can run Gangplank on both (package.json, test:node-lts).
#
# Takes the `node` package from the npm registry (it carries the official
# binary for this platform) into a cache outside the repository, once per
# version. Without arguments: prints the directory of its `node` binary, last
# on stdout. With a command: runs it with that directory first on PATH.
set -euo pipefail

VERSION="${GANGPLANK_NODE_LTS:-24.21.0}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gangplank/node-$VERSION"
BIN="$CACHE/node_modules/node/bin"

if [[ ! -x "$BIN/node" ]] || [[ "$("$BIN/node" --version 2>/dev/null)" != "v$VERSION" ]]; then
  echo "[node-lts] installing Node.js $VERSION from the npm registry into $CACHE" >&2
  rm -rf "$CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --silent "node@$VERSION" >&2
fi
"$BIN/node" --version >/dev/null
if [[ $# -gt 0 ]]; then
  echo "[node-lts] running on Node.js $("$BIN/node" --version): $*" >&2
  PATH="$BIN:$PATH" exec "$@"
fi
echo "$BIN"
