# The README's two commands: `make run` and `make test`. Nothing else needs installing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-slow test-fast test-unit lint golden screenshot bench clean-venv

$(STAMP): pyproject.toml setup.py $(wildcard cleaner/*/*.c)  # the C kernels: rebuilt on change
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)  ## clean raw/ into clean/
	$(BIN)/cleaner run raw clean

lint: $(STAMP)
	$(BIN)/ruff check cleaner tests bench setup.py
	$(BIN)/ruff format --check cleaner tests bench setup.py
	$(BIN)/mypy

test: lint  ## lint, type-check and run the tests but the slow ones (CI runs those: test-slow)
	$(BIN)/python -m pytest -m "not slow"

test-slow: $(STAMP)  ## the slow tests alone (Ray clusters, kills, the hooks, the browser)
	$(BIN)/python -m pytest -m slow

test-fast: $(STAMP)  ## a quick loop: the tests without the slow and fuzz ones, no lint
	$(BIN)/python -m pytest -m "not slow and not fuzz"

test-unit: $(STAMP)  ## a quicker loop: tests/unit only
	$(BIN)/python -m pytest tests/unit

golden: run  ## regenerate the golden output in clean/ after an intended change

screenshot: run  ## docs/report.png: the report of raw/ in headless Chromium (needs chromium)
	$(BIN)/cleaner report clean --to $(VENV)/report.html
	$(BIN)/python -m tests.browser $(VENV)/report.html docs/report.png

clean-venv:
	rm -rf $(VENV)
