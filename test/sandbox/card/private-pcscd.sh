#!/bin/sh
# Runs a command against a private pcscd (root only): a new mount namespace with its own
# /run/pcscd, and a vpcd reader on ports 35974/35975 ("Virtual PCD 00 00"/"00 01"), so card
# integration tests cannot collide with other users of the machine's pcscd and slots.
#   unshare -m --propagation private test/sandbox/card/private-pcscd.sh \
#     node --import tsx --test test/main/card/pcsc-card-service.itest.ts
# Inside, SCRIP_ITEST_VPCD_PORT=35975 points the card harness at slot 00 01.
set -e
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
conf=$(mktemp -d)
printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x8C86\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x8C86\n' > "$conf/vpcd"
mount -t tmpfs none /run/pcscd
pcscd -c "$conf"
i=0; while [ ! -S /run/pcscd/pcscd.comm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
export SCRIP_ITEST_VPCD_PORT=35975
status=0
"$@" || status=$?
kill "$(tr -d '\0' < /run/pcscd/pcscd.pid)" 2>/dev/null || true
rm -rf "$conf"
exit $status
