# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench faults clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=true $(BIN)/python manage.py load_templates
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# One worker per core (pytest-xdist); tests that share something outside the database are
# grouped onto one worker with xdist_group.
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Page speed at 100 and 10,000 patients on PostgreSQL (docs/performance.md). Needs wrk.
bench: $(STAMP)
	$(BIN)/python bench/perf.py

# The fault suite (docs/load.md): PostgreSQL restarted, Redis stopped, one of two app servers
# behind HAProxy killed, and a backup drill. As root, on 127.0.0.1; not part of `make test`.
faults: $(STAMP)
	$(BIN)/python bench/faults.py postgres
	$(BIN)/python bench/faults.py redis
	$(BIN)/python bench/faults.py proxy
	$(BIN)/python bench/faults.py backup

clean:
	rm -rf $(VENV) db.sqlite3
