# The platform's commands. `make run` and `make test` work on a fresh machine:
# they create the virtual environment and install everything first.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SERVICES := gateway members invoicing payroll governance notifications portal
PYPROJECTS := shared/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install run test test-faults test-unit test-portal portal-assets portal-messages lint contracts docs-assets bench bench-gateway bench-events bench-issue bench-payroll load soak clean

help:
	@echo "make run        the whole platform on this machine (SecantusDB + RabbitMQ + seven services, portal at /app/)"
	@echo "make test       every test: unit, integration (real servers), end-to-end"
	@echo "make test-faults  the fault suite: broker, services and database killed while invoices are paid"
	@echo "make lint       ruff + mypy"
	@echo "make contracts  JSON Schemas of every event and the AsyncAPI document in docs/"
	@echo "make docs-assets  Swagger UI and ReDoc files from the pinned npm packages into the gateway"
	@echo "make bench      benchmarks that print measured ratios"
	@echo "make load       the month-end peak (500 members x 4 invoices, 2,000 voters, a payroll run) on its own platform"
	@echo "make soak       an hour of steady use; p50/p99 and database CPU per 5-minute window (not in CI)"
	@echo "make up / down / logs / k8s-validate / compose-validate   deployment (see docs/deploy.md)"

install: $(STAMP)

# Re-installs only when a dependency list changes.
$(STAMP): $(PYPROJECTS) requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt \
		-e shared $(foreach s,$(SERVICES),-e services/$(s))
	@touch $(STAMP)

run: install
	$(BIN)/python -m coop_shared.devserver

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Faults injected into a platform of its own (RabbitMQ node, SecantusDB, services on free ports): nothing may be
# lost, applied twice or left stuck. Bounded to 10 minutes.
test-faults: install
	timeout --signal=INT --kill-after=30 600 $(BIN)/python -m pytest tests/faults -m faults -s -p no:cacheprovider $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m "not e2e" shared/tests/unit services/*/tests/unit $(PYTEST_ARGS)

# The portal in a real browser (Chromium from the distribution) against the platform as `make run` starts it.
test-portal: install
	$(BIN)/python -m pytest services/portal/tests $(PYTEST_ARGS)

# Re-vendors htmx and Pico CSS (and axe-core for the tests) from the pinned services/portal/package-lock.json.
portal-assets:
	cd services/portal && npm ci --no-audit --no-fund
	cp services/portal/node_modules/htmx.org/dist/htmx.min.js services/portal/src/portal/static/vendor/
	cp services/portal/node_modules/@picocss/pico/css/pico.min.css services/portal/src/portal/static/vendor/
	cp services/portal/node_modules/axe-core/axe.min.js services/portal/tests/e2e/vendor/

# Extracts the portal's messages and compiles the fr/nl catalogues.
portal-messages: install
	cd services/portal && ../../$(BIN)/pybabel extract -F babel.cfg -k N_ -o src/portal/locale/messages.pot \
		--no-location --sort-output --project=coop-portal .
	cd services/portal && ../../$(BIN)/pybabel update -i src/portal/locale/messages.pot -d src/portal/locale \
		--ignore-obsolete --no-fuzzy-matching --no-wrap
	cd services/portal && ../../$(BIN)/pybabel compile -d src/portal/locale -D messages

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy -p coop_shared $(foreach s,$(SERVICES),-p $(s))

contracts: install
	$(BIN)/python -m coop_shared.contracts.export docs/events

# The API viewers' scripts, copied from the pinned npm packages (package.json) into the gateway; committed.
DOCS_STATIC := services/gateway/src/gateway/static
docs-assets:
	npm ci --no-audit --no-fund
	mkdir -p $(DOCS_STATIC)/swagger-ui $(DOCS_STATIC)/redoc
	cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,favicon-32x32.png,LICENSE} $(DOCS_STATIC)/swagger-ui/
	cp node_modules/redoc/bundles/{redoc.standalone.js,redoc.standalone.js.LICENSE.txt} node_modules/redoc/LICENSE $(DOCS_STATIC)/redoc/

bench: install
	$(BIN)/python -m bench

bench-gateway: install
	$(BIN)/python -m bench.gateway

bench-events: install
	$(BIN)/python -m bench.events

bench-issue: install
	$(BIN)/python -m bench.issue

bench-payroll: install
	$(BIN)/python -m bench.payroll_run

# The month-end peak against the platform as `make run` starts it (its own ports and data under .data/load).
load: install
	timeout --signal=INT 3600 $(BIN)/python -m bench.load $(LOAD_ARGS)

# An hour of steady use, bounded; not in CI.
soak: install
	timeout --signal=INT 4500 $(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache

-include deploy/deploy.mk
