#!/usr/bin/env bash
# `make run`: create the demo vault, unseal it with `piplvault serve`, and use it as a
# logged-in owner would: import the example customers, show what was found, list them masked,
# verify the audit log. The server holds the keys; the client commands never see the
# passphrase. Then, at a terminal (or with DEMO_SERVE=1), it serves the web console on
# 127.0.0.1:${DEMO_PORT:-8000} until Ctrl-C; DEMO_SERVE=0 or no terminal (CI) just exits.
# Usage: examples/demo.sh PIPLVAULT_BIN DEMO_DIR
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
SERVE="${DEMO_SERVE:-auto}"
if [ "$SERVE" = 1 ] || { [ "$SERVE" = auto ] && [ -t 0 ] && [ -t 1 ]; }; then
  kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true
  trap - EXIT
  PORT="${DEMO_PORT:-8000}"
  echo
  echo "网页控制台 Web console: http://127.0.0.1:$PORT/console/"
  echo "演示登录 Demo login: owner / $PIPLVAULT_DEMO_OWNER_PASSWORD   (Ctrl-C 停止 stops)"
  PIPLVAULT_PASSPHRASE="$PIPLVAULT_DEMO_PASSPHRASE" \
    exec "$PV" serve --home "$DEMO" --host 127.0.0.1 --port "$PORT"
fi
echo "Demo done. To keep the vault open: PIPLVAULT_PASSPHRASE=… $PV serve --home $DEMO" >&2
