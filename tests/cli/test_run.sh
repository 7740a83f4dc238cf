#!/usr/bin/env bash
# `osiris run`: a SQLite extract streamed to a CSV file and a SQLite table, the records
# every run leaves (run logs, the index, the AI Operation Package, aiop list/show), a
# failing step (no partial file, the table untouched, the run recorded as failed), a dry
# run that writes nothing, a manifest run as it is, and bad input.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
mkdir -p "$ws/pipelines"
cat >"$ws/pipelines/orders.yaml" <<'YAML'
oml_version: "0.1.0"
name: orders-export
params:
  cap: {type: integer, default: 100000}
steps:
  - id: read
    component: sqlite.extractor
    mode: read
    config:
      connection: "@sqlite.demo"
      query: "SELECT id, customer_id, unit_price, status, note FROM orders ORDER BY id LIMIT ${params.cap}"
      batch_size: 128
  - id: csv
    component: filesystem.csv_writer
    mode: write
    needs: [read]
    config: {path: output/orders.csv, null_value: "NULL"}
  - id: copy
    component: sqlite.writer
    mode: write
    needs: [read]
    config: {connection: "@sqlite.demo", table: orders_copy, write_mode: replace}
YAML
db="$ws/data/demo.sqlite"
want=$(sqlite3 "$db" "SELECT count(*) FROM orders")

run_osr run "$ws/pipelines/orders.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "the run succeeds: $ERR"
expect_eq "$(jq -r .status <<<"$OUT")" success "status"
expect_eq "$(jq -c '[.steps[] | [.id, .status, .rows_in, .rows_out]]' <<<"$OUT")" \
    "[[\"read\",\"success\",0,$want],[\"csv\",\"success\",$want,0],[\"copy\",\"success\",$want,0]]" \
    "every row through every step, in batches of 128"
expect_eq "$(wc -l <"$ws/output/orders.csv")" "$((want + 1))" "CSV: a header and every row"
expect_eq "$(head -1 "$ws/output/orders.csv")" "id,customer_id,unit_price,status,note" "CSV header"
expect_eq "$(sqlite3 -csv "$db" "SELECT id, customer_id, unit_price, status, ifnull(note, 'NULL') FROM orders ORDER BY id" | tr -d '\r' | sed 's/"//g' | head -50 | md5sum)" \
    "$(tail -n +2 "$ws/output/orders.csv" | sed 's/"//g' | head -50 | md5sum)" "CSV values match the source"
expect_eq "$(sqlite3 "$db" "SELECT count(*), sum(unit_price) = (SELECT sum(unit_price) FROM orders) FROM orders_copy")" "$want|1" "SQLite copy"
run_id=$(jq -r .run_id <<<"$OUT")
run_dir=$(jq -r .run_dir <<<"$OUT")
expect_eq "$(ls "$run_dir" | tr '\n' ' ')" "artifacts events.jsonl manifest.json metrics.jsonl " "run logs"
expect_eq "$(ls "$run_dir/artifacts" | tr '\n' ' ')|$(jq -r .connection "$run_dir/artifacts/read/cleaned_config.json")" \
    "copy csv read |@sqlite.demo" "a directory per step with the configuration it ran with"
expect_eq "$(stat -c %a "$run_dir/artifacts" "$run_dir/artifacts/read" "$run_dir/artifacts/read/cleaned_config.json" | tr '\n' ' ')" \
    "700 700 600 " "private too"
expect_eq "$(jq -r .event "$run_dir/events.jsonl" | tr '\n' ' ')" \
    "run_start step_start step_start step_start step_complete step_complete step_complete run_complete " "events"
expect_eq "$(jq -sc 'map(.id)' "$run_dir/metrics.jsonl")" '["read","csv","copy"]' "metrics per step"
expect_eq "$(tail -1 "$ws/.osiris/index/runs.jsonl" | jq -c '[.run_id, .status, .rows]')" "[\"$run_id\",\"success\",$((2 * want))]" "index line"
aiop="$ws/aiop/orders-export/$run_id"
expect_eq "$(jq -c '[.run.status, (.semantic.dag.edges | length), (.evidence.timeline | length), .metadata.truncated]' "$aiop/aiop.json")" \
    '["success",2,8,false]' "AIOP layers"
expect_contains "$(cat "$aiop/run-card.md")" "| copy | sqlite.writer | success | $want | 0 |" "run card"
expect_eq "$(stat -c %a "$aiop/aiop.json" "$run_dir/events.jsonl" "$run_dir/metrics.jsonl" "$ws/.osiris/index/runs.jsonl" | sort -u)" 600 "private records"
run_osr mcp aiop show --run "$run_id" --base-path "$ws" --json
expect_eq "$(jq -r '.aiop.run.run_id' <<<"$OUT")" "$run_id" "aiop show finds the run"

# logs list|show|last|aiop read the same records.
run_osr logs list --base-path "$ws" --json
expect_eq "$(jq -r '.runs[0].run_id + " " + .runs[0].status' <<<"$OUT")" "$run_id success" "logs list: newest first"
run_osr logs show --run "$run_id" --base-path "$ws" --json
expect_eq "$(jq -c '[.run.run_id, (.steps | map(.id)), (.events | length)]' <<<"$OUT")" "[\"$run_id\",[\"read\",\"csv\",\"copy\"],8]" "logs show"
run_osr logs last --base-path "$ws"
expect_contains "$OUT" "Run $run_id of orders-export: success" "logs last, for people"
run_osr logs aiop --last --format md --base-path "$ws"
expect_eq "$OUT" "$(cat "$aiop/run-card.md")" "logs aiop --format md: the run card"
run_osr logs aiop --run "$run_id" --base-path "$ws"
expect_eq "$(jq -r .run.run_id <<<"$OUT")" "$run_id" "logs aiop: the package"
run_osr logs show --run ../x --base-path "$ws" --json
expect_eq "$(jq -r .error.code <<<"$OUT")" LOGS/RUN_ID "a run id is checked"
run_osr logs show --base-path "$ws" --json
expect_eq "$(jq -r .error.code <<<"$OUT")" CLI/MISSING_OPTION "which run?"

# A failing step: the CSV keeps its previous content, the table its rows; recorded.
before=$(md5sum <"$ws/output/orders.csv")
sed -i 's/FROM orders ORDER BY id/FROM orders WHERE 1 = 1 UNION ALL SELECT 1, 2, 3, 4 ORDER BY id/' "$ws/pipelines/orders.yaml"
run_osr run "$ws/pipelines/orders.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a failing step fails the run"
expect_eq "$(jq -r '.status + " " + .error.step' <<<"$OUT")" "failed read" "the failed step is named"
expect_contains "$(jq -r .error.message <<<"$OUT")" "columns" "with SQLite's reason"
expect_eq "$(md5sum <"$ws/output/orders.csv")" "$before" "the CSV is the previous one"
expect_eq "$(ls "$ws/output")" "orders.csv" "no temporary file left"
expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM orders_copy")" "$want" "the table is untouched"
expect_eq "$(tail -1 "$ws/.osiris/index/runs.jsonl" | jq -r .status)" failed "the failed run is in the index"
failed_id=$(jq -r .run_id <<<"$OUT")
expect_eq "$(jq -r '.run.status + " " + (.evidence.errors | length | tostring)' "$ws/aiop/orders-export/$failed_id/aiop.json")" "failed 1" "and has its AIOP"

# A writer that fails mid-run: its transaction is rolled back, the CSV is not replaced.
sed -i 's/ WHERE 1 = 1 UNION ALL SELECT 1, 2, 3, 4 ORDER BY id/ ORDER BY id/' "$ws/pipelines/orders.yaml"
sqlite3 "$db" "CREATE TABLE strict_copy (id INTEGER PRIMARY KEY, customer_id, unit_price, status, note CHECK (note IS NULL OR length(note) < 5))"
sed -i 's/table: orders_copy, write_mode: replace/table: strict_copy, write_mode: append/' "$ws/pipelines/orders.yaml"
run_osr run "$ws/pipelines/orders.yaml" --base-path "$ws" --json
if [ "$(sqlite3 "$db" "SELECT count(*) FROM orders WHERE length(note) >= 5")" -gt 0 ]; then
    expect_eq "$RC" 1 "a refused row fails the run"
    expect_eq "$(jq -r .error.step <<<"$OUT")" copy "at the writer"
    expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM strict_copy")" 0 "rolled back: no row kept"
    expect_eq "$(md5sum <"$ws/output/orders.csv")" "$before" "the CSV is not replaced either"
fi
sed -i 's/table: strict_copy, write_mode: append/table: orders_copy, write_mode: replace/' "$ws/pipelines/orders.yaml"

# Reading and writing the same database file, more rows than the writer's cache holds:
# one shared connection (two would deadlock), memory bounded by the batches.
sqlite3 "$db" "CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x AS id, 'name-' || x AS name, x * 1.5 AS amount FROM c"
cat >"$ws/pipelines/big.yaml" <<'YAML'
oml_version: "0.1.0"
name: big-copy
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: big}}
  - {id: copy, component: sqlite.writer, mode: write, needs: [read], config: {connection: "@sqlite.demo", table: big_copy, write_mode: replace}}
  - {id: again, component: sqlite.writer, mode: write, needs: [read], config: {connection: "@sqlite.demo", table: big_again}}
YAML
set +e
OUT=$(timeout 120 "$OSR" run "$ws/pipelines/big.yaml" --base-path "$ws" --json 2>"$TMP/stderr")
RC=$?
set -e
expect_eq "$RC" 0 "same file read and written: $(cat "$TMP/stderr")"
expect_eq "$(sqlite3 "$db" "SELECT (SELECT count(*) FROM big_copy) || ' ' || (SELECT count(*) FROM big_again)")" "200000 200000" "both writers, one transaction"
cat >"$ws/pipelines/sneaky.yaml" <<'YAML'
oml_version: "0.1.0"
name: sneaky
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "DELETE FROM big RETURNING id"}}
  - {id: csv, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/x.csv}}
YAML
run_osr run "$ws/pipelines/sneaky.yaml" --base-path "$ws" --json
expect_eq "$(jq -r .error.message <<<"$OUT")" "step 'read': an extractor's query must only read" "an extractor cannot write"
expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM big")" 200000 "nothing was deleted"

# SIGTERM mid-run: the run stops at its next batch, leaves no partial file and the table as
# it was, and is recorded as failed.
cat >"$ws/pipelines/stop.yaml" <<'YAML'
oml_version: "0.1.0"
name: stop-me
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "SELECT a.id, b.name FROM big a, (SELECT name FROM big LIMIT 20) b", batch_size: 1000}}
  - {id: csv, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: stop/out.csv}}
  - {id: copy, component: sqlite.writer, mode: write, needs: [read], config: {connection: "@sqlite.demo", table: big_copy, write_mode: replace}}
YAML
run_interrupted "$ws/pipelines/stop.yaml" "$ws" 'ls "$ws"/stop/out.csv.tmp.* >/dev/null 2>&1'
expect_eq "$RC" 1 "a stopped run fails"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the run was stopped" "says why"
expect_eq "$(ls -A "$ws/stop")" "" "no partial or temporary file"
expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM big_copy")" 200000 "the table as it was"
expect_eq "$(tail -1 "$ws/.osiris/index/runs.jsonl" | jq -r '.pipeline + " " + .status')" "stop-me failed" "recorded as failed"

# SIGTERM while SQLite computes before the first row: the query is interrupted at once.
cat >"$ws/pipelines/slow.yaml" <<'YAML'
oml_version: "0.1.0"
name: sqlite-slow
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000) SELECT max(x) AS m FROM c"}}
  - {id: csv, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: stop/slow.csv}}
YAML
# (the query alone takes hours: a run that is not stopped fails by the test's timeout)
run_interrupted "$ws/pipelines/slow.yaml" "$ws" 'ls "$ws"/stop/slow.csv.tmp.* >/dev/null 2>&1 && sleep 0.2'
expect_eq "$RC" 1 "a stopped run fails: $ERR"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the run was stopped while SQLite ran the query" "says why"
expect_eq "$(ls -A "$ws/stop")" "" "no file left"

# CSV in: quoted fields with delimiters, quotes and line breaks, null values, latin-1,
# bad rows failed, skipped or rejected to a file with their line numbers.
mkdir -p "$ws/incoming"
printf 'id;name;city\n1;"Smith; John";Berlin\n2;"say ""hi""";NA\n3;"two\nlines";Paris\n4;bad\n5;Zoe;Oslo\n' >"$ws/incoming/people.csv"
printf 'id,name\n1,M\xfcller\n2,Jos\xe9\n' >"$ws/incoming/latin.csv"
cat >"$ws/pipelines/people.yaml" <<'YAML'
oml_version: "0.1.0"
name: people
steps:
  - id: read
    component: filesystem.csv_extractor
    mode: read
    config: {path: incoming/people.csv, delimiter: ";", null_values: ["NA"], on_bad_rows: reject_file}
  - id: load
    component: sqlite.writer
    mode: write
    needs: [read]
    config: {connection: "@sqlite.demo", table: people, write_mode: replace}
  - id: latin
    component: filesystem.csv_extractor
    mode: read
    config: {path: incoming/latin.csv, encoding: latin-1}
  - id: out
    component: filesystem.csv_writer
    mode: write
    needs: [latin]
    config: {path: output/latin-utf8.csv}
YAML
run_osr run "$ws/pipelines/people.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "CSV in: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(sqlite3 -separator '|' "$db" "SELECT id, name, ifnull(city, 'NULL') FROM people ORDER BY id" | tr '\n' '#')" \
    '1|Smith; John|Berlin#2|say "hi"|NULL#3|two#lines|Paris#5|Zoe|Oslo#' "quoting, line breaks, null values"
expect_eq "$(cat "$ws/rejects/read.csv")" $'line,record\n6,"4;bad"' "the bad row, rejected with its line"
expect_eq "$(cat "$ws/output/latin-utf8.csv")" $'id,name\n1,M\u00fcller\n2,Jos\u00e9' "latin-1 read as UTF-8"
sed -i 's/on_bad_rows: reject_file/on_bad_rows: fail/' "$ws/pipelines/people.yaml"
run_osr run "$ws/pipelines/people.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a bad row fails the run by default"
expect_contains "$(jq -r .error.message <<<"$OUT")" "incoming/people.csv:6: 2 fields where the header has 3" "with the file and line"
expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM people")" 4 "the table as the previous run left it"

# A dry run writes nothing and records nothing.
runs=$(wc -l <"$ws/.osiris/index/runs.jsonl")
rm "$ws/output/orders.csv"
run_osr run "$ws/pipelines/orders.yaml" --dry-run --base-path "$ws" --json
expect_eq "$RC" 0 "dry run: $ERR"
expect_eq "$(jq -r '.dry_run' <<<"$OUT")" true "says so"
expect_eq "$(ls "$ws/output" | grep -c orders)" 0 "no file written"
expect_eq "$(wc -l <"$ws/.osiris/index/runs.jsonl")" "$runs" "no run recorded"
manifest=$(jq -r .manifest_path <<<"$OUT")

# A manifest runs as it is; a manifest with --param is refused.
run_osr run "$manifest" --base-path "$ws" --json
expect_eq "$RC" 0 "a manifest runs: $ERR"
run_osr run "$manifest" --param cap=1 --base-path "$ws" --json
expect_eq "$(jq -r .error.code <<<"$OUT")" RUN/COMPILED "parameters need the OML"

# Bad input.
run_osr run --base-path "$ws" --json
expect_eq "$(jq -r .error.code <<<"$OUT")" CLI/MISSING_ARGUMENT "no file"
printf 'name: broken\n' >"$ws/pipelines/bad.yaml"
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_eq "$RC" 2 "an invalid pipeline is refused by the compile gate"
# An osiris.yaml with errors: the run is refused before anything starts.
cp "$ws/osiris.yaml" "$TMP/osiris.yaml.good"
printf 'runtime:\n  retries: 3\n' >>"$ws/osiris.yaml"
runs=$(wc -l <"$ws/.osiris/index/runs.jsonl")
run_osr run "$ws/pipelines/orders.yaml" --base-path "$ws" --json
expect_eq "$RC" 2 "a broken osiris.yaml refuses the run"
expect_eq "$(jq -r .error.code <<<"$OUT")" CONFIG/INVALID "with its code"
expect_contains "$ERR" "osiris.yaml:" "and the file and line"
expect_eq "$(wc -l <"$ws/.osiris/index/runs.jsonl")" "$runs" "nothing ran"
cp "$TMP/osiris.yaml.good" "$ws/osiris.yaml"
finish
