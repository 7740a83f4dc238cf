#!/usr/bin/env bash
# `osiris discovery run` on SQLite: the shape of the result, deterministic samples, masking
# of secret-like columns, the cache (miss, hit, refresh, expiry, corruption, invalidation by
# changed fields) and bad input. PostgreSQL and MariaDB are in tests/integration/.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
cache="$ws/.osiris/mcp/logs/cache"

run_osr discovery run @sqlite.demo --base-path "$ws" --samples 3 --json
expect_eq "$RC" 0 "exit"
expect_eq "$(jq -r .cache <<<"$OUT")" miss "first run misses"
expect_eq "$(jq -r '.tables | map(.name) | join(",")' <<<"$OUT")" "customers,order_totals,orders,products" "tables in order"
expect_eq "$(jq -r '.tables[] | select(.name=="order_totals") | .kind' <<<"$OUT")" view "view kind"
expect_eq "$(jq -r '.tables[] | select(.name=="orders") | .row_count' <<<"$OUT")" 3000 "row count"
expect_eq "$(jq -r '.tables[] | select(.name=="orders") | .row_count_exact' <<<"$OUT")" true "exact count"
expect_eq "$(jq -c '.tables[] | select(.name=="orders") | .foreign_keys | map(.references.table)' <<<"$OUT")" '["products","customers"]' "foreign keys"
expect_eq "$(jq -c '.tables[] | select(.name=="orders") | [.samples[].id]' <<<"$OUT")" '[1,2,3]' "samples ordered by key"
expect_eq "$(jq -r '.tables[] | select(.name=="products") | .samples[0].price | type' <<<"$OUT")" number "typed values"
expect_eq "$(jq -r '.tables[] | select(.name=="orders") | .columns[] | select(.name=="note") | .nullable' <<<"$OUT")" true "nullable column"
expect_eq "$(jq -r '.summary.rows_sampled' <<<"$OUT")" 12 "rows sampled"
dir="$cache/disc_$(jq -r .discovery_id <<<"$OUT")"
for f in overview tables samples; do
    expect_eq "$(stat -c %a "$dir/$f.json")" 600 "$f.json mode"
done
expect_eq "$(stat -c %a "$dir")" 700 "cache dir mode"

run_osr discovery run @sqlite.demo --base-path "$ws" --samples 3 --json
expect_eq "$(jq -r .cache <<<"$OUT")" hit "second run hits"
expect_eq "$(jq -c '.tables[] | select(.name=="orders") | [.samples[].id]' <<<"$OUT")" '[1,2,3]' "samples from the cache"
run_osr discovery run @sqlite.demo --base-path "$ws" --samples 3 --refresh --json
expect_eq "$(jq -r .cache <<<"$OUT")" miss "--refresh bypasses"
run_osr discovery run @sqlite.demo --base-path "$ws" --samples 2 --json
expect_eq "$(jq -r .cache <<<"$OUT")" miss "other sample count, other entry"
run_osr discovery run @sqlite --base-path "$ws" --samples 3 --tables 'cust*' --json
expect_eq "$(jq -r '.tables | map(.name) | join(",")' <<<"$OUT")" customers "table filter"
expect_eq "$(jq -r .cache <<<"$OUT")" miss "filter is part of the id"

# A corrupt entry is discarded and rebuilt.
echo '{not json' >"$dir/tables.json"
run_osr discovery run @sqlite.demo --base-path "$ws" --samples 3 --json
expect_eq "$RC" 0 "corrupt cache is not an error"
expect_eq "$(jq -r .cache <<<"$OUT")" miss "corrupt cache rebuilt"
jq -e . "$dir/tables.json" >/dev/null && ok || fail "rebuilt file is valid JSON"

# Expired entries miss (TTL 0 hours in osiris.yaml).
python3 - "$ws/osiris.yaml" <<'PY'
import sys, re
p = sys.argv[1]
s = open(p).read()
s = s.replace("discovery:\n", "discovery:\n  cache_ttl_hours: 0\n", 1).replace("  cache_ttl_hours: 24\n\nmcp", "\nmcp", 1)
open(p, "w").write(s)
PY
run_osr discovery run @sqlite.demo --base-path "$ws" --samples 3 --json
expect_eq "$(jq -r .cache <<<"$OUT")" miss "TTL 0 always misses"

# Secret-like columns are masked; odd values are typed or encoded.
sqlite3 "$ws/data/secrets.sqlite" "CREATE TABLE users(id INTEGER PRIMARY KEY, login TEXT, password TEXT, api_key TEXT, avatar BLOB, big TEXT);
  INSERT INTO users VALUES (1, 'ada', 'hunter2-canary', 'key-canary-77', x'00ff10', printf('%.*c', 10000, 'x'));"
cat >>"$ws/osiris_connections.yaml" <<'YAML'
    secrets:
      path: data/secrets.sqlite
YAML
run_osr discovery run @sqlite.secrets --base-path "$ws" --json
expect_not_contains "$OUT" "hunter2-canary" "password column masked"
expect_not_contains "$OUT" "key-canary-77" "api_key column masked"
expect_eq "$(jq -r '.tables[0].samples[0].password' <<<"$OUT")" "***MASKED***" "mask marker"
expect_eq "$(jq -r '.tables[0].samples[0].login' <<<"$OUT")" "ada" "other columns visible"
expect_eq "$(jq -r '.tables[0].samples[0].avatar.base64' <<<"$OUT")" "AP8Q" "bytes as base64"
expect_eq "$(jq -r '.tables[0].samples[0].big | length' <<<"$OUT")" 4096 "long value cut"
expect_eq "$(jq -r '.tables[0].samples_truncated' <<<"$OUT")" true "cut is reported"
expect_eq "$(jq -r '.truncated' <<<"$OUT")" true "result says truncated"

# Changing a non-secret field of the connection invalidates its entries.
run_osr discovery run @sqlite.secrets --base-path "$ws" --json
cp "$ws/data/secrets.sqlite" "$ws/data/secrets2.sqlite"
sed -i 's|path: data/secrets.sqlite|path: data/secrets2.sqlite|' "$ws/osiris_connections.yaml"
sed -i 's/cache_ttl_hours: 0/cache_ttl_hours: 24/' "$ws/osiris.yaml"
run_osr discovery run @sqlite.secrets --base-path "$ws" --json
expect_eq "$(jq -r .cache <<<"$OUT")" miss "changed path misses"

# Bad input.
run_osr discovery run --base-path "$ws" --json
expect_eq "$RC" 2 "no reference"
run_osr discovery run @sqlite.demo --samples 500 --base-path "$ws" --json
expect_eq "$RC" 2 "too many samples"
run_osr discovery run @oracle.x --base-path "$ws" --json
expect_eq "$RC" 2 "unknown family"
rm "$ws/data/secrets2.sqlite"
run_osr discovery run @sqlite.secrets --base-path "$ws" --refresh --json
expect_eq "$RC" 3 "missing database file is a connection failure"
expect_eq "$(jq -r .error.code <<<"$OUT")" "DISCOVERY/CONNECTION_FAILED" "error code"

# A filesystem connection: CSV files described, typed, sampled; bad files reported per file.
mkdir -p "$ws/data/in"
printf 'id,name,price,active,password\n1,"Widget, large",9.5,true,s3cret-canary\n2,Gadget,10,false,x\n3,"multi\nline",,true,y\n4,short\n' >"$ws/data/in/items.csv"
printf 'a,b\n1,"unterminated\n' >"$ws/data/in/broken.csv"
printf 'x\n\xff\xfe\n' >"$ws/data/in/latin.csv"
printf 'not a csv' >"$ws/data/in/notes.txt"
cat >>"$ws/osiris_connections.yaml" <<'YAML'
  filesystem:
    inbox:
      base_dir: data/in
YAML
run_osr discovery run @filesystem.inbox --base-path "$ws" --json
expect_eq "$RC" 0 "csv discovery"
expect_eq "$(jq -r .status <<<"$OUT")" partial "a broken file makes it partial"
expect_eq "$(jq -r '.tables | map(.name) | join(",")' <<<"$OUT")" "broken.csv,items.csv,latin.csv" "CSV files only"
expect_eq "$(jq -c '[.tables[] | select(.name=="items.csv") | .columns[] | .type]' <<<"$OUT")" '["integer","text","number","boolean","text"]' "inferred types"
expect_eq "$(jq -r '.tables[] | select(.name=="items.csv") | .row_count' <<<"$OUT")" 4 "rows counted"
expect_eq "$(jq -r '.tables[] | select(.name=="items.csv") | .warnings[0].line' <<<"$OUT")" 6 "ragged row reported by line"
expect_eq "$(jq -r '.tables[] | select(.name=="items.csv") | .samples[2].name' <<<"$OUT")" $'multi\nline' "quoted newline"
expect_not_contains "$OUT" "s3cret-canary" "secret-like CSV column masked"
expect_eq "$(jq -r '.tables[] | select(.name=="broken.csv") | .error.message' <<<"$OUT")" "line 2: a quoted field is not closed" "broken file error"
expect_eq "$(jq -r '.tables[] | select(.name=="latin.csv") | .samples[0].x.base64' <<<"$OUT")" "//4=" "invalid UTF-8 as base64"
finish
