#!/usr/bin/env bash
# The database goes away in the middle of a discovery: the tables already done are kept,
# the rest carry a network error, nothing crashes, and the doctor then reports the alias
# unhealthy (and drops its cached discovery). The servers are restarted at the end.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
{
    echo "  postgres:"
    pg_alias main
} >>"$ws/osiris_connections.yaml"
psqlc -c "DROP SCHEMA IF EXISTS dies CASCADE; CREATE SCHEMA dies; CREATE TABLE dies.a(id int primary key); CREATE VIEW dies.b AS SELECT 1 AS x FROM pg_sleep(20); CREATE TABLE dies.c(id int primary key);" >/dev/null

# Discovery of the cache first, so the doctor has something to invalidate.
"$OSR" discovery run @postgres.main --base-path "$ws" --tables 'scale.t00*' --samples 1 --json >/dev/null
cache="$ws/.osiris/mcp/logs/cache"
expect_eq "$(ls "$cache" | wc -l)" 1 "a cached discovery exists"

"$OSR" discovery run @postgres.main --base-path "$ws" --tables 'dies.*' --samples 1 --refresh --json \
    >"$TMP/out.json" 2>"$TMP/err.txt" &
pid=$!
sleep 1
pg=$(head -n 1 "$OSR_TEST_SERVERS_DIR"/*/postmaster.pid 2>/dev/null || true)
[ -n "$pg" ] && kill -9 "$pg"
wait "$pid"
rc=$?
OUT=$(cat "$TMP/out.json")
expect_eq "$rc" 0 "discovery returns what it has"
expect_eq "$(jq -r .status <<<"$OUT")" partial "partial result"
expect_eq "$(jq -r '.tables[] | select(.name=="a") | .row_count' <<<"$OUT")" 0 "table before the crash kept"
expect_eq "$(jq -r '.tables[] | select(.name=="b") | .error.category' <<<"$OUT")" network "the crash is a network error"
expect_eq "$(jq -r '.tables[] | select(.name=="c") | .error.category' <<<"$OUT")" network "later tables fail cleanly"
expect_not_contains "$(cat "$TMP/err.txt")" "AddressSanitizer" "no sanitizer report"
expect_not_contains "$OUT" "$OSR_PG_PASSWORD" "no password in errors"

run_osr connections doctor --base-path "$ws" --connection @postgres.main --json
expect_eq "$RC" 3 "doctor sees the server down"
expect_eq "$(jq -r '.connections.postgres.main.category' <<<"$OUT")" network "down is a network failure"
expect_eq "$(ls "$cache" | wc -l)" 0 "the failing doctor dropped the cached discovery"

"$root/scripts/test-servers" start >/dev/null 2>&1
eval "$("$root/scripts/test-servers" env)"
psqlc -c "DROP SCHEMA IF EXISTS dies CASCADE" >/dev/null 2>&1 || true
finish
