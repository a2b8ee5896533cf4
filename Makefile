# Learning Portal. Quick start: `make run` (serve the demo), `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PYTHON

# `make run`: plain HTTP on loopback, so cookies cannot be Secure-only here; never use these in production.
RUN_ENV := PORTAL_DEMO=true PORTAL_COOKIE_SECURE=false PORTAL_TWO_FACTOR_REQUIRED_ROLES='[]'

.PHONY: run test lint lock setup serve bench clean

run: $(VENV)/.runtime node_modules/.installed
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi content import
	$(RUN_ENV) $(BIN)/flask --app wsgi demo load
	$(RUN_ENV) $(BIN)/flask --app wsgi demo videos
	@echo "Serving on http://127.0.0.1:5000 (demo accounts: officer, dispatcher, instructor, manager, admin / demo-password)"
	@echo "E-mail the portal sends is written to instance/mail/*.eml (set PORTAL_SMTP_URL to send it)"
	$(RUN_ENV) $(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

# Production-like: gunicorn (2 workers), a separate credit poster, a separate mail sender and, where an LRS is
# configured, a separate xAPI sender; settings from PORTAL_* in the environment.
serve: $(VENV)/.runtime
	$(BIN)/flask --app wsgi db upgrade
	PORTAL_CREDIT_POSTER=external $(BIN)/portal-credits-worker & pids=$$!; \
	  PORTAL_MAIL_SENDER=external $(BIN)/portal-mail-worker & pids="$$pids $$!"; \
	  if [ -n "$$PORTAL_XAPI_LRS_URL" ]; then $(BIN)/portal-xapi-worker & pids="$$pids $$!"; fi; \
	  (while true; do $(BIN)/flask --app wsgi notify run; sleep 3600; done) & pids="$$pids $$!"; \
	  trap 'kill $$pids' EXIT; \
	  PORTAL_CREDIT_POSTER=external PORTAL_XAPI_SENDER=external PORTAL_MAIL_SENDER=external PORTAL_NOTICE_SCHEDULER=external $(BIN)/gunicorn -w $${WEB_CONCURRENCY:-2} -k gthread --threads 4 \
	    -b $${BIND:-127.0.0.1:8000} --no-control-socket --access-logfile - wsgi:app

test: $(VENV)/.dev node_modules/.installed
	scripts/system-packages.sh test
	$(MAKE) lint
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# Benchmarks against a throwaway PostgreSQL on loopback; bounded in size and time. Writes bench/results/.
bench: $(VENV)/.dev
	scripts/system-packages.sh bench
	mkdir -p bench/results
	$(BIN)/python -m bench.poster --markdown bench/results/poster.md
	$(BIN)/python -m bench.compliance --markdown bench/results/compliance.md
	$(BIN)/python -m bench.imports --rows 100000 --markdown bench/results/imports.md
	$(BIN)/python -m bench.notify --people 100000 --agencies 600 --markdown bench/results/notify.md
	$(BIN)/python -m bench.http --people 10000 --agencies 60 --records-per-person 50 --markdown bench/results/http-10k.md
	$(BIN)/python -m bench.http --people 100000 --agencies 600 --records-per-person 50 --markdown bench/results/http-100k.md

lint: $(VENV)/.dev
	$(BIN)/ruff check learning_portal tests migrations bench app.py wsgi.py
	$(BIN)/lint-imports

setup: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt pyproject.toml
	scripts/system-packages.sh run
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .  # portal-credits-worker
	touch $@

# Browser libraries (hls.js) from package-lock.json; installed, never committed.
node_modules/.installed: package.json package-lock.json
	scripts/system-packages.sh npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

# Re-pin after editing requirements*.in (hashed, no registry URLs; needs `uv`).
lock:
	UV_PYTHON_DOWNLOADS=never uv pip compile -q --python-version 3.11 --generate-hashes requirements.in -o requirements.txt
	UV_PYTHON_DOWNLOADS=never uv pip compile -q --python-version 3.11 --generate-hashes requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
