# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

LOCK := requirements/lock.txt
PIP_TOOLS := pip-tools==7.7.0

.PHONY: run test lint bench bench-floor load faults lock clean

# The venv holds exactly the lock: every package, direct and transitive, checked against its
# hashes; then the project itself, editable, without dependencies, built by the lock's
# setuptools. Made anew (--clear) whenever the lock or pyproject.toml changes.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Rewrites the lock from pyproject.toml (dependencies, the dev extra and the build backend) for
# Python 3.11 on Linux. Indirect dependencies keep the versions already in the lock while the
# pins allow; `make lock LOCK_ARGS=--upgrade` moves them to their newest releases. pip-compile
# lives in a venv of its own inside .venv, so that the project's venv holds only the lock.
LOCK_ARGS ?=
lock:
	test -x $(VENV)/pip-tools/bin/pip-compile || \
		{ $(PYTHON) -m venv $(VENV)/pip-tools && \
		  $(VENV)/pip-tools/bin/pip install --quiet '$(PIP_TOOLS)'; }
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/pip-tools/bin/pip-compile --quiet \
		--generate-hashes --allow-unsafe --strip-extras --extra dev \
		--build-deps-for editable --no-emit-index-url --no-emit-find-links \
		$(LOCK_ARGS) --output-file $(LOCK) pyproject.toml

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
	$(BIN)/lint-imports

# Page speed at 100 and 10,000 patients on PostgreSQL, with throughput under gunicorn
# (docs/performance.md). Needs PostgreSQL, Redis and wrk. Seeds the two databases when they are
# missing (about 2.5 minutes) and reuses them after; options go in BENCH_ARGS, e.g. the large
# run `make bench BENCH_ARGS="--requests 200 --wrk-seconds 10"` (bench/perf.py --help).
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/perf.py --reuse $(BENCH_ARGS)

# Where the uncached home's cost lies under gunicorn, against pages that do part of its work
# (bench/floor.py; about 2 minutes, on the set `make bench` seeded).
bench-floor: $(STAMP)
	$(BIN)/python bench/floor.py

# The load test (docs/load.md): 40 Locust users (bench/locustfile.py) for 60 s against gunicorn
# and PostgreSQL on 127.0.0.1, then every acknowledged injection and check-in checked against the
# database. Options go in LOAD_ARGS, e.g. `make load LOAD_ARGS="--users 10 --seconds 30"`.
LOAD_ARGS ?=
load: $(STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# The fault suite (docs/load.md): PostgreSQL restarted, Redis stopped, one of two app servers
# behind HAProxy killed, and a backup drill. As root, on 127.0.0.1; not part of `make test`.
faults: $(STAMP)
	$(BIN)/python bench/faults.py postgres
	$(BIN)/python bench/faults.py redis
	$(BIN)/python bench/faults.py proxy
	$(BIN)/python bench/faults.py backup

clean:
	rm -rf $(VENV) db.sqlite3
