# CoSA case management. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# make run is a local demo: debug on, SQLite and the filesystem broker under var/.
RUN_ENV := DJANGO_DEBUG=true DJANGO_SECURE_COOKIES=false

.PHONY: run test lint format venv migrate seed clean

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

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
