# syntax=docker/dockerfile:1
#
# One image recipe for all seven services of the coop platform.
#
#   docker build --build-arg SERVICE=members --build-arg PORT=8001 -t coop/members:dev .
#
# SERVICE  gateway | members | invoicing | payroll | governance | notifications | portal
# PORT     the port uvicorn listens on inside the container (conventions:
#          gateway 8080, members 8001, invoicing 8002, payroll 8003,
#          governance 8004, notifications 8005, portal 8006). Required: a silent default
#          would make the image disagree with the probes of the manifests.
#
# Only shared/ and services/$SERVICE/ enter the build (.dockerignore is an
# allow-list); no secret is baked in: every secret comes from the environment
# at run time (docker-compose env file, Kubernetes Secrets).
#
# The base image is pinned to a patch version AND a digest (reproducible
# builds; renew both together, e.g. with Renovate/Dependabot or
# `docker buildx imagetools inspect python:3.11.14-slim-bookworm`).

########################################################################
# build: a virtualenv holding the service, coop-shared and their deps
########################################################################
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS build

ARG SERVICE
ARG PORT

# Fail early, and say why, on a missing or misspelt build argument.
RUN case "${SERVICE}" in \
      gateway|members|invoicing|payroll|governance|notifications|portal) ;; \
      *) echo "build arg SERVICE must be one of: gateway members invoicing payroll governance notifications portal (got '${SERVICE}')" >&2; exit 1 ;; \
    esac; \
    case "${PORT}" in \
      ''|*[!0-9]*) echo "build arg PORT must be the service's port number, e.g. --build-arg PORT=8001 (got '${PORT}')" >&2; exit 1 ;; \
    esac

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv

WORKDIR /src
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/

# Regular (non-editable) installs: the venv is self-contained and is the only
# thing copied into the runtime stage. Runtime versions are pinned in each
# pyproject.toml; `pip check` fails the build on a broken dependency set.
# Byte-code is compiled here because the runtime root filesystem is read-only.
RUN /opt/venv/bin/pip install --no-cache-dir ./shared "./services/${SERVICE}" \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/python -m compileall -q /opt/venv/lib

########################################################################
# runtime: slim image, non-root, read-only friendly
########################################################################
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS runtime

ARG SERVICE
ARG PORT

LABEL org.opencontainers.image.title="coop-${SERVICE}" \
      org.opencontainers.image.description="Cooperative platform service: ${SERVICE}"

# COOP_SERVICE / COOP_PORT are read by CMD and by the health check; they are
# not application settings.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COOP_SERVICE=${SERVICE} \
    COOP_PORT=${PORT}

# A fixed numeric UID/GID so that Kubernetes can verify runAsNonRoot.
RUN groupadd --system --gid 10001 coop \
 && useradd --system --uid 10001 --gid coop --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin coop

COPY --from=build /opt/venv /opt/venv
COPY deploy/docker/healthcheck.py /opt/coop/healthcheck.py

WORKDIR /opt/coop
USER 10001:10001

EXPOSE ${PORT}

# Liveness only (process up). Compose overrides the path with /health/ready;
# Kubernetes ignores HEALTHCHECK and uses its own probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "/opt/coop/healthcheck.py", "/health/live"]

STOPSIGNAL SIGTERM

# `exec` makes uvicorn PID 1 so that it receives SIGTERM directly. The shell is
# only there to expand COOP_SERVICE/COOP_PORT (exec-form CMD expands nothing).
# --timeout-graceful-shutdown bounds the drain of open connections, so the
# lifespan shutdown (stop consumers, flush the outbox relay, close clients)
# still runs inside Kubernetes' terminationGracePeriodSeconds (40 s).
CMD ["sh", "-c", "exec uvicorn --factory \"${COOP_SERVICE}.main:create_app\" --host 0.0.0.0 --port \"${COOP_PORT}\" --timeout-graceful-shutdown 20"]
