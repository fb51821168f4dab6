# WowDesk — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip -q --disable-pip-version-check

.PHONY: run test lint typecheck contracts test-sqlite test-postgres assets clean

$(VENV)/.run-installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -e . 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import wowdesk" && touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed
	@$(PIP) install -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import pytest, ruff, mypy, importlinter" && touch $@

# Third-party browser assets come from npm at build time (package.json), never from the repository.
node_modules/.assets-installed: package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund --loglevel=error >/dev/null && touch $@; \
	else \
		echo "npm not found: /docs will load Swagger UI from its CDN"; \
	fi

assets: node_modules/.assets-installed

## run: install, migrate ./var/wowdesk.db, seed the demo workspace once, serve on 127.0.0.1:8000
run: $(VENV)/.run-installed assets
	@$(BIN)/wowdesk migrate
	@$(BIN)/wowdesk demo
	@exec $(BIN)/wowdesk serve --no-migrate

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy src

contracts: $(VENV)/.test-installed
	$(BIN)/lint-imports

test-sqlite: $(VENV)/.test-installed
	WOWDESK_TEST_TARGET=sqlite $(BIN)/pytest

# Runs when WOWDESK_TEST_DATABASE_URL is set (CI sets it and WOWDESK_TEST_REDIS_URL); never skipped there.
test-postgres: $(VENV)/.test-installed
	@if [ -n "$$WOWDESK_TEST_DATABASE_URL" ]; then \
		echo "== suite on PostgreSQL ($$WOWDESK_TEST_DATABASE_URL) + Redis ($$WOWDESK_TEST_REDIS_URL)"; \
		WOWDESK_TEST_TARGET=postgres $(BIN)/pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI must run the suite on PostgreSQL: set WOWDESK_TEST_DATABASE_URL and WOWDESK_TEST_REDIS_URL"; exit 1; \
	else \
		echo "== WOWDESK_TEST_DATABASE_URL not set: PostgreSQL run not requested (.ci/run sets it)"; \
	fi

## test: lint, types, import-layer contracts, the suite on SQLite (and PostgreSQL + Redis when configured)
test: lint typecheck contracts test-sqlite test-postgres

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
