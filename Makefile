# The two commands of the README: `make run` and `make test`. Each does whatever set-up is
# still missing on this machine, and nothing twice.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
HUB := $(VENV)/bin/hub
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
APT_PACKAGES := nats-server redis-server chromium maven docker-compose git

.PHONY: run test install install-tools system-packages lint web lock notebooks-strip

run: install install-tools system-packages web
	$(HUB) up
	$(HUB) graph ingest . --project commandcenter-hub --communities
	$(HUB) workflow apply workflows/ci-pipeline.yaml
	HUB_ENV=development $(HUB) run

test: install install-tools system-packages web
	$(VENV)/bin/pytest -q

install: $(STAMP)

# Reproducible: exactly the versions and hashes of requirements.lock, then the hub itself without
# resolving anything again. After changing dependencies in pyproject.toml: `make lock`.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q --require-hashes -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

lock:
	test -x $(VENV)/bin/uv || $(VENV)/bin/pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

# The eslint the linter agent falls back on for a JS/TS repository without its own: `npm ci` from
# tools/eslint's lock file, redone only when the lock file changes.
install-tools: tools/eslint/node_modules/.package-lock.json

tools/eslint/node_modules/.package-lock.json: tools/eslint/package.json tools/eslint/package-lock.json
	cd tools/eslint && npm ci --no-audit --no-fund
	touch $@

# Debian packages the runtime and the browser tests use; installed once if absent.
system-packages:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# VISLZR: `npm ci` from the committed lockfile, then a production build into web/dist; redone only
# when a source, the lockfile or the build config is newer than the last build.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json
web: web/dist/index.html

web/dist/index.html: $(WEB_SOURCES)
	cd web && npm ci --no-audit --no-fund && npm run build
	touch $@

# notebooks/ are committed without outputs (tests/intelligence/test_notebooks.py checks it).
notebooks-strip: install
	$(VENV)/bin/nbstripout notebooks/*.ipynb
