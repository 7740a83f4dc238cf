#!/usr/bin/env bash
# `osiris run` with MariaDB: a table read unbuffered in several batches with typed values
# (integers, bigints, doubles, decimals, unicode text, dates, datetimes, blobs, nulls) to
# CSV, SQLite, PostgreSQL and MariaDB; PostgreSQL into MariaDB with the table created;
# every write_mode, upsert with an updated row, a new one and a key twice in the input; a
# missing source table, a value the column refuses, a wrong password, a dry run. A failed
# run leaves the target as it was. Then supabase steps over the PostgreSQL server.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
{
    echo "  mysql:"
    my_alias main
    printf '    wrong:\n      host: ${OSR_MY_HOST}\n      port: ${OSR_MY_PORT}\n      database: ${OSR_MY_DATABASE}\n      user: ${OSR_MY_USER}\n      password: not-the-password-77\n'
    echo "  postgres:"
    pg_alias main
    echo "  supabase:"
    printf '    local:\n      pg_dsn: postgresql://${OSR_PG_USER}:${OSR_PG_PASSWORD}@${OSR_PG_HOST}:${OSR_PG_PORT}/${OSR_PG_DATABASE}\n'
} >>"$ws/osiris_connections.yaml"
mkdir -p "$ws/pipelines"
events() { cat "$ws"/run_logs/*/"$1"/*/events.jsonl; }
myc -e "DROP TABLE IF EXISTS run_src, run_copy, run_from_pg, run_keyed, run_nokey, run_nums, run_made, run_never;
  CREATE TABLE run_src (id INT PRIMARY KEY, n BIGINT, f DOUBLE, d DECIMAL(12,3), t VARCHAR(100),
    dt DATETIME(6), day DATE, b VARBINARY(8)) ENGINE=InnoDB;
  INSERT INTO run_src SELECT seq, seq * 1000000000, seq / 4, seq / 8,
    IF(seq % 7 = 0, NULL, CONCAT('zeile ', seq, ' straße 東京 😀')),
    TIMESTAMP'2026-01-02 03:04:05' + INTERVAL seq MINUTE, DATE'2026-01-01' + INTERVAL seq DAY,
    IF(seq % 5 = 0, NULL, UNHEX(LPAD(HEX(seq), 4, '0'))) FROM seq_1_to_2500;
  UPDATE run_src SET t = 'tab\there\nnew \\\\ line' WHERE id = 2;"

# ---- MariaDB to CSV and SQLite ----
cat >"$ws/pipelines/my.yaml" <<'YAML'
oml_version: "0.1.0"
name: my-export
steps:
  - id: read
    component: mysql.extractor
    mode: read
    config: {connection: "@mysql.main", table: run_src, batch_size: 1000}
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
run_osr run "$ws/pipelines/my.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "MariaDB to CSV and SQLite: $ERR $(jq -c .error <<<"$OUT")"
expect_eq "$(jq -c '[.steps[] | [.id, .status, .rows_in, .rows_out]]' <<<"$OUT")" \
    '[["read","success",0,2500],["csv","success",2500,0],["copy","success",2500,0]]' "2500 rows in three batches"
expect_eq "$(sed -n 2p "$ws/output/run_src.csv")" \
    '1,1000000000,0.25,0.125,zeile 1 straße 東京 😀,2026-01-02T03:05:05.000000,2026-01-02,0001' "typed values in the CSV"
expect_eq "$(sed -n 3,4p "$ws/output/run_src.csv")" \
    "$(printf '2,2000000000,0.5,0.250,"tab\there\nnew \\ line",2026-01-02T03:06:05.000000,2026-01-03,0002')" "tab, newline and backslash"
expect_eq "$(grep '^35,' "$ws/output/run_src.csv")" '35,35000000000,8.75,4.375,,2026-01-02T03:39:05.000000,2026-02-05,' "nulls"
db="$ws/data/demo.sqlite"
expect_eq "$(sqlite3 "$db" "SELECT typeof(id), typeof(n), typeof(f), typeof(t), typeof(b), sum(n), sum(length(b)) FROM run_src WHERE id = 1")" \
    "integer|integer|real|text|blob|1000000000|2" "types kept in SQLite"
expect_eq "$(sqlite3 "$db" "SELECT count(*), sum(n), count(t), count(b) FROM run_src")" \
    "$(myc -e "SELECT COUNT(*), SUM(n), COUNT(t), COUNT(b) FROM run_src" | tr '\t' '|')" "every row in SQLite"
expect_eq "$(sqlite3 "$db" "SELECT sql FROM sqlite_master WHERE name = 'run_src'")" \
    'CREATE TABLE "run_src" ("id" INTEGER, "n" BIGINT, "f" DOUBLE PRECISION, "d" NUMERIC(12,3), "t" TEXT, "dt" TIMESTAMP, "day" DATE, "b" BLOB)' \
    "the table created with the source's types"

sed -i 's/table: run_src, batch_size: 1000/query: "SELECT id, t FROM run_src WHERE id <= 10 ORDER BY id DESC", limit: 3/' "$ws/pipelines/my.yaml"
run_osr run "$ws/pipelines/my.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "a query with a limit: $(jq -c .error <<<"$OUT")"
expect_eq "$(tail -n +2 "$ws/output/run_src.csv" | cut -d, -f1 | tr '\n' ' ')" "10 9 8 " "a query with a limit"

sed -i 's/query: .*, limit: 3/table: no_such_table/' "$ws/pipelines/my.yaml"
run_osr run "$ws/pipelines/my.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a missing source table fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" "Table 'osiris_test.no_such_table' doesn't exist" "with MariaDB's reason"
expect_eq "$(tail -n +2 "$ws/output/run_src.csv" | cut -d, -f1 | tr '\n' ' ')" "10 9 8 " "the CSV of the last good run stays"

sed -i 's/@mysql.main/@mysql.wrong/; s/table: no_such_table/table: run_src/' "$ws/pipelines/my.yaml"
run_osr run "$ws/pipelines/my.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "a wrong password fails the run"
expect_contains "$(jq -r .error.message <<<"$OUT")" "auth:" "with the category"
expect_contains "$(jq -r .error.message <<<"$OUT")" "Access denied" "and the server's reason"
expect_not_contains "$OUT$ERR$(events my-export)" "not-the-password-77" "and no secret"
expect_not_contains "$OUT$ERR$(events my-export)" "$OSR_MY_PASSWORD" "not even the right one"

# ---- MariaDB into PostgreSQL and MariaDB, tables created from the source's types ----
cat >"$ws/pipelines/copy.yaml" <<'YAML'
oml_version: "0.1.0"
name: my-copy
steps:
  - {id: read, component: mysql.extractor, mode: read, config: {connection: "@mysql.main", table: run_src, batch_size: 700}}
  - {id: pg, component: postgres.writer, mode: write, needs: [read], config: {connection: "@postgres.main", table: run_from_my, schema: public, write_mode: replace}}
  - {id: my, component: mysql.writer, mode: write, needs: [read], config: {connection: "@mysql.main", table: run_copy, primary_key: id}}
YAML
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.run_from_my" >/dev/null
run_osr run "$ws/pipelines/copy.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "MariaDB into PostgreSQL and MariaDB: $(jq -c .error <<<"$OUT")"
expect_eq "$(psqlc -At -c "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'run_from_my'")" \
    "id:bigint n:bigint f:double precision d:numeric t:text dt:timestamp without time zone day:date b:bytea" "PostgreSQL columns typed"
expect_eq "$(psqlc -At -F ' ' -c "SELECT count(*), sum(n), sum(f), sum(d), count(t), sum(length(t)), sum(length(b)) FROM public.run_from_my")" \
    "$(myc -e "SELECT COUNT(*), SUM(n), SUM(f), SUM(d), COUNT(t), SUM(CHAR_LENGTH(t)), SUM(LENGTH(b)) FROM run_src" | tr '\t' ' ')" "every value in PostgreSQL"
expect_eq "$(psqlc -At -c "SELECT dt || ' ' || day || ' ' || encode(b, 'hex') || ' ' || t FROM public.run_from_my WHERE id = 1")" \
    "2026-01-02 03:05:05 2026-01-02 0001 zeile 1 straße 東京 😀" "dates, blobs and unicode in PostgreSQL"
sum="SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', id, n, f, d, t, dt, day, HEX(b)))) FROM"
expect_eq "$(myc -e "$sum run_copy")" "$(myc -e "$sum run_src")" "MariaDB to MariaDB: every value"
expect_eq "$(myc -e "SELECT GROUP_CONCAT(CONCAT(column_name, ':', column_type, IF(column_key = 'PRI', '*', '')) ORDER BY ordinal_position SEPARATOR ' ') FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'run_copy'")" \
    "id:bigint(20)* n:bigint(20) f:double d:decimal(12,3) t:longtext dt:datetime(6) day:date b:longblob" "created with mapped types and the primary key"

# ---- PostgreSQL into MariaDB ----
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.pg_src;
  CREATE TABLE public.pg_src (id int PRIMARY KEY, n bigint, amount numeric(10,2), f double precision, t text, ts timestamptz, ok boolean, raw bytea);
  INSERT INTO public.pg_src SELECT g, g::bigint * 3000000000, g / 4.0, g / 3.0, CASE WHEN g % 6 = 0 THEN NULL ELSE 'ligne ' || g || ' çà 😀' END,
    timestamptz '2026-03-04 05:06:07.5+00' + g * interval '1 hour', g % 2 = 0, CASE WHEN g % 4 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 6, '0'), 'hex') END
    FROM generate_series(1, 1500) g;" >/dev/null
cat >"$ws/pipelines/from_pg.yaml" <<'YAML'
oml_version: "0.1.0"
name: from-pg
steps:
  - {id: read, component: postgres.extractor, mode: read, config: {connection: "@postgres.main", table: pg_src, schema: public, batch_size: 400}}
  - {id: load, component: mysql.writer, mode: write, needs: [read], config: {connection: "@mysql.main", table: run_from_pg, create_if_missing: true}}
YAML
run_osr run "$ws/pipelines/from_pg.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "PostgreSQL into MariaDB: $(jq -c .error <<<"$OUT")"
expect_eq "$(myc -e "SELECT GROUP_CONCAT(CONCAT(column_name, ':', column_type) ORDER BY ordinal_position SEPARATOR ' ') FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'run_from_pg'")" \
    "id:bigint(20) n:bigint(20) amount:decimal(65,30) f:double t:longtext ts:datetime(6) ok:tinyint(1) raw:longblob" "MariaDB columns from PostgreSQL's types"
expect_eq "$(myc -e "SELECT COUNT(*), SUM(n), ROUND(SUM(amount), 2), ROUND(SUM(f), 6), COUNT(t), SUM(CHAR_LENGTH(t)), SUM(ok), SUM(LENGTH(raw)) FROM run_from_pg" | tr '\t' ' ')" \
    "$(psqlc -At -F ' ' -c "SELECT count(*), sum(n), sum(amount), round(sum(f)::numeric, 6), count(t), sum(length(t)), sum(ok::int), sum(length(raw)) FROM public.pg_src")" "every value in MariaDB"
expect_eq "$(myc -e "SELECT CONCAT_WS(' ', ts, ok, HEX(raw), t) FROM run_from_pg WHERE id = 3")" \
    "2026-03-04 08:06:07.500000 0 000003 ligne 3 çà 😀" "timestamps in UTC, booleans, bytea and unicode"

# ---- write modes ----
myc -e "CREATE TABLE run_keyed (id INT PRIMARY KEY, t VARCHAR(20)) ENGINE=InnoDB; INSERT INTO run_keyed VALUES (1, 'old'), (2, 'keep');
  CREATE TABLE run_nokey (id INT, t VARCHAR(20)) ENGINE=InnoDB;
  CREATE TABLE run_nums (id INT PRIMARY KEY, n INT) ENGINE=InnoDB; INSERT INTO run_nums VALUES (1, 1), (2, 2);"
# write TABLE MODE QUERY [EXTRA]: a run of mysql.writer into TABLE fed by a MariaDB query.
write() {
    cat >"$ws/pipelines/write.yaml" <<YAML
oml_version: "0.1.0"
name: my-write
steps:
  - {id: read, component: mysql.extractor, mode: read, config: {connection: "@mysql.main", query: "$3"}}
  - {id: load, component: mysql.writer, mode: write, needs: [read], config: {connection: "@mysql.main", table: $1, write_mode: $2, primary_key: id${4:+, $4}}}
YAML
    run_osr run "$ws/pipelines/write.yaml" --base-path "$ws" --json "${@:5}"
}
rows() { myc -e "SELECT GROUP_CONCAT(CONCAT(id, '=', IFNULL(t, 'null')) ORDER BY id SEPARATOR '|') FROM $1"; }
write run_keyed upsert "SELECT 1 AS id, 'new' AS t UNION ALL SELECT 3, 'first' UNION ALL SELECT 3, 'second'"
expect_eq "$RC" 0 "upsert: $(jq -c .error <<<"$OUT")"
expect_eq "$(rows run_keyed)" "1=new|2=keep|3=second" "upsert updates, inserts, and the last row of a key wins"
write run_keyed append "SELECT 4 AS id, 'four' AS t"
expect_eq "$(rows run_keyed)" "1=new|2=keep|3=second|4=four" "append"
write run_keyed append "SELECT 5 AS id, 'five' AS t UNION ALL SELECT 1, 'again'"
expect_eq "$RC" 1 "append of a key already there fails"
expect_contains "$(jq -r .error.message <<<"$OUT")" "Duplicate entry '1' for key 'PRIMARY'" "with MariaDB's reason"
expect_eq "$(rows run_keyed)" "1=new|2=keep|3=second|4=four" "and the table as it was"
write run_keyed truncate "SELECT 5 AS id, 'five' AS t"
expect_eq "$(rows run_keyed)" "5=five" "truncate"
write run_keyed replace "SELECT 6 AS id, 'six' AS t"
expect_eq "$(rows run_keyed)" "6=six" "replace"
expect_eq "$(myc -e "SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'run_keyed' AND column_name = 't'")" \
    "varchar(20)" "replace keeps the table's definition"
write run_nokey upsert "SELECT 1 AS id, 'x' AS t"
expect_eq "$RC" 1 "upsert without a key on the target fails"
expect_contains "$(jq -r .error.message <<<"$OUT")" "step 'load': write_mode upsert needs a primary or unique key on (id) in table run_nokey" "saying so"
write run_never append "SELECT 1 AS id" "create_if_missing: false"
expect_eq "$RC" 1 "a missing table with create_if_missing false fails"
expect_contains "$(jq -r .error.message <<<"$OUT")" "table run_never does not exist and create_if_missing is false" "saying so"

# A value the column refuses (strict mode), through LOAD DATA (append) and INSERT (upsert).
nums() { myc -e "SELECT COUNT(*), SUM(n) FROM run_nums" | tr '\t' ' '; }
for mode in append upsert; do
    write run_nums $mode "SELECT 3 AS id, '7' AS n UNION ALL SELECT 4, 'abc'"
    expect_eq "$RC" 1 "text into an INT column fails the run ($mode)"
    expect_contains "$(jq -r .error.message <<<"$OUT")" "step 'load': unknown: " "naming the step ($mode)"
    expect_contains "$(jq -r .error.message <<<"$OUT")" "Incorrect integer value: 'abc' for column" "with MariaDB's reason ($mode)"
    expect_eq "$(nums)" "2 3" "the target unchanged ($mode)"
done
write run_made append "SELECT 1 AS id UNION ALL SELECT 1"
expect_eq "$RC" 1 "a duplicate key in a created table fails the run"
expect_eq "$(myc -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'run_made'")" 0 "and the table made for it is gone"

# --dry-run: checks the target, writes nothing, creates nothing.
write run_keyed replace "SELECT 7 AS id, 'seven' AS t" "" --dry-run
expect_eq "$RC" 0 "dry run: $(jq -c .error <<<"$OUT")"
expect_eq "$(rows run_keyed)" "6=six" "a dry run writes nothing"
write run_never append "SELECT 1 AS id"  "" --dry-run
expect_eq "$RC" 0 "dry run of a missing table: $(jq -c .error <<<"$OUT")"
expect_eq "$(myc -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'run_never'")" 0 "and creates nothing"
write run_keyed append "SELECT 7 AS id, 'seven' AS t, 1 AS nope" "" --dry-run
expect_eq "$RC" 1 "a dry run finds a column the table lacks"
expect_contains "$(jq -r .error.message <<<"$OUT")" "table run_keyed has no column nope" "saying so"

# ---- supabase steps over the PostgreSQL server ----
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS public.sb_dst" >/dev/null
cat >"$ws/pipelines/sb.yaml" <<'YAML'
oml_version: "0.1.0"
name: sb-copy
steps:
  - {id: read, component: supabase.extractor, mode: read, config: {connection: "@supabase.local", query: "SELECT id, t, raw FROM public.pg_src WHERE id <= 40"}}
  - {id: load, component: supabase.writer, mode: write, needs: [read], config: {connection: "@supabase.local", table: sb_dst, write_mode: replace}}
YAML
run_osr run "$ws/pipelines/sb.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "supabase extractor and writer: $(jq -c .error <<<"$OUT")"
expect_eq "$(psqlc -At -c "SELECT count(*), count(t), sum(length(raw)) FROM public.sb_dst")" \
    "$(psqlc -At -c "SELECT count(*), count(t), sum(length(raw)) FROM public.pg_src WHERE id <= 40")" "rows copied over the supabase connection"

# SIGTERM while MariaDB works on a query before its first row: KILL QUERY from a second
# session stops it, and the run stops at once, recorded as failed.
cat >"$ws/pipelines/slow.yaml" <<'YAML'
oml_version: "0.1.0"
name: my-slow
steps:
  - {id: read, component: mysql.extractor, mode: read, config: {connection: "@mysql.main", query: "SELECT 1 AS one, SLEEP(600) AS osiris_slow_marker"}}
  - {id: out, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/slow.csv}}
YAML
# (the query sleeps 600 s: a run that is not stopped fails by the test's timeout)
running='[ "$(myc -N -e "SELECT count(*) FROM information_schema.processlist WHERE info LIKE '"'"'SELECT%osiris_slow_marker%'"'"' AND id <> CONNECTION_ID()")" -gt 0 ]'
run_interrupted "$ws/pipelines/slow.yaml" "$ws" "$running"
expect_eq "$RC" 1 "a stopped run fails: $ERR"
expect_contains "$(jq -r .error.message <<<"$OUT")" "the run was stopped" "says why"
expect_eq "$(myc -N -e "SELECT count(*) FROM information_schema.processlist WHERE info LIKE 'SELECT%osiris_slow_marker%' AND id <> CONNECTION_ID()")" 0 "the query was killed on the server"
finish
