# The two commands of the README: `make report` and `make test`. Each builds .venv from the
# pinned lock file when it is missing or older than the lock, with nothing installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

export PYTHONPATH :=

.PHONY: report test validate lint lab lock clean-venv bench

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

validate: $(STAMP)
	$(BIN)/python -m helpers validate data

report: $(STAMP)
	$(BIN)/python -m helpers report --data data --out figures

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m helpers codebook data --check
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# Interactive use: adds jupyterlab (not needed by report or test).
lab: $(STAMP)
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode -r requirements-lab.lock
	$(BIN)/jupyter lab

# Re-pin every dependency (needs the package registry).
lock: $(STAMP)
	$(BIN)/uv pip compile requirements.in -o requirements.lock --python-version 3.11 --generate-hashes --no-header -q
	$(BIN)/uv pip compile requirements-lab.in -o requirements-lab.lock --python-version 3.11 --generate-hashes --no-header -q

clean-venv:
	rm -rf $(VENV)

# Speed and scale, printed with their targets (takes a few minutes).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py
