# ESP Monitor — every target sets itself up on a machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     := $(or $(ESP_DB),data/esp.duckdb)

.DEFAULT_GOAL := help
.PHONY: help setup run db test lint format bench felt loadtest loadtest-browser cluster clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.run-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.dev-installed: $(BIN)/.run-installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(BIN)/.dev-installed ## create .venv and install everything

db: $(BIN)/.run-installed ## create or migrate the database (with the illustrative data when new)
	@if [ -f "$(DB)" ]; then $(BIN)/python -m analytics init; \
	else $(BIN)/python -m analytics init --demo; fi

run: db ## set up and serve the app on http://127.0.0.1:8501
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1 --server.port 8501

test: $(BIN)/.dev-installed ## set up and run every test (browser tests need /usr/bin/chromium)
	$(BIN)/python -m pytest

lint: $(BIN)/.dev-installed ## ruff check and format check, import contracts, dead code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/vulture analytics webui app.py app_pages tests benchmarks scripts tests/dead_code_allowlist.py --min-confidence 60

format: $(BIN)/.dev-installed ## ruff format
	$(BIN)/ruff format .

bench: $(BIN)/.dev-installed ## the benchmark at sizes S1 and S2 (writes benchmarks/results.json)
	$(BIN)/python -m benchmarks.run

felt: $(BIN)/.dev-installed ## speed as felt in Chromium, beside a bare Streamlit app (writes benchmarks/felt.json)
	$(BIN)/python -m benchmarks.felt

loadtest: $(BIN)/.dev-installed ## 1, 30, 60, 120 people at once over Streamlit's protocol (writes benchmarks/protoload.json)
	$(BIN)/python -m benchmarks.protoload

loadtest-browser: $(BIN)/.dev-installed ## concurrent real-browser sessions against a local app (what only a browser shows)
	$(BIN)/python -m benchmarks.loadtest

cluster: $(BIN)/.run-installed ## two app processes behind HAProxy on http://127.0.0.1:8080 (needs ESP_DB=postgresql://…)
	$(BIN)/python scripts/cluster.py

clean: ## remove the virtual environment and caches (never the database)
	rm -rf $(VENV) .pytest_cache .ruff_cache
