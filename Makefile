# Everything a person runs. `make run` serves the site; `make test` passes the suite.
# Both set up from scratch on a fresh clone and reuse what exists on later runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := DEBUG=$${DEBUG:-1} $(BIN)/python manage.py

.PHONY: run test setup venv browser lint format clean serve deploy-check loadtest

run: setup  ## Serve the site on http://127.0.0.1:8000/ (SQLite unless DATABASE_URL is set)
	$(MANAGE) runserver 127.0.0.1:8000

test: setup browser  ## The whole suite, on the database DATABASE_URL names (SQLite by default)
	DEBUG=$${DEBUG:-1} $(BIN)/pytest

setup: venv  ## Migrate and load the curated corpus into an empty database
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) load_corpus

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

browser:  ## Debian's Chromium for the browser tests
	scripts/install-chromium

lint: venv  ## ruff, migrations in step with models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MAKE) --no-print-directory deploy-check

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

serve: venv  ## Production: gunicorn + whitenoise, DEBUG off; needs SECRET_KEY and ALLOWED_HOSTS
	scripts/serve

# Production settings with dummy secrets and HTTPS on: every deployment warning is an error.
deploy-check: venv
	DEBUG=0 SECRET_KEY=deploy-check-only-7Qx2mVr9LpZt4sWk8NbYc3HgJd6FaEu5RoTi1 \
	ALLOWED_HOSTS=claims.example.org HTTPS=1 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

loadtest: venv  ## wrk against `make serve` on 127.0.0.1 (not part of `make test`); see docs/reliability.md
	scripts/loadtest
