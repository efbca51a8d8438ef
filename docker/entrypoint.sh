#!/bin/sh
# The one entrypoint of every Reconnect container (docker-compose.yml), and the very
# script tests/test_entrypoints.py runs as processes. First argument, the role:
#
#   migrate         wait for the database, apply every migration, exit 0
#   api             wait for the database, serve HTTP (uvicorn, WEB_CONCURRENCY processes)
#   worker          wait for the database, run a Celery worker (sends the emails)
#   beat            wait for the database, run Celery beat (ticks the dispatcher). Exactly
#                   one beat per deployment: see docker-compose.yml.
#   health api      exit 0 when this container's API answers /readyz with 200
#   health worker   exit 0 when this container's worker answers a ping through Redis
#   anything else   run as a command, e.g. `reconnect program validate`
#
# Application settings are RECONNECT_* variables (docs/configuration.md). These shape the
# processes themselves; [default]:
#   API_HOST [0.0.0.0]            address the API listens on
#   API_PORT [8000]               port the API listens on (inside the container)
#   WEB_CONCURRENCY [2]           API processes (uvicorn workers) in this container
#   FORWARDED_ALLOW_IPS [127.0.0.1]  proxies whose X-Forwarded-For is trusted
#   WORKER_CONCURRENCY [4]        sending processes in this worker container
#   WORKER_NAME [worker@<host>]   Celery node name; must differ between workers
#   BEAT_SCHEDULE_FILE [${TMPDIR:-/tmp}/reconnect-celerybeat-schedule]  beat's state file
#   DB_WAIT_SECONDS [60]          how long to wait for the database before giving up
#   HEALTH_TIMEOUT_SECONDS [5]    how long a health probe waits for its answer
# Programs are found on PATH (`python`), so a virtualenv's bin/ first on PATH is used.
set -eu

API_HOST="${API_HOST:-0.0.0.0}"
API_PORT="${API_PORT:-8000}"
WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
FORWARDED_ALLOW_IPS="${FORWARDED_ALLOW_IPS:-127.0.0.1}"
WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-4}"
WORKER_NAME="${WORKER_NAME:-worker@$(uname -n)}"
BEAT_SCHEDULE_FILE="${BEAT_SCHEDULE_FILE:-${TMPDIR:-/tmp}/reconnect-celerybeat-schedule}"
DB_WAIT_SECONDS="${DB_WAIT_SECONDS:-60}"
HEALTH_TIMEOUT_SECONDS="${HEALTH_TIMEOUT_SECONDS:-5}"
# Seconds uvicorn gives open requests to finish on SIGTERM; docker-compose.yml gives the
# container longer (stop_grace_period) before it kills it.
API_SHUTDOWN_SECONDS=20

usage() {
  echo "usage: $0 migrate | api | worker | beat | health api|worker | <command> [args]" >&2
  exit 64
}

wait_for_database() {
  python -m reconnect.startup.wait --timeout "$DB_WAIT_SECONDS"
}

role="${1:-api}"
case "$role" in
  migrate)
    wait_for_database
    exec python -m cli db upgrade
    ;;
  api)
    wait_for_database
    # No access log: request paths carry link tokens and the answer a partner tapped.
    # uvicorn's own lines are JSON too (reconnect/uvicorn_logging.json).
    log_config=$(python -c 'import reconnect.logging as l; print(l.UVICORN_CONFIG)')
    exec python -m uvicorn api.main:app --host "$API_HOST" --port "$API_PORT" \
      --workers "$WEB_CONCURRENCY" --proxy-headers --forwarded-allow-ips "$FORWARDED_ALLOW_IPS" \
      --no-access-log --no-server-header --timeout-graceful-shutdown "$API_SHUTDOWN_SECONDS" \
      --log-config "$log_config"
    ;;
  worker)
    wait_for_database
    # Mingle and gossip are chatter between workers that Reconnect never uses (the
    # database coordinates them); remote control stays on for `health worker`.
    # --quiet: no banner on stdout; every line is the JSON log (reconnect/logging.py).
    exec python -m celery -A tasks.worker --quiet worker --loglevel INFO \
      --concurrency "$WORKER_CONCURRENCY" --hostname "$WORKER_NAME" \
      --without-mingle --without-gossip
    ;;
  beat)
    wait_for_database
    mkdir -p "$(dirname "$BEAT_SCHEDULE_FILE")"
    exec python -m celery -A tasks.worker --quiet beat --loglevel INFO \
      --schedule "$BEAT_SCHEDULE_FILE"
    ;;
  health)
    case "${2:-}" in
      api) exec python -m api.probe --timeout "$HEALTH_TIMEOUT_SECONDS" \
             "http://127.0.0.1:${API_PORT}/readyz" ;;
      worker) exec python -m tasks.probe --timeout "$HEALTH_TIMEOUT_SECONDS" "$WORKER_NAME" ;;
      *) usage ;;
    esac
    ;;
  -h|--help) usage ;;
  *) exec "$@" ;;
esac
