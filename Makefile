# Two commands do everything: `make run` and `make test` (`make test-all`: every interpreter).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.zmqrepl-installed

.PHONY: run test test-all setup lint format bench clean

run: setup
	$(BIN)/zmqrepl --demo

test: setup
	$(BIN)/python -m pytest -q

# The test matrix (noxfile.py): CPython 3.9 to 3.13 and PyPy 3.9, each in its own venv under
# .nox/, running the suites that differ between interpreters. A missing interpreter fails.
test-all: setup
	$(BIN)/nox

# What CI (.ci/run) checks before the tests, and the pre-commit hooks check locally: lint, the
# formatter, and types for this Python; the package alone is also type-checked for the oldest
# Python it supports (tests/ and bench/ run only here: pytest 9 itself no longer parses as 3.9).
LINT_PATHS := zmqrepl tests bench
# The oldest Python the package supports: also pyproject's requires-python, mypy python_version
# and ruff target-version.
OLDEST_PYTHON := 3.9
VENV_PYTHON = $$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy --python-version "$(VENV_PYTHON)" $(LINT_PATHS)
	$(BIN)/mypy --python-version $(OLDEST_PYTHON) zmqrepl

# Rewrites the files the way `ruff format --check` (in lint) wants them.
format: setup
	$(BIN)/ruff format $(LINT_PATHS)

bench: setup
	$(BIN)/python -m bench

setup: $(STAMP)

CSRC := $(wildcard zmqrepl/core/csrc/*.c zmqrepl/core/csrc/*.h)

$(STAMP): pyproject.toml setup.py zmqrepl/core/_build.py $(CSRC) scripts/ensure-system-deps.sh
	@sh scripts/ensure-system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,notebook]'
	$(BIN)/python -m compileall -q zmqrepl
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .nox build dist *.egg-info zmqrepl/core/_zmq*.so zmqrepl/core/_zmq.c zmqrepl/core/_zmq.o zmqrepl/core/csrc/*.o
