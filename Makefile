# `make run` and `make test` set up everything they need on a fresh machine (Python 3.11+).
# Both install the exact versions in requirements.lock (what CI tests with); `make lock` refreshes it
# from pyproject.toml's ranges.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: install run test check format bench lock clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py

test: $(STAMP)
	$(PY) -m pytest

# Lint, format and types: clean on main, run by CI before the tests.
check: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_compare.py
	$(PY) benchmarks/bench_targets.py
	$(PY) benchmarks/bench_load.py

# Resolve pyproject.toml's ranges (with the test, dev and bench extras) in a scratch venv and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet ".[test,dev,bench]"
	( echo "# Exact versions that CI and make run/test install; refresh with make lock."; \
	  .lock-venv/bin/python -m pip freeze --exclude diamond-partners-explorer ) > $(LOCK)
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
