# Two commands on a fresh machine: `make run` and `make test`. Both create .venv first.
# The first interpreter that really runs and is 3.11 or newer (version managers may
# put shims on PATH for versions that are not installed).
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; \
  done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run test test-fast check lint venv lock image-check next skip validate preview bench clean

# Installs exactly the locked files (requirements/dev.txt, checked against its hashes),
# then the project itself without dependencies. scripts/lock regenerates the lock.
$(STAMP): pyproject.toml requirements/dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 or python3)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/reconnect dev --port $(PORT)

test: $(STAMP)
	scripts/test

# The inner loop: everything but the tests marked browser, process or fault (see
# tests/conftest.py), no static checks. `make test` stays the full suite.
test-fast: $(STAMP)
	scripts/test-fast

lint: $(STAMP)
	scripts/check

# After changing dependencies in pyproject.toml: regenerate requirements/*.txt.
lock:
	scripts/lock

image-check: $(STAMP)
	scripts/image-check

validate: $(STAMP)
	$(BIN)/reconnect program validate

preview: $(STAMP)
	$(BIN)/reconnect program preview

next: $(STAMP)
	$(BIN)/reconnect clock next

skip: $(STAMP)
	$(BIN)/reconnect clock advance $(or $(DAYS),7)d

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache .grimp_cache .import_linter_cache test-artifacts
