#!/usr/bin/env bash
# `osiris mcp run --selftest`, the audit and telemetry files (modes, hash chain, the CLI's
# own audit line), `osiris logs audit --verify` and the production guide's jq recipes.
source "$(dirname "$0")/../cli/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
logs="$ws/.osiris/mcp/logs"

run_osr mcp run --selftest --base-path "$ws"
expect_eq "$RC" 0 "selftest passes"
expect_contains "$OUT" "Selftest completed in" "selftest summary line"
expect_eq "$(grep -c '^ok ' <<<"$OUT")" 7 "seven checks pass"
expect_not_contains "$OUT" "FAIL" "no failed check"

# A person's `osiris mcp ... --json` writes its own audit line.
run_osr mcp connections list --base-path "$ws" --json
expect_eq "$RC" 0 "mcp connections list"
audit=$(ls "$logs"/audit/audit-*.jsonl)
expect_eq "$(tail -n 1 "$audit" | jq -r '[.transport, .tool_name, .status] | join(" ")')" "cli connections_list success" "cli audit line"
run_osr mcp discovery run @sqlite.nope --base-path "$ws" --json
expect_eq "$(tail -n 1 "$audit" | jq -r '[.status, .error_code] | join(" ")')" "error VALIDATION_ERROR" "a failing cli call is audited as an error"

# Files 0600 in 0700 directories.
for f in "$logs"/audit "$logs"/telemetry; do expect_eq "$(stat -c %a "$f")" 700 "$(basename "$f") directory mode"; done
for f in "$logs"/audit/*.jsonl "$logs"/telemetry/*.jsonl; do expect_eq "$(stat -c %a "$f")" 600 "$(basename "$f") mode"; done

# The guide's recipes work on the files as written.
p95=$(jq -s '[.[].duration_ms] | sort | .[length * 0.95 | floor]' "$logs"/telemetry/telemetry-*.jsonl)
expect_eq "$(jq -rn --argjson v "$p95" '$v | type')" number "P95 of duration_ms from telemetry"
mean=$(jq -s 'map(.duration_ms) | add / length' "$logs"/telemetry/telemetry-*.jsonl)
expect_eq "$(jq -rn --argjson v "$mean" '$v | type')" number "mean duration from telemetry"
expect_eq "$(jq -s 'map(select(.status == "error")) | length' "$logs"/audit/audit-*.jsonl)" 1 "error count from audit"
# The selftest's two calls (one in-process, one delegated: its child writes no line of its
# own) and the two of the CLI.
expect_eq "$(jq -r '.correlation_id[:8]' "$logs"/audit/audit-*.jsonl | sort | uniq -c | wc -l)" 3 "correlation ids group by session"
expect_eq "$(cat "$logs"/audit/audit-*.jsonl | wc -l)" 4 "one audit line per call"
expect_eq "$(jq -s 'map(.event) | unique | join(",")' -r "$logs"/telemetry/telemetry-*.jsonl)" "handshake,server_start,server_stop,tool_call" "telemetry events"
expect_eq "$(jq -r 'select(.event == "handshake") | .client_name' "$logs"/telemetry/telemetry-*.jsonl | head -1)" osiris-selftest "handshake names the client"
{
    printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"discovery_request","arguments":{"connection":"@sqlite.demo"}}}'
    sleep 1.5
    printf '%s\n' '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"discovery_request","arguments":{"connection":"@sqlite.demo"}}}'
    sleep 1.5
} | "$OSR" mcp run --base-path "$ws" >/dev/null 2>"$TMP/server.err"
expect_not_contains "$(cat "$TMP/server.err")" "AddressSanitizer" "no sanitizer report"
hits=$(grep -h "cache_hit\|cache_miss" "$logs"/telemetry/telemetry-*.jsonl | jq -s 'map(select(.cache == "cache_hit")) | length')
expect_eq "$hits" 1 "cache hit recorded: one hit after one miss"
rate=$(grep -h "cache_hit\|cache_miss" "$logs"/telemetry/telemetry-*.jsonl | awk '/cache_hit/{h++} /cache_miss/{m++} END{print "Hit rate:", h/(h+m)*100"%"}')
expect_eq "$rate" "Hit rate: 50%" "the guide's hit-rate recipe"

# A line longer than any read buffer (about 100 KB of arguments: 500 short strings) chains
# like the others; a long text argument is kept as its size and hash.
names=$(jq -nc '[range(500) | "@postgres.c\(.)" + ("x" * 190)]')
big=$(head -c 100000 /dev/zero | tr '\0' x)
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"guide_start\",\"arguments\":{\"intent\":\"a long list\",\"known_connections\":$names}}}" \
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"oml_validate\",\"arguments\":{\"oml_content\":\"# $big\"}}}" \
    '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"components_list","arguments":{}}}' |
    "$OSR" mcp run --base-path "$ws" >/dev/null 2>&1
expect_eq "$(tail -n 3 "$audit" | head -n 1 | wc -c | awk '$1 > 100000 {print "long"}')" long "a 100 KB audit line was written"
expect_eq "$(tail -n 2 "$audit" | head -n 1 | jq -c '.arguments.oml_content | [.bytes, (.sha256 | length)]')" \
    "[100002,64]" "a long text argument is audited as its size and hash"

# The chain: intact, then broken by an edit, an inserted and a removed line.
run_osr logs audit --verify --base-path "$ws" --json
expect_eq "$RC" 0 "chain intact"
expect_eq "$(jq -r .status <<<"$OUT")" intact "status intact"
expect_eq "$(jq -r .lines <<<"$OUT")" "$(cat "$logs"/audit/*.jsonl | wc -l)" "every line checked"
cp "$audit" "$TMP/audit.bak"
sed -i '2s/"success"/"error"/' "$audit"
run_osr logs audit --verify --base-path "$ws" --json
expect_eq "$RC" 2 "an edited line breaks the chain"
expect_eq "$(jq -c '[.broken[].line]' <<<"$OUT")" "[3]" "the line after the edit is named"
cp "$TMP/audit.bak" "$audit"
sed -i '2d' "$audit"
run_osr logs audit --verify --base-path "$ws"
expect_eq "$RC" 2 "a removed line breaks the chain"
expect_contains "$OUT" "audit-" "human form names the file"

# `osiris mcp clients`: the block starts a working server as a client would.
run_osr mcp clients --base-path "$ws" --json
expect_eq "$RC" 0 "mcp clients"
expect_eq "$(jq -r .osiris_home <<<"$OUT")" "$ws" "OSIRIS_HOME is the workspace"
expect_contains "$(jq -r .config_paths.linux <<<"$OUT")" ".config/Claude/claude_desktop_config.json" "linux path"
cmd=$(jq -r '.config.mcpServers.osiris.command' <<<"$OUT")
mapfile -t args < <(jq -r '.config.mcpServers.osiris.args[]' <<<"$OUT")
home=$(jq -r '.config.mcpServers.osiris.env.OSIRIS_HOME' <<<"$OUT")
reply=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"connections_list","arguments":{}}}' |
    (cat; sleep 2) | (cd / && env -i PATH="$PATH" OSIRIS_HOME="$home" "$cmd" "${args[@]}" 2>/dev/null))
expect_eq "$(jq -r 'select(.id == 2) | .result.structuredContent.result.connections.sqlite.demo.is_default' <<<"$reply")" true "the pasted block serves the workspace"
lines=$(cat "$logs"/audit/*.jsonl | wc -l)
run_osr mcp clients --base-path "$ws"
expect_contains "$OUT" '"mcpServers"' "human form prints the block"
expect_eq "$(cat "$logs"/audit/*.jsonl | wc -l)" "$lines" "mcp clients is not a tool call"
# A broken osiris.yaml stops the server at start, with the place of the error.
bad=$(new_ws badcfg)
printf 'mcp:\n  tool_timeout_s: 3\nmcp:\n  tool_timeout_s: 4\n' >"$bad/osiris.yaml"
run_osr mcp run --base-path "$bad" </dev/null
expect_eq "$RC" 2 "mcp run refuses an invalid osiris.yaml"
expect_contains "$ERR" "osiris.yaml:3:1: error: duplicate key 'mcp'" "the error and its place"
expect_contains "$ERR" "the server does not start" "what it means"
finish
