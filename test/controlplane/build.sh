#!/usr/bin/env bash
# Build the e2e control plane (etcd, kube-apiserver, kube-scheduler in one
# multi-call binary, `kcp`) from the Go modules pinned in a version directory's
# go.mod, once.
#
#   build.sh [VERSION]     VERSION: a directory here (v1.37, v1.35) or its
#                          minor (1.37, 1.35); default $GANGPLANK_KUBE, else
#                          the newest directory.
#
# Each version directory is a complete wrapper module (go.mod, go.sum, main.go,
# version.go). v1.37 is the newest release the Go module proxy serves; v1.35
# stays so that CI runs the gang e2e on two Kubernetes versions
# (GANGPLANK_KUBE=1.35). Both need Go 1.26+ (k8s.io/kubernetes v1.37.2's go.mod
# asks for go 1.26.0).
#
# The binary is cached under $GANGPLANK_CACHE_DIR (default: <repo>/.cache,
# git-ignored), keyed by a hash of this module's sources, and also copied to a
# machine-wide cache (~/.cache/gangplank) so that a fresh clone on the same
# machine reuses it. Prints the binary's path on the last line of stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$root/../.." && pwd)"

want="${1:-${GANGPLANK_KUBE:-}}"
if [[ -z "$want" ]]; then
  want="$(cd "$root" && ls -d v1.*/ | tr -d / | sort -t. -k2,2n | tail -1)"
fi
want="v${want#v}"
here="$root/$want"
if [[ ! -f "$here/go.mod" ]]; then
  echo "[controlplane] no control-plane version $want: have $(cd "$root" && ls -d v1.*/ | tr -d / | tr '\n' ' ')" >&2
  exit 2
fi
cache="${GANGPLANK_CACHE_DIR:-$repo/.cache}"
machine_cache="${XDG_CACHE_HOME:-$HOME/.cache}/gangplank"

key="$(cd "$here" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)"
out="$cache/controlplane/$key/kcp"
shared="$machine_cache/controlplane/$key/kcp"

log() { echo "[controlplane] $*" >&2; }

if [[ -x "$out" ]]; then
  log "cached: $out ($("$out" version))"
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
# One build at a time per version: a second caller (another test run in the
# same tree) waits for the first and then finds the binary cached.
if command -v flock >/dev/null; then
  exec 9>"$(dirname "$out")/build.lock"
  flock 9
  if [[ -x "$out" ]]; then
    log "built meanwhile by another caller: $out ($("$out" version))"
    echo "$out"
    exit 0
  fi
fi
if [[ -x "$shared" ]]; then
  cp "$shared" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
  log "reused machine cache: $shared"
  echo "$out"
  exit 0
fi

command -v go >/dev/null || { log "go is not installed: install Go 1.25+ (https://go.dev/dl/)"; exit 1; }
log "building kcp (kubernetes $(sed -n 's/^\tk8s.io\/kubernetes \(v[^ ]*\)$/\1/p' "$here/go.mod"), etcd $(sed -n 's/^\tgo.etcd.io\/etcd\/server\/v3 \(v[^ ]*\)$/\1/p' "$here/go.mod")) with $(go version | cut -d' ' -f3)"
log "a cold build downloads the modules and compiles ~2,000 packages: several minutes on 2 cores"
start=$(date +%s)
# shellcheck source=progress.sh
source "$root/progress.sh"
(
  cd "$here"
  log "downloading modules"
  go mod download
  log "modules ready ($(( $(date +%s) - start )) s); counting packages"
  # The number of packages in the build, for "N of ~M" (an upper bound: what
  # the Go build cache already holds is not compiled again).
  total="$(CGO_ENABLED=0 go list -deps . 2>/dev/null | wc -l || true)"
  # Version stamps that `kube-apiserver --version` and discovery report.
  ver="$(sed -n 's/^\tk8s.io\/kubernetes \(v[^ ]*\)$/\1/p' go.mod)"
  minor="$(echo "$ver" | cut -d. -f2)"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$ver -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  # -v names each package as it is compiled; go_build_progress turns that into
  # a line every 100 packages. pipefail keeps go build's exit status.
  CGO_ENABLED=0 go build -v -trimpath -ldflags "$ldflags" -o "$out.tmp.$$" . 2>&1 | go_build_progress controlplane "$start" "$total" 100
)
mv "$out.tmp.$$" "$out"
end=$(date +%s)
log "built $out in $((end - start)) s"
mkdir -p "$(dirname "$shared")" && cp "$out" "$shared.tmp.$$" && mv "$shared.tmp.$$" "$shared" || true
echo "$out"
