# Everything runs from .venv, created and refreshed from pyproject.toml; a fresh machine needs
# only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest bench clean emulator

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("twiliokit needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# `make run ARGS='--port 0'` passes options through to `twiliokit serve --emulator`.
run: $(STAMP)
	$(BIN)/twiliokit serve --emulator $(ARGS)

emulator: $(STAMP)
	$(BIN)/twiliokit emulator

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	bash scripts/ensure-postgres.sh
	$(BIN)/pytest -n 2 -q

test: lint types pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
