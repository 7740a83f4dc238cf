#!/usr/bin/env bash
# `osiris run` from PostgreSQL: a query and a table read through a cursor (more rows than
# one fetch), typed values (integers, floats, text, timestamps in UTC, bytea, unicode,
# nulls) to CSV and SQLite; a connection with a wrong password fails the run with the
# category and no secret; a bad query fails with PostgreSQL's reason.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
{
    echo "  postgres:"
    pg_alias main
    printf '    wrong:\n      host: ${OSR_PG_HOST}\n      port: ${OSR_PG_PORT}\n      database: ${OSR_PG_DATABASE}\n      user: ${OSR_PG_USER}\n      password: not-the-password-77\n'
} >>"$ws/osiris_connections.yaml"
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.run_src; CREATE TABLE public.run_src (id int PRIMARY KEY, n bigint, f double precision, t text, ts timestamptz, b bytea, ok boolean);
  INSERT INTO public.run_src SELECT g, g::bigint * 1000000000, g / 4.0, CASE WHEN g % 7 = 0 THEN NULL ELSE 'zeile ' || g || ' straße 東京' END,
    timestamptz '2026-01-02 03:04:05+00' + g * interval '1 minute', decode(lpad(to_hex(g), 4, '0'), 'hex'), g % 2 = 0 FROM generate_series(1, 2500) g;" >/dev/null
mkdir -p "$ws/pipelines"
cat >"$ws/pipelines/pg.yaml" <<'YAML'
oml_version: "0.1.0"
name: pg-export
steps:
  - id: read
    component: postgres.extractor
    mode: read
    config: {connection: "@postgres.main", table: run_src, schema: public, batch_size: 1000}
  - id: csv
    component: filesystem.csv_writer
    mode: write
    needs: [read]
    config: {path: output/run_src.csv}
  - id: copy
    component: sqlite.writer
    mode: write
    needs: [read]
    config: {connection: "@sqlite.demo", table: run_src, write_mode: replace}
YAML
run_osr run "$ws/pipelines/pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "PostgreSQL to CSV and SQLite: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(jq -c '[.steps[] | [.id, .status, .rows_in, .rows_out]]' <<<"$OUT")" \
    '[["read","success",0,2500],["csv","success",2500,0],["copy","success",2500,0]]' "2500 rows in three fetches"
expect_eq "$(sed -n 2p "$ws/output/run_src.csv")" '1,1000000000,0.25,zeile 1 straße 東京,2026-01-02 03:05:05+00,0001,false' "typed values in the CSV"
expect_eq "$(sed -n 8p "$ws/output/run_src.csv")" '7,7000000000,1.75,,2026-01-02 03:11:05+00,0007,false' "a null"
db="$ws/data/demo.sqlite"
expect_eq "$(sqlite3 "$db" "SELECT typeof(id), typeof(n), typeof(f), typeof(t), typeof(b), sum(n) FROM run_src")" \
    "integer|integer|real|text|blob|$(psqlc -At -c "SELECT sum(n) FROM public.run_src")" "types kept in SQLite"
expect_eq "$(sqlite3 "$db" "SELECT sql FROM sqlite_master WHERE name = 'run_src'")" \
    'CREATE TABLE "run_src" ("id" INTEGER, "n" BIGINT, "f" DOUBLE PRECISION, "t" TEXT, "ts" TIMESTAMPTZ, "b" BLOB, "ok" BOOLEAN)' \
    "the table created with the source's types"

sed -i 's/table: run_src, schema: public, batch_size: 1000/query: "SELECT id, t FROM public.run_src WHERE id <= 10 ORDER BY id DESC", limit: 3/' "$ws/pipelines/pg.yaml"
run_osr run "$ws/pipelines/pg.yaml" --base-path "$ws" --json
expect_eq "$(tail -n +2 "$ws/output/run_src.csv" | cut -d, -f1 | tr '\n' ' ')" "10 9 8 " "a query with a limit"

sed -i 's/@postgres.main/@postgres.wrong/' "$ws/pipelines/pg.yaml"
run_osr run "$ws/pipelines/pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a wrong password fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" "auth:" "with the category"
expect_not_contains "$OUT$ERR$(cat "$ws"/run_logs/*/pg-export/*/events.jsonl)" "not-the-password-77" "and no secret"

sed -i 's/@postgres.wrong/@postgres.main/; s/SELECT id, t FROM public.run_src/SELECT id, nope FROM public.run_src/' "$ws/pipelines/pg.yaml"
run_osr run "$ws/pipelines/pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a bad query fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" 'column "nope" does not exist' "with PostgreSQL's reason"
expect_eq "$(tail -n +2 "$ws/output/run_src.csv" | cut -d, -f1 | tr '\n' ' ')" "10 9 8 " "the CSV of the last good run stays"
finish
