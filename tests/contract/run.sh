#!/usr/bin/env bash
# The contract test: schemathesis (pinned) against openapi/openapi.json and a live demo server.
#
# Starts `jixiao serve --demo` on a free port of 127.0.0.1 in a temporary directory, logs in as
# each demo role (staff, head, finance, auditor, admin: tokens from POST /api/v1/auth/token),
# runs schemathesis with every check and a bounded number of examples once per role, and stops
# the server. Exit status 0 only when every role's run has 0 failures of any kind.
#
# Usage: tests/contract/run.sh [path/to/jixiao]     (default: target/debug/jixiao, built if missing)
# Environment:
#   CONTRACT_MAX_EXAMPLES  examples per operation and role (default 25; CI keeps it small)
#   CONTRACT_ROLES         roles to run (default "staff head finance auditor admin")
#   CONTRACT_SEED          hypothesis seed (default 1, so a failure reproduces)
#   SCHEMATHESIS_VENV      where schemathesis is installed (default target/schemathesis-venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
max_examples=${CONTRACT_MAX_EXAMPLES:-25}
roles=${CONTRACT_ROLES:-"staff head finance auditor admin"}
seed=${CONTRACT_SEED:-1}
venv=${SCHEMATHESIS_VENV:-$root/target/schemathesis-venv}
binary=$(realpath -m "${1:-$root/target/debug/jixiao}")

if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
if [ ! -x "$binary" ]; then
  echo "== building jixiao"
  cargo build --quiet -p jixiao
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting jixiao serve --demo on 127.0.0.1"
(cd "$work" && exec "$binary" serve --demo --bind 127.0.0.1:0 --demo-database "$work/demo.db") >"$work/server.log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 600); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/server.log" | head -n1 || true)
  [ -n "$base" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "the server stopped" >&2; exit 1; }
  sleep 0.2
done
[ -n "$base" ] || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
base=${base%/}
echo "server at $base"

token() {
  local user=$1
  curl -sf -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"demo-$user-2024\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

failed=0
for role in $roles; do
  echo "== schemathesis as $role ($max_examples examples per operation)"
  bearer=$(token "$role")
  if ! (cd "$work" && PYTHONPATH="$root/tests/contract" SCHEMATHESIS_HOOKS=hooks "$venv/bin/schemathesis" --config-file "$root/tests/contract/schemathesis.toml" run "$root/openapi/openapi.json" \
      --url "$base" \
      --checks all \
      --max-examples "$max_examples" \
      --seed "$seed" \
      --workers 1 \
      --generation-database none \
      --no-color \
      --warnings off \
      --header "Authorization: Bearer $bearer" \
      --report junit --report-dir "$work/report-$role"); then
    echo "schemathesis failed for role $role" >&2
    failed=1
  fi
done

if grep -q ' ERROR ' "$work/server.log"; then
  echo "the server logged ERROR lines during the run:" >&2
  grep ' ERROR ' "$work/server.log" | head -n 20 >&2
  failed=1
fi
exit "$failed"
