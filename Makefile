# The platform's commands. `make run` and `make test` work on a fresh machine:
# they create the virtual environment and install everything first.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SERVICES := gateway members invoicing payroll governance notifications
PYPROJECTS := shared/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install run test test-unit lint contracts bench bench-gateway bench-payroll clean

help:
	@echo "make run        the whole platform on this machine (SecantusDB + RabbitMQ + six services)"
	@echo "make test       every test: unit, integration (real servers), end-to-end"
	@echo "make lint       ruff + mypy"
	@echo "make contracts  JSON Schemas of every event and the AsyncAPI document in docs/"
	@echo "make bench      benchmarks that print measured ratios"
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

test-unit: install
	$(BIN)/python -m pytest -m "not e2e" shared/tests/unit services/*/tests/unit $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy -p coop_shared $(foreach s,$(SERVICES),-p $(s))

contracts: install
	$(BIN)/python -m coop_shared.contracts.export docs/events

bench: install
	$(BIN)/python -m bench

bench-gateway: install
	$(BIN)/python -m bench.gateway

bench-payroll: install
	$(BIN)/python -m bench.payroll_run

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache

-include deploy/deploy.mk
