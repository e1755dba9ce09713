# pvequorum: two set-up commands for a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint format lab dashboard notebooks bench clean

# Jupyter refuses to run as root without this flag (CI and lab machines often are root).
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[all]'
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## demo: create .venv, install, run the kit's main job on an embedded example:
## the restore-quorum runbook on a two-node cluster with pve2 down (plan mode)
demo: $(STAMP)
	$(BIN)/pvequorum runbook restore-quorum --example -o demo-restore-quorum.ipynb

## test: create .venv, install the test extras, run the whole suite on two workers
## (one test file per worker: a file's lab tests share its fixtures and stay in order)
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## lint: ruff lint and format check, mypy (strict for the pure core); CI runs it too
lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

## lab: open JupyterLab on the notebooks and labs
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(ROOT_FLAG)

## dashboard: serve the outage simulator as a Voila app on http://127.0.0.1:8866/
dashboard: $(STAMP)
	$(BIN)/pvequorum dashboard

## notebooks: rebuild notebooks and labs from their sources (after editing a source)
notebooks: $(STAMP)
	$(BIN)/python -m pvequorum.teaching.build

## bench: print the speed figures (medians of several runs)
bench: $(TEST_STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache .hypothesis
