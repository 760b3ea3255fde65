#!/usr/bin/env bash
# Build Gangplank's image, ghcr.io/gangplank/gangplank:<package.json version>,
# with docker or podman: the first whose engine answers (`<engine> info`).
#   npm run image                  build with docker, else podman
#   CONTAINER_ENGINE=podman npm run image    use that one only
#   npm run image -- --platform linux/arm64  extra arguments go to `<engine> build`
# Build output goes to stderr; the image reference is the last line on stdout.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "image: $*" >&2; }

version="$(node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).version' "$repo/package.json")"
image="ghcr.io/gangplank/gangplank:$version"

engine=""
for candidate in ${CONTAINER_ENGINE:-docker podman}; do
  if ! command -v "$candidate" >/dev/null 2>&1; then
    say "$candidate: not installed"
    continue
  fi
  if err="$("$candidate" info 2>&1 >/dev/null)"; then
    engine="$candidate"
    break
  fi
  # docker info prints the client's details, then why the engine is unreachable.
  say "$candidate: installed, but its engine does not answer: $(printf '%s\n' "$err" | grep -v '^\s*$' | tail -n 1)"
done
if [[ -z "$engine" ]]; then
  say "no container engine to build with: install and start Docker or Podman, then run npm run image again"
  exit 1
fi

say "building $image with $engine"
"$engine" build --tag "$image" --file "$repo/Dockerfile" "$@" "$repo" >&2
say "built $image"
echo "$image"
