# Everything a person runs. `make run` serves the site; `make test` passes the suite.
# Both set up from scratch on a fresh clone and reuse what exists on later runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := DEBUG=$${DEBUG:-1} $(BIN)/python manage.py

.PHONY: run test setup venv browser lint format clean serve deploy-check loadtest bench

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

# The benchmark (minutes; not part of `make test`). BENCH_CLAIMS=1000000
# BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_bench for the 1M run on PostgreSQL.
BENCH_CLAIMS ?= 100000
BENCH_DATABASE_URL ?=

bench: venv $(VENV)/.bench-installed  ## Generate a corpus, serve it with gunicorn, measure: takes minutes
	@echo "make bench: $(BENCH_CLAIMS) claims; generating and measuring takes several minutes."
	$(BIN)/python benchmarks/run.py --claims $(BENCH_CLAIMS) $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))

$(VENV)/.bench-installed: requirements-bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@
