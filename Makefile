# The project's commands. `make help` lists them; CI runs every check of `make check` (.ci/run).
# Each target bootstraps .venv itself and reinstalls only when a requirements file or setup.py changed.

.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
BENCH := $(VENV)/.bench-installed
CHECKERS := $(VENV)/.checkers-installed
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' myservice/version.py)
# Image names may hold underscores, but the Kubernetes names in deploy/ cannot: dashes for both.
IMAGE ?= $(subst _,-,myservice):$(VERSION)
# The container engine `make image` uses: Docker, else Podman.
ENGINE ?= $(shell command -v docker || command -v podman)
# The manifests are validated against the schemas of the oldest and the newest Kubernetes
# versions the deploy files are meant for.
KUBERNETES_VERSIONS := 1.31.0 1.37.0
MANIFESTS := $(filter-out deploy/base/kustomization.yaml,$(wildcard deploy/base/*.yaml))
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off
# uv installs the pinned sets in seconds where pip takes a minute and more. Where it cannot be
# installed, or cannot reach your package index (it reads UV_INDEX_URL, not pip's settings),
# pip does it: make INSTALLER=pip.
INSTALLER ?= uv
UV_VERSION := 0.13.9
# Installs say what they do on standard error: `TOKEN=$$(make token)` captures the token alone.
install = if [ "$(INSTALLER)" = uv ] && [ -x $(BIN)/uv ]; then \
	$(BIN)/uv pip install --python $(BIN)/python $(1) >&2; else $(PIP_INSTALL) $(1) >&2; fi
# The servers `make test-servers` uses: PostgreSQL for the test databases, Redis for the rate
# limit shared by workers, RabbitMQ for the events.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672/
# Stops a target that needs a container engine, in one line, where none is installed or runs.
engine_running = if [ -z "$(ENGINE)" ]; then \
		echo "make $(1): no container engine: install Docker or Podman, or name one with ENGINE=" >&2; \
		exit 1; fi; \
	if ! command -v "$(ENGINE)" >/dev/null; then \
		echo "make $(1): no container engine: $(ENGINE) is not installed" >&2; \
		exit 1; fi; \
	if ! $(ENGINE) info >/dev/null 2>&1; then \
		echo "make $(1): $(ENGINE) is installed but no container engine is running ('$(ENGINE) info' failed): start one" >&2; \
		exit 1; fi
# What a person types after a target (make view NAME=...) reaches its recipe as an environment
# variable, quoted by the shell as "$$NAME": a quote or a semicolon in it stays data.
export NAME URL STORE SCOPES SUBJECT MESSAGE TOPIC CONTRACT CRON EVERY ZONE
# The tests `make test` runs: those in the test's own process. The tests that start servers
# (processes), run commands (commands) or drive a browser (browser) take seconds each, and run
# in `make test-servers` and `make test-all`, which also generate more examples per property.
TEST_MARKS ?= not commands and not browser and not processes
test-servers test-all: export HYPOTHESIS_PROFILE := thorough
# make test runs a process per core and one more: a fifth of its time is tests waiting for a
# timeout to pass, while another process can use the core.
# (Python counts the cores: macOS has no nproc.)
test: export PYTEST_XDIST_AUTO_NUM_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
# Python's bytecode cache, whatever the environment says (container images often turn it off):
# without it each test process compiles its 200 modules again, some 4 s a process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help run token serve worker migrate migration image servers bench fuzz view consumer schedule rename spec compat test test-all \
	test-servers lint format typecheck security validate check hooks config clean

help: ## List the targets and what each does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: migrate ## Migrate, then serve on http://127.0.0.1:5000 (set HOST, PORT), reloading on changes
	@# Tokens from `make token` sign in (the development key); production sets AUTH_JWKS_URL.
	@$(BIN)/python -m myservice.core.serve.port $(or $(HOST),127.0.0.1) $(or $(PORT),5000)
	MYSERVICE_AUTH_DEVELOPMENT_KEY=true QUART_APP=myservice exec $(BIN)/quart run --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),5000) --reload

serve: migrate ## Migrate, then serve for production with uvicorn workers on 127.0.0.1:8000 (set HOST, PORT, WORKERS)
	$(BIN)/python -m myservice.core.serve

worker: migrate ## Migrate, then run the consumers of events/ and the relay, probes and metrics on 127.0.0.1:8001 (set HOST, PORT, WORKERS)
	@# exec: the server is make's own child, so that make waits for its drain after Ctrl-C.
	MYSERVICE_ROLE=worker PORT=$(or $(PORT),8001) exec $(BIN)/python -m myservice.core.serve

token: $(RUNTIME) ## Print a token make run accepts: make token SCOPES="refunds:read refunds:write"
	@QUART_APP=myservice $(BIN)/quart token --scopes "$$SCOPES" $(if $(SUBJECT),--subject "$$SUBJECT")

migrate: $(RUNTIME) ## Migrate the database of the settings (DATABASE_URL) to the latest revision
	QUART_APP=myservice $(BIN)/quart db upgrade

migration: $(RUNTIME) ## Write a migration from the tables in data/: make migration MESSAGE="add refunds.reason"
	@if [ -z "$$MESSAGE" ]; then \
		echo 'make migration: say what it does: make migration MESSAGE="add refunds.reason"' >&2; exit 1; fi
	QUART_APP=myservice $(BIN)/quart db revision -m "$$MESSAGE"
	$(BIN)/python -m ruff format --quiet myservice/migrations/versions

image: ## Build the container image myservice:<version> with Docker or Podman (set IMAGE, ENGINE, TRACING=true)
	@$(call engine_running,image)
	@# --pull: a fresh base image, with its security fixes. Podman keeps HEALTHCHECK only in
	@# Docker's image format.
	$(ENGINE) build --pull $(if $(findstring podman,$(notdir $(ENGINE))),--format docker) \
		--build-arg VERSION=$(VERSION) $(if $(TRACING),--build-arg TRACING=$(TRACING)) \
		--build-arg COMMIT=$$(git rev-parse HEAD 2>/dev/null) \
		--build-arg BUILT=$$(date -u +%Y-%m-%dT%H:%M:%SZ) --tag $(IMAGE) .

servers: ## Start the PostgreSQL, Redis and RabbitMQ of make test-servers and make worker (compose.yaml)
	@$(call engine_running,servers)
	$(ENGINE) compose up --detach --wait

bench: $(BENCH) ## Compare req/s, p50 and p99 with bare Quart's, uvicorn's and FastAPI's, on PostgreSQL where one answers (about 10 min; needs wrk)
	$(BIN)/python -m bench.run

fuzz: $(DEV) ## Fuzz every operation of the served OpenAPI with schemathesis, with a fixed seed
	$(BIN)/python -m scripts.fuzz

view: $(DEV) ## Scaffold a stored resource: table, migration, views, tests: make view NAME=refunds
	$(BIN)/python -m scripts.new_view "$$NAME" $(if $(URL),--url "$$URL") $(if $(STORE),--store "$$STORE")

consumer: $(DEV) ## Scaffold a consumer of events/ with its test: make consumer NAME=send_receipts TOPIC=refunds.created
	$(BIN)/python -m scripts.new_consumer "$$NAME" --topic "$$TOPIC" $(if $(CONTRACT),--contract "$$CONTRACT")

schedule: $(DEV) ## Scaffold a job fired on a schedule, with its test: make schedule NAME=nightly_report CRON="0 3 * * *" (or EVERY=3600)
	$(BIN)/python -m scripts.new_schedule "$$NAME" $(if $(CRON),--cron "$$CRON") $(if $(EVERY),--every "$$EVERY") $(if $(ZONE),--zone "$$ZONE")

rename: $(DEV) ## Rename the package and every mention of it: make rename NAME=payments
	$(BIN)/python -m scripts.rename "$$NAME"

spec: $(RUNTIME) ## Rewrite openapi.json and asyncapi.json, the snapshots the tests compare, after a change of contract
	$(BIN)/python -m scripts.spec

compat: $(RUNTIME) ## Fail on a change of openapi.json or asyncapi.json that breaks callers since the last release tag (set REF)
	$(BIN)/python -m scripts.compat $(if $(REF),--ref $(REF))

test: $(DEV) ## Run the service's tests (core's and yours) in-process, in about 25 s; coverage is test-servers'
	$(BIN)/python -m pytest -n auto --dist worksteal -m "$(TEST_MARKS)" $(PYTEST_ARGS)

test-servers: $(DEV) ## Run make test plus the tests that start servers, on PostgreSQL, Redis and RabbitMQ; fails under 95%
	@$(BIN)/coverage erase
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) TEST_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/coverage run -m pytest -n auto --dist worksteal -m "not commands and not browser" $(PYTEST_ARGS)
	@$(BIN)/coverage combine --quiet
	@# Only the whole suite is held to the 95% bar (pyproject.toml): a run of some tests
	@# (PYTEST_ARGS) only reports coverage.
	$(BIN)/coverage report $(if $(PYTEST_ARGS),--fail-under=0)

test-all: $(DEV) $(BENCH) ## Run every test: the service's, its commands', the browser's and the tooling's end to end, events on RabbitMQ (12 min)
	@$(BIN)/coverage erase
	TEST_BROKER_URL=$(TEST_BROKER_URL) $(BIN)/coverage run --source=myservice,scripts -m pytest -n auto --dist worksteal $(PYTEST_ARGS) \
		myservice scripts/tests bench/tests deploy/tests
	@$(BIN)/coverage combine --quiet
	$(BIN)/coverage report $(if $(PYTEST_ARGS),--fail-under=0)

lint: $(DEV) ## Check style and formatting with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(DEV) $(BENCH) ## Type-check with mypy, strict (the benchmark's FastAPI twins too)
	$(BIN)/mypy

security: $(CHECKERS) ## Scan the code with bandit, and the pinned requirements for known vulnerabilities
	$(BIN)/bandit --configfile pyproject.toml --quiet --recursive myservice
	@# The tooling runs git, wrk, the server and schemathesis by design (ruff's S603 and S607 too).
	$(BIN)/bandit --configfile pyproject.toml --quiet --recursive --skip B404,B603,B607 scripts bench
	$(BIN)/python -m scripts.audit

validate: $(CHECKERS) ## Lint the Dockerfile, validate deploy/, compose.yaml and the CI files on their schemas, offline
	$(BIN)/hadolint Dockerfile
	@for version in $(KUBERNETES_VERSIONS); do \
		echo "$(BIN)/kubernetes-validate --strict --quiet --kubernetes-version $$version $(MANIFESTS)"; \
		$(BIN)/kubernetes-validate --strict --quiet --kubernetes-version $$version $(MANIFESTS) || exit 1; \
	done
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema custom.github-workflows-require-timeout .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
	$(BIN)/pre-commit validate-config .pre-commit-config.yaml

check: lint typecheck security validate compat test-servers test-all ## Run every check CI runs: lint, types, security, validate, compat, all tests

hooks: $(CHECKERS) ## Install the git pre-commit hook, which runs make lint, security and validate
	$(BIN)/pre-commit install

config: $(RUNTIME) ## Print the effective settings and the layer each comes from, secrets masked
	@QUART_APP=myservice $(BIN)/quart config

clean: ## Delete .venv and the caches the tools leave behind
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .schemathesis .hypothesis .coverage .coverage.* \
		build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
		{ echo "'$(PYTHON)' is not Python 3.11 or newer (or does not run); use make PYTHON=/path/to/python3.x" >&2; exit 1; }
	@echo "==> Creating $(VENV) with $$($(PYTHON) --version)" >&2
	@$(PYTHON) -m venv $(VENV) >&2
	@if [ "$(INSTALLER)" = uv ]; then echo "==> Installing uv $(UV_VERSION), the installer" >&2; \
		$(PIP_INSTALL) --quiet uv==$(UV_VERSION) >&2 || echo "==> No uv here: pip installs, more slowly" >&2; fi

$(RUNTIME): requirements.txt setup.py pyproject.toml | $(BIN)/python
	@echo "==> Installing myservice and its pinned runtime dependencies into $(VENV)" >&2
	@$(call install,-r requirements.txt -e .)
	@touch $@

$(DEV): $(RUNTIME) requirements-dev.txt requirements-tracing.txt
	@echo "==> Installing the pinned test and development tools, and OpenTelemetry, into $(VENV)" >&2
	@$(call install,-r requirements-dev.txt -r requirements-tracing.txt)
	@touch $@

$(CHECKERS): $(DEV) requirements-check.txt
	@echo "==> Installing the pinned offline checkers (bandit, hadolint, kubernetes-validate, ...)" >&2
	@$(call install,-r requirements-check.txt)
	@touch $@

$(BENCH): $(RUNTIME) requirements-bench.txt
	@echo "==> Installing the benchmark's comparison stack (FastAPI, Granian) into $(VENV)" >&2
	@$(call install,-r requirements-bench.txt)
	@touch $@
