#!/usr/bin/env bash
# Starts pcscd (it daemonises) without handing it any descriptor but /dev/null: a daemon that
# inherits the caller's pipes keeps them open for ever, so whoever reads them (a CI log, a
# `flock`-held lock, a process substitution) never sees them close.
set -euo pipefail
for fd in /proc/$$/fd/*; do
  n=${fd##*/}
  if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
done
# Its own session: the test runner kills each test file's whole process group when the file ends,
# and a pcscd restarted by a test must not go with it.
exec setsid pcscd "$@" </dev/null >/dev/null 2>&1
