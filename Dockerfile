# The image of myservice: `make image` builds it, docs/deploy.md runs it.
# Two stages: the first installs the pinned runtime dependencies and the service into a virtual
# environment; the second copies only that environment onto a clean slim base and runs it as an
# unprivileged user. Every runtime dependency has a binary wheel, so no compiler is needed.

# Both stages start from the same image (the venv's interpreter is the base's), named in full
# so that Dependabot can propose updates to it.
FROM python:3.13-slim-trixie AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
# No pip inside the environment: the base image's pip installs into it from outside.
RUN python -m venv --without-pip /opt/venv
# Dependencies first, in a layer of their own: a change to the code alone reuses it.
# --no-deps: exactly the pinned set goes in, nothing resolved on the day; pip check proves it
# is complete.
COPY requirements.txt requirements-tracing.txt ./
RUN python -m pip --python /opt/venv/bin/python install --no-deps --only-binary=:all: \
        --requirement requirements.txt
# OpenTelemetry, only in an image built with --build-arg TRACING=true (docs/observability.md).
ARG TRACING=false
RUN if [ "$TRACING" = true ]; then \
        python -m pip --python /opt/venv/bin/python install --no-deps --only-binary=:all: \
            --requirement requirements-tracing.txt; \
    fi
# The service's own wheel is built with a pinned setuptools that stays in this stage.
COPY setup.py pyproject.toml README.md ./
COPY myservice ./myservice
RUN python -m pip install setuptools==84.2.1 \
    && python -m pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
    && python -m pip --python /opt/venv/bin/python install --no-deps /wheels/*.whl \
    && python -m pip --python /opt/venv/bin/python check

FROM python:3.13-slim-trixie AS runtime
ARG VERSION=unknown
LABEL org.opencontainers.image.title="myservice" \
      org.opencontainers.image.description="A Quart microservice that serves JSON" \
      org.opencontainers.image.version="${VERSION}"
# A numeric user, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
# The base image's pip goes: nothing installs anything in the running container.
RUN groupadd --system --gid 10001 myservice \
    && useradd --system --no-log-init --uid 10001 --gid myservice \
        --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin myservice \
    && python -m pip uninstall --yes --root-user-action=ignore pip \
    && install --directory --owner 10001 --group 10001 --mode 0700 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The settings files are read from the working directory; root owns them, the service reads them.
COPY settings.yml ./
# The embedded database is a file in /data, the one directory the service may write: mount a
# volume there to keep it (a new named volume takes the directory's owner, 10001). Production
# names its PostgreSQL in MYSERVICE_DATABASE_URL instead (the Kubernetes Secret). Either way,
# `quart db upgrade` migrates it before the service starts: workers never migrate.
# HOST 0.0.0.0: reachable from outside the container. One worker: scale with containers.
# Bytecode was compiled at install time, and the root filesystem may be read-only.
# QUART_APP: `quart db upgrade`, which the Kubernetes init container runs, finds the app.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    QUART_APP=myservice \
    MYSERVICE_DATABASE_URL=sqlite+aiosqlite:////data/myservice.db \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=1
# What GET /info says of this build: `make image` passes the commit and the time of the build.
# Last, so that a new commit invalidates no layer above.
ARG COMMIT=""
ARG BUILT=""
LABEL org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${BUILT}"
ENV BUILD_COMMIT=${COMMIT} \
    BUILD_TIME=${BUILT}
USER 10001:10001
EXPOSE 8000
# Liveness only, with what the slim image has: Python, no curl. Kubernetes ignores this and uses
# the probes in deploy/. The interval leaves the probe's own cost (about 30 ms) negligible.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '8000'), timeout=2)"]
# SIGTERM starts the drain (settings.yml); `docker stop` needs a --stop-timeout of at least
# DRAIN_DELAY + GRACEFUL_TIMEOUT + 10 s to wait for it (docs/deploy.md).
STOPSIGNAL SIGTERM
# Exec form: the server is PID 1 and receives the signals itself, with no shell in between.
CMD ["python", "-m", "myservice.core.serve"]
