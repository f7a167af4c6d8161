# The project's commands. `make help` lists them; CI runs `make lint typecheck test` (.ci/run).
# Each target bootstraps .venv itself and reinstalls only when a requirements file or setup.py changed.

.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
BENCH := $(VENV)/.bench-installed
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off

.PHONY: help run serve bench fuzz view rename spec test lint format typecheck check config clean

help: ## List the targets and what each does
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: $(RUNTIME) ## Serve on http://127.0.0.1:5000 (set HOST, PORT) with the reloading development server
	QUART_APP=myservice $(BIN)/quart run --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),5000) --reload

serve: $(RUNTIME) ## Serve for production with Hypercorn on 127.0.0.1:8000 (set HOST, PORT, WORKERS)
	$(BIN)/python -m myservice.serve

bench: $(BENCH) ## Compare req/s, p50 and p99 with bare Quart's and uvicorn's (about 2 min; needs wrk)
	$(BIN)/python bench/run.py

fuzz: $(DEV) ## Fuzz every operation of the served OpenAPI with schemathesis, with a fixed seed
	$(BIN)/python -m scripts.fuzz

view: $(DEV) ## Scaffold a view module and its test module: make view NAME=refunds
	$(BIN)/python -m scripts.new_view "$(NAME)"

rename: $(DEV) ## Rename the package and every mention of it: make rename NAME=payments
	$(BIN)/python -m scripts.rename "$(NAME)"

spec: $(RUNTIME) ## Rewrite openapi.json, the API snapshot the tests compare, after an API change
	$(BIN)/python -m scripts.spec

test: $(DEV) ## Run the test suite with coverage; fails under 95% of lines and branches
	$(BIN)/pytest --cov --cov-report=term-missing:skip-covered

lint: $(DEV) ## Check style and formatting with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(DEV) ## Type-check with mypy, strict
	$(BIN)/mypy

check: lint typecheck test ## Run lint, typecheck and test, as CI does

config: $(RUNTIME) ## Print the effective settings and the layer each comes from, secrets masked
	@QUART_APP=myservice $(BIN)/quart config

clean: ## Delete .venv and the caches the tools leave behind
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .schemathesis .hypothesis .coverage build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || \
		{ echo "'$(PYTHON)' is not Python 3.10 or newer (or does not run); use make PYTHON=/path/to/python3.x" >&2; exit 1; }
	@echo "==> Creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.txt setup.py pyproject.toml | $(BIN)/python
	@echo "==> Installing myservice and its pinned runtime dependencies into $(VENV)"
	$(PIP_INSTALL) -r requirements.txt -e .
	@touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	@echo "==> Installing the pinned test and development tools into $(VENV)"
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@

$(BENCH): $(RUNTIME) requirements-bench.txt
	@echo "==> Installing the benchmark's extra server (uvicorn) into $(VENV)"
	$(PIP_INSTALL) -r requirements-bench.txt
	@touch $@
