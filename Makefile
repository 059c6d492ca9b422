# The two commands of the README: `make report` and `make test`. Each builds .venv from the
# pinned lock file when it is missing or older than the lock, with nothing installed by hand.
# The package itself is put on the path with a .pth file (the editable install, without a build).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

export PYTHONPATH :=
# Let Python cache bytecode in .venv as modules are first imported: compiling only what is used,
# once, is much faster than compiling every installed package up front.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: report test validate lint lab lock clean-venv bench

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' | xargs -I{} sh -c 'echo "$(CURDIR)/src" > {}/helpers-src.pth'
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

# Interactive use: JupyterLab in its own environment (.venv-lab), so that the report and test
# path (.venv) stays free of jupyterlab's dependency tree, which slows every notebook start.
LAB := .venv-lab
LAB_STAMP := $(LAB)/.installed

$(LAB_STAMP): requirements.lock requirements-lab.lock pyproject.toml
	rm -rf $(LAB)
	$(PYTHON) -m venv --without-pip $(LAB)
	$(PYTHON) -m pip --python $(LAB)/bin/python install --quiet uv==$(UV_VERSION)
	$(LAB)/bin/uv pip install --quiet --python $(LAB)/bin/python --require-hashes -r requirements.lock -r requirements-lab.lock
	$(LAB)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' | xargs -I{} sh -c 'echo "$(CURDIR)/src" > {}/helpers-src.pth'
	$(LAB)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(LAB_STAMP)

# Extra options for JupyterLab, e.g. make lab LAB_ARGS="--port 8899 --no-browser"; as root (in a
# container or a cloud machine) --allow-root is added, since JupyterLab refuses to start otherwise.
LAB_ARGS ?=
lab: $(LAB_STAMP)
	$(LAB)/bin/jupyter lab notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# Re-pin every dependency (needs the package registry).
lock: $(STAMP)
	$(BIN)/uv pip compile requirements.in -o requirements.lock --python-version 3.11 --generate-hashes --no-header -q
	$(BIN)/uv pip compile requirements-lab.in -o requirements-lab.lock --python-version 3.11 --generate-hashes --no-header -q

clean-venv:
	rm -rf $(VENV)

# Speed and scale, printed with their targets (takes a few minutes).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py
