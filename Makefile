# The two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A real NFVO client for the tests, in a virtualenv of its own: its dependencies never
# mix with the product's.
NFVO_VENV := .venv-nfvo
NFVO_STAMP := $(NFVO_VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NFVO_STAMP):
	$(PYTHON) -m venv $(NFVO_VENV)
	$(NFVO_VENV)/bin/pip install --quiet 'python-tackerclient>=2.0'
	touch $(NFVO_STAMP)

run: $(STAMP)
	$(BIN)/vnfm db upgrade
	$(BIN)/vnfm serve

test: $(STAMP) $(NFVO_STAMP)
	$(BIN)/ruff check vnfm tests migrations bench
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check vnfm tests migrations bench

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(NFVO_VENV) var .pytest_cache
