# The two commands: `make demo` runs the pipeline on the embedded default,
# `make test` runs the whole test suite (and the linters). Both set up .venv themselves.

PYTHON ?= python3
# Python keeps the modules it compiles (__pycache__, ignored by git) even where the
# environment asks it not to, as CI's does: the suite starts hundreds of Python processes
# (test workers, commands, sends) and each would compile the project's modules again, and
# the test workers rewrite every test module's assertions again.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cksum package-lock.json | cut -d' ' -f1)
# Four pytest processes on the two cores, each test file in one (its module fixtures made
# once): while a test waits for the processes, relays and browsers it drives, the others
# fill the cores, busy to the end (six are no faster). `-n 0` in PYTEST_ARGS: one process.
PYTEST_WORKERS := -n 4 --dist loadfile

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/newsletter demo --scheduler 8

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The linters run beside the tests, at the lowest priority, their report printed after the
# tests': mypy (30 s of processor on a fresh clone, without its cache) takes the moments the
# tests leave a core idle instead of running after them. Both must pass.
test: $(STAMP) $(NODE_STAMP)
	scripts/system-deps
	@report=$$(mktemp); \
	nice -n 19 $(MAKE) --no-print-directory lint > $$report 2>&1 & linting=$$!; \
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS); tested=$$?; \
	wait $$linting; linted=$$?; cat $$report; rm -f $$report; \
	test $$tested -eq 0 && test $$linted -eq 0

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
