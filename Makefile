# inquire: install, run on the bundled corpus, test. Everything goes into ./.venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
QUESTION ?= Who is South Yorkshire Police's single point of contact for the ISVA service?

.PHONY: install demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch 2.13.0 first (a local CPU wheel): anything else would pull GBs of CUDA packages.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/inquire index
	$(BIN)/inquire ask "$(QUESTION)" --k 2

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check indexer query evaluation inquire tests scripts

clean:
	rm -rf $(VENV) build *.egg-info
