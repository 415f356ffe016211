#!/usr/bin/env bash
# End-to-end tests of the real desktop app. Needs a display and a D-Bus session:
#   tests/session.sh --display tests/e2e/run.sh
# Expects target/debug/cloudwarden-desktop, target/debug/cloudwarden, target/debug/fake-github and
# target/debug/fake-graph (the testkit fakes) to be built.
set -euo pipefail
cd "$(dirname "$0")/../.."

artifacts=target/e2e-artifacts
rm -rf "$artifacts" && mkdir -p "$artifacts"
for bin in target/debug/cloudwarden-desktop target/debug/cloudwarden target/debug/fake-github target/debug/fake-graph; do
  [ -x "$bin" ] || { echo "error: $bin is not built" >&2; exit 1; }
done
command -v tauri-driver >/dev/null || { echo "error: tauri-driver not found (run make setup)" >&2; exit 1; }
command -v WebKitWebDriver >/dev/null || { echo "error: WebKitWebDriver not found (run make setup)" >&2; exit 1; }

data_dir=$(mktemp -d)
export CLOUDWARDEN_DATA_DIR="$data_dir"
# What the app logs (every start appends), printed when a test fails.
export CLOUDWARDEN_LOG_FILE="$PWD/$artifacts/app.log"
# Native file dialogs cannot be clicked through WebDriver: the app takes each dialog's answer
# from this queue instead (tests/e2e/driver.mjs `answerDialog`).
dialog_queue=$(mktemp)
echo '[]' > "$dialog_queue"
export CLOUDWARDEN_E2E_DIALOG="$dialog_queue"
port=${TAURI_DRIVER_PORT:-4444}
export TAURI_DRIVER_URL="http://127.0.0.1:$port/"

tauri-driver --port "$port" > "$artifacts/tauri-driver.log" 2>&1 &
driver_pid=$!
cleanup() { kill "$driver_pid" 2>/dev/null || true; wait "$driver_pid" 2>/dev/null || true; rm -rf "$data_dir" "$dialog_queue"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

status=0
# E2E_ONLY=tests/e2e/x.test.mjs runs one file (while working on it).
if [ -n "${E2E_ONLY:-}" ]; then
  (cd tests/e2e && node --test --test-concurrency=1 --test-reporter=spec "../../$E2E_ONLY") || status=$?
else
  npm --prefix tests/e2e test || status=$?
fi
echo "screenshots: $(ls "$artifacts"/*.png 2>/dev/null | tr '\n' ' ')"
if [ "$status" != 0 ]; then
  # What the driver and the app printed, so that a failure on CI can be read from its log.
  echo "--- last lines of $artifacts/tauri-driver.log:"
  tail -n 60 "$artifacts/tauri-driver.log" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-400
  echo "--- last lines of $artifacts/app.log:"
  tail -n 80 "$artifacts/app.log" 2>/dev/null | cut -c1-400
fi
exit $status
