#!/usr/bin/env bash
# The command line itself: version, help, unknown commands and options, exit codes and the
# JSON error contract.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

run_osr --version
expect_eq "$RC" 0 "--version exit"
expect_contains "$OUT" "osiris " "--version prints the name"
run_osr --version --json
expect_eq "$(jq -r .version <<<"$OUT")" "$("$OSR" --version | cut -d' ' -f2)" "version json matches"

run_osr --help
expect_eq "$RC" 0 "--help exit"
for c in init validate "connections list" "components list" "components show"; do
    expect_contains "$OUT" "$c" "help lists $c"
done

run_osr frobnicate --json
expect_eq "$RC" 2 "unknown command exit"
expect_eq "$(jq -r .error.code <<<"$OUT")" "CLI/UNKNOWN_COMMAND" "unknown command code"
expect_eq "$(jq -r .status <<<"$OUT")" "error" "error status"

run_osr frobnicate
expect_eq "$RC" 2 "unknown command exit (human)"
expect_contains "$ERR" "unknown command 'frobnicate'" "human message on stderr"
expect_eq "$OUT" "" "nothing on stdout for a human error"

run_osr connections --json
expect_eq "$RC" 2 "group without subcommand"
expect_contains "$(jq -r .error.message <<<"$OUT")" "list" "group lists subcommands"

run_osr connections list --bogus --json
expect_eq "$RC" 2 "unknown option exit"
expect_eq "$(jq -r .error.code <<<"$OUT")" "CLI/UNKNOWN_OPTION" "unknown option code"

run_osr validate --base-path
expect_eq "$RC" 2 "missing option value"
expect_contains "$ERR" "needs a value" "missing value message"

run_osr validate extra-arg --json
expect_eq "$RC" 2 "extra positional argument"

run_osr components show --help
expect_eq "$RC" 0 "command help"
expect_contains "$OUT" "Usage: osiris components show" "command usage text"

# Global options before the command words.
ws=$(new_ws g)
run_osr --base-path "$ws" --json validate
expect_eq "$RC" 0 "global option before command"
expect_eq "$(jq -r .base_path <<<"$OUT")" "$ws" "base path from leading option"
finish
