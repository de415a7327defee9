# Offline preview and checks of the RBAC cost-center environment. Needs Python 3.11, pip, Node, npm.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= dev
JSON ?=
MARKDOWN ?=
NODE_DIR := offline/node

.PHONY: setup node preview test bench docs lint clean

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -m venv $(VENV) >&2
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock >&2
	@touch $@

# Node runs the Auth0 code and the IAM evaluator; without it the rest of the preview still runs.
node: $(VENV)/.installed
	@$(PY) -m offline.node_setup

setup: $(VENV)/.installed node

preview: setup
	@$(PY) -m offline.preview --stack $(STACK) $(if $(JSON),--json) $(if $(MARKDOWN),--markdown)

lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest

bench: setup
	@$(PY) -m bench.run

docs: setup
	$(PY) tools/gen_config.py

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules .pytest_cache .ruff_cache .hypothesis
