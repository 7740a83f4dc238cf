#!/usr/bin/env bash
# `osiris connections list`: the JSON shape, defaults, env var presence, .env loading and
# masking. A canary secret set in .env and in the environment must never be printed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)

ENV_CANARY="envcanary-7f3a9c-secret"
FILE_CANARY="filecanary-51d2e8-secret"
DSN_CANARY="dsncanary-0b9e44"
KEY_CANARY="keycanary-aa71c3"
cat >>"$ws/osiris_connections.yaml" <<'YAML'
  postgres:
    main:
      default: true
      host: db.internal
      port: ${OSR_T_PORT}
      database: app
      user: etl
      password: ${OSR_T_PG_PASSWORD}
      sslmode: require
    url_style:
      dsn: postgresql://etl:${OSR_T_DSN_PW}@db.internal:5432/app?sslmode=require
    conninfo:
      dsn: host=db.internal password=${OSR_T_DSN_PW} dbname=app
  mysql:
    default:
      host: mysql.internal
      database: sales
      user: etl
      password: ${OSR_T_MYSQL_PASSWORD}
      ssl_key: /etc/ssl/client.key
    literal:
      host: mysql.internal
      database: sales
      user: etl
      password: literal-pw-in-file
  supabase:
    main:
      url: https://abcd.supabase.co
      service_role_key: ${OSR_T_SUPA_KEY}
      anon_key: ${OSR_T_UNSET:-anon-default-secret}
      pg_dsn: postgres://postgres:${OSR_T_DSN_PW}@db.abcd.supabase.co:5432/postgres
YAML
cat >"$ws/.env" <<EOF2
OSR_T_PG_PASSWORD=$FILE_CANARY
export OSR_T_DSN_PW="$DSN_CANARY"
OSR_T_SUPA_KEY='$KEY_CANARY'
OSR_T_PORT=5433
EOF2
chmod 600 "$ws/.env"
export OSR_T_MYSQL_PASSWORD=$ENV_CANARY

run_osr connections list --base-path "$ws" --json
expect_eq "$RC" 0 "list exit"
is_json "$OUT" && ok || fail "stdout is one JSON document"
for c in "$ENV_CANARY" "$FILE_CANARY" "$DSN_CANARY" "$KEY_CANARY" literal-pw-in-file anon-default-secret; do
    expect_not_contains "$OUT$ERR" "$c" "secret $c leaked"
done
expect_eq "$(jq '.connections | length' <<<"$OUT")" 4 "families"
expect_eq "$(jq -r '.connections.postgres.main.config.password' <<<"$OUT")" "***MASKED***" "password masked"
expect_eq "$(jq -r '.connections.postgres.main.config.host' <<<"$OUT")" "db.internal" "host visible"
expect_eq "$(jq -r '.connections.postgres.main.config.port' <<<"$OUT")" 5433 "port from .env, as integer"
expect_eq "$(jq -r '.connections.postgres.main.is_default' <<<"$OUT")" true "explicit default"
expect_eq "$(jq -r '.connections.postgres.url_style.is_default' <<<"$OUT")" false "not default"
expect_eq "$(jq -r '.connections.mysql.default.is_default' <<<"$OUT")" true "alias named default"
expect_eq "$(jq -r '.connections.postgres.url_style.config.dsn' <<<"$OUT")" \
    "postgresql://etl:***MASKED***@db.internal:5432/app?sslmode=require" "dsn userinfo masked"
expect_eq "$(jq -r '.connections.postgres.conninfo.config.dsn' <<<"$OUT")" \
    "host=db.internal password=***MASKED*** dbname=app" "conninfo password masked"
expect_eq "$(jq -r '.connections.supabase.main.config.service_role_key' <<<"$OUT")" "***MASKED***" "key masked"
expect_eq "$(jq -r '.connections.supabase.main.config.anon_key' <<<"$OUT")" "***MASKED***" "default secret masked"
expect_eq "$(jq -r '.connections.mysql.default.config.ssl_key' <<<"$OUT")" "***MASKED***" "spec x-secret/name rule"
expect_eq "$(jq -r '.connections.postgres.main.env_vars.OSR_T_PG_PASSWORD' <<<"$OUT")" true "var from .env set"
expect_eq "$(jq -r '.connections.supabase.main.env_vars.OSR_T_UNSET' <<<"$OUT")" false "unset var"
expect_eq "$(jq -r '.connections.sqlite.demo.config.path' <<<"$OUT")" "data/demo.sqlite" "sqlite demo"

# The production guide's checks.
expect_eq "$(jq -r '.connections.mysql.default.config.password' <<<"$OUT")" "***MASKED***" "guide: mysql password"
raw=$(jq -r '.connections[][] | .config | to_entries[] | select(.key|test("password|key|secret";"i")) | .value' <<<"$OUT" | sort -u)
expect_eq "$raw" "***MASKED***" "guide: every password/key/secret field masked"

# An exported variable wins over .env.
OSR_T_PORT=6000 run_osr connections list --base-path "$ws" --json
expect_eq "$(jq -r '.connections.postgres.main.config.port' <<<"$OUT")" 6000 "environment wins over .env"

# Unresolved references are shown as written (they hold no secret).
mv "$ws/.env" "$ws/env.off"
unset OSR_T_MYSQL_PASSWORD
run_osr connections list --base-path "$ws" --json
expect_eq "$(jq -r '.connections.postgres.main.config.password' <<<"$OUT")" '${OSR_T_PG_PASSWORD}' "unresolved shown"
expect_eq "$(jq -r '.connections.postgres.main.env_vars.OSR_T_PG_PASSWORD' <<<"$OUT")" false "unset without .env"
mv "$ws/env.off" "$ws/.env"

# A group/world-readable .env is warned about on stderr, never on stdout.
chmod 644 "$ws/.env"
run_osr connections list --base-path "$ws" --json
expect_contains "$ERR" "readable by group or others" ".env mode warning"
is_json "$OUT" && ok || fail "stdout stays pure JSON with warnings"
chmod 600 "$ws/.env"

# Human table (stdout not a TTY still prints the table).
run_osr connections list --base-path "$ws"
expect_contains "$OUT" "ALIAS" "table header"
expect_contains "$OUT" "etl@db.internal:5433/app" "connection summary"
for c in "$FILE_CANARY" "$DSN_CANARY" "$KEY_CANARY"; do
    expect_not_contains "$OUT$ERR" "$c" "table leaks $c"
done

# Broken file: clear error with position.
printf 'connections:\n  postgres:\n    main: {host: [}\n' >"$TMP/bad.yaml"
cp "$ws/osiris_connections.yaml" "$TMP/good.yaml"
cp "$TMP/bad.yaml" "$ws/osiris_connections.yaml"
run_osr connections list --base-path "$ws" --json
expect_eq "$RC" 2 "malformed connections file"
expect_contains "$(jq -r .error.message <<<"$OUT")" "osiris_connections.yaml:3:" "position in message"

# No connections file: an empty list, not a crash.
rm "$ws/osiris_connections.yaml"
run_osr connections list --base-path "$ws" --json
expect_eq "$RC" 0 "no file"
expect_eq "$(jq -c .connections <<<"$OUT")" "{}" "empty"
finish
