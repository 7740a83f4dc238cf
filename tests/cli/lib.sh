# Shared helpers for the CLI tests: each test script sources this file, runs the real
# binary ($OSIRIS_BIN) in temporary workspaces and checks its output with jq.
set -euo pipefail

: "${OSIRIS_BIN:?OSIRIS_BIN must point at the built osiris binary}"
OSR=$OSIRIS_BIN
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset OSIRIS_HOME OSIRIS_COMPONENTS_DIR || true
FAILS=0
CHECKS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

ok() {
    CHECKS=$((CHECKS + 1))
}

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() {
    if [ "$1" == "$2" ]; then ok; else fail "$3: expected [$2], got [$1]"; fi
}

# expect_contains HAYSTACK NEEDLE MESSAGE
expect_contains() {
    if [[ "$1" == *"$2"* ]]; then ok; else fail "$3: [$2] not found in [$1]"; fi
}

# expect_not_contains HAYSTACK NEEDLE MESSAGE
expect_not_contains() {
    if [[ "$1" != *"$2"* ]]; then ok; else fail "$3: [$2] must not appear"; fi
}

# run_osr ARGS... : runs osiris, sets OUT, ERR and RC (never aborts the script).
run_osr() {
    set +e
    OUT=$("$OSR" "$@" 2>"$TMP/stderr")
    RC=$?
    set -e
    ERR=$(cat "$TMP/stderr")
}

# run_interrupted FILE BASE_PATH READY [ACTION] : starts `osiris run FILE --json` in the
# background, evaluates READY every 10 ms until it succeeds (at most 1000 times), then
# ACTION (default: SIGTERM to the run, whose pid is $pid), and waits for the run. Sets RC,
# OUT and ERR as run_osr does. A run that does not stop keeps the test waiting until its
# ctest timeout, which fails it.
run_interrupted() {
    local file=$1 base=$2 ready=$3 action=${4:-'kill -TERM "$pid"'}
    "$OSR" run "$file" --base-path "$base" --json >"$TMP/interrupted.json" 2>"$TMP/interrupted.err" &
    pid=$!
    for _ in $(seq 1 1000); do
        eval "$ready" && break
        sleep 0.01
    done
    eval "$action"
    set +e
    wait "$pid"
    RC=$?
    set -e
    OUT=$(cat "$TMP/interrupted.json")
    ERR=$(cat "$TMP/interrupted.err")
}

# new_ws NAME : creates an initialised workspace and prints its path.
new_ws() {
    local d="$TMP/$1"
    "$OSR" init "$d" --json >/dev/null
    echo "$d"
}

# is_json TEXT : true when TEXT is exactly one JSON document.
is_json() {
    jq -e . >/dev/null 2>&1 <<<"$1"
}

finish() {
    echo "$CHECKS passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
