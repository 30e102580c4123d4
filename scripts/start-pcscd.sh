#!/usr/bin/env bash
# Starts pcscd (it daemonises) without handing it any descriptor but /dev/null: a daemon that
# inherits the caller's pipes keeps them open for ever, so whoever reads them (a CI log, a
# `flock`-held lock, a process substitution) never sees them close.
set -euo pipefail
for fd in /proc/$$/fd/*; do
  n=${fd##*/}
  if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
done
exec pcscd "$@" </dev/null >/dev/null 2>&1
