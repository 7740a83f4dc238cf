#!/usr/bin/env bash
# Runs every bash block of the README's "Production deployment" section, in order and in
# one shell, against the PostgreSQL test server: the example host, port, database, user,
# password, paths and HTTP port are replaced by the test's own, and the expected lines of
# output are checked.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readme="$root/README.md"
prod="$TMP/srv/production"
secrets="$TMP/run-secrets"
mkdir -p "$secrets"
printf '%s' "$OSR_PG_PASSWORD" >"$secrets/pg_password"
# A free port below the kernel's ephemeral range, so no socket another test opens meanwhile
# takes it before the server binds it.
port=$(python3 -c '
import random, socket
for p in random.sample(range(20000, 30000), 200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()')
bin="$TMP/bin"
mkdir -p "$bin"
ln -s "$OSIRIS_BIN" "$bin/osiris"

# The section's bash blocks, with the example values replaced.
script="$TMP/production.sh"
awk '/^## Production deployment/{on=1; next} on && /^## /{on=0} on' "$readme" |
    awk '/^```bash$/{b=1; next} /^```$/{if (b) print ""; b=0; next} b' |
    sed -e "s|/srv/osiris/production|$prod|g" \
        -e "s|PG_HOST=db.internal|PG_HOST=$OSR_PG_HOST|" \
        -e "s|PG_PORT=5432|PG_PORT=$OSR_PG_PORT|" \
        -e "s|PG_DATABASE=analytics|PG_DATABASE=$OSR_PG_DATABASE|" \
        -e "s|PG_USER=osiris|PG_USER=$OSR_PG_USER|" \
        -e "s|PG_PASSWORD=change-me|PG_PASSWORD=$OSR_PG_PASSWORD|" \
        -e "s|/run/secrets/pg_password|$secrets/pg_password|" \
        -e "s|127.0.0.1:8765|127.0.0.1:$port|g" >"$script"
expect_eq "$(grep -c 'osiris ' "$script" | awk '$1 >= 12 {print "many"}')" many "the section's commands were extracted"

# One shell, errexit on, an environment without the test servers' secrets.
set +e
OUT=$(env -i PATH="$bin:$PATH" HOME="$TMP" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
    bash -eo pipefail "$script" 2>"$TMP/err")
RC=$?
set -e
expect_eq "$RC" 0 "every block ran: $(tail -5 "$TMP/err")"
for line in 'Selftest completed in' '"status":"success","cache":"miss"' '"status":"success","cache":"hit"' \
    '401' 'osiris-mcp-server' 'Hit rate: 50%' 'intact:' 'no secret in logs, caches or drafts' \
    'the server starts' '600 .env' '700 .osiris/mcp/logs/audit'; do
    expect_contains "$OUT" "$line" "README output"
done
# The password printed by the masking check is only ever the mask.
expect_eq "$(grep -c -- "$OSR_PG_PASSWORD" <<<"$OUT$(cat "$TMP/err")" || true)" 0 "no secret in the output"
expect_contains "$OUT" '***MASKED***' "the masking check"
finish
