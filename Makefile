# Two commands on a fresh machine: `make run` and `make test`. Both create .venv first.
PYTHON ?= $(shell command -v python3.12 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run test check lint venv next skip validate bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/reconnect dev --port $(PORT)

test: $(STAMP)
	scripts/test

lint: $(STAMP)
	scripts/check

validate: $(STAMP)
	$(BIN)/reconnect program validate

next: $(STAMP)
	$(BIN)/reconnect clock next

skip: $(STAMP)
	$(BIN)/reconnect clock advance $(or $(DAYS),7)d

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache test-artifacts
