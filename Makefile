# silkroutes-remit — `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# `make run` serves the bundled data; `make run COLLECT=1` also runs the collection
# scheduler in-process, which fetches live prices and rates from the sources' real hosts.
COLLECT ?= 0

.PHONY: run test lint typecheck demo install clean bench axe audio

# The environment is installed by uv (the same versions pip resolves, in about a seventh of
# the time: 13 s against 46 s on a fresh clone here); by pip when uv cannot be had.
# UV_NATIVE_TLS: uv trusts the system's certificates, as pip does here.
UV_VERSION ?= 0.13.8
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	if $(BIN)/pip install --quiet uv==$(UV_VERSION); then \
	  UV_NATIVE_TLS=1 $(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[test]'; \
	else \
	  echo "uv could not be installed: installing with pip (slower)"; \
	  $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[test]'; \
	fi
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/remit db upgrade
	$(BIN)/remit demo --if-empty
	@# The lessons' computer voice is made beside the server (minutes on a first start; only
	@# lessons whose text changed later); a lesson page offers its audio once the file is whole.
	@echo "lesson audio: generating in the background (log: data/lesson-audio.log)"
	@($(BIN)/remit lessons audio > data/lesson-audio.log 2>&1 &)
	$(BIN)/remit serve --host $(HOST) --port $(PORT) $(if $(filter 1,$(COLLECT)),--scheduler,--no-scheduler)

# Lessons read by a computer voice (espeak-ng + opusenc), generated, never committed.
audio: $(BIN)/.installed
	-$(BIN)/remit lessons audio

demo: $(BIN)/.installed
	$(BIN)/remit demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# axe-core (npm) for the browser accessibility tests; without npm those tests skip, a failed
# install fails here with npm's message (tests/web/install_axe.sh honours the system npmrc).
AXE_VERSION ?= 4.14.1
axe:
	@if command -v npm >/dev/null 2>&1; then AXE_VERSION=$(AXE_VERSION) tests/web/install_axe.sh; \
	else echo "npm not found: the axe checks will skip (or fail with REMIT_REQUIRE_BROWSER=1)"; fi

# Two test processes; the tests of a module in tests/conftest.py ONE_PROCESS stay on one of
# them (its fixture starts its own server); the 25 slowest steps and the time of the slow
# suites are printed.
# The code is compiled first: with PYTHONDONTWRITEBYTECODE set (this machine) every server
# and `remit` process a test starts would otherwise compile all of it again (~4 s of CPU each).
# mypy and the lesson checker run beside the tests at a low priority (nice 15: they take the
# CPU the two workers leave idle, about a third of it, and yield it to the tests, some of
# which wait on servers they start): their output is printed after the tests' and either
# failing fails the run, as when they ran before and after it.
test: lint axe
	$(BIN)/python -m compileall -q -j 0 remit api web scrapers
	@mkdir -p $(VENV)/checks; \
	( nice -n 15 $(BIN)/mypy > $(VENV)/checks/mypy.out 2>&1; echo $$? > $(VENV)/checks/mypy.rc ) & \
	( nice -n 15 $(BIN)/remit lessons check --ci > $(VENV)/checks/lessons.out 2>&1; \
	  echo $$? > $(VENV)/checks/lessons.rc ) & \
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=25 $(PYTEST_ARGS) || { \
	  echo "== the failed tests once more, alone (a test that passes only here leaks into others)"; \
	  $(BIN)/python -m pytest -p no:xdist --last-failed --last-failed-no-failures none $(PYTEST_ARGS); }; \
	tests=$$?; wait; \
	echo "== mypy"; cat $(VENV)/checks/mypy.out; \
	echo "== remit lessons check --ci"; cat $(VENV)/checks/lessons.out; \
	[ $$tests -eq 0 ] && [ "$$(cat $(VENV)/checks/mypy.rc)" = 0 ] \
	  && [ "$$(cat $(VENV)/checks/lessons.rc)" = 0 ]

bench: $(BIN)/.installed
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
