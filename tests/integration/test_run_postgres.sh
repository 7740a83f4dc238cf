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

# Into PostgreSQL: from SQLite and from CSV through COPY, typed columns created; a refused
# row (a duplicate key) fails the run and leaves the table as it was.
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.run_dst; DROP TABLE IF EXISTS public.run_keyed;
  CREATE TABLE public.run_keyed (id int PRIMARY KEY, t text); INSERT INTO public.run_keyed VALUES (1, 'kept');" >/dev/null
printf 'id,t\n2,"tab\there"\n3,back\\slash\n' >"$ws/in.csv"
sqlite3 "$db" "DROP TABLE IF EXISTS typed; CREATE TABLE typed (id INTEGER, amount REAL, label TEXT, raw BLOB);
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)
  INSERT INTO typed SELECT x, x / 8.0, CASE WHEN x % 5 = 0 THEN NULL ELSE 'l' || x || char(9) || 'ü' END, randomblob(x % 7) FROM c"
cat >"$ws/pipelines/to_pg.yaml" <<'YAML'
oml_version: "0.1.0"
name: to-pg
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: typed}}
  - {id: load, component: postgres.writer, mode: write, needs: [read], config: {connection: "@postgres.main", table: run_dst, schema: public, write_mode: replace}}
  - {id: csv, component: filesystem.csv_extractor, mode: read, config: {path: in.csv}}
  - {id: keyed, component: postgres.writer, mode: write, needs: [csv], config: {connection: "@postgres.main", table: run_keyed, write_mode: append}}
YAML
run_osr run "$ws/pipelines/to_pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "SQLite and CSV into PostgreSQL: $(jq -c .error <<<"$OUT")"
expect_eq "$(psqlc -At -c "SELECT count(*), sum(id), sum(amount), count(label), sum(length(label)), sum(length(raw)) FROM public.run_dst")" \
    "$(sqlite3 -separator '|' "$db" "SELECT count(*), sum(id), sum(amount), count(label), sum(length(label)), sum(length(raw)) FROM typed")" "every value copied"
expect_eq "$(psqlc -At -c "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'run_dst'")" \
    "id:bigint amount:double precision label:text raw:bytea" "created with typed columns"
expect_eq "$(psqlc -At -c "SELECT string_agg(id || '=' || t, '|' ORDER BY id) FROM public.run_keyed")" \
    "$(printf '1=kept|2=tab\there|3=back\\slash')" "CSV text with a tab and a backslash"
printf 'id,t\n4,new\n1,duplicate\n' >"$ws/in.csv"
run_osr run "$ws/pipelines/to_pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a duplicate key fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" "duplicate key" "with PostgreSQL's reason"
expect_eq "$(psqlc -At -c "SELECT count(*) FROM public.run_keyed")" 3 "the table as it was (no row 4)"

# Upsert: existing keys updated, new ones inserted, the later of two rows with a key wins;
# a created target gets the key as its primary key; a target without a unique key on
# primary_key fails with the reason and stays as it was.
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.run_up; DROP TABLE IF EXISTS public.run_nokey;
  CREATE TABLE public.run_nokey (id int, t text); INSERT INTO public.run_nokey VALUES (1, 'kept');" >/dev/null
printf 'id,t\n1,one\n2,two\n' >"$ws/up.csv"
cat >"$ws/pipelines/up.yaml" <<'YAML'
oml_version: "0.1.0"
name: upsert-pg
steps:
  - {id: csv, component: filesystem.csv_extractor, mode: read, config: {path: up.csv}}
  - {id: up, component: postgres.writer, mode: write, needs: [csv], config: {connection: "@postgres.main", table: run_up, write_mode: upsert, primary_key: [id]}}
YAML
run_osr run "$ws/pipelines/up.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "upsert into a new table: $(jq -c .error <<<"$OUT")"
expect_eq "$(psqlc -At -c "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'public.run_up'::regclass AND i.indisprimary")" \
    id "created with primary_key as its key"
printf 'id,t\n2,second\n3,three\n3,three-later\n' >"$ws/up.csv"
run_osr run "$ws/pipelines/up.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "upsert again: $(jq -c .error <<<"$OUT")"
expect_eq "$(psqlc -At -c "SELECT string_agg(id || '=' || t, '|' ORDER BY id) FROM public.run_up")" \
    "1=one|2=second|3=three-later" "updated, inserted, the later row of a key wins"
sed -i 's/table: run_up,/table: run_nokey,/' "$ws/pipelines/up.yaml"
run_osr run "$ws/pipelines/up.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a target without a unique key"
expect_contains "$(jq -r .error.message <<<"$OUT")" "upsert needs a primary key or unique index on primary_key" "says what is missing"
expect_eq "$(psqlc -At -c "SELECT string_agg(id || '=' || t, '|') FROM public.run_nokey")" "1=kept" "and the target is as it was"

# A type mismatch on write: text into an integer column fails with PostgreSQL's reason and
# the table stays as it was.
printf 'id,t\n5,five\nsix,six\n' >"$ws/in.csv"
run_osr run "$ws/pipelines/to_pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a type mismatch fails the run"
expect_eq "$(jq -r .error.step <<<"$OUT")" keyed "in the writer"
expect_contains "$(jq -r .error.message <<<"$OUT")" 'invalid input syntax for type integer: "six"' "with PostgreSQL's reason"
expect_eq "$(psqlc -At -c "SELECT count(*) FROM public.run_keyed WHERE id >= 4")" 0 "nothing written"

# The database goes away mid-run (the session is terminated while the extractor reads):
# the run fails with a network error, the writers leave nothing, the run is recorded.
cat >"$ws/pipelines/away.yaml" <<'YAML'
oml_version: "0.1.0"
name: db-away
steps:
  - {id: read, component: postgres.extractor, mode: read, config: {connection: "@postgres.main", query: "SELECT g, pg_sleep(CASE WHEN g = 3 THEN 30 ELSE 0 END) AS osiris_away_marker FROM generate_series(1, 5) g"}}
  - {id: out, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/away.csv}}
  - {id: load, component: postgres.writer, mode: write, needs: [read], config: {connection: "@postgres.main", table: run_away, write_mode: replace}}
YAML
psqlc -c "DROP TABLE IF EXISTS public.run_away" >/dev/null
terminate='n=$(psqlc -At -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '"'"'%osiris_away_marker%'"'"' AND pid <> pg_backend_pid()"); [ "$n" -gt 0 ]'
run_interrupted "$ws/pipelines/away.yaml" "$ws" "$terminate" :
expect_eq "$n" 1 "the reading session was terminated"
expect_eq "$RC" 1 "the run fails: $ERR"
expect_eq "$(jq -r .error.step <<<"$OUT")" read "in the extractor"
expect_contains "$(jq -r .error.message <<<"$OUT")" "terminat" "saying the connection was terminated"
test -e "$ws/output/away.csv" && fail "no CSV file" || ok "no CSV file"
expect_eq "$(psqlc -At -c "SELECT count(*) FROM pg_tables WHERE tablename = 'run_away'")" 0 "no table created"
expect_eq "$(tail -n 1 "$ws/.osiris/index/runs.jsonl" | jq -r '.pipeline + " " + .status')" "db-away failed" "recorded as failed"

# With runtime.retries the branch runs again after such a network failure (nothing of it
# was committed) and the run succeeds, the retry in its events and metrics.
sed -i 's/  retries: 0 /  retries: 1 /; s/retry_backoff_ms: 1000/retry_backoff_ms: 10/' "$ws/osiris.yaml"
sed -i 's/THEN 30 ELSE 0/THEN 2 ELSE 0/' "$ws/pipelines/away.yaml"
run_interrupted "$ws/pipelines/away.yaml" "$ws" "$terminate" :
expect_eq "$RC" 0 "the retried run succeeds: $(jq -c .error <<<"$OUT") $ERR"
expect_eq "$(jq -c '[.steps[] | [.id, .status, .retries]]' <<<"$OUT")" '[["read","success",1],["out","success",1],["load","success",1]]' "one retry, in the metrics"
expect_eq "$(jq -r 'select(.event == "step_retry") | .step_id + " " + (.attempt | tostring)' "$(jq -r .run_dir <<<"$OUT")/events.jsonl")" "read 2" "and in the events"
expect_eq "$(($(wc -l <"$ws/output/away.csv") - 1))|$(psqlc -At -c "SELECT count(*) FROM public.run_away")" "5|5" "every row written once"

# Reals: PostgreSQL's own shortest text is copied to the CSV when it is what Osiris would
# print, else the value is formatted; either way the file matches the same values formatted
# after a trip through SQLite (a processor), for every magnitude and sign. Infinity and NaN
# stay PostgreSQL's words.
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.run_reals; CREATE TABLE public.run_reals (id int, x float8, y float4);
  INSERT INTO public.run_reals VALUES (1, 0, 0), (2, '-0', '-0'), (3, 1e15, 1e15), (4, 1e16, 1e16), (5, 123456789012345.6, 1.5),
    (6, 1234567890123456.7, 2.25), (7, 0.0001, 0.0001), (8, 0.00001, 0.00001), (9, 1e-300, 1e-30), (10, 1.7976931348623157e308, 3.4e38),
    (11, -2.5, -2.5), (12, 100, 100), (13, 1e14, 1e14), (14, 0.1, 0.1), (15, 1/3.0, 1/3.0), (16, 'Infinity', '-Infinity');
  INSERT INTO public.run_reals SELECT 100 + g, (random() - 0.5) * 10 ^ (floor(random() * 40) - 20), (random() - 0.5) * 10 ^ (floor(random() * 20) - 10) FROM generate_series(1, 5000) g;" >/dev/null
cat >"$ws/pipelines/reals.yaml" <<'YAML'
oml_version: "0.1.0"
name: reals
steps:
  - {id: read, component: postgres.extractor, mode: read, config: {connection: "@postgres.main", query: "SELECT id, x, y FROM public.run_reals ORDER BY id"}}
  - {id: direct, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/reals_direct.csv}}
  - {id: again, component: sqlite.processor, mode: transform, needs: [read], config: {query: "SELECT id, x, y FROM df_read ORDER BY id"}}
  - {id: formatted, component: filesystem.csv_writer, mode: write, needs: [again], config: {path: output/reals_formatted.csv}}
YAML
run_osr run "$ws/pipelines/reals.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "reals: $(jq -c .error <<<"$OUT")"
# (SQLite keeps -0 as 0: that row is left out of the comparison)
expect_eq "$(cmp <(sed 3d "$ws/output/reals_direct.csv") <(sed 3d "$ws/output/reals_formatted.csv") && echo same)" same "copied texts read like formatted ones"
expect_eq "$(sed -n '2,7p;15,17p' "$ws/output/reals_direct.csv" | tr '\n' ' ')" \
    "1,0,0 2,-0,-0 3,1e+15,1e+15 4,1e+16,1e+16 5,123456789012345.6,1.5 6,1234567890123456.8,2.25 14,0.1,0.1 15,0.3333333333333333,0.33333334 16,Infinity,-Infinity " \
    "as printed"

# SIGTERM while PostgreSQL works on a query before its first row: the statement is
# cancelled on the server and the run stops at once, recorded as failed.
cat >"$ws/pipelines/slow.yaml" <<'YAML'
oml_version: "0.1.0"
name: pg-slow
steps:
  - {id: read, component: postgres.extractor, mode: read, config: {connection: "@postgres.main", query: "SELECT 1 AS one, pg_sleep(600) AS osiris_slow_marker"}}
  - {id: out, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/slow.csv}}
YAML
# (the query sleeps 600 s: a run that is not stopped fails by the test's timeout)
run_interrupted "$ws/pipelines/slow.yaml" "$ws" \
    '[ "$(psqlc -At -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '"'"'COPY%osiris_slow_marker%'"'"'")" -gt 0 ]'
expect_eq "$RC" 1 "a stopped run fails: $ERR"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the run was stopped" "says why"
expect_eq "$(psqlc -At -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%osiris_slow_marker%' AND state = 'active'")" 0 "the statement was cancelled on the server"
finish
