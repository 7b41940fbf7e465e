# A Chroma server image for compose.yaml where chromadb/chroma cannot be pulled (no image registry):
# the same base as Analyst's image plus `pip install chromadb==1.5.9`, the client version pinned in
# pyproject.toml. deploy/build-local.sh --chroma builds it as chroma:local, and the compose tests
# run with CHROMA_IMAGE=chroma:local. Serves on :8000 and keeps its data in /data, as the official
# image does.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# curl: compose.yaml's health check (the official image's check uses it too).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/chroma \
    PATH=/opt/chroma/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
 && python -m venv /opt/chroma \
 && pip install --no-cache-dir "chromadb==1.5.9" \
 && groupadd --system --gid 10002 chroma \
 && useradd --system --uid 10002 --gid chroma --home-dir /data --no-create-home chroma \
 && mkdir /data && chown chroma:chroma /data

USER 10002:10002
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
CMD ["chroma", "run", "--host", "0.0.0.0", "--port", "8000", "--path", "/data"]
