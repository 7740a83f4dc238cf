#!/usr/bin/env bash
# `osiris connections doctor` on the embedded SQLite connection and on connections that
# cannot work: missing files, unset variables, closed ports, unknown families. The
# PostgreSQL and MariaDB checks against real servers are in tests/integration/.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)

run_osr connections doctor --base-path "$ws" --json
expect_eq "$RC" 0 "healthy workspace exit"
expect_eq "$(jq -r '.connections.sqlite.demo.status' <<<"$OUT")" healthy "sqlite healthy"
expect_eq "$(jq -r '.summary.healthy' <<<"$OUT")" 1 "summary"
jq -e '.connections.sqlite.demo.latency_ms | type == "number"' <<<"$OUT" >/dev/null && ok || fail "latency is a number"

CANARY=doctor-canary-8c1f2e
cat >>"$ws/osiris_connections.yaml" <<YAML
    missing:
      path: data/nope.sqlite
    notadb:
      path: osiris.yaml
  postgres:
    closed:
      host: 127.0.0.1
      port: 1
      database: x
      user: u
      password: \${OSR_DOC_PW}
      connect_timeout: 2
    nohost:
      host: osiris-no-such-host.invalid
      database: x
      user: u
      password: \${OSR_DOC_PW}
    unset:
      host: 127.0.0.1
      database: x
      user: u
      password: \${OSR_DOC_UNSET}
  mysql:
    closed:
      host: 127.0.0.1
      port: 1
      database: x
      user: u
      password: \${OSR_DOC_PW}
  supabase:
    down:
      url: http://127.0.0.1:1
      service_role_key: \${OSR_DOC_PW}
  filesystem:
    exports:
      base_dir: data
    gone:
      base_dir: no/such/dir
YAML
export OSR_DOC_PW=$CANARY
run_osr connections doctor --base-path "$ws" --json
expect_eq "$RC" 3 "unhealthy aliases exit 3"
is_json "$OUT" && ok || fail "one JSON document"
expect_not_contains "$OUT$ERR" "$CANARY" "no secret in doctor output"
st() { jq -r ".connections.$1.$2 | \"\(.status) \(.category)\"" <<<"$OUT"; }
expect_eq "$(st sqlite missing)" "unhealthy config" "missing sqlite file"
expect_eq "$(st sqlite notadb)" "unhealthy config" "a file that is not a database"
expect_eq "$(st postgres closed)" "unhealthy network" "postgres closed port"
expect_eq "$(st postgres unset)" "unhealthy config" "unset variable"
expect_eq "$(st postgres nohost)" "unhealthy network" "a host name that does not resolve"
expect_contains "$(jq -r .connections.postgres.unset.message <<<"$OUT")" "OSR_DOC_UNSET" "names the variable"
expect_eq "$(st mysql closed)" "unhealthy network" "mysql closed port"
expect_eq "$(st supabase down)" "unhealthy network" "supabase health endpoint down"
expect_eq "$(st filesystem exports)" "healthy ok" "filesystem base_dir"
expect_eq "$(st filesystem gone)" "unhealthy config" "missing base_dir"
expect_eq "$(jq -r .summary.unhealthy <<<"$OUT")" 8 "unhealthy count"

run_osr connections doctor --base-path "$ws" --connection @sqlite.demo --json
expect_eq "$RC" 0 "one alias"
expect_eq "$(jq -r '.connections | keys | join(",")' <<<"$OUT")" sqlite "only that family"
run_osr connections doctor --base-path "$ws" --connection @sqlite --json
expect_eq "$(jq -r '.connections.sqlite | keys | join(",")' <<<"$OUT")" demo "bare family is the default"
run_osr connections doctor --base-path "$ws" --connection @sqlite.nope --json
expect_eq "$RC" 2 "unknown alias"
expect_contains "$(jq -r .error.message <<<"$OUT")" "available aliases: demo" "lists aliases"

run_osr connections doctor --base-path "$ws"
expect_eq "$RC" 3 "human exit"
expect_contains "$OUT" "STATUS" "human table"
expect_not_contains "$OUT$ERR" "$CANARY" "no secret in the table"
finish
