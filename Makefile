# Two commands do all the set-up (see README):
#   make build   installs anthology in .venv and builds the bundled Serge volume into build/
#   make test    installs the test dependencies and runs every test, validators included
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= build

.PHONY: build test install install-test clean golden

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

build: install
	$(BIN)/anthology build -o $(OUT)

test: install-test
	$(BIN)/python -m pytest

golden: install-test
	$(BIN)/python -m pytest --update-golden

clean:
	rm -rf $(VENV) $(OUT) dist
