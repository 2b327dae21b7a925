# Two commands for a fresh machine: `make run` and `make test`. Both create .venv/ when missing and
# install torch's CPU wheel first, so nothing pulls a CUDA build, then the project.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.chatrec-installed

.PHONY: run test setup lint

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install --no-deps bokeh-sampledata==2026.1
	$(PIP) install -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/chatrec ingest
	@echo
	@echo 'The catalog is in the store. Search it, for example:'
	@echo '  .venv/bin/chatrec search "heist thriller in the 90s directed by Michael Mann"'
	@echo '  .venv/bin/chatrec search "romantic comedy" --year-from 1980 --year-to 1989 --max-runtime 100'

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
