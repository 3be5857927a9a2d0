# CoSA case management. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# SQLite, the filesystem broker and e-mails (var/mail/) live here; COSA_VAR_DIR moves them.
VAR_DIR := $(or $(COSA_VAR_DIR),$(CURDIR)/var)
# make run is a local demo: debug on, the development tools (demo data) installed.
RUN_ENV := DJANGO_DEBUG=true DJANGO_SECURE_COOKIES=false COSA_DEVTOOLS=true COSA_VAR_DIR=$(VAR_DIR)

.PHONY: run demo-logins test e2e lint format venv migrate seed clean

# The first run downloads and installs the requirements (about a minute); pip shows
# each package as it goes.
$(BIN)/.installed: requirements.txt
	@echo "==> Python virtualenv in $(VENV)/"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> Installing the requirements (first run only: about a minute)"
	$(BIN)/pip install --progress-bar off --upgrade pip
	$(BIN)/pip install --progress-bar off -r requirements.txt
	touch $@

venv: $(BIN)/.installed

migrate: venv
	@echo "==> Database migrations ($(VAR_DIR)/)"
	@mkdir -p $(VAR_DIR)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	@echo "==> Fictional demo data (first run only: about half a minute)"
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

# The demo logins with fresh backup codes; works while `make run` is serving.
demo-logins: seed
	@$(RUN_ENV) $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/

# The server and a Celery worker with beat, under one supervisor (devtools/run.py):
# Ctrl-C stops both, and everything they started, within a few seconds.
run: seed
	@$(RUN_ENV) $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	@echo "==> Serving http://$(HOST):$(PORT)/ with a Celery worker and beat; Ctrl-C stops both."
	@echo "    E-mails are written to $(VAR_DIR)/mail/, one file each."
	@$(RUN_ENV) $(BIN)/python -m devtools.run --host $(HOST) --port $(PORT) --var-dir $(VAR_DIR)

# The suite runs in parallel processes (pytest-xdist), one per core unless
# TEST_WORKERS says otherwise (TEST_WORKERS=0: one process). --dist loadfile keeps
# each test module on one process: its module-scoped data is built once, and the
# two tests that share var/test-make-run/ (one module) never run at the same time.
# --no-loadscope-reorder hands the modules out in the order conftest.py collects
# them: the longest (LONGEST_MODULES) first, then by number of tests, so that no
# process is left running a long module alone at the end.
# `.venv/bin/pytest path` still runs a file in one process.
TEST_WORKERS ?= auto
test: venv
	COSA_DEVTOOLS=true $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Browser tests (README "Browser tests"): Playwright drives Debian's Chromium
# (/usr/bin/chromium, never a downloaded browser) against a live server on the
# database in DATABASE_URL (.ci/run: PostgreSQL; unset: SQLite in var/e2e/), with
# axe-core from npm (e2e/package-lock.json). Screenshots go to e2e-screenshots/.
E2E_ENV := DJANGO_DEBUG=false COSA_DEVTOOLS=true DJANGO_SECURE_COOKIES=false DJANGO_SECURE_SSL_REDIRECT=false \
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

# National-scale data and the benchmark (development tools), on PostgreSQL (DATABASE_URL).
# `make scale SCALE=0.1` makes a tenth; `make bench` prints each page's service time (alone,
# one client) and p50/p95 under concurrent clients beside the framework floor, a login
# burst, and last `bench: pages=N worst_service_page=... errors=E logins_per_s=L`
# (README "National scale and the benchmark").
SCALE ?= 1
BENCH_ARGS ?= --clients 4 --seconds 60
.PHONY: scale bench
scale: venv
	@test -n "$(DATABASE_URL)" || { echo "make scale: set DATABASE_URL to a PostgreSQL database"; exit 2; }
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true COSA_DEVTOOLS=true $(BIN)/python manage.py generate_scale --scale $(SCALE) --reset

bench: venv
	@test -n "$(DATABASE_URL)" || { echo "make bench: set DATABASE_URL to a PostgreSQL database"; exit 2; }
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true COSA_DEVTOOLS=true $(BIN)/python manage.py bench --generate $(SCALE) $(BENCH_ARGS)

# Backups (README "Backup and restore"), on PostgreSQL: DATABASE_URL, and the passphrase
# in a file named by COSA_BACKUP_PASSPHRASE_FILE (never in the repository).
# `make backup BACKUP_DIR=/srv/backups` writes one encrypted archive there;
# `make restore ARCHIVE=...` restores it into the fresh, empty database in DATABASE_URL
# and runs `manage.py check_restore` on it.
BACKUP_DIR ?= $(VAR_DIR)/backups
.PHONY: backup restore check-restore worker-drill
backup:
	ops/backup.sh $(BACKUP_DIR)

restore: venv
	@test -n "$(ARCHIVE)" || { echo "make restore: set ARCHIVE to a cosa-backup-*.tar.gpg"; exit 2; }
	ops/restore.sh $(ARCHIVE)

check-restore: venv
	$(BIN)/python manage.py check_restore $(CHECK_RESTORE_ARGS)

# Real workers killed and cut off from the database (README "What the workers
# guarantee"): DATABASE_URL (a migrated PostgreSQL database of its own) and REDIS_URL.
worker-drill: venv
	DJANGO_DEBUG=true $(BIN)/python ops/worker_drill.py
