# Progress for long `go build -v` runs; sourced by build.sh.
#
# `go build -v` writes the import path of each package as it compiles it, one
# per line, to stderr. go_build_progress reads that stream and logs a line
# every $every packages with the elapsed seconds (and the total, when known),
# so a cold build (~3,000 packages, several minutes on 2 cores) is not silent.
# Every other line (compiler errors, "# pkg" headers, "go: downloading ...")
# is passed through to stderr unchanged.
#
# usage: go build -v ... 2>&1 | go_build_progress <label> <start-epoch> [total] [every]

go_build_progress() {
  local label="$1" start="$2" total="${3:-}" every="${4:-100}"
  local n=0 line of=""
  total="${total//[[:space:]]/}"
  if [[ -n "$total" && "$total" != 0 ]]; then of=" of ~$total"; fi
  while IFS= read -r line; do
    # An import path: no spaces, no colons (errors carry file:line:col).
    if [[ "$line" =~ ^[A-Za-z0-9_.~+/-]+$ ]]; then
      n=$((n + 1))
      if (( n % every == 0 )); then
        echo "[$label] compiled $n$of packages ($(( $(date +%s) - start )) s)" >&2
      fi
    else
      printf '%s\n' "$line" >&2
    fi
  done
  echo "[$label] compiled $n packages in $(( $(date +%s) - start )) s (packages already in the Go build cache are not counted)" >&2
}
