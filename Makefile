# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make demo   set up, then run the whole job on embedded defaults (real Tryton, two local shops, one hub)
#   make test   set up, then run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench setup system clean

demo: setup
	$(BIN)/courroie demo

test: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

setup: system $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages the tests use: PostgreSQL (the production store), Chromium (the console in a browser).
system:
	@bash scripts/system-packages.sh

clean:
	rm -rf $(VENV) .demo var
