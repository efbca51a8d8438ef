# syntax=docker/dockerfile:1
# Build stage: wheels for the dependencies (compilers and pip caches stay here).
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Only the dependency list, so a code change does not invalidate this layer.
COPY pyproject.toml README.md ./
RUN mkdir -p reconnect api tasks && touch reconnect/__init__.py api/__init__.py tasks/__init__.py \
 && pip wheel --wheel-dir /wheels . && rm /wheels/reconnect-*.whl

# Runtime stage: slim, non-root, no build tools, no secrets. The source runs from /app
# (templates, program files and migrations are found beside the code).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app RECONNECT_ENV=production
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin reconnect
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY templates ./templates
COPY program ./program
COPY reconnect ./reconnect
COPY api ./api
COPY tasks ./tasks
COPY docker/entrypoint.sh /usr/local/bin/reconnect-entrypoint
USER reconnect
EXPOSE 8000
ENTRYPOINT ["reconnect-entrypoint"]
CMD ["api"]
