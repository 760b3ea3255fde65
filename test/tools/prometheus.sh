#!/usr/bin/env bash
# Ensure `prometheus` and `promtool` are on PATH for the tests
# (test/e2e/prometheus.test.ts): a real Prometheus scrapes Gangplank, and
# promtool checks the chart's alert rules and the live /metrics output.
#
# Installs Debian's `prometheus` package with apt-get when either binary is
# missing; idempotent, so .ci/run can call it on every run. Needs root (CI
# runs as root) only when it has to install.
#
# The package's postinst enables and starts a prometheus daemon (systemd,
# or the sysv script under invoke-rc.d). The tests start their own
# Prometheus on a free port, so a daemon left on :9090 would only take
# memory and a port: stop it, and keep it from starting again.
#
# Prints the two paths, one per line, last on stdout.
set -euo pipefail

log() { echo "[prometheus] $*" >&2; }

have() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

# Stop a daemon that the package started: its unit or init script first, then
# any process still running the packaged binary as user `prometheus` (the
# package's daemon runs as that user; a test's child Prometheus runs as us).
stop_daemon() {
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
  if [[ -x /etc/init.d/prometheus ]]; then
    /etc/init.d/prometheus stop >/dev/null 2>&1 || true
  fi
  local pids
  pids="$(pgrep -u prometheus -x prometheus 2>/dev/null || true)"
  if [[ -n "$pids" ]]; then
    log "stopping the packaged prometheus daemon (pid $pids)"
    # One pid at a time, by number: never a pattern that could match other work.
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
      pgrep -u prometheus -x prometheus >/dev/null 2>&1 || break
      sleep 0.1
    done
  fi
}

if ! have; then
  if [[ "$(id -u)" != 0 ]]; then
    log "prometheus/promtool are not on PATH and installing them needs root: run 'sudo $0' or 'apt-get install prometheus'"
    exit 1
  fi
  command -v apt-get >/dev/null || { log "apt-get not found: install Prometheus 2.x by other means and put prometheus and promtool on PATH"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when they do not know the package yet (a
  # fresh container has empty lists); an update costs tens of seconds.
  if ! apt-cache show prometheus >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq >&2
  fi
  log "apt-get install prometheus"
  start=$(date +%s)
  # --no-install-recommends: the recommended node exporter is not needed.
  apt-get install -y -qq --no-install-recommends prometheus >&2
  log "installed in $(( $(date +%s) - start )) s"
fi
# Also on runs where the package was already there: a previous install (or a
# reboot of a systemd host) may have left the daemon running.
stop_daemon

have || { log "prometheus or promtool still not on PATH after installing"; exit 1; }
log "$(prometheus --version 2>&1 | head -1)"
command -v prometheus
command -v promtool
