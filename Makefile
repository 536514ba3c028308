# Berth: every entry point a user or CI needs. Python lives in a project venv
# (.venv) built from requirements*.txt, so a fresh machine needs only python3.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv test lint typecheck check

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## create the project virtualenv with every Python dependency

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP) ## mypy --strict
	$(VENV)/bin/mypy

test: $(STAMP) ## install everything and run the unit suite, lint and type checks
	$(VENV)/bin/pytest -q
	$(MAKE) --no-print-directory lint typecheck
