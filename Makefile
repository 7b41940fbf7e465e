# Analyst: `make run` installs everything, indexes corpus/ and starts the bot (Discord when
# DISCORD_TOKEN is set, else the console channel); `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# llama.cpp is built for the x86-64 baseline with AVX2 (as in the Docker image), not -march=native: on
# hosts that advertise AMX without enabling it for processes, a native build dies on its first
# request ("invalid opcode" in libggml-cpu, seen here). Override to taste: make CMAKE_ARGS=...
CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export CMAKE_ARGS

.PHONY: install run test test-fast test-faults test-docker docker bench lint chat doctor clean

$(STAMP): pyproject.toml
	@echo "Analyst: installing into $(VENV) (the first time llama-cpp-python builds from source, ~7 min;"
	@echo "         pip caches the wheel). Details: $(VENV)/install.log"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --upgrade pip > $(VENV)/install.log 2>&1 || { tail -40 $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install -e ".[local-llm,dev]" >> $(VENV)/install.log 2>&1 || { tail -40 $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip check >> $(VENV)/install.log 2>&1 || $(BIN)/python -m pip check
	@! $(BIN)/python -m pip show torch >/dev/null 2>&1 || { echo "torch must not be installed"; exit 1; }
	@touch $(STAMP)
	@echo "Analyst: installed."

install: $(STAMP)

run: install
	@$(BIN)/analyst run

chat: install
	$(BIN)/analyst chat

doctor: install
	$(BIN)/analyst doctor

lint: install
	$(BIN)/ruff check .

# Lint, then everything, including the tests that drive the real local LLM (CI runs this). The
# Docker tests skip here: a cold image build takes longer than CI's budget leaves (`make test-docker`).
test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Skip the slow model-driven tests for a quick local loop.
test-fast: install lint
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-faults: install
	$(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

# The Docker image, built here without an image registry (starts dockerd if needed; base image once).
docker:
	deploy/build-local.sh --chroma

# Build (via deploy/build-local.sh) and run the image and compose for real; skip without an engine.
test-docker: install
	RUN_DOCKER_TESTS=1 $(BIN)/python -m pytest -m docker tests/deploy $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf .analyst .pytest_cache bench/results.json
