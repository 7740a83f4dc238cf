#!/usr/bin/env bash
# The tour of `make demo` (scripts/demo) with the built binary, in a directory of its own:
# every step succeeds, the pipeline runs and leaves its CSV, table and HTML report, the MCP
# selftest passes and the Claude Desktop block names the workspace.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TMP"
set +e
OUT=$(OSIRIS_DEMO_DIR="$TMP/demo" bash "$root/scripts/demo" "$OSR" 2>"$TMP/stderr")
RC=$?
set -e
expect_eq "$RC" 0 "the tour runs to the end: $(tail -n 5 "$TMP/stderr")"
for step in "osiris validate" "osiris discovery run" "osiris oml validate" "osiris compile" \
    "osiris run pipelines/customer_revenue.yaml" "osiris logs last" "osiris logs html --last" \
    "osiris mcp run --selftest" "osiris mcp clients"; do
    expect_contains "$OUT" "== $step" "shows $step"
done
expect_contains "$OUT" "customers  table  500 rows" "discovery of the demo database"
expect_contains "$OUT" ": success in " "the pipeline succeeds"
expect_contains "$OUT" "Selftest completed" "the MCP selftest passes"
expect_contains "$OUT" "\"OSIRIS_HOME\": \"$TMP/demo\"" "the client block names the workspace"
rows=$(sqlite3 "$TMP/demo/data/demo.sqlite" "SELECT count(*) FROM customer_revenue")
expect_eq "$(($(wc -l <"$TMP/demo/output/customer_revenue.csv") - 1))" "$rows" "CSV and table hold the same rows"
test "$rows" -gt 0 && ok "and some" || fail "and some"
report=$(grep -o "$TMP/demo/run_logs/[^ ]*report.html" <<<"$OUT")
test -s "$report" && ok "the HTML report is where the tour says" || fail "the HTML report is where the tour says: $report"
finish
