# Berth: every entry point a user or CI needs. Python lives in a project venv
# (.venv) built from requirements*.txt, so a fresh machine needs only python3.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv test test-install lint typecheck check docs

help: ## list every target
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@# The distribution was called berth before 0.2.0: drop a stale editable install of it.
	$(PY) -m pip uninstall --quiet --yes berth 2>/dev/null || true
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## create the project virtualenv with every Python dependency

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP) ## mypy --strict (the example project separately: it has its own __main__)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy examples/consumer/__main__.py
	$(VENV)/bin/mypy examples/shop/__main__.py examples/shop/count_lines.py

test: $(STAMP) ## install everything and run the unit suite, lint and type checks
	$(VENV)/bin/pytest -q
	$(MAKE) --no-print-directory lint typecheck

test-install: $(STAMP) ## install berth-components into fresh virtualenvs and run consumer projects' pytest (offline)
	$(VENV)/bin/pytest -q -m install

check: lint typecheck ## lint and type checks only (no tests)

docs: $(STAMP) ## regenerate docs/reference.md from the code (tests/test_reference.py checks it)
	$(PY) -m components._reference > docs/reference.md

# ---------------------------------------------------------------------------
# Toolchain and local cluster (toolchain/, cluster/). See toolchain/README.md.
# The toolchain is built from pinned Go modules into
# $${XDG_CACHE_HOME:-~/.cache}/berth/toolchain/<key>/bin; the cluster runs on
# 127.0.0.1 with its state in .berth/cluster and its kubeconfig in .berth/kubeconfig.
# Targets never use an inherited KUBECONFIG: pass KUBECONFIG_PATH=... to use
# your own cluster instead (the local one must be on https://127.0.0.1:<port>).
STACK ?= dev
KUBECONFIG_PATH ?=
PULUMI_CWD ?= $(CURDIR)
BERTH_STACK = KUBECONFIG_PATH="$(KUBECONFIG_PATH)" PULUMI_CWD="$(PULUMI_CWD)" toolchain/stack.sh

.PHONY: toolchain test-toolchain test-images images cluster cluster-down cluster-status preview up destroy move

toolchain: ## build the pinned toolchain (pulumi, provider, kube-*, etcd, kwok) into the user cache
	toolchain/build.sh

test-images: ## Go tests of the real node's test images (toolchain/images: echo server, pause)
	cd toolchain/images && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go test -count=1 ./...

images: ## build the real node's test images as OCI archives into .berth/images (toolchain/images/build.sh)
	toolchain/images/build.sh .berth/images

test-toolchain: ## Go tests of Berth's Python language host (RunPlugin for policy packs, plugin venvs)
	cd toolchain/modules/pulumi-language-python && GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" go test -count=1 ./...

cluster: toolchain ## start the local control plane (idempotent); kubeconfig in .berth/kubeconfig
	source toolchain/env.sh && cluster/berth-cluster up

cluster-down: ## stop every cluster process and remove .berth/cluster and .berth/kubeconfig
	cluster/berth-cluster down

cluster-status: ## show the local cluster's processes, health and nodes
	@source toolchain/env.sh && cluster/berth-cluster status

preview: ## pulumi preview STACK=dev|staging|prod against the local cluster (or KUBECONFIG_PATH)
	$(BERTH_STACK) preview $(STACK)

up: ## pulumi up STACK=dev|staging|prod against the local cluster (or KUBECONFIG_PATH)
	$(BERTH_STACK) up $(STACK)

destroy: ## pulumi destroy STACK=dev|staging|prod against the local cluster (or KUBECONFIG_PATH)
	$(BERTH_STACK) destroy $(STACK)

# ---------------------------------------------------------------------------
# Benchmarks (issue 6): every measurement in a fresh interpreter; the report, table
# and plots land in bench/results/ (git-ignored). See bench/README.md.
.PHONY: bench bench-quick

bench: $(STAMP) ## benchmarks at N = 100..2000 (takes minutes; quiet machine): bench/results/report.md
	$(PY) -m bench

bench-quick: $(STAMP) ## smoke-run every benchmark section at tiny N (numbers not for comparison)
	$(PY) -m bench --quick

# ---------------------------------------------------------------------------
# End-to-end tests, rendering, and CI.
.PHONY: e2e e2e-traffic render ci

e2e: $(STAMP) toolchain ## end-to-end suite: its own local cluster, the real Pulumi CLI (slow)
	$(VENV)/bin/pytest -m e2e tests/e2e -q -p no:cacheprovider

e2e-traffic: $(STAMP) toolchain ## the traffic measurements alone (real node; writes tests/e2e/results/traffic.md)
	$(VENV)/bin/pytest -m traffic tests/e2e/traffic -q -p no:cacheprovider

render: $(STAMP) toolchain ## render STACK's manifests to rendered/STACK through the provider's render mode (no cluster)
	toolchain/render.sh $(STACK)

ci: ## what CI runs on a fresh clone: make test, make toolchain, make e2e (.ci/run)
	bash .ci/run

move: ## re-create STACK on the cluster it now points at (its old cluster is left untouched; docs/cluster-binding.md)
	$(BERTH_STACK) move $(STACK)

# The Pulumi program runs in the project venv, so every stack operation needs it first.
preview up destroy move: $(STAMP)
