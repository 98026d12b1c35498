# Two commands set up a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench parity clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev,fast]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/actcli compare --activations relu,sigmoid

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check actcli tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Optional: check actcli against real Keras (installs keras 3.15.1 and a local CPU torch 2.13.0).
parity: $(STAMP)
	$(BIN)/python -m pip install -q 'torch==2.13.0' 'keras==3.15.1'
	KERAS_BACKEND=torch $(BIN)/python -m pytest tests/parity -q

clean:
	rm -rf $(VENV) build *.egg-info
