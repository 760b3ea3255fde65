#!/usr/bin/env bash
# Build the helm CLI (helm.sh/helm/v3, the release pinned by the `tool` line
# in go.mod) once, for the chart tests: helm lint, helm template.
#
# Cached like the control plane: under $GANGPLANK_CACHE_DIR (default
# <repo>/.cache, git-ignored), keyed by a hash of go.mod and go.sum, and copied
# to ~/.cache/gangplank so a fresh clone on the same machine reuses it.
# Prints the binary's path on the last line of stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${GANGPLANK_CACHE_DIR:-$repo/.cache}"
machine_cache="${XDG_CACHE_HOME:-$HOME/.cache}/gangplank"

key="$(cd "$here" && cat go.mod go.sum build.sh | sha256sum | cut -c1-16)"
out="$cache/helm/$key/helm"
shared="$machine_cache/helm/$key/helm"

log() { echo "[helm] $*" >&2; }

if [[ -x "$out" ]]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
if [[ -x "$shared" ]]; then
  cp "$shared" "$out.tmp" && mv "$out.tmp" "$out"
  log "reused machine cache: $shared"
  echo "$out"
  exit 0
fi

command -v go >/dev/null || { log "go is not installed: install Go 1.26+"; exit 1; }
version="$(cd "$here" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
# helm's default Kubernetes version for `helm template` comes from the
# client-go it is built with, set by ldflags as helm's own Makefile does.
client_go="$(cd "$here" && go list -m -f '{{.Version}}' k8s.io/client-go)"
k8s_minor="$(echo "$client_go" | cut -d. -f2)"
log "building helm $version with $(go version | cut -d' ' -f3) (about a minute on 2 cores when the module cache is cold)"
start=$(date +%s)
(
  cd "$here"
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$k8s_minor" \
    -o "$out.tmp" helm.sh/helm/v3/cmd/helm
)
mv "$out.tmp" "$out"
log "built $out in $(( $(date +%s) - start )) s"
mkdir -p "$(dirname "$shared")" && cp "$out" "$shared.tmp" && mv "$shared.tmp" "$shared" || true
echo "$out"
