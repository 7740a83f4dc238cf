#!/usr/bin/env bash
# The OML golden corpus: `osiris oml validate --json` on every pipeline under tests/oml.
#
#   valid/*.yaml      must be valid: exit 0, "valid": true, no errors (and no warnings, so
#                     --strict passes too).
#   invalid/*.yaml    must give exactly the diagnostics of invalid/NAME.expected, one
#                     `CODE LINE:COLUMN` per line in output order, and exit 2. Files named
#                     warn_*.yaml only produce warnings: they are checked with --strict (exit
#                     2) and without it (exit 0, same diagnostics).
#
# Then the cases too big to keep in the repository are generated here (10 000 nesting
# levels, a 50 MB document, the node limit, 10 000 steps), and the script checks that the
# output is deterministic, that every code OML001..OML045 is covered by a golden file, that
# each diagnostic carries the type and severity of its code in src/oml/rules.c, and that no
# output repeats the inline secret values used by the inline-secret cases.
source "$(dirname "$0")/../cli/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
src=${OSR_TEST_SOURCE_DIR:-$here/../..}
cd "$TMP"

SECRETS=("S3cr3t-Inline-Value-7f9q" "73541968")
LEAKS=0

# The workspace: `osiris init` gives @sqlite.demo (default); the other families are added
# here. filesystem.inbox is deliberately not a default, so a bare "@filesystem" is unknown.
ws=$(new_ws ws)
cat >>"$ws/osiris_connections.yaml" <<'YAML'
  postgres:
    main:
      default: true
      host: db.internal
      port: 5432
      database: analytics
      user: osiris
      password: ${OSR_TEST_PG_PASSWORD}
  mysql:
    warehouse:
      default: true
      host: mysql.internal
      port: 3306
      database: sales
      user: etl
      password: ${OSR_TEST_MYSQL_PASSWORD}
  supabase:
    main:
      default: true
      url: https://example-project.supabase.co
      service_role_key: ${OSR_TEST_SUPABASE_KEY}
      pg_dsn: ${OSR_TEST_SUPABASE_PG_DSN}
  filesystem:
    inbox:
      base_dir: data/inbox
YAML
run_osr validate --base-path "$ws" --json
expect_eq "$(jq -r '.errors | length' <<<"$OUT")" 0 "the test workspace's connections are valid"

# The type and severity of every code, from the rules table.
declare -A TYPE SEV
while read -r code type sev; do
    TYPE[$code]=$type
    SEV[$code]=$sev
done < <(sed -n 's/^ *{"\(OML[0-9]*\)", "\([a-z_]*\)", \([EW]\)},.*/\1 \2 \3/p' "$src/src/oml/rules.c")
expect_eq "${#TYPE[@]}" 45 "rules.c lists 45 codes"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# oml FILE [ARGS...]: validates FILE against the test workspace (killed after $KILL_S
# seconds); sets OUT, ERR, RC and DIAGS (the `CODE LINE:COLUMN` list), and checks that the
# run neither leaked a secret value nor tripped a sanitizer.
KILL_S=60
oml() {
    local f=$1
    shift
    set +e
    OUT=$(timeout "$KILL_S" "$OSR" oml validate "$f" --base-path "$ws" --json "$@" 2>"$TMP/stderr")
    RC=$?
    set -e
    ERR=$(cat "$TMP/stderr")
    DIAGS=$(jq -r '.diagnostics[]? | "\(.code) \(.line):\(.column)"' <<<"$OUT" 2>/dev/null || true)
    for s in "${SECRETS[@]}"; do
        if [[ "$OUT$ERR" == *"$s"* ]]; then
            fail "$(basename "$f"): the output repeats the secret value $s"
            LEAKS=$((LEAKS + 1))
        fi
    done
    if [[ "$ERR" == *Sanitizer* || "$ERR" == *"runtime error"* ]] || [ "$RC" -ge 124 ]; then
        fail "$(basename "$f"): crashed, killed or tripped a sanitizer (exit $RC): ${ERR:0:2000}"
    fi
}

# check_shape NAME: every diagnostic has the documented fields, and its type and severity
# are those of its code.
check_shape() {
    local bad
    bad=$(jq -r '.diagnostics[] | select((.severity|type) != "string" or (.code|type) != "string"
            or (.type|type) != "string" or (.message|type) != "string" or (.path|type) != "string"
            or (.line|type) != "number" or (.column|type) != "number") | .code' <<<"$OUT")
    [ -z "$bad" ] && ok || fail "$1: diagnostics with missing fields: $bad"
    while read -r code type sev; do
        [ -n "$code" ] || continue
        local want_sev=error
        [ "${SEV[$code]:-}" == W ] && want_sev=warning
        if [ "${TYPE[$code]:-?}" == "$type" ] && [ "$want_sev" == "$sev" ]; then ok; else
            fail "$1: $code has type $type/$sev, rules.c says ${TYPE[$code]:-?}/$want_sev"
        fi
    done < <(jq -r '.diagnostics[] | "\(.code) \(.type) \(.severity)"' <<<"$OUT")
}

# ---- valid pipelines ----
nvalid=0
for f in "$here"/valid/*.yaml; do
    name=valid/$(basename "$f")
    nvalid=$((nvalid + 1))
    oml "$f" --strict
    if [ "$RC" == 0 ] && [ "$(jq -r .valid <<<"$OUT")" == true ] &&
        [ "$(jq -r '.summary.errors' <<<"$OUT")" == 0 ]; then
        ok
    else
        fail "$name must be valid (exit $RC):"$'\n'"$DIAGS"
    fi
    expect_eq "$(jq -r '.summary.warnings' <<<"$OUT")" 0 "$name has no warnings"
done
[ "$nvalid" -ge 12 ] && ok || fail "at least 12 valid pipelines (got $nvalid)"

# Every shipped component appears in a valid pipeline.
for d in "$src"/components/*/; do
    comp=$(basename "$d")
    if grep -Eq "component: *[\"']?${comp//./\\.}[\"']?( |,|\$)" "$here"/valid/*.yaml; then ok; else
        fail "no valid pipeline uses component $comp"
    fi
done

# ---- invalid pipelines with golden diagnostics ----
ninvalid=0
declare -A COVERED
for f in "$here"/invalid/*.yaml; do
    base=$(basename "$f" .yaml)
    name=invalid/$base.yaml
    expected="$here/invalid/$base.expected"
    ninvalid=$((ninvalid + 1))
    if [ ! -f "$expected" ]; then
        fail "$name has no golden file $base.expected"
        continue
    fi
    while read -r code _; do
        [ -z "$code" ] || COVERED[$code]=1
    done <"$expected"
    if [[ $base == warn_* ]]; then
        oml "$f"
        expect_eq "$RC" 0 "$name: warnings alone keep a pipeline valid"
        expect_eq "$DIAGS" "$(cat "$expected")" "$name: the same warnings without --strict"
        oml "$f" --strict
    else
        oml "$f"
    fi
    expect_eq "$RC" 2 "$name: exit code"
    expect_eq "$(jq -r .valid <<<"$OUT")" false "$name: valid is false"
    if [ "$DIAGS" == "$(cat "$expected")" ]; then
        ok
    else
        fail "$name: diagnostics differ from $base.expected (--- expected, +++ actual):"$'\n'"$(
            diff -u --label expected --label actual "$expected" <([ -z "$DIAGS" ] || printf '%s\n' "$DIAGS") |
                tail -n +3)"$'\n'"full output: $(jq -c '[.diagnostics[]? | [.code, .line, .column, .path, .message]]' <<<"$OUT" 2>/dev/null || echo "$OUT")"
    fi
    check_shape "$name"
    # Determinism: byte-identical output on a second run.
    first=$OUT
    oml "$f" $([[ $base == warn_* ]] && echo --strict)
    expect_eq "$OUT" "$first" "$name: same output twice"
done

# Every code has at least one golden file.
for code in "${!TYPE[@]}"; do
    [ -n "${COVERED[$code]:-}" ] && ok || fail "no golden file expects $code"
done

# A few messages, paths and suggestions (the golden files hold only codes and positions).
# expect_diag FILE INDEX JQ_FILTER EXPECTED_SUBSTRING
expect_diag() {
    oml "$here/invalid/$1"
    expect_contains "$(jq -r ".diagnostics[$2] | $3" <<<"$OUT")" "$4" "$1: diagnostic $2 $3"
}
expect_diag dependency_cycle_three.yaml 0 .message "a -> c -> b -> a"
expect_diag dependency_cycle_three.yaml 0 .path "steps[0].needs"
expect_diag dependency_cycles_two.yaml 1 .message "x -> z -> y -> x"
expect_diag connection_unknown.yaml 0 .message "available aliases: main"
expect_diag connection_unknown.yaml 2 .message "no default connection for family 'filesystem'"
expect_diag connection_family_mismatch.yaml 0 .message "mysql.extractor needs a mysql one"
expect_diag yaml_tabs.yaml 0 .message "must use spaces, not tabs"
expect_diag yaml_non_utf8.yaml 0 .message "invalid UTF-8"
expect_diag yaml_duplicate_key.yaml 0 .message "duplicate key 'table' (first defined at line 9)"
expect_diag yaml_billion_laughs.yaml 0 .message "beyond the limit of 100000 nodes"
expect_diag id_duplicate.yaml 0 .message "first used by steps[0]"
expect_diag config_value_invalid.yaml 0 .path "steps[0].config.delimiter"
expect_diag config_value_invalid.yaml 2 .message '["utf-8","latin-1"]'
expect_diag upsert_without_primary_key.yaml 0 .path "steps[1].config.primary_key"
expect_diag upsert_without_primary_key.yaml 0 .suggest "primary_key"
expect_diag legacy_keys.yaml 0 .suggest 'oml_version: "0.1.0"'
expect_diag mode_incompatible.yaml 0 .suggest "read"
expect_diag param_undeclared.yaml 1 .message "profile 'prod' sets parameter 'until'"
expect_diag empty_file.yaml 0 .message "not null"
expect_diag top_level_list.yaml 0 .message "not sequence"

# The inline-secret cases, in the human format too: no message names the secret value.
for f in "$here"/invalid/inline_secret*.yaml; do
    run_osr oml validate "$f" --base-path "$ws"
    expect_eq "$RC" 2 "$(basename "$f"): human format exit code"
    expect_contains "$ERR" "$f:" "$(basename "$f"): human format names the file"
    for s in "${SECRETS[@]}"; do
        expect_not_contains "$OUT$ERR" "$s" "$(basename "$f"): human format hides the secret"
    done
done

# Connection references are checked only against a workspace that has
# osiris_connections.yaml: without one, unknown aliases are not reported.
mkdir -p "$TMP/noconns"
run_osr oml validate "$here/invalid/connection_unknown.yaml" --base-path "$TMP/noconns" --json
expect_eq "$RC" 0 "without osiris_connections.yaml, aliases are not checked"
expect_eq "$(jq -r '[.diagnostics[].code] | join(",")' <<<"$OUT")" "" "no OML027 without connections"

# ---- generated cases ----
gen=$TMP/gen
mkdir -p "$gen"

# timed NAME LIMIT_MS FILE [ARGS...]: oml within a wall-clock limit (killed a few seconds
# after it, so a slow case cannot stall the run).
timed() {
    local name=$1 limit=$2 f=$3 t0 ms
    shift 3
    t0=$(now_ms)
    KILL_S=$((limit / 1000 + 5)) oml "$f" "$@"
    ms=$(($(now_ms) - t0))
    [ "$ms" -le "$limit" ] && ok || fail "$name: took $ms ms (limit $limit ms, exit $RC)"
    echo "  $name: $ms ms, exit $RC" >&2
}

# 10 000 levels of nesting: the depth limit (64) answers at the 65th level, without using
# the C stack.
{
    printf 'oml_version: "0.1.0"\nname: deep\nmetadata: '
    printf '[%.0s' $(seq 10000)
    printf ']%.0s' $(seq 10000)
    printf '\nsteps: []\n'
} >"$gen/deep.yaml"
timed "10 000 nesting levels" 5000 "$gen/deep.yaml"
expect_eq "$RC" 2 "deep nesting: exit code"
expect_eq "$DIAGS" "OML042 3:74" "deep nesting: OML042 at the 65th level"
expect_contains "$(jq -r '.diagnostics[0].message' <<<"$OUT")" "64 levels" "deep nesting: says the limit"

# A 50 MB document. The CLI reads the file with the payload limit (mcp.payload_limit_mb,
# 16 MiB by default) before parsing, so the designed answer is a policy error (exit 4,
# OML/TOO_LARGE) and not a diagnostic list.
{
    printf 'oml_version: "0.1.0"\nname: big\ndescription: "'
    head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' x
    printf '"\nsteps: []\n'
} >"$gen/big.yaml"
timed "50 MB document" 5000 "$gen/big.yaml"
expect_eq "$RC" 4 "50 MB document: exit 4 (over the payload limit)"
expect_eq "$(jq -r '.status + " " + .error.code' <<<"$OUT")" "error OML/TOO_LARGE" "50 MB document: error JSON"
expect_contains "$(jq -r '.error.message' <<<"$OUT")" "over the limit of 16777216 bytes" "50 MB document: says the limit"
# One byte over 16 MiB is refused the same way.
prefix='oml_version: "0.1.0"
name: big
description: "'
suffix='"
steps: []
'
{
    printf "%s" "$prefix"
    head -c $((16 * 1024 * 1024 + 1 - ${#prefix} - ${#suffix})) /dev/zero | tr '\0' x
    printf "%s" "$suffix"
} >"$gen/just-over.yaml"
expect_eq "$(stat -c %s "$gen/just-over.yaml")" $((16 * 1024 * 1024 + 1)) "generated 16 MiB + 1 byte"
oml "$gen/just-over.yaml"
expect_eq "$RC" 4 "16 MiB + 1 byte: exit 4"
# With a payload limit above 16 MiB, the OML document limit answers instead: OML042, which
# has no position.
ws64=$(new_ws ws64)
sed -i 's/^\(  payload_limit_mb:\) 16\b/\1 64/' "$ws64/osiris.yaml"
grep -q '^  payload_limit_mb: 64\b' "$ws64/osiris.yaml" && ok || fail "payload_limit_mb raised to 64"
t0=$(now_ms)
run_osr oml validate "$gen/big.yaml" --base-path "$ws64" --json
ms=$(($(now_ms) - t0))
[ "$ms" -le 5000 ] && ok || fail "50 MB document with a 64 MB payload limit took $ms ms"
expect_eq "$RC" 2 "50 MB document, 64 MB payload limit: exit 2"
expect_eq "$(jq -r '[.diagnostics[] | "\(.code) \(.line):\(.column)"] | join(",")' <<<"$OUT")" \
    "OML042 null:null" "50 MB document, 64 MB payload limit: OML042"
rm -f "$gen/big.yaml" "$gen/just-over.yaml"

# The node limit (2 000 000): a flow list of 2 000 001 items.
awk 'BEGIN {
    printf "oml_version: \"0.1.0\"\nname: nodes\nmetadata: [0"
    for (i = 0; i < 2000000; i++) printf ",0"
    printf "]\nsteps: []\n"
}' >"$gen/nodes.yaml"
timed "2 000 001 nodes" 15000 "$gen/nodes.yaml"
expect_eq "$DIAGS" "OML042 3:3999998" "node limit: OML042 at the first node over the limit"

# gen_steps NAME N chain|cycle|errors: N sqlite.processor steps, each needing the previous
# one (chain), the previous one with the first needing the last (cycle), or an unknown step
# plus an undeclared parameter and an unknown key (errors).
gen_steps() {
    local name=$1 n=$2 mode=$3
    awk -v n="$n" -v mode="$mode" -v name="$name" 'BEGIN {
        printf "oml_version: \"0.1.0\"\nname: %s\nsteps:\n", name
        for (i = 0; i < n; i++) {
            printf "  - id: s%d\n    component: sqlite.processor\n    mode: transform\n", i
            if (mode == "chain" && i > 0) printf "    needs: [s%d]\n", i - 1
            if (mode == "cycle") printf "    needs: [s%d]\n", (i + n - 1) % n
            if (mode == "errors") printf "    needs: [nope%d]\n", i
            printf "    config:\n"
            if (mode == "errors") printf "      query: SELECT ${params.p%d}\n      bogus: 1\n", i
            else printf "      query: SELECT %d\n", i
        }
    }'
}

# 10 000 steps in a chain: valid, and fast.
gen_steps ten-thousand 10000 chain >"$gen/steps10k.yaml"
timed "10 000 steps" 10000 "$gen/steps10k.yaml" --strict
expect_eq "$RC" 0 "10 000 steps: valid"
expect_eq "$DIAGS" "" "10 000 steps: no diagnostics"

# 10 000 steps in one cycle: reported once, at the first step.
gen_steps ten-thousand-cycle 10000 cycle >"$gen/cycle10k.yaml"
timed "10 000-step cycle" 10000 "$gen/cycle10k.yaml"
expect_eq "$RC" 2 "10 000-step cycle: exit code"
expect_eq "$DIAGS" "OML023 7:12" "10 000-step cycle: one OML023 at steps[0].needs"

# 10 000 steps with three errors each (unknown dependency, undeclared parameter, unknown
# key): 30 000 diagnostics from different passes, in document order.
gen_steps ten-thousand-errors 10000 errors >"$gen/errors10k.yaml"
timed "10 000 steps, 30 000 diagnostics" 15000 "$gen/errors10k.yaml"
expect_eq "$RC" 2 "30 000 diagnostics: exit code"
expect_eq "$(jq -c '[.diagnostics | group_by(.code)[] | [.[0].code, length]]' <<<"$OUT")" \
    '[["OML022",10000],["OML031",10000],["OML038",10000]]' "30 000 diagnostics: counts"
expect_eq "$(head -6 <<<"$DIAGS" | tr '\n' ,)" \
    "OML022 7:13,OML038 9:14,OML031 10:7,OML022 14:13,OML038 16:14,OML031 17:7," \
    "30 000 diagnostics: document order"
expect_eq "$(jq -r '.diagnostics[-1] | "\(.code) \(.line):\(.column)"' <<<"$OUT")" "OML031 70003:7" \
    "30 000 diagnostics: the last one"
sorted=$(jq -c '[.diagnostics[] | [.line, .column]] | . == sort' <<<"$OUT")
expect_eq "$sorted" true "30 000 diagnostics: sorted by position"

# Unquoted "@family.alias" references on many steps, and one '@' at the start of a line in
# a block scalar (MySQL user variables): still valid, and still fast.
awk 'BEGIN {
    printf "oml_version: \"0.1.0\"\nname: many-unquoted-refs\nsteps:\n"
    for (i = 0; i < 4200; i++) {
        printf "  - id: s%d\n    component: mysql.extractor\n    mode: read\n", i
        printf "    config:\n      connection: @mysql.warehouse\n      query: |\n"
        printf "        SELECT id\n"
        if (i == 4199) printf "        , @rank := @rank + 1 AS r\n        @x := 1\n"
        printf "        FROM t\n"
    }
}' >"$gen/refs.yaml"
timed "4 200 unquoted references and '@' in a block scalar" 10000 "$gen/refs.yaml" --strict
expect_eq "$RC" 0 "4 200 unquoted references: valid"
expect_eq "$DIAGS" "" "4 200 unquoted references: no diagnostics"

echo "corpus: $nvalid valid, $ninvalid invalid files; secret leaks: $LEAKS" >&2
finish
