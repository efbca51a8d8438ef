#!/bin/sh
# One entrypoint for every service: migrate | api | worker | beat.
set -eu
role="${1:-api}"
case "$role" in
  migrate) exec python -m reconnect.cli db upgrade ;;
  api) exec uvicorn api.main:app --host 0.0.0.0 --port "${PORT:-8000}" --proxy-headers \
         --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" --no-access-log ;;
  worker) exec celery -A tasks.worker worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-4}" ;;
  beat) exec celery -A tasks.worker beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
  *) exec "$@" ;;
esac
