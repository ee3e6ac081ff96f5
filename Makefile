# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make demo   set up, then run the whole job on embedded defaults (real Tryton, two local shops, one hub)
#   make test   set up, then run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench setup system clean messages

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

# The console's messages: extract them, then add the new ones to the French catalogue (translate the empty ones).
PO := src/courroie/interfaces/web/locale/fr/LC_MESSAGES/courroie.po
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --omit-header -o var/messages.pot .
	[ -f $(PO) ] && $(BIN)/pybabel update -i var/messages.pot -o $(PO) -l fr --no-fuzzy-matching --omit-header \
	  || $(BIN)/pybabel init -i var/messages.pot -o $(PO) -l fr

clean:
	rm -rf $(VENV) .demo var
