#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked, throwaway gnome-keyring —
# the Secret Service the app uses on a Linux desktop. With --display it also gets an Xvfb
# display (1280x800). Nothing of the user's own keyring or session is touched.
#
#   tests/session.sh [--display] COMMAND [ARG...]
set -euo pipefail

display=0
if [ "${1:-}" = "--display" ]; then display=1; shift; fi

if [ -z "${CLOUDWARDEN_SESSION_INNER:-}" ]; then
  export CLOUDWARDEN_SESSION_INNER=1
  if [ "$display" = 1 ]; then
    exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
  fi
  exec dbus-run-session -- "$0" "$@"
fi
unset CLOUDWARDEN_SESSION_INNER

keyring_home=$(mktemp -d)
cleanup() {
  # The daemon belongs to this private bus; stop it so nothing outlives the session.
  if [ -n "${GNOME_KEYRING_PID:-}" ]; then kill "$GNOME_KEYRING_PID" 2>/dev/null || true; fi
  rm -rf "$keyring_home"
}
trap cleanup EXIT

export XDG_DATA_HOME="$keyring_home/data" XDG_CONFIG_HOME="$keyring_home/config"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
eval "$(printf 'ci-password' | gnome-keyring-daemon --unlock --components=secrets | sed 's/^/export /')"
GNOME_KEYRING_PID=$(pgrep -n -f "gnome-keyring-daemon --unlock" || true)

"$@"
