# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Install the package first (better layer caching), then the configuration.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . && useradd --create-home --uid 10001 talkwatch
COPY config ./config

# The SQLite database (and nothing else mutable) lives in the data volume.
RUN mkdir -p /data && chown talkwatch:talkwatch /data
VOLUME ["/data"]
ENV BOT_GENERAL_DATABASE=/data/talkwatch.sqlite3

USER talkwatch
EXPOSE 3000 8443

# Healthy when the configuration loads and the database answers.
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 \
    CMD ["bot", "health", "--config", "/app/config"]

ENTRYPOINT ["bot"]
CMD ["run", "--config", "/app/config"]
