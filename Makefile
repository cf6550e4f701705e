# evalkit: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help setup demo test bench clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install evalkit with its dev extra

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: setup ## Show Baotou's framework and score METHOD.md §7's worked example
	$(BIN)/evalkit framework baotou
	$(BIN)/evalkit score baotou 2022H1 --data-dir data/baotou/examples/method_7 \
		--applicability data/baotou/examples/method_7/applicability.csv

test: setup ## Run the test suite
	$(BIN)/python -m pytest

bench: setup ## Run the scale benchmarks
	$(BIN)/python benchmarks/bench_scoring.py

clean: ## Remove .venv and outputs/
	rm -rf $(VENV) outputs
