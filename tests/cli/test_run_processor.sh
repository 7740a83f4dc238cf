#!/usr/bin/env bash
# `osiris run` with sqlite.processor (inputs as df_<step> tables, a join of two extracts),
# write_mode upsert on SQLite (the key's later row wins; the table created with the key as
# primary key; a key that is not a column, a table without a matching unique key),
# independent branches run side by side (the wave of each source in events.jsonl) unless
# they share a file, and a failing branch that stops the run under its own name.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
db="$ws/data/demo.sqlite"
mkdir -p "$ws/pipelines" "$ws/input"
cat >"$ws/pipelines/join.yaml" <<'YAML'
oml_version: "0.1.0"
name: join-demo
steps:
  - id: read-customers
    component: sqlite.extractor
    mode: read
    config: {connection: "@sqlite.demo", table: customers, batch_size: 128}
  - id: read-orders
    component: sqlite.extractor
    mode: read
    config: {connection: "@sqlite.demo", table: orders, batch_size: 128}
  - id: per-customer
    component: sqlite.processor
    mode: transform
    needs: [read-customers, read-orders]
    config:
      query: >-
        SELECT c.id, c.name, COUNT(o.id) AS n_orders, ROUND(SUM(o.quantity * o.unit_price), 2) AS total
        FROM df_read_customers c LEFT JOIN df_read_orders o ON o.customer_id = c.id
        GROUP BY c.id, c.name ORDER BY c.id
  - id: save
    component: filesystem.csv_writer
    mode: write
    needs: [per-customer]
    config: {path: output/per_customer.csv}
  - id: stats
    component: sqlite.writer
    mode: write
    needs: [per-customer]
    config: {connection: "@sqlite.demo", table: customer_stats, write_mode: upsert, primary_key: [id]}
YAML
want=$(sqlite3 -csv "$db" "SELECT c.id, c.name, COUNT(o.id), ROUND(SUM(o.quantity * o.unit_price), 2) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY c.id" | tr -d '\r' | sed 's/\.0$//')
ncust=$(sqlite3 "$db" "SELECT count(*) FROM customers")
norders=$(sqlite3 "$db" "SELECT count(*) FROM orders")
run_osr run "$ws/pipelines/join.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "a join in sqlite.processor: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(jq -c '[.steps[] | [.id, .status, .rows_in, .rows_out]]' <<<"$OUT")" \
    "[[\"read-customers\",\"success\",0,$ncust],[\"read-orders\",\"success\",0,$norders],[\"per-customer\",\"success\",$((ncust + norders)),$ncust],[\"save\",\"success\",$ncust,0],[\"stats\",\"success\",$ncust,0]]" \
    "rows in and out of every step"
expect_eq "$(tail -n +2 "$ws/output/per_customer.csv" | tr -d '\r' | sed 's/"//g')" "$(sed 's/"//g' <<<"$want")" "the processor's rows are SQLite's own answer"
expect_eq "$(sqlite3 "$db" "SELECT sql FROM sqlite_master WHERE name = 'customer_stats'")" \
    'CREATE TABLE "customer_stats" ("id" INTEGER, "name" TEXT, "n_orders", "total", PRIMARY KEY ("id"))' \
    "an upsert target is created with its key"
events=$(cat "$ws"/run_logs/*/join-demo/*/events.jsonl)
expect_eq "$(jq -rc 'select(.wave) | [.step_id, .wave]' <<<"$events" | tr '\n' ' ')" \
    '["read-customers",1] ["read-orders",2] ["per-customer",3] ' "two extracts of one file run one after the other, the processor after both"

# Upsert: changed rows are updated, new ones inserted, the later of two rows with one key wins.
sqlite3 "$db" "UPDATE customer_stats SET n_orders = -1 WHERE id <= 3; DELETE FROM customer_stats WHERE id > $((ncust - 2))"
run_osr run "$ws/pipelines/join.yaml" --base-path "$ws" --json
expect_eq "$(jq -r .status <<<"$OUT")" success "upsert again: $ERR"
expect_eq "$(sqlite3 "$db" "SELECT count(*), sum(n_orders < 0) FROM customer_stats")" "$ncust|0" "rows updated and re-inserted"
sed -i 's/GROUP BY c.id, c.name ORDER BY c.id/GROUP BY c.id, c.name UNION ALL SELECT 1, '"'"'later'"'"', 0, 0 ORDER BY 1/' "$ws/pipelines/join.yaml"
run_osr run "$ws/pipelines/join.yaml" --base-path "$ws" --json
expect_eq "$(jq -r .status <<<"$OUT")" success "a key twice in the input: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(sqlite3 "$db" "SELECT name, n_orders FROM customer_stats WHERE id = 1")" "later|0" "the later row wins"
sed -i 's/primary_key: \[id\]/primary_key: [id, nope]/' "$ws/pipelines/join.yaml"
run_osr run "$ws/pipelines/join.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a key that is not a column"
expect_contains "$(jq -r .error.message <<<"$OUT")" "primary_key column 'nope' is not among the input's columns" "says which"
sed -i 's/primary_key: \[id, nope\]/primary_key: [name]/' "$ws/pipelines/join.yaml"
run_osr run "$ws/pipelines/join.yaml" --base-path "$ws" --json
expect_eq "$(jq -r .error.step <<<"$OUT")" stats "a target without a unique key on primary_key"
expect_contains "$(jq -r .error.message <<<"$OUT")" "upsert needs a primary key or unique index" "says what is missing"
expect_eq "$(sqlite3 "$db" "SELECT name FROM customer_stats WHERE id = 1")" "later" "the target is left as it was"

# Processor errors: bad SQL, an unknown input table, a statement that writes.
cat >"$ws/pipelines/bad.yaml" <<'YAML'
oml_version: "0.1.0"
name: bad-processor
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: products}}
  - {id: shape, component: sqlite.processor, mode: transform, needs: [read], config: {query: "SELEC nonsense"}}
  - {id: save, component: filesystem.csv_writer, mode: write, needs: [shape], config: {path: output/shape.csv}}
YAML
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "bad SQL fails the run"
expect_eq "$(jq -r .error.step <<<"$OUT")" shape "in the processor"
expect_contains "$(jq -r .error.message <<<"$OUT")" 'syntax error' "with SQLite's reason"
expect_eq "$(jq -c '[.steps[].status]' <<<"$OUT")" '["success","failed","skipped"]' "the writer never ran"
test -e "$ws/output/shape.csv" && fail "no file is left" || ok "no file is left"
sed -i 's/SELEC nonsense/SELECT * FROM df_nope/' "$ws/pipelines/bad.yaml"
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_contains "$(jq -r .error.message <<<"$OUT")" 'no such table: df_nope' "an unknown input table"
sed -i 's/SELECT \* FROM df_nope/DELETE FROM df_read/' "$ws/pipelines/bad.yaml"
run_osr run "$ws/pipelines/bad.yaml" --base-path "$ws" --json
expect_contains "$(jq -r .error.message <<<"$OUT")" 'the query must be a SELECT' "a statement that writes"
# A processor without inputs; an input id with a leading digit and dashes.
cat >"$ws/pipelines/gen.yaml" <<'YAML'
oml_version: "0.1.0"
name: generated
steps:
  - {id: 1st-read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "SELECT 7 AS n"}}
  - {id: gen, component: sqlite.processor, mode: transform, config: {query: "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 25000) SELECT i, i * 0.5 AS half, 'r' || i AS label FROM s"}}
  - {id: both, component: sqlite.processor, mode: transform, needs: [gen, 1st-read], config: {query: "SELECT count(*) AS n, sum(half) AS s, (SELECT n FROM df__1st_read) AS seven FROM df_gen"}}
  - {id: save, component: filesystem.csv_writer, mode: write, needs: [both], config: {path: output/gen.csv}}
YAML
run_osr run "$ws/pipelines/gen.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "a processor without inputs, df__1st_read: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(tail -n 1 "$ws/output/gen.csv")" "25000,156256250,7" "rows across batches"

# Two ids that make the same table name: the second in needs gets 8 hex digits of its
# SHA-256, whichever input arrives first (here they run side by side).
printf 'x\n1\n' >"$ws/input/one.csv"
cat >"$ws/pipelines/clash.yaml" <<'YAML'
oml_version: "0.1.0"
name: clash
steps:
  - {id: a-b, component: filesystem.csv_extractor, mode: read, config: {path: input/one.csv}}
  - {id: a_b, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "SELECT 2 AS x"}}
  - {id: both, component: sqlite.processor, mode: transform, needs: [a-b, a_b], config: {query: "SELECT (SELECT x FROM df_a_b) AS first, (SELECT x FROM df_a_b_648fa9b3) AS second"}}
  - {id: save, component: filesystem.csv_writer, mode: write, needs: [both], config: {path: output/clash.csv}}
YAML
run_osr run "$ws/pipelines/clash.yaml" --base-path "$ws" --json
expect_eq "$RC|$(tail -n 1 "$ws/output/clash.csv")" "0|1,2" "df_a_b and df_a_b_<sha256 of a_b>: $(jq -c .error <<<"$OUT")"

# Branches on different files run side by side (one wave), or one at a time when the
# setting says so; a failing branch stops the run and is the run's error.
seq 1 20000 | awk 'BEGIN{print "id,label"} {print $1 ",row " $1}' >"$ws/input/big.csv"
cat >"$ws/pipelines/branches.yaml" <<'YAML'
oml_version: "0.1.0"
name: branches
steps:
  - {id: from-csv, component: filesystem.csv_extractor, mode: read, config: {path: input/big.csv}}
  - {id: from-db, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: orders}}
  - {id: csv-out, component: filesystem.csv_writer, mode: write, needs: [from-csv], config: {path: output/big_copy.csv}}
  - {id: db-out, component: filesystem.csv_writer, mode: write, needs: [from-db], config: {path: output/orders_copy.csv}}
YAML
run_osr run "$ws/pipelines/branches.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "two branches: $ERR"
expect_eq "$(jq -rc 'select(.wave) | [.step_id, .wave]' "$ws"/run_logs/*/branches/*/events.jsonl | sort | tr '\n' ' ')" \
    '["from-csv",1] ["from-db",1] ' "run side by side"
expect_eq "$(cmp "$ws/input/big.csv" "$ws/output/big_copy.csv" && echo same)" same "the CSV copy is whole"
expect_eq "$(($(wc -l <"$ws/output/orders_copy.csv") - 1))" "$norders" "the other branch is whole"
sed -i 's/max_parallel_branches: 4/max_parallel_branches: 1/' "$ws/osiris.yaml"
rm -rf "$ws/run_logs"
run_osr run "$ws/pipelines/branches.yaml" --base-path "$ws" --json
expect_eq "$(jq -rc 'select(.wave) | [.step_id, .wave]' "$ws"/run_logs/*/branches/*/events.jsonl | tr '\n' ' ')" \
    '["from-csv",1] ["from-db",2] ' "one at a time with max_parallel_branches: 1"
sed -i 's/max_parallel_branches: 1/max_parallel_branches: 4/' "$ws/osiris.yaml"
rm -f "$ws/output/big_copy.csv" "$ws/output/orders_copy.csv"
sed -i 's/table: orders}/table: no_such_table}/' "$ws/pipelines/branches.yaml"
run_osr run "$ws/pipelines/branches.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a failing branch fails the run"
expect_eq "$(jq -r .error.step <<<"$OUT")" from-db "the run's error is the failing step's"
expect_contains "$(jq -r .error.message <<<"$OUT")" "no_such_table" "with its reason"
test -e "$ws/output/orders_copy.csv" && fail "the failed branch leaves no file" || ok "the failed branch leaves no file"

# SIGTERM while two branches run side by side: both stop, neither leaves a file.
seq 1 1000000 | awk 'BEGIN{print "id,label"} {print $1 ",row " $1 " with some padding"}' >"$ws/input/huge.csv"
cat >"$ws/pipelines/stop2.yaml" <<'YAML'
oml_version: "0.1.0"
name: stop-both
steps:
  - {id: from-csv, component: filesystem.csv_extractor, mode: read, config: {path: input/huge.csv, batch_size: 1000}}
  - {id: from-db, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", query: "SELECT a.id, b.name FROM orders a, (SELECT name FROM customers LIMIT 500) b", batch_size: 1000}}
  - {id: csv-out, component: filesystem.csv_writer, mode: write, needs: [from-csv], config: {path: stop2/a.csv}}
  - {id: db-out, component: filesystem.csv_writer, mode: write, needs: [from-db], config: {path: stop2/b.csv}}
YAML
run_interrupted "$ws/pipelines/stop2.yaml" "$ws" 'ls "$ws"/stop2/a.csv.tmp.* "$ws"/stop2/b.csv.tmp.* >/dev/null 2>&1'
expect_eq "$RC" 1 "a stopped run fails: $ERR"
expect_eq "$(jq -c '[.steps[] | .status]' <<<"$OUT")" '["failed","failed","failed","failed"]' "both sources stopped, their writers undone"
expect_eq "$(jq -r '.steps[2].error' <<<"$OUT")" "step 'csv-out': rolled back, nothing written: step 'from-csv' failed" "a writer says it was rolled back"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the run was stopped" "says why"
expect_eq "$(ls -A "$ws/stop2")" "" "no partial or temporary file"
finish
