#!/usr/bin/env bash
# Smoke test of the servers of scripts/test-servers: logins with the per-start passwords over
# TCP 127.0.0.1 (and the MariaDB socket), a wrong password refused, the read-only users unable
# to write, and the seed (tests/integration/seed/) loaded as expected on both engines.
# Needs running servers: scripts/test-servers start. Ends with "N passed, M failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -z "${2:-}" ] || printf '%s\n' "$2" | head -n 5 | sed 's/^/#   /'
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2"$'\n'"got:      $3"; fi
}

if ! env_lines=$("$root/scripts/test-servers" env); then
    not_ok "test servers are running (run scripts/test-servers start)"
    finish
fi
eval "$env_lines"

for v in OSR_TEST_SERVERS_DIR OSR_PG_HOST OSR_PG_PORT OSR_PG_USER OSR_PG_PASSWORD OSR_PG_DATABASE \
    OSR_PG_RO_USER OSR_PG_RO_PASSWORD OSR_MY_HOST OSR_MY_PORT OSR_MY_USER OSR_MY_PASSWORD \
    OSR_MY_DATABASE OSR_MY_SOCKET OSR_MY_RO_USER OSR_MY_RO_PASSWORD; do
    [ -n "${!v:-}" ] || not_ok "env sets $v"
done
check "env: hosts are 127.0.0.1" "127.0.0.1 127.0.0.1" "$OSR_PG_HOST $OSR_MY_HOST"
check "env: users and databases" "osiris osiris_test osiris_ro osiris osiris_test osiris_ro" \
    "$OSR_PG_USER $OSR_PG_DATABASE $OSR_PG_RO_USER $OSR_MY_USER $OSR_MY_DATABASE $OSR_MY_RO_USER"

psql_bin=/usr/lib/postgresql/15/bin/psql
[ -x "$psql_bin" ] || psql_bin=psql
mariadb_bin=$(command -v mariadb || command -v mysql || echo mariadb)

export PGCONNECT_TIMEOUT=5 PGCLIENTENCODING=UTF8
unset PGHOST PGPORT PGUSER PGDATABASE PGSERVICE PGPASSFILE PGSSLMODE

# pg USER PASSWORD SQL...: psql over TCP, unaligned tuples only, output and errors together
pg() {
    local user=$1 pw=$2
    shift 2
    local args=()
    for sql in "$@"; do args+=(-c "$sql"); done
    PGPASSWORD=$pw "$psql_bin" -X -A -t -q -v ON_ERROR_STOP=1 -h "$OSR_PG_HOST" -p "$OSR_PG_PORT" \
        -U "$user" -d "$OSR_PG_DATABASE" "${args[@]}" 2>&1
}
# my USER PASSWORD SQL [extra client args]: mariadb over TCP, batch mode, no column names
my() {
    local user=$1 pw=$2 sql=$3
    shift 3
    MYSQL_PWD=$pw "$mariadb_bin" --no-defaults --protocol=TCP -h "$OSR_MY_HOST" -P "$OSR_MY_PORT" \
        -u "$user" --default-character-set=utf8mb4 --connect-timeout=5 -N -B -D "$OSR_MY_DATABASE" \
        "$@" -e "$sql" 2>&1
}
# check_fails NAME EXPECTED_ERROR_SUBSTRING COMMAND...
check_fails() {
    local name=$1 want=$2 out
    shift 2
    if out=$("$@"); then
        not_ok "$name" "succeeded: $out"
    elif [[ $out == *"$want"* ]]; then
        ok "$name"
    else
        not_ok "$name" "error did not mention '$want': $out"
    fi
}

big_md5=$(for ((i = 0; i < 32768; i++)); do printf 'osiris big text 0123456789abcdef'; done | md5sum | cut -d' ' -f1)
uni='Ünïcödé café ☕ 😀 東京 — Ωμέγα'

# ---------------------------------------------------------------------------------------
# PostgreSQL

check "pg: osiris logs in over TCP 127.0.0.1" "osiris|127.0.0.1/32" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT current_user || '|' || inet_server_addr()")"
check "pg: server is PostgreSQL 15" "15" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT current_setting('server_version_num')::int / 10000")"
check_fails "pg: wrong password is refused" "password authentication failed" \
    pg osiris "wrong-$OSR_PG_PASSWORD" "SELECT 1"
check_fails "pg: unknown user is refused" "password authentication failed" \
    pg nobody_here "$OSR_PG_PASSWORD" "SELECT 1"
check "pg: osiris_ro reads sales.orders" "5000" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT count(*) FROM sales.orders")"
check_fails "pg: osiris_ro cannot INSERT" "permission denied" \
    pg osiris_ro "$OSR_PG_RO_PASSWORD" "INSERT INTO sales.customers VALUES (9999, 'x', NULL, 'DE', now(), NULL)"
check_fails "pg: osiris_ro cannot DELETE" "permission denied" \
    pg osiris_ro "$OSR_PG_RO_PASSWORD" "DELETE FROM public.accounts"
check_fails "pg: osiris_ro cannot CREATE TABLE" "permission denied" \
    pg osiris_ro "$OSR_PG_RO_PASSWORD" "CREATE TABLE public.ro_probe (id int)"
check "pg: schemas public, sales, inventory, scale" "inventory,public,sales,scale" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
        WHERE nspname IN ('public', 'sales', 'inventory', 'scale')")"

scale_tables=$(pg osiris "$OSR_PG_PASSWORD" "SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'scale' AND table_type = 'BASE TABLE' ORDER BY 1")
check "pg: 220 scale tables" "220" "$(grep -c '^t[0-9][0-9][0-9]$' <<<"$scale_tables")"
q=""
for t in $scale_tables; do q+="${q:+ UNION ALL }SELECT count(*) AS n FROM scale.$t"; done
check "pg: every scale table has 25 rows (osiris_ro)" "220|25|25" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT count(*) || '|' || min(n) || '|' || max(n) FROM ($q) s")"
check "pg: scale tables have 5-8 columns and a primary key" "5|8|220" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT min(c) || '|' || max(c) || '|' || (SELECT count(*)
        FROM information_schema.table_constraints WHERE table_schema = 'scale' AND constraint_type = 'PRIMARY KEY')
        FROM (SELECT count(*) AS c FROM information_schema.columns WHERE table_schema = 'scale' GROUP BY table_name) s")"
check "pg: big text is 1048576 bytes with the expected md5" "1048576|$big_md5" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT octet_length(body) || '|' || md5(body) FROM public.big_text WHERE id = 1")"
check "pg: unicode table and column names, emoji value" "Zoë 😀" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT \"名前\" FROM public.\"straße\" WHERE id = 1")"
check "pg: unicode round-trips through a write" "$uni" \
    "$(pg osiris "$OSR_PG_PASSWORD" "CREATE TEMP TABLE rt (v text)" "INSERT INTO rt VALUES ('$uni')" "SELECT v FROM rt")"
check "pg: composite FK inventory.stock -> warehouses (region, code)" "2" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT cardinality(conkey) FROM pg_constraint
        WHERE contype = 'f' AND conrelid = 'inventory.stock'::regclass AND confrelid = 'inventory.warehouses'::regclass")"
check "pg: views" "inventory.stock_by_region,sales.order_totals" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_schema, table_name)
        FROM information_schema.views WHERE table_schema IN ('public', 'sales', 'inventory')")"
check "pg: type_zoo row 4 is NULL in all 22 typed columns" "22" \
    "$(pg osiris "$OSR_PG_PASSWORD" "SELECT count(*) FROM json_each((SELECT row_to_json(z) FROM public.type_zoo z WHERE id = 4))
        WHERE key <> 'id' AND value::text = 'null'")"

# ---------------------------------------------------------------------------------------
# MariaDB

check "my: osiris logs in over TCP 127.0.0.1" "osiris@127.0.0.1" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT CURRENT_USER()")"
check "my: server is MariaDB 10.11" "10.11" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT SUBSTRING_INDEX(VERSION(), '.', 2)")"
check "my: osiris logs in over the socket" "osiris@localhost" \
    "$(MYSQL_PWD=$OSR_MY_PASSWORD "$mariadb_bin" --no-defaults --protocol=SOCKET -S "$OSR_MY_SOCKET" \
        -u osiris -N -B -e "SELECT CURRENT_USER()" 2>&1)"
check_fails "my: wrong password is refused" "Access denied" \
    my osiris "wrong-$OSR_MY_PASSWORD" "SELECT 1"
check_fails "my: root without password is refused" "Access denied" \
    my root "" "SELECT 1"
check "my: osiris_ro reads osiris_sales.orders" "5000" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" "SELECT COUNT(*) FROM osiris_sales.orders")"
check_fails "my: osiris_ro cannot INSERT" "command denied" \
    my osiris_ro "$OSR_MY_RO_PASSWORD" "INSERT INTO osiris_sales.customers VALUES (9999, 'x', NULL, 'DE', NOW(), NULL)"
check_fails "my: osiris_ro cannot DELETE" "command denied" \
    my osiris_ro "$OSR_MY_RO_PASSWORD" "DELETE FROM osiris_test.accounts"
check_fails "my: osiris_ro cannot CREATE TABLE" "command denied" \
    my osiris_ro "$OSR_MY_RO_PASSWORD" "CREATE TABLE osiris_test.ro_probe (id INT)"
check "my: databases osiris_sales, osiris_scale, osiris_test" "osiris_sales,osiris_scale,osiris_test" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) FROM information_schema.SCHEMATA
        WHERE SCHEMA_NAME LIKE 'osiris%'")"

scale_tables=$(my osiris "$OSR_MY_PASSWORD" "SELECT TABLE_NAME FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = 'osiris_scale' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1")
check "my: 220 scale tables" "220" "$(grep -c '^t[0-9][0-9][0-9]$' <<<"$scale_tables")"
q=""
for t in $scale_tables; do q+="${q:+ UNION ALL }SELECT COUNT(*) AS n FROM osiris_scale.$t"; done
check "my: every scale table has 25 rows (osiris_ro)" "220|25|25" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" "SELECT CONCAT(COUNT(*), '|', MIN(n), '|', MAX(n)) FROM ($q) s")"
check "my: scale tables have 5-8 columns and a primary key" "5|8|220" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT CONCAT(MIN(c), '|', MAX(c), '|', (SELECT COUNT(*)
        FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = 'osiris_scale' AND CONSTRAINT_TYPE = 'PRIMARY KEY'))
        FROM (SELECT COUNT(*) AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'osiris_scale' GROUP BY TABLE_NAME) s")"
check "my: big text is 1048576 bytes with the expected md5" "1048576|$big_md5" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" "SELECT CONCAT(LENGTH(body), '|', MD5(body)) FROM big_text WHERE id = 1")"
check "my: unicode table and column names, emoji value" "Zoë 😀" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" 'SELECT `名前` FROM `straße` WHERE id = 1')"
check "my: unicode round-trips through a write" "$uni" \
    "$(my osiris "$OSR_MY_PASSWORD" "CREATE TEMPORARY TABLE rt (v TEXT) CHARACTER SET utf8mb4;
        INSERT INTO rt VALUES ('$uni'); SELECT v FROM rt")"
check "my: composite FK stock -> warehouses (region, code)" "2" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = 'osiris_test' AND TABLE_NAME = 'stock' AND REFERENCED_TABLE_NAME = 'warehouses'")"
check "my: views" "osiris_sales.order_totals,osiris_test.stock_by_region" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT GROUP_CONCAT(CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) ORDER BY TABLE_SCHEMA, TABLE_NAME)
        FROM information_schema.VIEWS WHERE TABLE_SCHEMA LIKE 'osiris%'")"
check "my: type_zoo row 4 is NULL in all 18 typed columns" "18" \
    "$(my osiris "$OSR_MY_PASSWORD" "SELECT (c_tinyint1 IS NULL) + (c_int IS NULL) + (c_bigint IS NULL) + (c_decimal IS NULL)
        + (c_float IS NULL) + (c_double IS NULL) + (c_varchar IS NULL) + (c_text IS NULL) + (c_longtext IS NULL)
        + (c_date IS NULL) + (c_datetime IS NULL) + (c_timestamp IS NULL) + (c_time IS NULL) + (c_json IS NULL)
        + (c_blob IS NULL) + (c_enum IS NULL) + (c_set IS NULL) + (c_bit IS NULL) FROM type_zoo WHERE id = 4")"

# ---------------------------------------------------------------------------------------
# Both engines hold the same generated data

check "both: same orders total" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT count(*) || '|' || sum(total) || '|' || count(note) FROM sales.orders")" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" "SELECT CONCAT(COUNT(*), '|', SUM(total), '|', COUNT(note)) FROM osiris_sales.orders")"
check "both: same stock by region" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT string_agg(region || ':' || skus || ':' || total_qty, ',' ORDER BY region) FROM inventory.stock_by_region")" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" "SELECT GROUP_CONCAT(CONCAT(region, ':', skus, ':', total_qty) ORDER BY region) FROM stock_by_region")"
check "both: same customer names" \
    "$(pg osiris_ro "$OSR_PG_RO_PASSWORD" "SELECT md5(string_agg(name || '|' || coalesce(email, '') || '|' || created_at, ',' ORDER BY id)) FROM sales.customers")" \
    "$(my osiris_ro "$OSR_MY_RO_PASSWORD" "SET SESSION group_concat_max_len = 1000000;
        SELECT MD5(GROUP_CONCAT(CONCAT(name, '|', COALESCE(email, ''), '|', created_at) ORDER BY id)) FROM osiris_sales.customers")"

finish
