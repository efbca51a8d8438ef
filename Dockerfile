# One image for every role (migrate, api, worker, beat): docker/entrypoint.sh picks it.
# Plain Dockerfile syntax: builds with BuildKit and with the classic builder alike
# (Debian's docker-compose 1.29 uses the classic one).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: the locked runtime dependencies installed into a virtual environment, and
# nothing else. Whatever installing needs (pip, a compiler if a dependency ever lacks a
# wheel) stays in this stage; the final image copies only the environment.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Only the lock file, so that a change to the code does not invalidate this slow layer.
# Exactly the files it names, each checked against its hash: rebuilding an old tag gives
# the same dependencies. Development and test tools are in requirements/dev.txt, not here.
COPY requirements/runtime.txt ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --no-deps --only-binary :all: \
      -r runtime.txt \
 && /opt/venv/bin/pip uninstall --yes pip setuptools

# Runtime stage: slim, non-root, no build tools, no secrets (settings come from the
# environment at run time). The code runs from /app, where templates, program files and
# migrations are found beside it.
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH PYTHONPATH=/app RECONNECT_ENV=production \
    BEAT_SCHEDULE_FILE=/app/var/celerybeat-schedule
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin reconnect
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY program ./program
COPY reconnect ./reconnect
COPY api ./api
COPY tasks ./tasks
COPY cli ./cli
COPY docker/entrypoint.sh /usr/local/bin/reconnect-entrypoint
# `reconnect` as on a developer's machine (the console script of an installed package);
# the code is owned by root and read-only to the app; only /app/var is writable (beat's
# schedule file, RECONNECT_DATA_DIR).
RUN printf '#!/bin/sh\nexec python -m cli "$@"\n' > /usr/local/bin/reconnect \
 && chmod 755 /usr/local/bin/reconnect /usr/local/bin/reconnect-entrypoint \
 && python -m compileall -q /app \
 && install -d -o reconnect -g reconnect /app/var
USER reconnect
EXPOSE 8000
ENTRYPOINT ["reconnect-entrypoint"]
CMD ["api"]
