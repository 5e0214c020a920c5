#!/usr/bin/env bash
# Import rate of a large procedure spreadsheet through `tongdai kb import` (KB-1), and the
# command's peak memory. Generates an XLSX of N procedures in the documented columns, imports it
# into a fresh database (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL), imports it
# again (nothing changes: the idempotent path), and prints rows/s and maximum RSS of each run.
#
#   tools/bench_kb_import.sh [ROWS]        (default 50000)
set -euo pipefail
ROWS="${1:-50000}"
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q -p tongdai
cargo build --release -q -p tongdai-kb --example gen_tthc_xlsx
BIN="$CARGO_TARGET_DIR/release/tongdai"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$CARGO_TARGET_DIR/release/examples/gen_tthc_xlsx" "$ROWS" "$WORK/tthc.xlsx"
cd "$WORK"
# The database (and its migrations) first, so the timing is the import's alone.
"$BIN" migrate >/dev/null
run() {
  local label="$1"
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" kb import tthc.xlsx >"$WORK/out" 2>&1 || true
  end=$(date +%s.%N)
  local secs rss
  secs=$(echo "$end - $start" | bc -l)
  rss=$(cat "$WORK/rss")
  tail -n 1 "$WORK/out"
  printf '%s: %d rows in %.1f s = %.0f rows/s, max RSS %.0f MiB\n' \
    "$label" "$ROWS" "$secs" "$(echo "$ROWS / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}
run "first import (all new)"
run "second import (unchanged)"
"$BIN" kb search "dang ky khai sinh" --limit 3 --format json | head -n 12
