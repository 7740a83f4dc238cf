#!/usr/bin/env bash
# `osiris compile`: the validation gate, parameters and profiles with their precedence,
# topological order, byte-for-byte determinism across directories and environments, no
# secrets in builds, --out, and bad input.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
mkdir -p "$ws/pipelines"
cat >"$ws/pipelines/orders.yaml" <<'YAML'
# Orders since a date, exported to CSV.
oml_version: "0.1.0"
name: daily-orders
params:
  since: {type: string, default: "2024-01-01"}
  cap: {type: integer, default: 100, minimum: 1}
  flag: {type: boolean, default: false}
profiles:
  prod:
    params: {cap: 5000}
steps:
  - id: write
    component: filesystem.csv_writer
    mode: write
    needs: [shape]
    config:
      path: "out/orders_${params.since}.csv"
  - id: shape
    component: sqlite.processor
    mode: transform
    needs: [read]
    config:
      query: "SELECT * FROM df_read"
  - id: read
    component: sqlite.extractor
    mode: read
    config:
      connection: @sqlite.demo
      query: "SELECT * FROM orders WHERE ordered_at >= '${params.since}' LIMIT ${params.cap}"
      limit: "${params.cap}"
YAML
f="$ws/pipelines/orders.yaml"

run_osr compile "$f" --base-path "$ws" --json
expect_eq "$RC" 0 "compile exit"
expect_eq "$(jq -c .steps <<<"$OUT")" '["read","shape","write"]' "dependency order"
expect_eq "$(jq -r .profile <<<"$OUT")" dev "default profile"
dir=$(jq -r .build_dir <<<"$OUT")
hash=$(jq -r .manifest_hash <<<"$OUT")
expect_contains "$dir" "$ws/build/pipelines/dev/daily-orders/${hash:0:7}-$hash" "build directory layout"
for x in manifest.yaml plan.json fingerprints.json cfg/read.json cfg/shape.json cfg/write.json; do
    [ -f "$dir/$x" ] && ok || fail "$x written"
done
expect_eq "$(jq -r .config.limit "$dir/cfg/read.json")" 100 "whole-value parameter keeps its type"
expect_contains "$(jq -r .config.query "$dir/cfg/read.json")" "LIMIT 100" "embedded parameter"
expect_eq "$(jq -r .config.connection "$dir/cfg/read.json")" "@sqlite.demo" "connection stays a reference"
expect_eq "$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["meta"]["manifest_hash"])' "$dir/manifest.yaml")" "$hash" "manifest.yaml is YAML with its hash"
ls "$ws/build/pipelines/dev/daily-orders" | grep -q tmp && fail "temporary directory left" || ok
sum1=$(cd "$dir" && find . -type f | sort | xargs sha256sum)

# Same bytes from another directory and with unrelated environment changes.
rm -rf "$ws/build"
mkdir "$TMP/elsewhere"
(cd "$TMP/elsewhere" && OSIRIS_PARAM_UNRELATED=1 LC_ALL=C TZ=Asia/Tokyo "$OSR" compile "$f" --base-path "$ws" --json >"$TMP/again.json")
expect_eq "$(jq -r .manifest_hash "$TMP/again.json")" "$hash" "same hash elsewhere"
sum2=$(cd "$dir" && find . -type f | sort | xargs sha256sum)
expect_eq "$sum2" "$sum1" "identical bytes"

# Precedence: defaults < OSIRIS_PARAM_* < profile < --param.
OSIRIS_PARAM_CAP=7 run_osr compile "$f" --base-path "$ws" --json
expect_eq "$(jq -r .params.cap <<<"$OUT")" 7 "environment over default"
OSIRIS_PARAM_CAP=7 run_osr compile "$f" --base-path "$ws" --profile prod --json
expect_eq "$(jq -r .params.cap <<<"$OUT")" 5000 "profile over environment"
expect_contains "$(jq -r .build_dir <<<"$OUT")" "/pipelines/prod/" "profile directory"
OSIRIS_PARAM_CAP=7 run_osr compile "$f" --base-path "$ws" --profile prod --param cap=9 --param since=2025-01-01 --json
expect_eq "$(jq -c .params <<<"$OUT")" '{"since":"2025-01-01","cap":9,"flag":false}' "--param over all"
OSIRIS_PROFILE=prod run_osr compile "$f" --base-path "$ws" --json
expect_eq "$(jq -r .profile <<<"$OUT")" prod "OSIRIS_PROFILE picks the profile"

# --out writes exactly there.
run_osr compile "$f" --base-path "$ws" --out "$TMP/outdir" --json
expect_eq "$(jq -r .build_dir <<<"$OUT")" "$TMP/outdir" "--out"
[ -f "$TMP/outdir/manifest.yaml" ] && ok || fail "--out manifest"

# Bad input.
run_osr compile "$f" --base-path "$ws" --param cap=lots --json
expect_eq "$RC" 2 "wrong parameter type"
expect_contains "$(jq -r .error.message <<<"$OUT")" "not a valid integer" "says why"
run_osr compile "$f" --base-path "$ws" --param cap=0 --json
expect_contains "$(jq -r .error.message <<<"$OUT")" ">= 1" "minimum enforced"
run_osr compile "$f" --base-path "$ws" --param nope=1 --json
expect_contains "$(jq -r .error.message <<<"$OUT")" "declares no such parameter" "undeclared --param"
run_osr compile "$f" --base-path "$ws" --profile staging2 --json
expect_eq "$(jq -r .error.code <<<"$OUT")" COMPILE/UNKNOWN_PROFILE "unknown profile"
sed 's|connection: @sqlite.demo|connection: @sqlite.demo\n      password: hunter2-inline|' "$f" >"$TMP/secret.yaml"
run_osr compile "$TMP/secret.yaml" --base-path "$ws" --json
expect_eq "$RC" 2 "inline secret refused"
expect_eq "$(jq -r '.diagnostics | map(.code) | index("OML037") != null' <<<"$OUT")" true "inline secret diagnostic"
expect_not_contains "$OUT" "hunter2-inline" "the secret is not echoed"
run_osr compile "$TMP/missing.yaml" --base-path "$ws" --json
expect_eq "$RC" 2 "missing file"
printf 'oml_version: "0.1.0"\nname: x\nsteps:\n  - {id: a, component: sqlite.extractor, mode: read, needs: [b], config: {table: t}}\n  - {id: b, component: sqlite.extractor, mode: read, needs: [a], config: {table: t}}\n' >"$TMP/cycle.yaml"
run_osr compile "$TMP/cycle.yaml" --base-path "$ws" --json
expect_eq "$(jq -r '.diagnostics[0].code' <<<"$OUT")" OML023 "cycle refused"
# needs: a pipeline where no step declares them is a linear chain; once one step declares
# them, a step without needs has none.
printf 'oml_version: "0.1.0"\nname: chain\nsteps:\n  - {id: a, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: orders}}\n  - {id: b, component: sqlite.processor, mode: transform, config: {query: SELECT 1}}\n  - {id: c, component: filesystem.csv_writer, mode: write, config: {path: out.csv}}\n' >"$TMP/chain.yaml"
run_osr compile "$TMP/chain.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "linear pipeline compiles"
expect_eq "$(jq -c '[.steps[].needs]' "$(jq -r .build_dir <<<"$OUT")/plan.json")" '[[],["a"],["b"]]' "implied linear chain"
sed -i 's/mode: write, config/mode: write, needs: [a], config/' "$TMP/chain.yaml"
run_osr compile "$TMP/chain.yaml" --base-path "$ws" --json
expect_eq "$(jq -c '[.steps[].needs]' "$(jq -r .build_dir <<<"$OUT")/plan.json")" '[[],[],["a"]]' "declared needs: no implied chain"
finish
