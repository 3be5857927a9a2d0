# CoSA case management. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# make run is a local demo: debug on, SQLite and the filesystem broker under var/.
RUN_ENV := DJANGO_DEBUG=true DJANGO_SECURE_COOKIES=false

.PHONY: run test e2e lint format venv migrate seed clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

migrate: venv
	mkdir -p var
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

run: seed
	@$(RUN_ENV) $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	@trap 'kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(BIN)/celery -A cosa worker --beat --loglevel=INFO --concurrency=1 \
		--schedule var/celerybeat-schedule & \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

# Browser tests (README "Browser tests"): Playwright drives Debian's Chromium
# (/usr/bin/chromium, never a downloaded browser) against a live server on the
# database in DATABASE_URL (.ci/run: PostgreSQL; unset: SQLite in var/e2e/), with
# axe-core from npm (e2e/package-lock.json). Screenshots go to e2e-screenshots/.
E2E_ENV := DJANGO_DEBUG=false DJANGO_SECURE_COOKIES=false DJANGO_SECURE_SSL_REDIRECT=false \
	DJANGO_HSTS_SECONDS=0 DJANGO_EMAIL_URL=locmem:// COSA_VAR_DIR=$(CURDIR)/var/e2e \
	DJANGO_SECRET_KEY=e2e-only-secret-key-not-used-anywhere-else-0123456789
e2e: venv
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p var/e2e
	$(E2E_ENV) $(BIN)/python manage.py migrate --noinput
	$(E2E_ENV) $(BIN)/pytest -c e2e/pytest.ini --rootdir=. e2e $(E2E_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var

# Issue 10: national-scale data and the benchmark, on PostgreSQL (DATABASE_URL).
# `make scale SCALE=0.1` makes a tenth; `make bench` prints per-page p50/p95 beside the
# framework floor, and last `bench: pages=N worst_page=... worst_ratio=Z errors=E`.
SCALE ?= 1
BENCH_ARGS ?= --clients 4 --seconds 60
.PHONY: scale bench
scale: venv
	@test -n "$(DATABASE_URL)" || { echo "make scale: set DATABASE_URL to a PostgreSQL database"; exit 2; }
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py generate_scale --scale $(SCALE) --reset

bench: venv
	@test -n "$(DATABASE_URL)" || { echo "make bench: set DATABASE_URL to a PostgreSQL database"; exit 2; }
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py bench --generate $(SCALE) $(BENCH_ARGS)
