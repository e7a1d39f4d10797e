# syntax=docker/dockerfile:1
# Base images pinned to a patch release; Python packages pinned by deploy/constraints.txt.

# Build stage: the package as a wheel with its extraction core compiled by mypyc
# (setup.py, TALKWATCH_COMPILE=1); the C compiler and mypy stay in this stage.
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# mypy type-checks the sources against the dependencies, so they are installed here too
COPY pyproject.toml deploy/constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
    && pip install -c constraints.txt -r requirements.txt setuptools wheel mypy
COPY README.md setup.py ./
COPY config ./config
COPY bot ./bot
RUN TALKWATCH_COMPILE=1 pip wheel --no-deps --no-build-isolation -w /wheels .

# The image: the dependencies, then the compiled wheel.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 talkwatch
WORKDIR /src

# 1. Dependencies in their own layer: rebuilt only when pyproject.toml or the pins change,
#    not on every code change. The list comes from pyproject.toml, the versions from
#    deploy/constraints.txt (regenerate it with deploy/freeze_constraints.py).
COPY pyproject.toml deploy/constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
    && pip install -c constraints.txt -r requirements.txt

# 2. The package itself (with the shipped demo configuration inside it): a small layer.
COPY --from=build /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels

# 3. The configuration in use: /config. The image's own is the demo; mount yours over it
#    (-v ~/talkwatch-config:/config:ro). With a chat token and the demo, `bot run` refuses
#    to start unless BOT_ALLOW_DEMO_TO_CHATS=true.
COPY config /config
ENV BOT_CONFIG_DIR=/config

# The SQLite database (and nothing else mutable) lives in the data volume.
RUN mkdir -p /data && chown talkwatch:talkwatch /data
VOLUME ["/data"]
ENV BOT_GENERAL_DATABASE=/data/talkwatch.sqlite3

USER talkwatch
WORKDIR /home/talkwatch
# Slack HTTP mode (/slack/events) and the Telegram webhook, when used.
EXPOSE 3000 8443

# Healthy when the configuration loads, the database answers and feeds are being polled.
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 \
    CMD ["bot", "health"]

ENTRYPOINT ["bot"]
CMD ["run"]
