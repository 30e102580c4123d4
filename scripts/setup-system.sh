#!/usr/bin/env bash
# Installs (apt, as root) and starts what Scrip's suites need on Debian/Ubuntu:
#   pcscd + the vpcd virtual reader driver (virtual test card), libpcsclite-dev (the PC/SC binding
#   compiles against it), Chromium (end-to-end tests), gnome-keyring + dbus + libsecret (keychain),
#   OpenSC, SoftHSM2 (PKCS#11 tier), yubico-piv-tool, xmlsec1, openssl (independent checks), poppler-utils (PDF → PNG),
#   python3-pyasn1 (a BER-encoding broker client, test/sandbox/broker/ber-cms.py).
# Idempotent, and fast when everything is already there.
set -euo pipefail

packages=(pcscd libpcsclite-dev vsmartcard-vpcd chromium gnome-keyring dbus dbus-x11 libsecret-1-dev libsecret-tools
  opensc opensc-pkcs11 softhsm2 yubico-piv-tool xmlsec1 openssl poppler-utils zbar-tools fonts-liberation procps psmisc python3 python3-pyasn1 make g++)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-system: missing packages: ${missing[*]}" >&2
    echo "setup-system: run as root (sudo bash scripts/setup-system.sh) to install them" >&2
    exit 1
  fi
  echo "setup-system: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pcscd with the vpcd driver (reader "Virtual PCD 00 00" on 127.0.0.1:35963, "… 00 01" on 35964).
if ! pgrep -x pcscd >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    bash "$(dirname "$0")/start-pcscd.sh"
  elif command -v systemctl >/dev/null; then
    sudo systemctl start pcscd.socket pcscd.service || true
  fi
fi
for _ in $(seq 1 50); do
  [ -S /run/pcscd/pcscd.comm ] && break
  sleep 0.1
done
if [ ! -S /run/pcscd/pcscd.comm ]; then
  echo "setup-system: pcscd did not start" >&2
  exit 1
fi
echo "setup-system: ok (pcscd running; packages present)"
