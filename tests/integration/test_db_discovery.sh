#!/usr/bin/env bash
# Doctor and discovery against the real PostgreSQL and MariaDB servers of
# scripts/test-servers: health and failure categories, the seeded schema (220 scale
# tables, composite and missing keys, views, unicode, big text, typed values, masked
# secret-like columns), statement timeouts and partial results.
source "$(dirname "$0")/../cli/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
eval "$("$root/scripts/test-servers" env)"
cd "$TMP"
ws=$(new_ws ws)
cat >>"$ws/osiris_connections.yaml" <<'YAML'
  postgres:
    main:
      default: true
      host: ${OSR_PG_HOST}
      port: ${OSR_PG_PORT}
      database: ${OSR_PG_DATABASE}
      user: ${OSR_PG_USER}
      password: ${OSR_PG_PASSWORD}
    ro:
      host: ${OSR_PG_HOST}
      port: ${OSR_PG_PORT}
      database: ${OSR_PG_DATABASE}
      user: ${OSR_PG_RO_USER}
      password: ${OSR_PG_RO_PASSWORD}
    badpw:
      host: ${OSR_PG_HOST}
      port: ${OSR_PG_PORT}
      database: ${OSR_PG_DATABASE}
      user: ${OSR_PG_USER}
      password: wrong-password-1234
    nodb:
      host: ${OSR_PG_HOST}
      port: ${OSR_PG_PORT}
      database: no_such_database
      user: ${OSR_PG_USER}
      password: ${OSR_PG_PASSWORD}
    url:
      dsn: postgresql://${OSR_PG_USER}:${OSR_PG_PASSWORD}@${OSR_PG_HOST}:${OSR_PG_PORT}/${OSR_PG_DATABASE}
    slow:
      host: ${OSR_PG_HOST}
      port: ${OSR_PG_PORT}
      database: ${OSR_PG_DATABASE}
      user: ${OSR_PG_USER}
      password: ${OSR_PG_PASSWORD}
      statement_timeout: 1
  mysql:
    main:
      default: true
      host: ${OSR_MY_HOST}
      port: ${OSR_MY_PORT}
      database: ${OSR_MY_DATABASE}
      user: ${OSR_MY_USER}
      password: ${OSR_MY_PASSWORD}
    badpw:
      host: ${OSR_MY_HOST}
      port: ${OSR_MY_PORT}
      database: ${OSR_MY_DATABASE}
      user: ${OSR_MY_USER}
      password: wrong-password-1234
    scale:
      host: ${OSR_MY_HOST}
      port: ${OSR_MY_PORT}
      database: osiris_scale
      user: ${OSR_MY_USER}
      password: ${OSR_MY_PASSWORD}
    socket:
      unix_socket: ${OSR_MY_SOCKET}
      database: ${OSR_MY_DATABASE}
      user: ${OSR_MY_USER}
      password: ${OSR_MY_PASSWORD}
  supabase:
    local:
      pg_dsn: postgresql://${OSR_PG_USER}:${OSR_PG_PASSWORD}@${OSR_PG_HOST}:${OSR_PG_PORT}/${OSR_PG_DATABASE}
YAML
secrets=("$OSR_PG_PASSWORD" "$OSR_MY_PASSWORD" "$OSR_PG_RO_PASSWORD")

# ---- doctor ----
run_osr connections doctor --base-path "$ws" --json
expect_eq "$RC" 3 "some aliases are unhealthy"
for s in "${secrets[@]}"; do expect_not_contains "$OUT$ERR" "$s" "doctor leaks a password"; done
st() { jq -r ".connections.$1.$2 | \"\(.status) \(.category)\"" <<<"$OUT"; }
expect_eq "$(st postgres main)" "healthy ok" "postgres healthy"
expect_eq "$(st postgres ro)" "healthy ok" "read-only user healthy"
expect_eq "$(st postgres url)" "healthy ok" "postgres DSN"
expect_eq "$(st postgres badpw)" "unhealthy auth" "postgres wrong password"
expect_eq "$(st postgres nodb)" "unhealthy config" "postgres unknown database"
expect_eq "$(st mysql main)" "healthy ok" "mariadb healthy"
expect_eq "$(st mysql socket)" "healthy ok" "mariadb over the unix socket"
expect_eq "$(st mysql badpw)" "unhealthy auth" "mariadb wrong password"
expect_eq "$(st supabase local)" "healthy ok" "supabase over its Postgres endpoint"
expect_not_contains "$(jq -r .connections.postgres.url.message <<<"$OUT")" "$OSR_PG_PASSWORD" "dsn password"

# ---- discovery: PostgreSQL ----
run_osr discovery run @postgres.main --base-path "$ws" --samples 5 --json
expect_eq "$RC" 0 "postgres discovery"
for s in "${secrets[@]}"; do expect_not_contains "$OUT" "$s" "discovery leaks a password"; done
expect_eq "$(jq '[.tables[] | select(.schema=="scale")] | length' <<<"$OUT")" 220 "220 scale tables"
expect_eq "$(jq '[.tables[] | select(.schema=="scale" and (.samples|length)==5)] | length' <<<"$OUT")" 220 "every scale table sampled"
expect_eq "$(jq -r '.tables[] | select(.schema=="inventory" and .name=="stock") | .primary_key | join(",")' <<<"$OUT")" "region,code,sku" "composite key in key order"
expect_eq "$(jq -r '[.tables[] | select(.kind=="view")] | length > 0' <<<"$OUT")" true "views found"
expect_eq "$(jq -r '[.tables[] | select(.primary_key == [])] | length > 0' <<<"$OUT")" true "tables without a key"
expect_eq "$(jq -r '[.tables[] | .foreign_keys[] | select((.columns|length) > 1)] | length > 0' <<<"$OUT")" true "composite foreign key"
expect_eq "$(jq -r '[.tables[].samples[]? | to_entries[] | select(.key|test("password|api_key")) | .value] | unique | map(select(. != null)) | join(",")' <<<"$OUT")" "***MASKED***" "secret-like columns masked"
zoo=$(jq -c '.tables[] | select(.name=="type_zoo") | .samples[0]' <<<"$OUT")
expect_eq "$(jq -r '.c_bigint | type' <<<"$zoo")" number "bigint typed"
expect_eq "$(jq -r '.c_boolean | type' <<<"$zoo")" boolean "boolean typed"
expect_eq "$(jq -r '.c_jsonb | type' <<<"$zoo")" object "jsonb typed"
expect_eq "$(jq -r '.c_timestamptz' <<<"$zoo")" "2024-01-15T10:30:00Z" "timestamptz ISO 8601"
jq -e '.c_bytea.base64' <<<"$zoo" >/dev/null && ok || fail "bytea as base64"
expect_eq "$(jq -r '[.tables[] | select(.samples_truncated)] | length > 0' <<<"$OUT")" true "the 1 MB text is cut"
expect_eq "$(jq -r '[.tables[].name] | map(select(test("[^\\u0000-\\u007f]"))) | length > 0' <<<"$OUT")" true "unicode identifiers"

# The read-only user sees the same tables.
run_osr discovery run @postgres.ro --base-path "$ws" --samples 1 --tables 'inventory.*' --json
expect_eq "$RC" 0 "read-only user discovers"
expect_eq "$(jq -r '.status' <<<"$OUT")" success "no table errors for the ro user"

# A statement over the timeout fails that table only.
PGPASSWORD=$OSR_PG_PASSWORD psql -qX -h "$OSR_PG_HOST" -p "$OSR_PG_PORT" -U "$OSR_PG_USER" -d "$OSR_PG_DATABASE" \
    -c "CREATE SCHEMA IF NOT EXISTS slowtest; CREATE OR REPLACE VIEW slowtest.sleeper AS SELECT 1 AS x FROM pg_sleep(3); CREATE TABLE IF NOT EXISTS slowtest.fast(id int primary key); " >/dev/null
run_osr discovery run @postgres.slow --base-path "$ws" --samples 1 --tables 'slowtest.*' --refresh --json
expect_eq "$RC" 0 "partial discovery still exits 0"
expect_eq "$(jq -r .status <<<"$OUT")" partial "partial status"
expect_eq "$(jq -r '.tables[] | select(.name=="sleeper") | .error.category' <<<"$OUT")" timeout "timeout category"
expect_eq "$(jq -r '.tables[] | select(.name=="fast") | .row_count' <<<"$OUT")" 0 "other table still discovered"
PGPASSWORD=$OSR_PG_PASSWORD psql -qX -h "$OSR_PG_HOST" -p "$OSR_PG_PORT" -U "$OSR_PG_USER" -d "$OSR_PG_DATABASE" -c "DROP SCHEMA slowtest CASCADE" >/dev/null

# ---- discovery: MariaDB ----
run_osr discovery run @mysql.main --base-path "$ws" --samples 5 --json
expect_eq "$RC" 0 "mariadb discovery"
for s in "${secrets[@]}"; do expect_not_contains "$OUT" "$s" "mariadb discovery leaks a password"; done
expect_eq "$(jq -r '.tables[] | select(.name=="stock") | .primary_key | join(",")' <<<"$OUT")" "region,code,sku" "mariadb composite key"
expect_eq "$(jq -r '[.tables[].samples[]? | to_entries[] | select(.key|test("password|api_key")) | .value] | unique | map(select(. != null)) | join(",")' <<<"$OUT")" "***MASKED***" "mariadb secret columns masked"
mzoo=$(jq -c '.tables[] | select(.name=="type_zoo") | .samples[0]' <<<"$OUT")
expect_eq "$(jq -r '[.[] | type] | unique | join(",")' <<<"$mzoo" | grep -c number)" 1 "mariadb numbers typed"
run_osr discovery run @mysql.scale --base-path "$ws" --samples 2 --json
expect_eq "$(jq '.tables | length' <<<"$OUT")" 220 "mariadb 220 scale tables"
expect_eq "$(jq '[.tables[] | select((.samples|length)==2)] | length' <<<"$OUT")" 220 "mariadb scale tables sampled"

# ---- connection failures ----
run_osr discovery run @postgres.badpw --base-path "$ws" --json
expect_eq "$RC" 3 "auth failure exit 3"
expect_contains "$(jq -r .error.message <<<"$OUT")" "auth" "auth category in the message"
expect_not_contains "$OUT" "wrong-password-1234" "the literal password is not echoed"
finish
