#!/usr/bin/env bash
# Every pipeline of the use-case catalogue (resources/usecases/catalog.yaml) passes
# `osiris oml validate --strict` with the workspace connections it refers to.
source "$(dirname "$0")/../cli/lib.sh"
root=${OSR_TEST_SOURCE_DIR:?}
cd "$TMP"
ws=$(new_ws ws)
cat >>"$ws/osiris_connections.yaml" <<'YAML'
  postgres:
    main:
      default: true
      host: db.internal
      database: analytics
      user: osiris
      password: ${PG_PASSWORD}
  mysql:
    warehouse:
      default: true
      host: mysql.internal
      database: sales
      user: etl
      password: ${MYSQL_PASSWORD}
  supabase:
    main:
      default: true
      url: https://example.supabase.co
      service_role_key: ${SUPABASE_SERVICE_ROLE_KEY}
      pg_dsn: ${SUPABASE_PG_DSN}
  filesystem:
    inbox:
      default: true
      base_dir: data/inbox
YAML
python3 - "$root/resources/usecases/catalog.yaml" "$TMP/uc" <<'PY'
import os, sys, yaml
cat = yaml.safe_load(open(sys.argv[1]))
os.makedirs(sys.argv[2])
for uc in cat["usecases"]:
    open(os.path.join(sys.argv[2], uc["id"] + ".yaml"), "w").write(uc["oml"])
PY
n=$(ls "$TMP/uc" | wc -l)
[ "$n" -ge 6 ] && ok || fail "at least 6 use cases (got $n)"
for f in "$TMP"/uc/*.yaml; do
    run_osr oml validate "$f" --base-path "$ws" --strict --json
    expect_eq "$RC" 0 "$(basename "$f") validates"
    expect_eq "$(jq -r '.summary.errors + .summary.warnings' <<<"$OUT")" 0 "$(basename "$f") has no diagnostics"
done
for id in postgres-to-csv mysql-to-postgres-upsert csv-to-sqlite sqlite-transform supabase-sync incremental-by-parameter; do
    [ -f "$TMP/uc/$id.yaml" ] && ok || fail "use case $id is in the catalogue"
done
finish
