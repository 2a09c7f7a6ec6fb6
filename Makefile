# Quick start: `make run` (the baseline year and the cost of today's delay), `make test`.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench notebooks clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python 3.12+ found (see scripts/find-python)"; exit 1; }
	@test -x $(BIN)/python || { echo "make: creating a virtual environment in $(VENV)/ with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing calexico and its dependencies into $(VENV)/ (a few minutes the first time; log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(BIN)/python -m pip install -e '.[dev]' >> $(VENV)/install.log 2>&1 \
	  || { tail -n 30 $(VENV)/install.log; echo "make: the install failed; the whole log is $(VENV)/install.log"; exit 1; }
	@touch $(STAMP)
	@echo "make: installed"

run: $(STAMP)
	@echo "make: calexico run baseline --out results/baseline (the first run also compiles the queue kernel)"
	@$(BIN)/calexico run baseline --out results/baseline

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

notebooks: $(STAMP)
	$(BIN)/python scripts/execute-notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) results
