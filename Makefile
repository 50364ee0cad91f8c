# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.zmqrepl-installed

.PHONY: run test setup lint bench clean

run: setup
	$(BIN)/zmqrepl --demo

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check zmqrepl
	$(BIN)/mypy zmqrepl

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
	rm -rf $(VENV) build *.egg-info zmqrepl/core/_zmq*.so zmqrepl/core/_zmq.c zmqrepl/core/_zmq.o zmqrepl/core/csrc/*.o
