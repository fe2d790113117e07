#!/usr/bin/env bash
# Run the official HAPI verifier (hapi-server/verifier-nodejs) against `storms serve`.
#
#   VERIFIER_DIR=/path/to/verifier-nodejs tests/amda_bridge/run_verifier.sh [extra verify.js args]
#
# VERIFIER_DIR is a checkout of verifier-nodejs with its data-specification-schema
# submodule and `npm ci --ignore-scripts` done. The script loads real files of
# ../shared/data into a temporary SQLite database, starts `storms serve --no-jobs` on a
# free port of 127.0.0.1, runs `node verify.js --url http://127.0.0.1:PORT/hapi`, prints
# the summary and exits with the verifier's status (0: no failure).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${SHARED_DATA:-$HERE/../shared/data}"
: "${VERIFIER_DIR:?set VERIFIER_DIR to a verifier-nodejs checkout}"
PY="$HERE/.venv/bin/python"
STORMS="$HERE/.venv/bin/storms"
TMP="$(mktemp -d)"
export STORMS_DATA_DIR="$TMP/data"
export STORMS_DATABASE_URL="sqlite:///$TMP/storms.sqlite"
cleanup() { [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

"$STORMS" db upgrade >/dev/null
for f in swpc/plasma-7-day_2026-04-11_to_2026-04-18.json swpc/mag-7-day_2026-04-11_to_2026-04-18.json \
         swpc/rtsw_mag_1m.json omni/omni2_2020_excerpt.dat omni/omni_min2020_excerpt.asc \
         indices/SW-Last5Years.txt indices/Kp_ap_Ap_SN_F107_since_2024_excerpt.txt \
         cdf/ac_k2_mfi_20220101_v03.cdf; do
  if [[ -f "$SHARED/$f" ]]; then
    "$STORMS" ingest "$SHARED/$f" | sed 's/^/ingest: /' || echo "ingest: $f refused (continuing)"
  fi
done

PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$STORMS" serve --no-jobs --host 127.0.0.1 --port "$PORT" >"$TMP/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/hapi/capabilities" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "server on http://127.0.0.1:$PORT/hapi (pid $SERVER_PID)"
set +e
(cd "$VERIFIER_DIR" && node verify.js --url "http://127.0.0.1:$PORT/hapi" "$@") >"$TMP/verify.txt" 2>&1
STATUS=$?
set -e
grep -E "^\s*(✗|Fail|FAIL)|Error|error" "$TMP/verify.txt" | head -40 || true
tail -n 15 "$TMP/verify.txt"
cp "$TMP/verify.txt" "${VERIFY_OUTPUT:-/tmp/storms_verify.txt}"
echo "full report: ${VERIFY_OUTPUT:-/tmp/storms_verify.txt}; verifier exit status $STATUS"
exit $STATUS
