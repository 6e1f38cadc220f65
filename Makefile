# piplvault — one command to run, one to test. See README.md.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
DEMO ?= demo-vault
export PIPLVAULT_DEMO_PASSPHRASE ?= demo-口令-change-me
export PIPLVAULT_DEMO_OWNER_PASSWORD ?= demo-owner-change-me

.PHONY: install lock system-deps run test test-pg check lint typecheck bench examples clean

# Every install comes from requirements.lock (exact versions, sha256 hashes, all extras):
# what passed on one machine installs the same on the next. `make lock` refreshes it.
$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

# Re-resolve the lock from pyproject.toml's ranges (uv only compiles; pip installs).
lock:
	python3 -m venv .tools && .tools/bin/pip install -q uv==0.13.8
	.tools/bin/uv pip compile pyproject.toml --all-extras --generate-hashes --universal \
	  --python-version 3.11 --no-header -o requirements.lock

# Debian packages: PostgreSQL for the store/vault contract tests (the suite starts its own
# throw-away cluster and skips loudly if it cannot), Pango + Noto CJK fonts for PDF documents,
# poppler-utils to render PDF pages in tests, Chromium for the console's browser tests.
# Installed when missing and we are root.
system-deps:
	@missing=""; \
	if ! command -v pg_config >/dev/null 2>&1 || [ ! -x "$$(pg_config --bindir 2>/dev/null)/initdb" ]; then missing="postgresql postgresql-contrib"; fi; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "WARNING: not root, cannot install$$missing: PostgreSQL/PDF/browser tests will be skipped"; fi; \
	fi

# At a terminal the demo then serves the web console on 127.0.0.1:8000 (Ctrl-C stops);
# DEMO_SERVE=0 (or no terminal, as in CI) only runs the demo commands.
run: install
	@bash examples/demo.sh $(BIN)/piplvault $(DEMO)

# --dist loadscope: a module's tests share one worker, so a module-scoped fixture (a whole
# transfer, a deregistration) is built once, not once per worker. Prints the wall time.
test: install system-deps
	@start=$$(date +%s); $(BIN)/pytest -n 2 --dist loadscope -q --durations=25; rc=$$?; \
	  echo "make test: $$(( $$(date +%s) - start )) s wall time (budget 600 s on 2 cores)"; exit $$rc

# The vault-level tests again, every vault on its own database of a throw-away PostgreSQL
# cluster (PIPLVAULT_TEST_DB=postgresql, tests/pgswitch.py). Skips loudly, exit 0, only when
# PostgreSQL cannot start on this machine; tests marked sqlite_only are skipped.
PG_TESTS ?= tests/lifecycle tests/security tests/transfer tests/deregistration \
  tests/requests tests/incidents tests/sharing tests/approvals tests/policy tests/intake \
  tests/server tests/web tests/documents tests/test_vault_cli.py tests/test_store_contract.py \
  tests/test_audit_tamper.py tests/test_audit_events.py tests/test_safety_rails.py \
  tests/test_import_errors.py tests/test_import_spawn.py tests/test_i18n.py \
  tests/test_crash.py tests/test_plaintext_at_rest.py

test-pg: install system-deps
	@if ! $(PY) -m tests.pgcluster; then \
	  echo "!!!!!!!! make test-pg: SKIPPED, PostgreSQL cannot start on this machine (above) !!!!!!!!"; \
	  exit 0; fi; \
	start=$$(date +%s); PIPLVAULT_TEST_DB=postgresql $(BIN)/pytest -n 2 --dist loadscope -q \
	  --durations=25 $(PG_TESTS); rc=$$?; \
	echo "make test-pg: $$(( $$(date +%s) - start )) s wall time"; exit $$rc

lint: install
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/ruff check src tests bench examples

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

bench: install
	$(PY) bench/run.py
	$(PY) bench/api_bench.py
	$(PY) bench/console_bench.py

examples: install
	$(PY) examples/generate.py

clean:
	rm -rf $(DEMO) .pytest_cache .mypy_cache .ruff_cache
