# Shared by .ci/run and .ci/long: output steps, installing what is missing, and PostgreSQL.

step() { printf '\n== %s ==\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt_install PACKAGE... : installs the Debian packages given, quietly.
apt_install() {
  [ $# -gt 0 ] || return 0
  echo "installing: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# pip_install PACKAGE... : PyPI packages for this user (system Pythons need the override).
pip_install() {
  python3 -m pip install --quiet "$@" || python3 -m pip install --quiet --break-system-packages "$@"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
}
# Where pip puts the commands of packages installed for the user.
export PATH="$PATH:$HOME/.local/bin"

# Sets SALESFLOW_TEST_POSTGRES_URL: the server on 127.0.0.1:5432, or a private one started in a
# temporary directory (stopped on exit) when none answers. Drops databases of interrupted runs.
use_postgres() {
  PG_HOST=127.0.0.1
  PG_PORT=5432
  if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      apt_install postgresql
    fi
    pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | tail -n 1)")
    PG_PORT=55432
    pg_dir=$(mktemp -d)
    run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
    run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-p $PG_PORT -k $pg_dir -c listen_addresses=$PG_HOST" -l "$pg_dir/log" -w start >/dev/null
    trap 'run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
  fi
  export SALESFLOW_TEST_POSTGRES_URL="postgres://postgres@$PG_HOST:$PG_PORT/postgres"
  psql "$SALESFLOW_TEST_POSTGRES_URL" -Atc "select version()"
  for db in $(psql "$SALESFLOW_TEST_POSTGRES_URL" -Atc "select datname from pg_database where datname like 'sf_test_%'"); do
    psql "$SALESFLOW_TEST_POSTGRES_URL" -qc "drop database if exists $db with (force)" >/dev/null
  done
}
