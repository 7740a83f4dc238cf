# Shared by the integration tests that drive osiris against the PostgreSQL and MariaDB test
# servers: the CLI test helpers, the servers' connection values, psqlc, pg_alias, myc and
# my_alias.
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
eval "$("$root/scripts/test-servers" env)"

# psql on the test database as the main user, stopping at the first failing statement.
psqlc() { PGPASSWORD=$OSR_PG_PASSWORD psql -qX -v ON_ERROR_STOP=1 -h "$OSR_PG_HOST" -p "$OSR_PG_PORT" -U "$OSR_PG_USER" -d "$OSR_PG_DATABASE" "$@"; }

# Prints a postgres alias NAME for osiris_connections.yaml (under "  postgres:") on the test
# server, secrets as ${VAR}; further arguments are extra fields ("statement_timeout: 1").
pg_alias() {
    local name=$1 extra
    shift
    printf '    %s:\n      host: ${OSR_PG_HOST}\n      port: ${OSR_PG_PORT}\n      database: ${OSR_PG_DATABASE}\n      user: ${OSR_PG_USER}\n      password: ${OSR_PG_PASSWORD}\n' "$name"
    for extra in "$@"; do printf '      %s\n' "$extra"; done
}

# The mariadb client on the test database as the main user (utf8mb4, batch output, no
# column names; LOCAL INFILE off).
myc() { MYSQL_PWD=$OSR_MY_PASSWORD mariadb --default-character-set=utf8mb4 -N -B -h "$OSR_MY_HOST" -P "$OSR_MY_PORT" -u "$OSR_MY_USER" "$OSR_MY_DATABASE" "$@"; }

# Prints a mysql alias NAME for osiris_connections.yaml (under "  mysql:") on the test
# server, secrets as ${VAR}; further arguments are extra fields.
my_alias() {
    local name=$1 extra
    shift
    printf '    %s:\n      host: ${OSR_MY_HOST}\n      port: ${OSR_MY_PORT}\n      database: ${OSR_MY_DATABASE}\n      user: ${OSR_MY_USER}\n      password: ${OSR_MY_PASSWORD}\n' "$name"
    for extra in "$@"; do printf '      %s\n' "$extra"; done
}
