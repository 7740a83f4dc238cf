#!/usr/bin/env bash
# `osiris init`: the workspace tree, file modes, refusal to overwrite, --force backups,
# .gitignore handling and the deterministic demo database.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

run_osr init ws --json
expect_eq "$RC" 0 "init exit"
expect_eq "$(jq -r .status <<<"$OUT")" "success" "init status"
expect_eq "$(jq -r .base_path <<<"$OUT")" "$TMP/ws" "absolute base path"
for d in pipelines pipelines/drafts build run_logs aiop .osiris/index .osiris/mcp/logs/audit \
    .osiris/mcp/logs/telemetry .osiris/mcp/logs/cache .osiris/mcp/logs/memory; do
    [ -d "ws/$d" ] && ok || fail "missing directory $d"
done
for d in .osiris .osiris/mcp/logs .osiris/mcp/logs/audit .osiris/mcp/logs/telemetry; do
    expect_eq "$(stat -c %a "ws/$d")" 700 "mode of $d"
done
expect_eq "$(yq_base=$(grep -E '^  base_path:' ws/osiris.yaml); echo "$yq_base")" \
    "  base_path: \"$TMP/ws\"" "base_path written absolute"
grep -qx '.env' ws/.gitignore && ok || fail ".gitignore ignores .env"
grep -q '@sqlite.demo\|default: true' ws/osiris_connections.yaml && ok || fail "default sqlite"
for fam in postgres mysql supabase; do
    grep -q "^  # $fam:" ws/osiris_connections.yaml && ok || fail "commented $fam example"
done
grep -q '${PG_PASSWORD}' ws/osiris_connections.yaml && ok || fail "secrets as \${VAR}"

# Demo database: realistic tables, a few thousand rows, identical on every init.
expect_eq "$(sqlite3 ws/data/demo.sqlite 'select count(*) from customers')" 500 "customers"
expect_eq "$(sqlite3 ws/data/demo.sqlite 'select count(*) from products')" 60 "products"
expect_eq "$(sqlite3 ws/data/demo.sqlite 'select count(*) from orders')" 3000 "orders"
expect_eq "$(sqlite3 ws/data/demo.sqlite 'pragma foreign_key_check' | wc -l)" 0 "foreign keys hold"
"$OSR" init ws2 --json >/dev/null
expect_eq "$(sqlite3 ws/data/demo.sqlite .dump | sha256sum)" \
    "$(sqlite3 ws2/data/demo.sqlite .dump | sha256sum)" "demo data is deterministic"

# Refuses to overwrite; nothing changes.
echo "# my edit" >>ws/osiris_connections.yaml
before=$(sha256sum ws/osiris_connections.yaml ws/osiris.yaml)
run_osr init ws --json
expect_eq "$RC" 2 "refusal exit"
expect_eq "$(jq -r .error.code <<<"$OUT")" "WORKSPACE/EXISTS" "refusal code"
expect_contains "$(jq -r .error.message <<<"$OUT")" "osiris_connections.yaml" "names the files"
expect_eq "$(jq -r .error.suggest <<<"$OUT")" "osiris init --force" "suggests --force"
expect_eq "$(sha256sum ws/osiris_connections.yaml ws/osiris.yaml)" "$before" "files untouched"
ls ws/*.tmp.* >/dev/null 2>&1 && fail "temp files left" || ok

# --force replaces and keeps backups.
run_osr init ws --force --json
expect_eq "$RC" 0 "force exit"
grep -q '# my edit' ws/osiris_connections.yaml.bak && ok || fail "backup keeps the edit"
grep -q '# my edit' ws/osiris_connections.yaml && fail "edit should be replaced" || ok
expect_contains "$(jq -r '.replaced | join(",")' <<<"$OUT")" "osiris_connections.yaml" "replaced list"

# An existing .gitignore is extended, not replaced.
mkdir proj && printf 'node_modules/' >proj/.gitignore
run_osr init proj
expect_eq "$RC" 0 "init into project"
expect_eq "$(head -1 proj/.gitignore)" "node_modules/" "old .gitignore content kept"
grep -qx '.env' proj/.gitignore && ok || fail ".env appended"
expect_contains "$OUT" "Next steps" "human output tells what to do next"

# init without DIR uses the current directory; OSIRIS_HOME is honoured.
mkdir here && (cd here && "$OSR" init --json >/dev/null)
[ -f here/osiris.yaml ] && ok || fail "init in cwd"
OSIRIS_HOME="$TMP/home" "$OSR" init --json >/dev/null
[ -f home/osiris.yaml ] && ok || fail "init honours OSIRIS_HOME"

# An unwritable target gives a clear error and exit 1.
if [ "$(id -u)" -ne 0 ]; then
    mkdir ro && chmod 555 ro
    run_osr init ro/ws --json
    expect_eq "$RC" 1 "unwritable target"
else
    touch afile
    run_osr init afile/ws --json
    expect_eq "$RC" 1 "target under a file"
    expect_contains "$(jq -r .error.message <<<"$OUT")" "afile" "names the path"
fi
finish
