#!/usr/bin/env bash
# `osiris run` with duckdb.processor, on the DuckDB library that scripts/duckdb-lib installs
# from tests/node: an aggregate and a join of two SQLite extracts (a step id with hyphens
# seen as df_<id> with underscores) to CSV and SQLite, checked against SQLite's own answer;
# typed values (integers, doubles, unicode text, nulls, dates, timestamps, decimals,
# booleans, blobs) as exact CSV text and SQLite storage classes; query errors with DuckDB's
# reason and the step; 100 000 rows generated without inputs and carried through a second
# processor; a dry run; and the engine-not-available error for a missing library and a
# file that is not one.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
OSIRIS_DUCKDB_LIBRARY=$("$root/scripts/duckdb-lib")
export OSIRIS_DUCKDB_LIBRARY
cd "$TMP"
ws=$(new_ws ws)
db="$ws/data/demo.sqlite"
mkdir -p "$ws/pipelines"
cat >"$ws/pipelines/join.yaml" <<'YAML'
oml_version: "0.1.0"
name: duck-join
steps:
  - id: read-customers
    component: sqlite.extractor
    mode: read
    config: {connection: "@sqlite.demo", table: customers, batch_size: 100}
  - id: read-orders
    component: sqlite.extractor
    mode: read
    config: {connection: "@sqlite.demo", table: orders, batch_size: 500}
  - id: per-customer
    component: duckdb.processor
    mode: transform
    needs: [read-customers, read-orders]
    config:
      query: >-
        SELECT c.id, c.name, count(o.id) AS n_orders, sum(o.quantity) AS quantity,
        sum(o.quantity * o.unit_price::DECIMAL(12, 2)) AS total,
        min(strptime(o.ordered_at, '%Y-%m-%dT%H:%M:%SZ'))::DATE AS first_day,
        max(strptime(o.ordered_at, '%Y-%m-%dT%H:%M:%SZ')) AS last_order
        FROM df_read_customers c LEFT JOIN df_read_orders o ON o.customer_id = c.id
        GROUP BY ALL ORDER BY c.id
  - id: save
    component: filesystem.csv_writer
    mode: write
    needs: [per-customer]
    config: {path: output/per_customer.csv}
  - id: stats
    component: sqlite.writer
    mode: write
    needs: [per-customer]
    config: {connection: "@sqlite.demo", table: customer_stats, write_mode: replace}
YAML
want=$(sqlite3 -csv "$db" "SELECT c.id, c.name, count(o.id), sum(o.quantity),
    printf('%.2f', sum(o.quantity * o.unit_price)), substr(min(o.ordered_at), 1, 10),
    replace(replace(max(o.ordered_at), 'T', ' '), 'Z', '')
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY c.id" |
    tr -d '\r' | sed 's/"//g')
ncust=$(sqlite3 "$db" "SELECT count(*) FROM customers")
norders=$(sqlite3 "$db" "SELECT count(*) FROM orders")
run_osr run "$ws/pipelines/join.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "a join in duckdb.processor: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(jq -c '[.steps[] | [.id, .status, .rows_in, .rows_out]]' <<<"$OUT")" \
    "[[\"read-customers\",\"success\",0,$ncust],[\"read-orders\",\"success\",0,$norders],[\"per-customer\",\"success\",$((ncust + norders)),$ncust],[\"save\",\"success\",$ncust,0],[\"stats\",\"success\",$ncust,0]]" \
    "rows in and out of every step"
expect_eq "$(head -1 "$ws/output/per_customer.csv")" "id,name,n_orders,quantity,total,first_day,last_order" "CSV header"
expect_eq "$(tail -n +2 "$ws/output/per_customer.csv" | sed 's/"//g')" "$want" "DuckDB's rows are SQLite's own answer"
expect_eq "$(sqlite3 "$db" "SELECT sql FROM sqlite_master WHERE name = 'customer_stats'")" \
    'CREATE TABLE "customer_stats" ("id" BIGINT, "name" VARCHAR, "n_orders" BIGINT, "quantity" HUGEINT, "total" DECIMAL(38,2), "first_day" DATE, "last_order" TIMESTAMP)' \
    "the SQLite table takes DuckDB's type names"
expect_eq "$(sqlite3 "$db" "SELECT DISTINCT typeof(id), typeof(n_orders), typeof(quantity), typeof(first_day), typeof(last_order) FROM customer_stats WHERE n_orders > 0")" \
    "integer|integer|integer|text|text" "integers stay integers, dates are text"

# Typed values, exactly: CSV text and SQLite storage classes.
cat >"$ws/pipelines/types.yaml" <<'YAML'
oml_version: "0.1.0"
name: duck-types
steps:
  - id: values
    component: duckdb.processor
    mode: transform
    config:
      query: >-
        SELECT 1 AS i, 2.5::DOUBLE AS d, 'Zoë, ✓ "quoted"' AS t, NULL::INTEGER AS n,
        DATE '2024-02-29' AS day, TIMESTAMP '2024-02-29 13:45:00.25' AS ts,
        12.50::DECIMAL(10, 2) AS price, true AS ok, '\xCA\xFE'::BLOB AS raw,
        9223372036854775808::HUGEINT AS big
        UNION ALL
        SELECT 2, -0.125, 'plain', 7, NULL, NULL, -3.05, false, NULL, -5 ORDER BY i
  - id: save
    component: filesystem.csv_writer
    mode: write
    needs: [values]
    config: {path: output/types.csv, null_value: "NULL"}
  - id: store
    component: sqlite.writer
    mode: write
    needs: [values]
    config: {connection: "@sqlite.demo", table: duck_types, write_mode: replace}
YAML
run_osr run "$ws/pipelines/types.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "typed values: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(cat "$ws/output/types.csv")" 'i,d,t,n,day,ts,price,ok,raw,big
1,2.5,"Zoë, ✓ ""quoted""",NULL,2024-02-29,2024-02-29 13:45:00.25,12.50,1,cafe,9223372036854775808
2,-0.125,plain,7,NULL,NULL,-3.05,0,NULL,-5' "exact CSV"
expect_eq "$(sqlite3 "$db" "SELECT typeof(i), typeof(d), typeof(t), typeof(n), typeof(day), typeof(ts), typeof(price), typeof(ok), typeof(raw), typeof(big) FROM duck_types ORDER BY i" | tr '\n' ' ')" \
    "integer|real|text|null|text|text|real|integer|blob|real integer|real|text|integer|null|null|real|integer|null|integer " \
    "SQLite storage classes (DECIMAL and HUGEINT columns have numeric affinity)"
expect_eq "$(sqlite3 "$db" "SELECT t, hex(raw), day, ts FROM duck_types WHERE i = 1")" \
    'Zoë, ✓ "quoted"|CAFE|2024-02-29|2024-02-29 13:45:00.25' "unicode text, blob bytes, dates"

# Query errors fail the run with DuckDB's reason, under the processor's name.
cat >"$ws/pipelines/bad.yaml" <<'YAML'
oml_version: "0.1.0"
name: duck-bad
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: products}}
  - {id: shape-it, component: duckdb.processor, mode: transform, needs: [read], config: {query: "SELEC nonsense"}}
  - {id: save, component: filesystem.csv_writer, mode: write, needs: [shape-it], config: {path: output/shape.csv}}
YAML
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "bad SQL fails the run"
expect_eq "$(jq -r .error.step <<<"$OUT")" shape-it "in the processor"
expect_contains "$(jq -r .error.message <<<"$OUT")" "step 'shape-it': the query is not valid: Parser Error: syntax error" "with DuckDB's reason"
expect_eq "$(jq -c '[.steps[].status]' <<<"$OUT")" '["success","failed","skipped"]' "the writer never ran"
test -e "$ws/output/shape.csv" && fail "no file is left" || ok "no file is left"
sed -i 's/SELEC nonsense/SELECT * FROM df_nope/' "$ws/pipelines/bad.yaml"
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "an unknown table fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" "Catalog Error: Table with name df_nope does not exist" "an unknown input table"
sed -i 's/SELECT \* FROM df_nope/SELECT * FROM read_csv(\x27\/etc\/passwd\x27)/' "$ws/pipelines/bad.yaml"
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "no file access"
expect_contains "$(jq -r .error.message <<<"$OUT")" "disabled" "DuckDB refuses to read files"
sed -i 's/SELECT \* FROM read_csv(\x27\/etc\/passwd\x27)/SELECT [1, 2] AS l FROM df_read/' "$ws/pipelines/bad.yaml"
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_contains "$(jq -r .error.message <<<"$OUT")" "column 'l' of the result has the DuckDB type LIST" "a nested type is refused by name"

# 100 000 rows generated without inputs, through a second processor, across batches.
cat >"$ws/pipelines/gen.yaml" <<'YAML'
oml_version: "0.1.0"
name: duck-gen
steps:
  - {id: gen, component: duckdb.processor, mode: transform, config: {query: "SELECT i, i / 2 AS half, 'r' || i AS label FROM range(1, 100001) t(i)"}}
  - {id: sum-up, component: duckdb.processor, mode: transform, needs: [gen], config: {query: "SELECT count(*) AS n, sum(half) AS s, count(DISTINCT label) AS labels FROM df_gen"}}
  - {id: all, component: filesystem.csv_writer, mode: write, needs: [gen], config: {path: output/gen.csv}}
  - {id: total, component: filesystem.csv_writer, mode: write, needs: [sum-up], config: {path: output/sum.csv}}
YAML
run_osr run "$ws/pipelines/gen.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "a processor without inputs: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(jq -c '[.steps[] | [.id, .rows_in, .rows_out]]' <<<"$OUT")" \
    '[["gen",0,100000],["sum-up",100000,1],["all",100000,0],["total",1,0]]' "100 000 rows through"
expect_eq "$(wc -l <"$ws/output/gen.csv") $(tail -1 "$ws/output/gen.csv")" "100001 100000,50000,r100000" "every generated row"
expect_eq "$(tail -1 "$ws/output/sum.csv")" "100000,2500025000,100000" "the second processor saw them all"

# The database of a step lives in a private directory under TMPDIR, gone after the run
# (a failing step too).
mkdir -m 700 "$TMP/tmpdir"
TMPDIR=$TMP/tmpdir run_osr run "$ws/pipelines/gen.yaml" --base-path "$ws" --json
expect_eq "$RC|$(ls -A "$TMP/tmpdir" | wc -l)" "0|0" "no database left behind"
sed 's/FROM df_gen/FROM no_such_table/' "$ws/pipelines/gen.yaml" >"$ws/pipelines/gen_bad.yaml"
TMPDIR=$TMP/tmpdir run_osr run "$ws/pipelines/gen_bad.yaml" --base-path "$ws" --json
expect_eq "$RC|$(ls -A "$TMP/tmpdir" | wc -l)" "1|0" "nor after a failure"

# SIGTERM while DuckDB runs a long query: the query is interrupted, the run stops at once
# and is recorded as failed.
cat >"$ws/pipelines/long.yaml" <<'YAML'
oml_version: "0.1.0"
name: duck-long
steps:
  - {id: spin, component: duckdb.processor, mode: transform, config: {query: "SELECT count(*) AS n FROM range(100000000000) a"}}
  - {id: out, component: filesystem.csv_writer, mode: write, needs: [spin], config: {path: output/long.csv}}
YAML
# (the query alone takes minutes: a run that is not stopped fails by the test's timeout)
run_interrupted "$ws/pipelines/long.yaml" "$ws" \
    'grep -q "\"step_run\"" "$ws"/run_logs/*/duck-long/*/events.jsonl 2>/dev/null && sleep 0.3'
expect_eq "$RC" 1 "a stopped run fails: $ERR"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the run was stopped while DuckDB ran the query" "says why"
expect_eq "$(tail -n 1 "$ws/.osiris/index/runs.jsonl" | jq -r '.pipeline + " " + .status')" "duck-long failed" "recorded as failed"

# A dry run checks the query and writes nothing.
rm -f "$ws/output/gen.csv"
run_osr run "$ws/pipelines/gen.yaml" --base-path "$ws" --dry-run --json
expect_eq "$RC" 0 "dry run: $ERR $(jq -c .error <<<"$OUT")"
test -e "$ws/output/gen.csv" && fail "a dry run writes nothing" || ok "a dry run writes nothing"

# Without the library: a missing file, a file that is not a library.
for lib in "$TMP/nowhere/libduckdb.so" "$ws/osiris.yaml"; do
    OSIRIS_DUCKDB_LIBRARY=$lib run_osr run "$ws/pipelines/gen.yaml" --base-path "$ws" --json
    expect_eq "$RC" 1 "no engine at $lib: the run fails"
    expect_eq "$(jq -r .error.step <<<"$OUT")" gen "in the processor"
    msg=$(jq -r .error.message <<<"$OUT")
    expect_contains "$msg" "step 'gen': engine not available: cannot load DuckDB from $lib (OSIRIS_DUCKDB_LIBRARY)" "says what was tried"
    expect_contains "$msg" "set OSIRIS_DUCKDB_LIBRARY to the path of a libduckdb.so" "and how to provide it"
done
finish
