#!/usr/bin/env bash
# `make run`: create the demo vault, unseal it with `piplvault serve`, and use it as a
# logged-in owner would: import the example customers, show what was found, list them masked,
# verify the audit log. The server holds the keys; the client commands never see the
# passphrase. Usage: examples/demo.sh PIPLVAULT_BIN DEMO_DIR
set -euo pipefail
PV="$1"
DEMO="$2"
SOCK="$(mktemp -d)/piplvault.sock"
if [ ! -f "$DEMO/vault.db" ]; then
  PIPLVAULT_PASSPHRASE="$PIPLVAULT_DEMO_PASSPHRASE" \
  PIPLVAULT_OWNER_PASSWORD="$PIPLVAULT_DEMO_OWNER_PASSWORD" "$PV" init "$DEMO"
fi
PIPLVAULT_PASSPHRASE="$PIPLVAULT_DEMO_PASSPHRASE" "$PV" serve --home "$DEMO" --socket "$SOCK" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do [ -S "$SOCK" ] && break; sleep 0.1; done
export PIPLVAULT_URL="unix://$SOCK" PIPLVAULT_USER=owner
export PIPLVAULT_PASSWORD="$PIPLVAULT_DEMO_OWNER_PASSWORD"
"$PV" import examples/customers.csv
"$PV" status
"$PV" customers list --limit 5
"$PV" audit verify
echo "Demo done. To keep the vault open: PIPLVAULT_PASSPHRASE=… $PV serve --home $DEMO" >&2
