#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret
# Service) whose files live in a throw-away folder, so keychain code is tested against the real
# thing and never touches the user's own keyring.
set -euo pipefail
if [ -n "${SCRIP_SESSION_BUS:-}" ]; then exec "$@"; fi
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
export KEYRING_HOME="$keyring_home"
# dbus-run-session's "Failed to set fd limit" is noise; the filter is line-buffered so every other
# line keeps its place in the output and the suites' summary stays the last line.
dbus-run-session -- bash -c '
  set -euo pipefail
  export XDG_DATA_HOME="$KEYRING_HOME/data" XDG_RUNTIME_DIR="$KEYRING_HOME/run"
  mkdir -p "$XDG_DATA_HOME/keyrings" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  # --login with a password on stdin creates and unlocks the "login" keyring without a prompt.
  printf "scrip-test" | gnome-keyring-daemon --login >/dev/null 2>&1
  eval "$(gnome-keyring-daemon --start --components=secrets 2>/dev/null)"
  export SCRIP_SESSION_BUS=1
  exec "$@"
' bash "$@" 2> >(grep --line-buffered -v "Failed to set fd limit" >&2)
