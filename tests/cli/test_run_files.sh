#!/usr/bin/env bash
# CSV files in `osiris run`: gzip written and read (by suffix or by compression: gzip),
# appended to as a second gzip member, a damaged gzip file refused with the reason; a disk
# that fills up under the CSV writer (a file size limit) fails the run with the reason,
# leaves neither the file nor its temporary, and records the run as failed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
db="$ws/data/demo.sqlite"
mkdir -p "$ws/pipelines"
cat >"$ws/pipelines/gz.yaml" <<'YAML'
oml_version: "0.1.0"
name: gz-export
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "SELECT id, customer_id, unit_price, status, note FROM orders ORDER BY id"}}
  - {id: plain, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/orders.csv}}
  - {id: packed, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/orders.csv.gz}}
  - {id: named, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/orders.bin, compression: gzip}}
YAML
run_osr run "$ws/pipelines/gz.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "gzip written: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(gzip -t "$ws/output/orders.csv.gz" && gzip -dc "$ws/output/orders.csv.gz" | cmp - "$ws/output/orders.csv" && echo same)" same ".gz holds the same bytes as the plain file"
expect_eq "$(gzip -dc <"$ws/output/orders.bin" | cmp - "$ws/output/orders.csv" && echo same)" same "compression: gzip on any name"
test "$(stat -c %s "$ws/output/orders.csv.gz")" -lt "$(stat -c %s "$ws/output/orders.csv")" && ok "and it is smaller" || fail "and it is smaller"

cat >"$ws/pipelines/back.yaml" <<'YAML'
oml_version: "0.1.0"
name: gz-import
steps:
  - {id: read, component: filesystem.csv_extractor, mode: read, config: {path: output/orders.csv.gz, batch_size: 500}}
  - {id: named, component: filesystem.csv_extractor, mode: read, config: {path: output/orders.bin, compression: gzip}}
  - {id: out, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/back.csv}}
  - {id: out2, component: filesystem.csv_writer, mode: write, needs: [named], config: {path: output/back2.csv.gz, write_mode: append}}
YAML
run_osr run "$ws/pipelines/back.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "gzip read: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(cmp "$ws/output/back.csv" "$ws/output/orders.csv" && echo same)" same "read back row for row"
run_osr run "$ws/pipelines/back.yaml" --base-path "$ws" --json
rows=$(($(wc -l <"$ws/output/orders.csv") - 1))
expect_eq "$(gzip -dc "$ws/output/back2.csv.gz" | grep -c '^id,')|$(gzip -dc "$ws/output/back2.csv.gz" | wc -l)" "1|$((2 * rows + 1))" "appending to a .gz adds a member and no second header"

head -c 3000 "$ws/output/orders.csv.gz" >"$ws/output/cut.csv.gz"
sed -i 's#path: output/orders.csv.gz, batch_size: 500#path: output/cut.csv.gz#' "$ws/pipelines/back.yaml"
run_osr run "$ws/pipelines/back.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a truncated gzip file fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the gzip data is damaged (unexpected end of file)" "with zlib's reason"
expect_contains "$(jq -r .error.message <<<"$OUT")" "cut.csv.gz" "and the file"
expect_eq "$(cmp "$ws/output/back.csv" "$ws/output/orders.csv" && echo same)" same "the previous output stays whole"

# A full disk under the CSV writer: a file size limit of 256 KiB, the output far larger.
sqlite3 "$db" "CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000) SELECT x AS id, printf('row %d with some padding text', x) AS label FROM c"
cat >"$ws/pipelines/full.yaml" <<'YAML'
oml_version: "0.1.0"
name: disk-full
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: big}}
  - {id: out, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/big.csv}}
YAML
runs=$(wc -l <"$ws/.osiris/index/runs.jsonl")
set +e
OUT=$(ulimit -f 256; trap '' XFSZ; "$OSR" run "$ws/pipelines/full.yaml" --base-path "$ws" --json 2>"$TMP/stderr")
RC=$?
set -e
expect_eq "$RC" 1 "a full disk fails the run: $(cat "$TMP/stderr")"
expect_eq "$(jq -r .error.step <<<"$OUT")" out "in the writer"
expect_contains "$(jq -r .error.message <<<"$OUT")" "File too large" "with the system's reason"
expect_eq "$(ls "$ws/output" | grep -c '^big')" 0 "no file, no temporary left"
expect_eq "$(wc -l <"$ws/.osiris/index/runs.jsonl")" "$((runs + 1))" "the run is in the index"
expect_eq "$(tail -n 1 "$ws/.osiris/index/runs.jsonl" | jq -r .status)" failed "as failed"
finish
