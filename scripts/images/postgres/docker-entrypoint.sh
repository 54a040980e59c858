#!/usr/bin/env bash
# The official postgres image's start-up contract, for Debian's postgresql-15:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (postgres),
#   POSTGRES_DB (the user's name), PGDATA (/var/lib/postgresql/data), POSTGRES_INITDB_ARGS,
#   POSTGRES_HOST_AUTH_METHOD (scram-sha-256);
# on an empty PGDATA: initdb, password login for host connections, the database created, then
# /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh run once in name order; finally postgres runs
# as PID 1 as user postgres. Other commands (bash, psql …) run as given.
set -Eeo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi
if [ "$1" != 'postgres' ]; then
    exec "$@"
fi

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"

# As root: make the folders postgres owns, then run this script again as postgres.
if [ "$(id -u)" = '0' ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || :

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    export POSTGRES_USER="${POSTGRES_USER:-postgres}"
    export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        echo "error: the database is uninitialised and POSTGRES_PASSWORD is not set;" >&2
        echo "       set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust, for no password)" >&2
        exit 1
    fi

    # The password reaches initdb through a pipe: never a command line, never the log.
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words, as upstream
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
        --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-}
    printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

    # A server only this script can reach (Unix socket, no TCP) while the set-up runs.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
    psql=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER")
    if [ "$POSTGRES_DB" != postgres ]; then
        exists=$("${psql[@]}" --dbname postgres -tA --set db="$POSTGRES_DB" \
            <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
        if [ -z "$exists" ]; then
            "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
        fi
    fi
    psql+=(--dbname "$POSTGRES_DB")
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
            *.sql) echo "$0: running $f"; "${psql[@]}" -f "$f" ;;
            *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" ;;
            *) if [ -e "$f" ]; then echo "$0: ignoring $f"; fi ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
