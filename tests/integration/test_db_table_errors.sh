#!/usr/bin/env bash
# Discovery on PostgreSQL when single tables fail: a view whose query errors, one that runs
# past the statement timeout, a table dropped while discovery runs. Each failure stays on
# its table; the tables after it in the same session are still counted and sampled.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
{
    echo "  postgres:"
    pg_alias main
    pg_alias slow "statement_timeout: 1"
} >>"$ws/osiris_connections.yaml"
psqlc -c "DROP SCHEMA IF EXISTS terr CASCADE; CREATE SCHEMA terr;
  CREATE VIEW terr.a_divides AS SELECT 1 / (SELECT count(*) FROM pg_class WHERE false)::int AS x;
  CREATE VIEW terr.b_sleeps AS SELECT 1 AS x FROM pg_sleep(5);
  CREATE TABLE terr.c_gone(id int primary key); INSERT INTO terr.c_gone VALUES (1);
  CREATE TABLE terr.d_fine(id int primary key, v text); INSERT INTO terr.d_fine SELECT g, 'v' || g FROM generate_series(1, 12) g;
  CREATE TABLE terr.e_fine(id int primary key); INSERT INTO terr.e_fine SELECT generate_series(1, 3);" >/dev/null

# A failing view first: the rest of the session's tables are still discovered.
run_osr discovery run @postgres.main --base-path "$ws" --tables 'terr.[acde]*' --samples 5 --refresh --json
expect_eq "$RC" 0 "partial discovery exits 0"
expect_eq "$(jq -r .status <<<"$OUT")" partial "status partial"
expect_contains "$(jq -r '.tables[] | select(.name=="a_divides") | .error.message' <<<"$OUT")" "division by zero" "the failing view says why"
expect_eq "$(jq -c '[.tables[] | select(.name!="a_divides") | [.name, .row_count, (.samples | length), (.error != null)]]' <<<"$OUT")" \
    '[["c_gone",1,1,false],["d_fine",12,5,false],["e_fine",3,3,false]]' "tables after the failure are counted and sampled"
expect_eq "$(jq -r .summary.errors <<<"$OUT")" 1 "one error"

# Counts only (one UNION ALL statement; count(*) never evaluates the view's column, so it
# succeeds), then with the sleeping view in the batch: it times out alone.
run_osr discovery run @postgres.main --base-path "$ws" --tables 'terr.[acde]*' --samples 0 --refresh --json
expect_eq "$(jq -c '[.tables[] | [.name, .row_count, (.error != null)]]' <<<"$OUT")" \
    '[["a_divides",1,false],["c_gone",1,false],["d_fine",12,false],["e_fine",3,false]]' "counts without samples"
run_osr discovery run @postgres.slow --base-path "$ws" --tables 'terr.[bcde]*' --samples 0 --refresh --json
expect_eq "$(jq -c '[.tables[] | [.name, .row_count, .error.category]]' <<<"$OUT")" \
    '[["b_sleeps",null,"timeout"],["c_gone",1,null],["d_fine",12,null],["e_fine",3,null]]' "a count over the timeout fails alone"

# A view over the statement timeout first, then a failing one: each fails alone.
run_osr discovery run @postgres.slow --base-path "$ws" --tables 'terr.*' --samples 2 --refresh --json
expect_eq "$(jq -r '.tables[] | select(.name=="b_sleeps") | .error.category' <<<"$OUT")" timeout "timeout on its table"
expect_eq "$(jq -c '[.tables[] | select(.error == null) | .name]' <<<"$OUT")" '["c_gone","d_fine","e_fine"]' "the others are fine"
expect_eq "$(jq -r .summary.errors <<<"$OUT")" 2 "two errors"

# A table dropped while discovery runs: another session holds an uncommitted DROP (the
# table is still listed and described), discovery waits on its lock, the DROP commits.
psqlc -c "BEGIN; DROP TABLE terr.c_gone; SELECT pg_sleep(2); COMMIT;" >/dev/null &
dropper=$!
sleep 0.5
run_osr discovery run @postgres.main --base-path "$ws" --tables 'terr.[cde]*' --samples 5 --refresh --json
wait "$dropper"
expect_eq "$RC" 0 "discovery with a dropped table exits 0"
expect_eq "$(jq -r '.tables[] | select(.name=="c_gone") | .error.message' <<<"$OUT" | grep -c 'does not exist')" 1 "the dropped table is reported as gone"
expect_eq "$(jq -c '[.tables[] | select(.error == null) | [.name, .row_count]]' <<<"$OUT")" '[["d_fine",12],["e_fine",3]]' "the other tables are discovered"
for s in "$OSR_PG_PASSWORD"; do expect_not_contains "$OUT" "$s" "no password in errors"; done

psqlc -c "DROP SCHEMA terr CASCADE" >/dev/null
finish
