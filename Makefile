# inquire: install, run on the bundled corpus, test. Everything goes into ./.venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
QUESTION ?= Who is South Yorkshire Police's single point of contact for the ISVA service?
# Debian packages inquire and its tests need: tesseract-ocr reads scanned PDF pages; the web pages'
# browser tests drive Debian's chromium through Playwright (Playwright's own browser download is not used). One apt-get update, only when one is missing.
APT_PACKAGES ?= chromium tesseract-ocr
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-packages demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch 2.13.0 first (a local CPU wheel): anything else would pull GBs of CUDA packages.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,web]'
	touch $@

install: $(VENV)/.installed

system-packages:
	@missing="$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

demo: install system-packages
	$(BIN)/inquire index
	$(BIN)/inquire ask "$(QUESTION)" --k 2

test: install system-packages
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check indexer query evaluation inquire tests scripts
	$(BIN)/ruff format --check indexer query evaluation inquire tests scripts
	$(BIN)/python scripts/mypy_layout.py

# mypy on the package as installed (indexer/ as inquire.indexer, ...): a symlinked layout in build/mypy
typecheck: install
	$(BIN)/python scripts/mypy_layout.py

clean:
	rm -rf $(VENV) build *.egg-info
