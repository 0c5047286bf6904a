# Two commands do all the set-up (see README):
#   make build   installs anthology in .venv and builds the bundled Serge volume into build/
#   make test    installs the test dependencies (Python and Ace by DAISY) and runs every test,
#                validators included
#   make test-fast  the tests that are neither slow nor external (EPUBCheck, Ace, Chromium,
#                poppler): under a minute, for while you work
#   make bench   installs the benchmark dependencies and compares anthology with a peer pipeline
#                (pandoc + WeasyPrint), and times rebuilds after an edit (a word, a title, a
#                page pushed); BENCH_ARGS="--runs 1 --volumes 1x" for a quick check
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= build
BENCH_ARGS ?=

.PHONY: build test test-fast install install-test clean golden bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# compileall: bytecode now, as a regular (not editable) install has it, even where
# PYTHONDONTWRITEBYTECODE would have every run compile the sources again
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q anthology

install-test: $(BIN)/python node_modules/.package-lock.json
	$(BIN)/pip install --quiet -e '.[test]'

# Ace by DAISY (accessibility checker), pinned in package-lock.json. Puppeteer must not
# fetch a browser of its own: the tests drive Debian's chromium.
node_modules/.package-lock.json: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

build: install
	$(BIN)/anthology build -o $(OUT)

test: install-test
	$(BIN)/python -m pytest

test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow and not external"

golden: install-test
	$(BIN)/python -m pytest --update-golden

# Figures for the README: median times and peak memory, written to build/bench.json too
bench: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m compileall -q anthology
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(OUT) dist node_modules
