# Party branch joint-building portal — developer commands.  `make help` lists them.
#
# Two commands do all the set-up on a fresh machine:
#   make run    virtualenv, dependencies, migrations, demo data, server on 127.0.0.1:$(PORT)
#   make test   the same set-up, then lint, migration check, system check and the test suite
#
# Locally DEBUG defaults to 1 (SQLite under var/, tasks run in-process, a SECRET_KEY kept under
# var/). Set DATABASE_URL / REDIS_URL to use PostgreSQL and Redis instead (see README.md).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
# Extra pytest options, e.g. PYTEST_ARGS="tests/activities -n 0" (a subset, in one process) or
# PYTEST_ARGS="--random-order". pyproject.toml runs pytest on every core (-n auto).
PYTEST_ARGS ?=
# The browser tests save a screenshot of each page they visit here (test artefacts).
SCREENSHOT_DIR ?= $(CURDIR)/var/screenshots
export DEBUG ?= 1

VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Touched after a successful install; pip runs again only when pyproject.toml is newer.
INSTALLED := $(VENV)/.installed

# What the browser tests need from the system (Debian packages).
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: help run test coverage lint fmt messages demo worker beat install \
	system-packages clean

help: ## List the commands
	@echo "Usage: make <target>   (PYTHON=$(PYTHON) PORT=$(PORT))"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

run: install ## Set up, load the demo committee and serve on 127.0.0.1:$(PORT)
	$(MANAGE) migrate --no-input
	DEMO_USERS=1 $(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install system-packages ## Lint, check imports, migrations and settings, run the tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check --fail-level WARNING
	SCREENSHOT_DIR="$(SCREENSHOT_DIR)" $(BIN)/pytest $(PYTEST_ARGS)
	@echo "make: the browser tests' screenshots are in $(SCREENSHOT_DIR)"

coverage: install system-packages ## The tests with line coverage of the portal's code
	SCREENSHOT_DIR="$(SCREENSHOT_DIR)" $(BIN)/pytest --cov=activities --cov=branches \
		--cov=partnerships --cov=portal --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: install ## ruff check, ruff format --check and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

fmt: install ## Format the code and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install ## Update locale/zh_Hans/LC_MESSAGES/django.po from the code, then compile it
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
	$(MANAGE) compilemessages --ignore=.venv --ignore=var

demo: install ## Migrate and (re)load the demo committee with its demo logins
	$(MANAGE) migrate --no-input
	DEMO_USERS=1 $(MANAGE) load_demo

worker: install ## Celery worker (needs REDIS_URL or CELERY_BROKER_URL)
	@$(MANAGE) shell -c "from django.conf import settings; raise SystemExit(0 if settings.CELERY_BROKER_URL else 'make worker needs a broker: set REDIS_URL=redis://127.0.0.1:6379/0 (or CELERY_BROKER_URL). Without one, tasks already run in-process.')"
	$(BIN)/celery -A portal worker --loglevel INFO

beat: install ## Celery beat, the periodic reports and reminders (needs a broker)
	@$(MANAGE) shell -c "from django.conf import settings; raise SystemExit(0 if settings.CELERY_BROKER_URL else 'make beat needs a broker: set REDIS_URL=redis://127.0.0.1:6379/0 (or CELERY_BROKER_URL).')"
	@mkdir -p var
	$(BIN)/celery -A portal beat --loglevel INFO

install: $(INSTALLED) ## Create .venv and install the project with its dev tools

# uv (Astral's installer, from PyPI) installs the same packages from the same index as pip, in
# parallel and from its own cache: seconds instead of a minute or more on a fresh clone, which
# every CI run is. pip only bootstraps it.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $@

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "make: '$(PYTHON)' was not found. The portal needs Python >= 3.11 with venv:"; \
		echo "      Debian/Ubuntu: apt-get install -y python3 python3-venv"; \
		echo "      or name another interpreter: make $(MAKECMDGOALS) PYTHON=python3.12"; \
		exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "make: $$(command -v $(PYTHON)) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); the portal needs Python >= 3.11."; \
		echo "      Install a newer one and name it: make $(MAKECMDGOALS) PYTHON=python3.12"; \
		exit 1; }
	@$(PYTHON) -m venv --clear $(VENV) >/dev/null 2>&1 || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "make: $(PYTHON) cannot create a virtual environment: installing python3-venv"; \
			mkdir -p var; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq python3-venv; } >var/apt-get.log 2>&1; \
		fi; \
		$(PYTHON) -m venv --clear $(VENV) || { \
			rm -rf $(VENV); \
			echo "make: $(PYTHON) cannot create a virtual environment (venv/ensurepip missing)."; \
			echo "      Debian/Ubuntu: apt-get install -y python3-venv"; \
			exit 1; }; }
	@echo "make: created $(VENV) with $$($(BIN)/python --version)"

# Chromium and the CJK fonts for the browser tests, Pango and the CJK fonts for the reports' PDFs
# (WeasyPrint); gettext for the translation test, which runs
# makemessages (the compiled .mo is committed: `make messages` rebuilds it). As root with apt
# they are installed; otherwise the command is printed and the tests that need them skip (or
# fail, in CI or when DATABASE_URL / REDIS_URL are set).
system-packages:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	[ -e $(CJK_FONT) ] || missing="$$missing fonts-noto-cjk"; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || missing="$$missing libpangoft2-1.0-0"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing system packages:$$missing (log: var/apt-get.log)"; \
		mkdir -p var; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq$$missing; } >var/apt-get.log 2>&1 \
		|| { tail -n 20 var/apt-get.log; \
			echo "make: WARNING: apt-get could not install$$missing."; }; \
	else \
		echo "make: WARNING: missing system packages:$$missing"; \
		echo "make: WARNING: the tests that need them will be SKIPPED (they FAIL in CI)."; \
		echo "make: WARNING: install them with: sudo apt-get install -y$$missing"; \
	fi

clean: ## Remove .venv, caches and collected static files (keeps var/ database and key)
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info var/static
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
