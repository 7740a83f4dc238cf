#!/usr/bin/env bash
# `osiris validate`: valid workspaces, every kind of bad configuration with file:line:column,
# missing environment variables as warnings, and the base path precedence.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)

run_osr validate --base-path "$ws" --json
expect_eq "$RC" 0 "fresh workspace is valid"
expect_eq "$(jq -c '{status,errors}' <<<"$OUT")" '{"status":"valid","errors":[]}' "guide output"
expect_eq "$(jq -r .config_file <<<"$OUT")" "$ws/osiris.yaml" "config file"

# Wrong type with position.
cp "$ws/osiris.yaml" "$TMP/orig.yaml"
sed -i 's/^  tool_timeout_s: 30/  tool_timeout_s: soon/' "$ws/osiris.yaml"
line=$(grep -n 'tool_timeout_s' "$ws/osiris.yaml" | cut -d: -f1)
run_osr validate --base-path "$ws" --json
expect_eq "$RC" 2 "wrong type is invalid"
expect_eq "$(jq -r .status <<<"$OUT")" "invalid" "status invalid"
expect_eq "$(jq -r '.errors[0].line' <<<"$OUT")" "$line" "error line"
expect_eq "$(jq -r '.errors[0].column' <<<"$OUT")" 19 "error column"
expect_eq "$(jq -r '.errors[0].path' <<<"$OUT")" "mcp.tool_timeout_s" "error path"
expect_contains "$(jq -r '.errors[0].message' <<<"$OUT")" "integer" "says what type"
run_osr validate --base-path "$ws"
expect_eq "$RC" 2 "human exit"
expect_contains "$ERR" "$ws/osiris.yaml:$line:19: error:" "human file:line:col"

# Out of range and bad enumeration.
cp "$TMP/orig.yaml" "$ws/osiris.yaml"
sed -i 's/^  payload_limit_mb: 16/  payload_limit_mb: 0/; s/^  level: INFO/  level: LOUD/' "$ws/osiris.yaml"
run_osr validate --base-path "$ws" --json
expect_eq "$(jq '.errors | length' <<<"$OUT")" 2 "two errors"
expect_contains "$(jq -r '.errors | map(.message) | join("|")' <<<"$OUT")" "between 1 and 1024" "range"
expect_contains "$(jq -r '.errors | map(.suggest // "") | join("|")' <<<"$OUT")" "DEBUG, INFO" "enum values listed"

# Unknown key: a warning, still valid.
cp "$TMP/orig.yaml" "$ws/osiris.yaml"
printf 'mcp_typo:\n  x: 1\n' >>"$ws/osiris.yaml"
run_osr validate --base-path "$ws" --json
expect_eq "$RC" 0 "unknown key only warns"
expect_eq "$(jq -r '.warnings[0].code' <<<"$OUT")" "CFG001" "unknown key code"
expect_contains "$(jq -r '.warnings[0].message' <<<"$OUT")" "mcp_typo" "names the key"

# Malformed YAML.
cp "$TMP/orig.yaml" "$ws/osiris.yaml"
printf 'logging:\n  level: [INFO\n' >>"$ws/osiris.yaml"
run_osr validate --base-path "$ws" --json
expect_eq "$RC" 2 "malformed yaml"
[ "$(jq -r '.errors[0].line' <<<"$OUT")" != null ] && ok || fail "yaml error has a line"

# The production guide's template validates cleanly.
cat >"$ws/osiris.yaml" <<YAML
filesystem:
  base_path: "$ws"
  mcp_logs_dir: ".osiris/mcp/logs"
logging:
  level: INFO
  events:
    - "*"
  metrics:
    enabled: true
    retention_hours: 168
validation:
  retry:
    max_attempts: 2
aiop:
  enabled: true
  policy: core
  max_core_bytes: 300000
YAML
run_osr validate --base-path "$ws" --json
expect_eq "$(jq -c '{status,errors,warnings}' <<<"$OUT")" '{"status":"valid","errors":[],"warnings":[]}' "guide template"
cp "$TMP/orig.yaml" "$ws/osiris.yaml"

# Connections: unknown family, wrong type, missing field, missing env var.
cat >>"$ws/osiris_connections.yaml" <<'YAML'
  oracle:
    main:
      host: x
  postgres:
    main:
      host: db
      port: [5432]
      database: app
      password: ${OSR_TEST_UNSET_PW}
  mysql:
    w:
      host: h
      user: u
YAML
run_osr validate --base-path "$ws" --json
expect_eq "$RC" 2 "bad connections"
msgs=$(jq -r '.errors | map("\(.line):\(.message)") | join("\n")' <<<"$OUT")
expect_contains "$msgs" "unknown connection family 'oracle'" "unknown family"
expect_contains "$msgs" "port must be an integer" "wrong type"
expect_contains "$msgs" "needs 'dsn' or 'user'" "missing required (postgres)"
expect_contains "$msgs" "needs 'database'" "missing required (mysql)"
expect_eq "$(jq -r '.connections.postgres.main.missing_env_vars[0]' <<<"$OUT")" OSR_TEST_UNSET_PW "missing var listed"
expect_contains "$(jq -r '.warnings | map(.message) | join("|")' <<<"$OUT")" 'OSR_TEST_UNSET_PW' "missing var warned"
expect_eq "$(jq -r '.errors[0].file' <<<"$OUT")" "$ws/osiris_connections.yaml" "file named"

# Base path precedence: --base-path > OSIRIS_HOME > ./osiris.yaml's base_path > cwd.
a=$(new_ws a); b=$(new_ws b); c=$(new_ws c)
cd "$a"
expect_eq "$("$OSR" validate --json | jq -r .base_path_source)" "osiris.yaml" "from osiris.yaml"
expect_eq "$(OSIRIS_HOME="$b" "$OSR" validate --json | jq -r .base_path)" "$b" "OSIRIS_HOME wins"
expect_eq "$(OSIRIS_HOME="$b" "$OSR" validate --base-path "$c" --json | jq -r .base_path)" "$c" "flag wins"
sed -i "s|base_path: .*|base_path: \"$b\"|" "$a/osiris.yaml"
expect_eq "$("$OSR" validate --json | jq -r .base_path)" "$b" "osiris.yaml base_path is followed"
cd "$TMP" && mkdir empty && cd empty
run_osr validate --json
expect_eq "$RC" 2 "no osiris.yaml is invalid"
expect_eq "$(jq -r .base_path_source <<<"$OUT")" "cwd" "falls back to cwd"
expect_contains "$(jq -r '.errors[0].suggest' <<<"$OUT")" "osiris init" "suggests init"
run_osr validate --base-path "$TMP/nope" --json
expect_contains "$(jq -r '.errors[0].message' <<<"$OUT")" "does not exist" "missing base path"
finish
