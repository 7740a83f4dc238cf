#!/usr/bin/env bash
# `osiris components list|show`: the shipped specs, and broken specs reported by file:line.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

run_osr components list --json
expect_eq "$RC" 0 "list exit"
expect_eq "$(jq .count <<<"$OUT")" 12 "twelve components"
for c in sqlite.extractor sqlite.writer postgres.extractor postgres.writer mysql.extractor \
    mysql.writer supabase.extractor supabase.writer filesystem.csv_extractor \
    filesystem.csv_writer sqlite.processor duckdb.processor; do
    expect_eq "$(jq -r --arg c "$c" '.components[] | select(.name==$c) | .name' <<<"$OUT")" "$c" "has $c"
done
expect_eq "$(jq -r '.components[] | select(.name=="postgres.writer") | .role' <<<"$OUT")" writer "role"

run_osr components show postgres.extractor --json
expect_eq "$RC" 0 "show exit"
expect_eq "$(jq -r '.spec.name' <<<"$OUT")" postgres.extractor "spec name"
expect_contains "$(jq -c '.spec.secrets' <<<"$OUT")" '"/password"' "secrets pointer"
run_osr components show mysql.writer
expect_contains "$OUT" "write_mode" "human field table"
expect_contains "$OUT" "password" "secret field listed"

run_osr components show postgres.extracter --json
expect_eq "$RC" 2 "unknown component"
expect_eq "$(jq -r .error.code <<<"$OUT")" "COMPONENTS/NOT_FOUND" "not found code"
expect_contains "$(jq -r .error.suggest <<<"$OUT")" "postgres.extractor" "suggests similar names"

# A broken spec is reported with file and line, not skipped silently.
mkdir -p comps
cp -r "$OSR_TEST_SOURCE_DIR/components/sqlite.extractor" comps/
mkdir comps/bad.extractor
printf 'name: bad.extractor\nversion: "1.0.0"\nmodes: [extract, fly]\ncapabilities: {}\nconfigSchema: {type: object, properties: {}}\n' >comps/bad.extractor/spec.yaml
mkdir comps/broken.writer
printf 'name: broken.writer\nmodes: [write\n' >comps/broken.writer/spec.yaml
OSIRIS_COMPONENTS_DIR="$TMP/comps" run_osr components list --json
expect_eq "$RC" 2 "broken specs make it fail"
expect_eq "$(jq .count <<<"$OUT")" 1 "the good spec still loads"
expect_eq "$(jq -r '.errors[] | select(.file|test("bad.extractor")) | "\(.line):\(.column)"' <<<"$OUT")" "3:18" "bad mode position"
expect_contains "$(jq -r '.errors | map(.file) | join(",")' <<<"$OUT")" "broken.writer/spec.yaml" "syntax error reported"
OSIRIS_COMPONENTS_DIR="$TMP/comps" run_osr components list
expect_contains "$ERR" "bad.extractor/spec.yaml:3:18: error: unknown mode 'fly'" "human report"

OSIRIS_COMPONENTS_DIR="$TMP/nowhere" run_osr components list --json
expect_eq "$RC" 1 "missing components dir"
expect_contains "$(jq -r .error.message <<<"$OUT")" "nowhere" "names the directory"
finish
