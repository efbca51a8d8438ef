# syntax=docker/dockerfile:1
# One image for every role (migrate, api, worker, beat): docker/entrypoint.sh picks it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: a wheel for every dependency and nothing else. Whatever building needs
# (pip's cache, setuptools, a compiler if a dependency ever lacks a wheel) stays here.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only the dependency list, so that a change to the code (or the README) does not
# invalidate this slow layer. A stub package (empty modules, an empty README) lets
# `pip wheel .` resolve pyproject.toml's dependencies; its own wheel is thrown away.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    mkdir -p reconnect api tasks \
 && touch README.md reconnect/__init__.py api/__init__.py tasks/__init__.py \
 && pip wheel --wheel-dir /wheels . \
 && rm /wheels/reconnect-*.whl

# Runtime stage: slim, non-root, no build tools, no secrets (settings come from the
# environment at run time). The code runs from /app, where templates, program files and
# migrations are found beside it.
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app RECONNECT_ENV=production \
    BEAT_SCHEDULE_FILE=/app/var/celerybeat-schedule
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin reconnect
# The wheels are mounted, not copied: no layer of the final image keeps them.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index /wheels/*.whl
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY templates ./templates
COPY program ./program
COPY reconnect ./reconnect
COPY api ./api
COPY tasks ./tasks
COPY --chmod=755 docker/entrypoint.sh /usr/local/bin/reconnect-entrypoint
# `reconnect` as on a developer's machine (the console script of an installed package);
# the code is owned by root and read-only to the app; only /app/var is writable (beat's
# schedule file, RECONNECT_DATA_DIR).
RUN printf '#!/bin/sh\nexec python -m reconnect.cli "$@"\n' > /usr/local/bin/reconnect \
 && chmod 755 /usr/local/bin/reconnect \
 && python -m compileall -q /app \
 && install -d -o reconnect -g reconnect /app/var
USER reconnect
EXPOSE 8000
ENTRYPOINT ["reconnect-entrypoint"]
CMD ["api"]
