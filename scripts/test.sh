#!/usr/bin/env bash
# Install riskpool with its test tools and run the whole suite on SQLite (the embedded default), then on
# PostgreSQL: the server on 127.0.0.1:5432 when one answers, otherwise one this script installs from
# Debian's packages and starts (needs root; elsewhere the PostgreSQL run is skipped with a notice, or set
# DATABASE_URL to your own server).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'

# The browser tests drive Debian's Chromium with Playwright (no browser download): install it where we can
# (root on Debian, as CI runs), and then require the browser tests to run rather than skip.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's Chromium for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if command -v chromium >/dev/null; then export RISKPOOL_REQUIRE_BROWSER=1; fi

# The Redis-backed worker of background imports (tests/jobs/test_import_job_redis_worker.py): start Debian's
# redis-server where none answers and we can (root on Debian, as CI runs), then require that test to run.
redis_ready() { .venv/bin/python -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/15', socket_connect_timeout=2).ping()" 2>/dev/null; }
if ! redis_ready && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== starting a Redis server"
  command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' >/dev/null
  for _ in $(seq 1 20); do redis_ready && break; sleep 0.5; done
fi
if redis_ready; then export RISKPOOL_REQUIRE_REDIS=1; else echo "  (no Redis at 127.0.0.1:6379: the Redis worker test is skipped)"; fi

echo "== tests on SQLite"
env -u DATABASE_URL .venv/bin/python -m pytest "$@"

pg_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_ready() { .venv/bin/python - "$pg_url" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as e:
    print(f"  (no PostgreSQL at {sys.argv[1]}: {e.__class__.__name__})")
    sys.exit(1)
PY
}

if ! pg_ready; then
  if [ "$(id -u)" = 0 ] && [ -z "${DATABASE_URL:-}" ] && command -v apt-get >/dev/null; then
    echo "== starting a PostgreSQL server"
    if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    ver=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    grep -q "riskpool-ci" "$hba" || sed -i '1i host all all 127.0.0.1/32 trust # riskpool-ci' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
    for _ in $(seq 1 30); do pg_ready >/dev/null 2>&1 && break; sleep 1; done
  fi
fi

if pg_ready; then
  echo "== tests on PostgreSQL ($pg_url)"
  # the browser tests drive the demo server on its own SQLite database: once (above) is enough
  DATABASE_URL="$pg_url" .venv/bin/python -m pytest --ignore=tests/browser "$@"
else
  echo "== PostgreSQL run skipped: no server at $pg_url (set DATABASE_URL to run the suite on yours)"
fi
